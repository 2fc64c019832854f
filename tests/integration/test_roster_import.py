"""An instructor imports a roster CSV: all lines or none, each new student with a first-login password."""

from __future__ import annotations

from sqlalchemy import select

from sandbox.identity import queries, services
from sandbox.identity.models import User
from tests import factories
from tests.factories import PASSWORD
from tests.integration.helpers import changes_nothing, events_of, fetch, refused


def class_with_teacher(uow):
    boss = factories.instructor(uow)
    return boss, factories.classroom(uow, boss)


def roster_names(uow, boss, room):
    with uow.read() as s:
        return [(r.student_number, r.full_name, r.username) for r in queries.roster(s, boss, room.id)]


def test_an_imported_roster_hands_out_first_login_passwords(uow):
    boss, room = class_with_teacher(uow)
    issued = services.import_roster(uow, boss, room.id, "学号,姓名\n2026001,张三\n2026002,李四,lisi\n")
    assert [(p.student_number, p.full_name, p.username) for p in issued] == [
        ("2026001", "张三", "2026001"),
        ("2026002", "李四", "lisi"),
    ]
    assert roster_names(uow, boss, room) == [("2026001", "张三", "2026001"), ("2026002", "李四", "lisi")]
    first = services.login(uow, username="lisi", password=issued[1].password).actor
    assert first.must_change_password and first.class_id == room.id
    [imported] = events_of(uow, "class.roster_imported")
    assert (imported.actor_id, imported.class_id, imported.data["count"]) == (boss.user_id, room.id, 2)


def test_first_login_passwords_differ_between_students(uow):
    boss, room = class_with_teacher(uow)
    issued = services.import_roster(uow, boss, room.id, "".join(f"20260{i:02d},S{i}\n" for i in range(6)))
    assert len({p.password for p in issued}) == 6
    assert all(len(p.password) >= 8 for p in issued)


def test_chinese_excel_bytes_with_or_without_bom_import_alike(uow):
    boss, room = class_with_teacher(uow)
    services.import_roster(uow, boss, room.id, "学号,姓名\n2026001,张三\n".encode("gb18030"))
    services.import_roster(uow, boss, room.id, "\ufeff学号,姓名\n2026002,李四\n".encode())
    assert roster_names(uow, boss, room) == [("2026001", "张三", "2026001"), ("2026002", "李四", "2026002")]


def test_a_bad_line_3_leaves_lines_1_and_2_unimported(uow):
    boss, room = class_with_teacher(uow)
    with changes_nothing(uow), refused("roster.columns", line=3):
        services.import_roster(uow, boss, room.id, "2026001,Ann\n2026002,Bob\n2026003\n")
    assert roster_names(uow, boss, room) == []


def test_a_taken_user_name_on_line_3_leaves_lines_1_and_2_unimported(uow):
    boss, room = class_with_teacher(uow)
    factories.student(uow, factories.classroom(uow, boss, name="other"), "cai")
    with changes_nothing(uow), refused("roster.username_taken", line=3, username="CAI"):
        services.import_roster(uow, boss, room.id, "2026001,Ann\n2026002,Bob\n2026003,Cai Hong,CAI\n")
    assert roster_names(uow, boss, room) == []


def test_the_same_user_name_twice_in_one_file_is_refused_at_the_second(uow):
    boss, room = class_with_teacher(uow)
    with changes_nothing(uow), refused("roster.username_taken", line=2):
        services.import_roster(uow, boss, room.id, "2026001,Ann,ann\n2026002,Another Ann,ＡＮＮ\n")


def test_a_duplicate_number_in_the_file_is_refused(uow):
    boss, room = class_with_teacher(uow)
    with changes_nothing(uow), refused("roster.duplicate", line=3, other=1):
        services.import_roster(uow, boss, room.id, "2026001,Ann\n2026002,Bob\n2026001,Cai\n")


def test_a_number_already_in_the_class_is_refused(uow):
    boss, room = class_with_teacher(uow)
    factories.student(uow, room, "ann", number="2026001")
    with changes_nothing(uow), refused("roster.number_in_class", line=2, number="2026001"):
        services.import_roster(uow, boss, room.id, "2026002,Bob\n2026001,Ann Again,ann2\n")


def test_the_same_numbers_may_be_imported_into_another_class(uow):
    boss, room = class_with_teacher(uow)
    other = factories.classroom(uow, boss, name="B")
    services.import_roster(uow, boss, room.id, "2026001,Ann,ann\n")
    services.import_roster(uow, boss, other.id, "2026001,Bob,bob\n")
    assert roster_names(uow, boss, other) == [("2026001", "Bob", "bob")]


def test_submitting_the_same_import_twice_imports_once(uow):
    boss, room = class_with_teacher(uow)
    services.import_roster(uow, boss, room.id, "2026001,Ann\n", request_id="upload-1")
    with changes_nothing(uow), refused("roster.already_imported"):
        services.import_roster(uow, boss, room.id, "2026002,Bob\n", request_id="upload-1")


def test_names_with_html_are_imported_as_text(uow):
    boss, room = class_with_teacher(uow)
    services.import_roster(uow, boss, room.id, '2026001,"<img src=x onerror=alert(1)>"\n')
    assert roster_names(uow, boss, room) == [("2026001", "<img src=x onerror=alert(1)>", "2026001")]


def test_only_the_classes_teacher_imports(uow):
    _, room = class_with_teacher(uow)
    ann = factories.student(uow, room, "ann")
    other = factories.instructor(uow, "other", "Zhao Min")
    with changes_nothing(uow):
        with refused("auth.forbidden"):
            services.import_roster(uow, ann, room.id, "2026009,Mallory\n")
        with refused("class.not_found"):
            services.import_roster(uow, other, room.id, "2026009,Mallory\n")
    assert services.login(uow, username="ann", password=PASSWORD).actor.class_id == room.id
    assert [u.username for u in fetch(uow, select(User).order_by(User.id))] == ["teacher", "ann", "other"]
