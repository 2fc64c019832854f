"""Instructor: list instructors and add one (who gets a first-login password)."""

from sandbox.identity.models import User
from sandbox.uow import UnitOfWork
from tests import factories
from tests.app.helpers import count, en, errors, fill, new_app, run, submit, successes, titles


def _instructors_page(app_db: UnitOfWork):
    at = run(new_app(actor=factories.instructor(app_db)))
    at.switch_page("views/instructors.py")
    run(at)
    assert titles(at) == [en("instructors.title")]
    return at


def test_add_an_instructor_shows_the_first_login_password_once(app_db: UnitOfWork) -> None:
    at = _instructors_page(app_db)
    fill(at, add_instr_username="zhangwei", add_instr_full_name="Zhang Wei")
    submit(at, "add_instructor_form")

    assert successes(at) == [en("instructors.added", username="zhangwei")]
    (code,) = at.code
    assert code.value == at.session_state["new_instructor"].password
    with app_db.read() as s:
        user = s.query(User).filter_by(username="zhangwei").one()
        assert (user.role, user.must_change_password) == ("instructor", True)


def test_a_taken_user_name_is_refused(app_db: UnitOfWork) -> None:
    at = _instructors_page(app_db)
    fill(at, add_instr_username="ＴＥＡＣＨＥＲ", add_instr_full_name="Copy")  # full-width = the same name
    submit(at, "add_instructor_form")

    assert errors(at) == [en("identity.username_taken", username="TEACHER")]
    assert count(app_db, User) == 1
