"""First-run setup, logging in and out, the slow-down after failures, and login sessions."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from sandbox import events
from sandbox.errors import DomainError
from sandbox.identity import services
from sandbox.identity.models import LoginSession, User
from sandbox.identity.services import LOCK_AFTER, MAX_LOCK, lock_remaining
from tests import factories
from tests.factories import PASSWORD
from tests.integration.helpers import changes_nothing, events_of, fetch, refused


def setup(uow, username="Boss", password=PASSWORD, confirm=PASSWORD, language="zh_CN", full_name="Li Lei"):
    return services.setup_first_instructor(
        uow, username=username, full_name=full_name, password=password, password_confirm=confirm, language=language
    )


# ----------------------------------------------------------------------------- first run


def test_first_run_setup_creates_the_first_instructor_in_their_language(uow):
    with uow.read() as s:
        assert not services.instructor_exists(s)
    boss = setup(uow)
    assert boss.is_instructor
    assert (boss.username, boss.full_name, boss.language) == ("Boss", "Li Lei", "zh_CN")
    with uow.read() as s:
        assert services.instructor_exists(s)
    [done] = events_of(uow, "setup.completed")
    assert done.actor_id == boss.user_id


def test_setup_can_happen_only_once(uow):
    setup(uow)
    with changes_nothing(uow), refused("setup.done"):
        setup(uow, username="intruder", full_name="Mallory")
    with uow.read() as s:
        assert s.scalars(select(User.username)).all() == ["Boss"]


def test_setup_screens_submitted_at_once_create_one_instructor(uow):
    answers: list[str] = []
    start = threading.Barrier(4)

    def submit(i: int) -> None:
        start.wait()
        try:
            setup(uow, username=f"boss{i}")
            answers.append("created")
        except DomainError as err:
            answers.append(err.code)
        except Exception as exc:  # reported below
            answers.append(repr(exc))

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(answers) == ["created", "setup.done", "setup.done", "setup.done"]
    with uow.read() as s:
        assert len(s.scalars(select(User.id)).all()) == 1


def test_setup_with_mismatched_passwords_creates_nobody(uow):
    with changes_nothing(uow), refused("input.password_mismatch"):
        setup(uow, confirm=PASSWORD + "x")
    with uow.read() as s:
        assert not services.instructor_exists(s)


def test_setup_has_no_default_password_a_short_one_is_refused(uow):
    with changes_nothing(uow), refused("input.password_short", min=8):
        setup(uow, password="admin", confirm="admin")


# ----------------------------------------------------------------------------- login


def test_login_gives_a_token_and_logs_the_login(uow):
    boss = setup(uow)
    result = services.login(uow, username="Boss", password=PASSWORD)
    assert result.actor.user_id == boss.user_id
    assert len(result.token) >= 32
    [ok] = events_of(uow, "login.succeeded")
    assert (ok.actor_id, ok.subject) == (boss.user_id, "boss")


def test_login_name_ignores_case_and_full_width_letters(uow):
    boss = setup(uow)
    for typed in ("boss", "BOSS", "ＢＯＳＳ", " Boss "):
        assert services.login(uow, username=typed, password=PASSWORD).actor.user_id == boss.user_id


def test_wrong_password_and_unknown_user_get_the_same_answer_after_the_same_work(uow, monkeypatch):
    setup(uow)
    verified: list[str | None] = []
    real_verify = services.verify_password

    def counting_verify(stored_hash, password):
        verified.append(stored_hash)
        return real_verify(stored_hash, password)

    monkeypatch.setattr(services, "verify_password", counting_verify)
    answers = []
    for name in ("Boss", "nobody"):
        with refused("auth.bad_credentials") as info:
            services.login(uow, username=name, password="wrong-password-1")
        answers.append((info.value.code, info.value.field, info.value.params))
    assert answers[0] == answers[1]
    assert len(verified) == 2, "an unknown user must cost one password verification too"
    assert [e.subject for e in events_of(uow, "login.failed")] == ["boss", "nobody"]


def test_empty_credentials_are_bad_credentials(uow):
    setup(uow)
    for name, password in (("", PASSWORD), ("Boss", ""), (None, None)):
        with refused("auth.bad_credentials"):
            services.login(uow, username=name, password=password)


def test_a_huge_or_control_char_login_is_just_a_failed_login(uow):
    setup(uow)
    for name in ("x" * 100_000, "Boss\x00", "<script>alert(1)</script>"):
        with refused("auth.bad_credentials"):
            services.login(uow, username=name, password="p" * 10_000)


def test_repeated_failures_slow_down_that_user_name_even_for_the_right_password(uow):
    boss = setup(uow)
    ann = factories.student(uow, factories.classroom(uow, boss), "ann")
    for _ in range(LOCK_AFTER):
        with refused("auth.bad_credentials"):
            services.login(uow, username="BOSS", password="guess-guess")
    with refused("auth.slow_down") as info:
        services.login(uow, username="boss", password=PASSWORD)
    assert 0 < info.value.params["seconds"] <= 31
    # Another user name is not affected.
    assert services.login(uow, username="ann", password=PASSWORD).actor.user_id == ann.user_id


def test_guessing_unknown_user_names_is_slowed_down_the_same_way(uow):
    setup(uow)
    for _ in range(LOCK_AFTER):
        with refused("auth.bad_credentials"):
            services.login(uow, username="ghost", password="guess-guess")
    with refused("auth.slow_down"):
        services.login(uow, username="ghost", password="guess-guess")


T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def failed_at(uow, key, *moments):
    with uow.write() as s:
        for at in moments:
            events.record(s, "login.failed", subject=key).at = at


def remaining(uow, key, now):
    with uow.read() as s:
        return lock_remaining(s, key, now=now)


def test_the_delay_starts_at_the_fifth_failure_and_expires(uow):
    seconds = [T0 + timedelta(seconds=i) for i in range(LOCK_AFTER)]
    failed_at(uow, "ann", *seconds[:-1])
    assert remaining(uow, "ann", seconds[-2]) == 0  # four failures: no delay yet
    failed_at(uow, "ann", seconds[-1])
    last = seconds[-1]
    assert 30 <= remaining(uow, "ann", last) <= 31
    assert 20 <= remaining(uow, "ann", last + timedelta(seconds=10)) <= 21
    assert remaining(uow, "ann", last + timedelta(seconds=31)) == 0
    assert remaining(uow, "bob", last) == 0


def test_the_delay_doubles_with_each_further_failure_up_to_the_cap(uow):
    failed_at(uow, "ann", *(T0 + timedelta(seconds=i) for i in range(LOCK_AFTER)))
    now = T0 + timedelta(seconds=LOCK_AFTER - 1)
    delays = [remaining(uow, "ann", now)]
    for _ in range(4):  # each further failure comes just after the previous delay expired
        now += timedelta(seconds=delays[-1] + 1)
        assert remaining(uow, "ann", now) == 0
        failed_at(uow, "ann", now)
        delays.append(remaining(uow, "ann", now))
    assert [d // 30 for d in delays] == [1, 2, 4, 8, 16]
    failed_at(uow, "ann", *(now + timedelta(seconds=i) for i in range(1, 10)))
    cap = MAX_LOCK.total_seconds()
    assert cap <= remaining(uow, "ann", now + timedelta(seconds=9)) <= cap + 1


def test_old_failures_and_a_successful_login_reset_the_count(uow):
    failed_at(uow, "ann", *(T0 + timedelta(seconds=i) for i in range(LOCK_AFTER - 1)))
    later = T0 + timedelta(minutes=20)
    failed_at(uow, "ann", later)
    assert remaining(uow, "ann", later) == 0  # the first four fell out of the window

    failed_at(uow, "bob", *(later + timedelta(seconds=i) for i in range(LOCK_AFTER - 1)))
    with uow.write() as s:
        events.record(s, "login.succeeded", subject="bob").at = later + timedelta(seconds=5)
    failed_at(uow, "bob", later + timedelta(seconds=6))
    assert remaining(uow, "bob", later + timedelta(seconds=6)) == 0


# ----------------------------------------------------------------------------- sessions


def test_the_token_resumes_the_login_after_a_refresh_and_only_its_hash_is_stored(uow):
    boss = setup(uow)
    result = services.login(uow, username="boss", password=PASSWORD)
    again = services.resume(uow, result.token)
    assert again is not None and again.user_id == boss.user_id and again.language == "zh_CN"
    with uow.read() as s:
        stored = s.scalars(select(LoginSession.token_hash)).all()
    assert stored == [hashlib.sha256(result.token.encode()).hexdigest()]
    assert result.token not in stored


def test_unknown_empty_or_huge_tokens_resume_nothing(uow):
    setup(uow)
    services.login(uow, username="boss", password=PASSWORD)
    for token in (None, "", "not-a-token", "x" * 10_000):
        assert services.resume(uow, token) is None


def test_logout_ends_only_this_browsers_login(uow):
    setup(uow)
    laptop = services.login(uow, username="boss", password=PASSWORD)
    phone = services.login(uow, username="boss", password=PASSWORD)
    services.logout(uow, laptop.actor, laptop.token)
    assert services.resume(uow, laptop.token) is None
    assert services.resume(uow, phone.token) is not None
    assert len(events_of(uow, "logout")) == 1


def test_someone_elses_logout_cannot_end_my_session(uow):
    boss = setup(uow)
    ann = factories.student(uow, factories.classroom(uow, boss), "ann")
    mine = services.login(uow, username="boss", password=PASSWORD)
    services.logout(uow, ann, mine.token)
    assert services.resume(uow, mine.token) is not None


def test_an_expired_session_does_not_resume(uow):
    setup(uow)
    result = services.login(uow, username="boss", password=PASSWORD)
    with uow.write() as s:
        s.execute(update(LoginSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert services.resume(uow, result.token) is None


def test_sessions_last_two_weeks(uow):
    setup(uow)
    services.login(uow, username="boss", password=PASSWORD)
    [row] = fetch(uow, select(LoginSession))
    assert row.expires_at - row.created_at == services.SESSION_LIFETIME == timedelta(days=14)
