"""My account (password, language) and what instructors do to accounts (reset, add instructor)."""

from __future__ import annotations

from sqlalchemy import select

from sandbox.identity import queries, services
from sandbox.identity.models import User
from tests import factories
from tests.factories import PASSWORD
from tests.integration.helpers import changes_nothing, events_of, fetch, refused

NEW = "a-new-secret-2"


def password_hash(uow, user_id):
    with uow.read() as s:
        return s.scalar(select(User.password_hash).where(User.id == user_id))


# ----------------------------------------------------------------------------- change password


def test_change_password_replaces_the_old_one(uow):
    boss = factories.instructor(uow)
    services.change_password(uow, boss, old=PASSWORD, new=NEW, confirm=NEW)
    assert services.login(uow, username="teacher", password=NEW).actor.user_id == boss.user_id
    with refused("auth.bad_credentials"):
        services.login(uow, username="teacher", password=PASSWORD)
    [changed] = events_of(uow, "password.changed")
    assert changed.actor_id == boss.user_id


def test_change_password_with_a_wrong_old_password_changes_nothing(uow):
    boss = factories.instructor(uow)
    before = password_hash(uow, boss.user_id)
    with changes_nothing(uow), refused("auth.bad_old_password", field="old_password"):
        services.change_password(uow, boss, old="not-my-password", new=NEW, confirm=NEW)
    assert password_hash(uow, boss.user_id) == before


def test_the_new_password_must_differ_from_the_old_one(uow):
    boss = factories.instructor(uow)
    with changes_nothing(uow), refused("auth.same_password", field="new_password"):
        services.change_password(uow, boss, old=PASSWORD, new=PASSWORD, confirm=PASSWORD)


def test_the_new_password_must_be_typed_twice_the_same(uow):
    boss = factories.instructor(uow)
    before = password_hash(uow, boss.user_id)
    with changes_nothing(uow), refused("input.password_mismatch", field="new_password_confirm"):
        services.change_password(uow, boss, old=PASSWORD, new=NEW, confirm=NEW + "!")
    assert password_hash(uow, boss.user_id) == before


def test_the_new_password_must_be_long_enough_and_not_huge(uow):
    boss = factories.instructor(uow)
    with refused("input.password_short", min=8, field="new_password"):
        services.change_password(uow, boss, old=PASSWORD, new="short", confirm="short")
    with refused("input.password_short"):
        services.change_password(uow, boss, old=PASSWORD, new=" " * 12, confirm=" " * 12)
    huge = "p" * 129
    with refused("input.too_long", max=128):
        services.change_password(uow, boss, old=PASSWORD, new=huge, confirm=huge)


# ----------------------------------------------------------------------------- language


def test_language_choice_is_stored_for_the_account(uow):
    boss = factories.instructor(uow)
    assert boss.language == "en"
    switched = services.set_language(uow, boss, "zh_CN")
    assert switched.language == "zh_CN"
    assert services.login(uow, username="teacher", password=PASSWORD).actor.language == "zh_CN"
    [chosen] = events_of(uow, "language.set")
    assert chosen.data == {"language": "zh_CN"}


def test_an_unknown_language_is_refused(uow):
    boss = factories.instructor(uow)
    for bad in ("fr", "", "zh-CN<script>", None):
        with changes_nothing(uow), refused("input.bad_language", field="language"):
            services.set_language(uow, boss, bad)
    assert services.login(uow, username="teacher", password=PASSWORD).actor.language == "en"


# ----------------------------------------------------------------------------- instructor resets a password


def test_a_password_reset_hands_out_a_first_login_password_and_ends_old_logins(uow):
    boss = factories.instructor(uow)
    room = factories.classroom(uow, boss)
    ann = factories.student(uow, room, "ann", number="2026001")
    laptop = services.login(uow, username="ann", password=PASSWORD)

    issued = services.reset_student_password(uow, boss, room.id, ann.user_id)

    assert (issued.username, issued.student_number) == ("ann", "2026001")
    assert services.resume(uow, laptop.token) is None
    with refused("auth.bad_credentials"):
        services.login(uow, username="ann", password=PASSWORD)
    fresh = services.login(uow, username="ann", password=issued.password).actor
    assert fresh.must_change_password
    after = services.change_password(uow, fresh, old=issued.password, new=NEW, confirm=NEW)
    assert not after.must_change_password
    [reset] = events_of(uow, "password.reset")
    assert (reset.actor_id, reset.class_id, reset.subject) == (boss.user_id, room.id, "ann")


def test_only_a_teacher_of_the_class_resets_its_students_passwords(uow):
    boss = factories.instructor(uow)
    other = factories.instructor(uow, "other", "Zhao Min")
    room = factories.classroom(uow, boss)
    ann = factories.student(uow, room, "ann")
    bob = factories.student(uow, room, "bob")
    before = password_hash(uow, ann.user_id)
    with changes_nothing(uow):
        with refused("class.not_found"):
            services.reset_student_password(uow, other, room.id, ann.user_id)
        with refused("auth.forbidden"):
            services.reset_student_password(uow, bob, room.id, ann.user_id)
        with refused("class.no_such_student"):
            services.reset_student_password(uow, boss, room.id, other.user_id)
    assert password_hash(uow, ann.user_id) == before


# ----------------------------------------------------------------------------- instructors


def test_an_instructor_adds_an_instructor_who_must_change_the_first_password(uow):
    boss = factories.instructor(uow)
    issued = services.add_instructor(uow, boss, username="Zhao", full_name="<b>Zhao</b> Min")
    first = services.login(uow, username="zhao", password=issued.password).actor
    assert first.is_instructor and first.must_change_password
    with uow.read() as s:
        assert [row.full_name for row in queries.instructors(s, boss)] == ["Wang Fang", "<b>Zhao</b> Min"]
    [added] = events_of(uow, "instructor.added")
    assert (added.actor_id, added.subject) == (boss.user_id, "zhao")


def test_adding_an_instructor_twice_with_one_request_id_adds_one(uow):
    boss = factories.instructor(uow)
    services.add_instructor(uow, boss, username="zhao", full_name="Zhao Min", request_id="form-1")
    with changes_nothing(uow), refused("request.duplicate"):
        services.add_instructor(uow, boss, username="zhao", full_name="Zhao Min", request_id="form-1")


def test_an_instructor_name_taken_in_another_case_is_refused(uow):
    boss = factories.instructor(uow)
    with changes_nothing(uow), refused("identity.username_taken", field="username", username="TEACHER"):
        services.add_instructor(uow, boss, username="TEACHER", full_name="Copy Cat")


def test_a_student_cannot_add_an_instructor_or_see_the_instructors(uow):
    boss = factories.instructor(uow)
    ann = factories.student(uow, factories.classroom(uow, boss), "ann")
    with changes_nothing(uow), refused("auth.forbidden"):
        services.add_instructor(uow, ann, username="mallory", full_name="Mallory")
    with uow.read() as s:
        assert queries.instructors(s, ann) == []
    assert [u.username for u in fetch(uow, select(User).where(User.role == "instructor"))] == ["teacher"]
