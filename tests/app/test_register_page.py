"""A student joins a class with the enrollment code."""

from sandbox import ui
from sandbox.identity.models import Membership, User
from sandbox.uow import UnitOfWork
from tests import factories
from tests.app.helpers import count, en, errors, fill, new_app, run, submit, successes, titles


def _open_register(app_db: UnitOfWork):
    at = run(new_app())
    at.switch_page("views/register.py")
    run(at)
    assert titles(at) == [en("register.title")]
    return at


def test_register_with_the_code_joins_the_class_and_logs_in(app_db: UnitOfWork) -> None:
    room = factories.classroom(app_db, factories.instructor(app_db))
    at = _open_register(app_db)
    fill(at, reg_code=room.enrollment_code.lower(), reg_username="hanmm", reg_full_name="Han Meimei",
         reg_number="2026001", reg_password=factories.PASSWORD, reg_confirm=factories.PASSWORD)
    submit(at, "register_form")

    assert titles(at) == [en("home.title", name="Han Meimei")]
    assert successes(at) == [en("register.done")]
    assert en("home.your_class", name=ui.plain(room.name)) in [h.value for h in at.subheader]
    actor = at.session_state["actor"]
    assert (actor.role, actor.class_id) == ("student", room.id)


def test_register_with_a_wrong_code_shows_the_error_and_creates_nobody(app_db: UnitOfWork) -> None:
    factories.classroom(app_db, factories.instructor(app_db))
    at = _open_register(app_db)
    fill(at, reg_code="WRONG123", reg_username="hanmm", reg_full_name="Han Meimei",
         reg_password=factories.PASSWORD, reg_confirm=factories.PASSWORD)
    submit(at, "register_form")

    assert errors(at) == [en("class.bad_code")]
    assert titles(at) == [en("register.title")]
    assert "actor" not in at.session_state
    assert count(app_db, User, User.role == "student") == 0
    assert count(app_db, Membership, Membership.role == "student") == 0


def test_register_with_a_taken_user_name_names_it(app_db: UnitOfWork) -> None:
    room = factories.classroom(app_db, factories.instructor(app_db))
    factories.student(app_db, room, "hanmm")
    at = _open_register(app_db)
    fill(at, reg_code=room.enrollment_code, reg_username="HANMM", reg_full_name="Other",
         reg_password=factories.PASSWORD, reg_confirm=factories.PASSWORD)
    submit(at, "register_form")

    assert errors(at) == [en("identity.username_taken", username="HANMM")]
    assert count(app_db, User, User.role == "student") == 1


def test_script_in_a_name_is_shown_as_text(app_db: UnitOfWork) -> None:
    room = factories.classroom(app_db, factories.instructor(app_db))
    at = _open_register(app_db)
    name = "<script>alert(1)</script>"
    fill(at, reg_code=room.enrollment_code, reg_username="evil", reg_full_name=name,
         reg_password=factories.PASSWORD, reg_confirm=factories.PASSWORD)
    submit(at, "register_form")

    assert titles(at) == [en("home.title", name=ui.plain(name))]  # escaped: shown as text, never markup
    assert all(name not in h.proto.body for h in at.get("html"))  # never inside the one st.html (the cookie)
