"""First run: no instructor exists, so every visitor gets the one-time setup screen."""

import pytest

from sandbox.identity.models import LoginSession, User
from sandbox.uow import UnitOfWork
from tests import factories
from tests.app.helpers import count, en, errors, fill, new_app, run, submit, successes, titles


def test_first_run_shows_only_the_setup_screen(app_db: UnitOfWork) -> None:
    at = run(new_app())
    assert titles(at) == [en("setup.title")]
    assert at.text_input(key="setup_username").label == en("field.username")
    # nothing else is registered yet: not even the login page
    for page in ("views/login.py", "views/register.py", "views/home.py", "views/classes.py"):
        with pytest.raises(ValueError):
            at.switch_page(page)


def test_setup_form_creates_the_instructor_and_logs_in(app_db: UnitOfWork) -> None:
    at = run(new_app())
    fill(at, setup_username="teacher", setup_full_name="Wang Fang",
         setup_password=factories.PASSWORD, setup_confirm=factories.PASSWORD)
    submit(at, "setup_form")

    assert titles(at) == [en("home.title", name="Wang Fang")]
    assert successes(at) == [en("setup.created")]
    actor = at.session_state["actor"]
    assert (actor.username, actor.role) == ("teacher", "instructor")
    assert count(app_db, User) == 1
    assert count(app_db, LoginSession) == 1
    # the browser is told to keep the login token in the cookie
    assert at.session_state["cookie_op"] == at.session_state["login_token"]


def test_setup_with_mismatched_passwords_shows_the_error_and_creates_nobody(app_db: UnitOfWork) -> None:
    at = run(new_app())
    fill(at, setup_username="teacher", setup_full_name="Wang Fang",
         setup_password=factories.PASSWORD, setup_confirm="something-else-1")
    submit(at, "setup_form")

    assert errors(at) == [en("input.password_mismatch")]
    assert titles(at) == [en("setup.title")]
    assert "actor" not in at.session_state
    assert count(app_db, User) == 0


def test_setup_view_refuses_once_an_instructor_exists(app_db: UnitOfWork) -> None:
    factories.instructor(app_db)
    at = run(new_app("views/setup.py"))
    assert [i.value for i in at.info] == [en("setup.done")]
    assert not at.text_input
