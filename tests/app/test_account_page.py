"""My account: first-login password change (the only page until done), change password, log out."""

import pytest

from sandbox.identity import services
from sandbox.identity.models import LoginSession
from sandbox.uow import UnitOfWork
from tests import factories
from tests.app.helpers import count, en, errors, fill, new_app, run, submit, successes, titles, warnings


@pytest.fixture
def pending(app_db: UnitOfWork):
    """A roster-imported student who still has the first-login password."""
    teacher = factories.instructor(app_db)
    room = factories.classroom(app_db, teacher)
    (issued,) = services.import_roster(app_db, teacher, room.id, "2026001,李雷\n")
    return issued


def _login(username: str, password: str):
    at = run(new_app())
    fill(at, login_username=username, login_password=password)
    return submit(at, "login_form")


def test_must_change_password_user_sees_only_the_account_page(app_db: UnitOfWork, pending) -> None:
    at = _login(pending.username, pending.password)

    assert titles(at) == [en("account.title")]
    assert warnings(at) == [en("account.must_change")]
    for page in ("views/home.py", "views/classes.py", "views/instructors.py", "views/login.py"):
        with pytest.raises(ValueError):
            at.switch_page(page)


def test_pending_user_opening_home_directly_is_sent_to_change_the_password(app_db: UnitOfWork, pending) -> None:
    actor = _login(pending.username, pending.password).session_state["actor"]
    at = run(new_app("views/home.py", actor=actor))
    assert warnings(at) == [en("auth.change_password_first")]
    assert not titles(at)


def test_changing_the_first_login_password_opens_the_other_pages(app_db: UnitOfWork, pending) -> None:
    at = _login(pending.username, pending.password)
    fill(at, pw_old=pending.password, pw_new="my-own-secret-9", pw_confirm="my-own-secret-9")
    submit(at, "password_form")

    assert successes(at) == [en("account.password_changed")]
    assert not at.session_state["actor"].must_change_password
    at.switch_page("views/home.py")
    run(at)
    assert titles(at) == [en("home.title", name="李雷")]
    services.login(app_db, username=pending.username, password="my-own-secret-9")  # the new one works


def test_a_wrong_current_password_is_refused(app_db: UnitOfWork, pending) -> None:
    at = _login(pending.username, pending.password)
    fill(at, pw_old="wrong-password", pw_new="my-own-secret-9", pw_confirm="my-own-secret-9")
    submit(at, "password_form")

    assert errors(at) == [en("auth.bad_old_password")]
    assert at.session_state["actor"].must_change_password
    services.login(app_db, username=pending.username, password=pending.password)  # unchanged


def test_logout_button_on_the_account_page(app_db: UnitOfWork) -> None:
    factories.instructor(app_db)
    at = _login("teacher", factories.PASSWORD)
    at.switch_page("views/account.py")
    run(at)
    assert titles(at) == [en("account.title")]
    at.button(key="account_logout").click()
    run(at)

    assert titles(at) == [en("login.title")]
    assert count(app_db, LoginSession, LoginSession.revoked_at.is_(None)) == 0
