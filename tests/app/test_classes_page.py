"""Instructor: create a class and read its code; import a roster (all or nothing); reset a password."""

import pytest

from sandbox.identity.models import Classroom, Membership, User
from sandbox.uow import UnitOfWork
from tests import factories
from tests.app.helpers import count, en, errors, fill, new_app, run, submit, successes, titles


@pytest.fixture
def teacher(app_db: UnitOfWork):
    return factories.instructor(app_db)


def _classes_page(teacher, tab: str | None = None):
    at = run(new_app(actor=teacher))
    at.switch_page("views/classes.py")
    run(at)
    assert titles(at) == [en("classes.title")]
    if tab:  # only the open tab runs (st.tabs on_change="rerun")
        at.session_state["classes_tabs"] = en(tab)
        run(at)
    return at


def _metric(at, key: str) -> str:
    (value,) = [m.value for m in at.metric if m.label == en(key)]
    return value


def test_first_visit_offers_the_new_class_form(app_db: UnitOfWork, teacher) -> None:
    at = _classes_page(teacher)
    assert [i.value for i in at.info] == [en("home.no_classes")]
    assert at.text_input(key="new_class_name").label == en("class.name")
    assert not at.metric


def test_instructor_creates_a_class_and_sees_its_enrollment_code(app_db: UnitOfWork, teacher) -> None:
    at = _classes_page(teacher)
    fill(at, new_class_name="EC-2026 B")
    at.selectbox(key="new_class_language").select("zh_CN")
    at.number_input(key="new_class_seed").set_value(7)
    submit(at, "new_class_form")

    with app_db.read() as s:
        room = s.query(Classroom).one()
        code, room_id = room.enrollment_code, room.id
        assert (room.name, room.language, room.seed, room.owner_id) == ("EC-2026 B", "zh_CN", 7, teacher.user_id)
    assert successes(at) == [en("classes.created", name="EC-2026 B", code=code)]
    assert at.selectbox(key="selected_class").value == room_id
    assert _metric(at, "class.enrollment_code") == code
    assert _metric(at, "class.students") == "0"
    assert [i.value for i in at.info] == [en("classes.empty_roster")]  # the roster tab; the others are closed
    assert at.get("file_uploader") == []  # the import tab's form did not even run


def test_a_class_without_a_name_is_refused(app_db: UnitOfWork, teacher) -> None:
    at = _classes_page(teacher)
    submit(at, "new_class_form")
    assert errors(at) == [en("input.required", field=en("field.name"))]
    assert count(app_db, Classroom) == 0


def test_roster_with_a_bad_line_names_the_line_and_imports_nothing(app_db: UnitOfWork, teacher) -> None:
    factories.classroom(app_db, teacher)
    at = _classes_page(teacher, "classes.import")
    roster = "学号,姓名\n2026001,李雷\n2026002\n2026003,韩梅梅\n".encode()
    at.get("file_uploader")[0].set_value(("roster.csv", roster, "text/csv"))
    submit(at, "roster_form")

    assert errors(at) == [en("roster.columns", line=3)]
    assert count(app_db, Membership, Membership.role == "student") == 0
    assert count(app_db, User, User.role == "student") == 0
    assert "issued_passwords" not in at.session_state


def test_a_good_roster_issues_first_login_passwords(app_db: UnitOfWork, teacher) -> None:
    room = factories.classroom(app_db, teacher)
    at = _classes_page(teacher, "classes.import")
    at.get("file_uploader")[0].set_value(("roster.csv", "2026001,李雷\n2026002,韩梅梅\n".encode(), "text/csv"))
    submit(at, "roster_form")

    assert not errors(at)
    assert en("classes.issued", count=2) in successes(at)
    issued = at.session_state["issued_passwords"]
    assert [(p.student_number, p.full_name) for p in issued] == [("2026001", "李雷"), ("2026002", "韩梅梅")]
    assert _metric(at, "class.students") == "2"
    assert count(app_db, Membership, Membership.class_id == room.id, Membership.role == "student") == 2
    assert at.get("download_button")  # the passwords as a CSV


def test_importing_without_a_file_asks_for_one(app_db: UnitOfWork, teacher) -> None:
    factories.classroom(app_db, teacher)
    at = _classes_page(teacher, "classes.import")
    submit(at, "roster_form")
    assert errors(at) == [en("input.required", field=en("field.roster"))]


def test_reset_password_issues_a_new_first_login_password(app_db: UnitOfWork, teacher) -> None:
    room = factories.classroom(app_db, teacher)
    student = factories.student(app_db, room, "lilei", number="2026001")
    at = _classes_page(teacher, "classes.reset_password")
    assert at.selectbox(key="reset_student").value == student.user_id
    submit(at, "reset_form")

    (issued,) = at.session_state["issued_passwords"]
    assert issued.username == "lilei"
    with app_db.read() as s:
        assert s.get(User, student.user_id).must_change_password


def test_another_instructors_class_is_not_listed(app_db: UnitOfWork, teacher) -> None:
    factories.classroom(app_db, teacher, name="Mine")
    other = factories.instructor(app_db, username="zhang", full_name="Zhang Wei")
    factories.classroom(app_db, other, name="Theirs")
    at = _classes_page(other)
    assert at.selectbox(key="selected_class").options == ["Theirs"]
