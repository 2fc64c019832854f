"""Instructor: create a class and read its code; import a roster (all or nothing); reset a password."""

import pytest

from sandbox import ui
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


# ----------------------------------------------------------------------------- reset and archive (issue 7)


def _world(app_db: UnitOfWork, teacher):
    """A class where Ann did EMAIL003 (mailboxes, mail, a bot partner)."""
    from sandbox.bots import BotWorld
    from sandbox.scenarios.loader import load_directory
    from sandbox.scenarios.runs import run_golden

    room = factories.classroom(app_db, teacher)
    ann = factories.student(app_db, room, "ann", "Ann Li", number="2026001")
    run_golden(BotWorld(app_db, room.id, ann), load_directory(), "EMAIL003", set())
    return room, ann


def _mail_rows(app_db: UnitOfWork, class_id: int) -> int:
    from sandbox.email.models import Mailbox

    return count(app_db, Mailbox, Mailbox.class_id == class_id)


def test_reset_tab_explains_offers_the_export_first_and_refuses_a_wrong_name(app_db: UnitOfWork, teacher) -> None:
    room, _ann = _world(app_db, teacher)
    at = _classes_page(teacher, "reset.tab")
    assert [w.value for w in at.warning] == [en("reset.explain")]
    assert at.button(key="reset_prepare").label == en("archive.prepare")
    assert at.checkbox(key="reset_keep_roster").value is True
    fill(at, reset_confirm="EC-2026")
    submit(at, "reset_class_form")
    assert errors(at) == [en("reset.confirm_mismatch", name=ui.plain("EC-2026 A"))]
    assert _mail_rows(app_db, room.id) > 0


def test_reset_with_the_class_name_empties_the_world_and_keeps_the_student(app_db: UnitOfWork, teacher) -> None:
    room, ann = _world(app_db, teacher)
    at = _classes_page(teacher, "reset.tab")
    fill(at, reset_confirm="EC-2026 A")
    submit(at, "reset_class_form")
    assert not errors(at)
    assert [s for s in successes(at) if s.startswith(f"Class “{ui.plain('EC-2026 A')}” was reset")]
    assert _mail_rows(app_db, room.id) == 0
    assert count(app_db, Membership, Membership.class_id == room.id, Membership.user_id == ann.user_id) == 1
    assert [i.value for i in at.info] == [en("reset.nothing")]


def test_export_then_import_makes_a_new_class(app_db: UnitOfWork, teacher, monkeypatch) -> None:
    from streamlit.runtime.media_file_manager import MediaFileManager

    got: dict[str, bytes] = {}
    original = MediaFileManager.add

    def add(self, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        if file_name and isinstance(path_or_data, bytes):
            got[file_name] = path_or_data
        return original(self, path_or_data, mimetype, coordinates, file_name, is_for_static_download)

    monkeypatch.setattr(MediaFileManager, "add", add)
    room, _ann = _world(app_db, teacher)
    at = _classes_page(teacher, "archive.tab")
    assert not at.get("download_button")
    at.button(key="archive_prepare").click()
    run(at)
    (name,) = got
    assert name.startswith("class-EC-2026-A-") and name.endswith(".zip") and got[name][:2] == b"PK"

    at.get("file_uploader")[0].set_value((name, got[name], "application/zip"))
    submit(at, "archive_form")
    assert not errors(at)
    assert count(app_db, Classroom) == 2
    with app_db.read() as s:
        new_id, new_name = s.query(Classroom.id, Classroom.name).filter(Classroom.id != room.id).one()
    assert new_name.startswith("EC-2026 A (imported 导入 ")
    assert at.selectbox(key="selected_class").value == new_id  # the new class is shown
    assert [x for x in successes(at) if x.startswith(f"Imported as the class “{ui.plain(new_name)}” — students: 1,")]


def test_importing_a_file_that_is_not_an_archive_says_so(app_db: UnitOfWork, teacher) -> None:
    factories.classroom(app_db, teacher)
    at = _classes_page(teacher, "archive.tab")
    at.get("file_uploader")[0].set_value(("roster.zip", b"2026001,Ann\n", "application/zip"))
    submit(at, "archive_form")
    assert errors(at) == [en("archive.not_zip")]
    assert count(app_db, Classroom) == 1
