"""Logging in: the real form, the wrong-password path in both languages, and logging out."""

from unittest.mock import patch

import pytest

from sandbox.identity import services
from sandbox.identity.models import LoginSession, User
from sandbox.ui import COOKIE
from sandbox.uow import UnitOfWork
from tests import factories
from tests.app.helpers import count, en, errors, fill, new_app, run, submit, titles, zh


@pytest.fixture
def teacher(app_db: UnitOfWork):
    return factories.instructor(app_db)


def test_after_setup_an_anonymous_visitor_gets_the_login_form(app_db: UnitOfWork, teacher) -> None:
    at = run(new_app())
    assert titles(at) == [en("login.title")]
    assert [p.label for p in at.get("page_link")] == [en("login.to_register"), en("learner.login_link")]


def test_login_with_the_real_form_opens_home(app_db: UnitOfWork, teacher) -> None:
    at = run(new_app())
    fill(at, login_username="Teacher", login_password=factories.PASSWORD)  # user names ignore case
    submit(at, "login_form")

    assert titles(at) == [en("home.title", name="Wang Fang")]
    assert at.session_state["actor"].user_id == teacher.user_id
    assert count(app_db, LoginSession) == 1
    assert not errors(at)
    # the browser is handed the login token as the sandbox_session cookie (survives a refresh)
    (script,) = at.get("html")
    assert f"sandbox_session={at.session_state['login_token']};" in script.proto.body
    assert "max-age=1209600" in script.proto.body


def test_a_valid_cookie_token_resumes_the_login(app_db: UnitOfWork, teacher) -> None:
    token = services.login(app_db, username="teacher", password=factories.PASSWORD).token
    with patch("sandbox.ui.st.context") as context:  # AppTest cannot seed cookies
        context.cookies = {COOKIE: token}
        context.locale = "en-US"
        at = run(new_app())
    assert titles(at) == [en("home.title", name="Wang Fang")]
    assert at.session_state["actor"].user_id == teacher.user_id


def test_a_revoked_or_forged_cookie_token_is_ignored(app_db: UnitOfWork, teacher) -> None:
    result = services.login(app_db, username="teacher", password=factories.PASSWORD)
    services.logout(app_db, result.actor, result.token)
    for token in (result.token, "forged-token", "x" * 500):
        with patch("sandbox.ui.st.context") as context:
            context.cookies = {COOKIE: token}
            context.locale = "en-US"
            at = run(new_app())
        assert titles(at) == [en("login.title")], token
        assert "actor" not in at.session_state


@pytest.mark.parametrize(("locale", "tr"), [("en-US", en), ("zh-CN", zh)])
@pytest.mark.parametrize("username", ["teacher", "nobody"])
def test_wrong_password_shows_the_same_error_in_the_session_language_and_changes_nothing(
    app_db: UnitOfWork, teacher, locale: str, tr, username: str
) -> None:
    with app_db.read() as s:
        before = s.get(User, teacher.user_id).password_hash
    at = run(new_app(locale=locale))
    fill(at, login_username=username, login_password="not-the-password")
    submit(at, "login_form")

    assert errors(at) == [tr("auth.bad_credentials")]  # same text whether or not the user exists
    assert titles(at) == [tr("login.title")]
    assert "actor" not in at.session_state
    assert "cookie_op" not in at.session_state
    assert count(app_db, LoginSession) == 0
    with app_db.read() as s:
        assert s.get(User, teacher.user_id).password_hash == before


def test_empty_login_form_gets_the_same_error(app_db: UnitOfWork, teacher) -> None:
    at = run(new_app())
    submit(at, "login_form")
    assert errors(at) == [en("auth.bad_credentials")]


def test_logout_from_the_sidebar_revokes_the_login(app_db: UnitOfWork, teacher) -> None:
    at = run(new_app())
    fill(at, login_username="teacher", login_password=factories.PASSWORD)
    submit(at, "login_form")
    at.button(key="nav_logout").click()
    run(at)

    assert titles(at) == [en("login.title")]
    assert "actor" not in at.session_state
    assert at.session_state["cookie_op"] == ""  # the browser is told to drop the cookie
    assert count(app_db, LoginSession, LoginSession.revoked_at.is_(None)) == 0
