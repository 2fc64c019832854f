"""Home per role: what the sandbox is and where to start."""

from sandbox import ui
from sandbox.uow import UnitOfWork
from tests import factories
from tests.app.helpers import en, new_app, run, titles


def test_instructor_home_lists_their_classes_with_codes(app_db: UnitOfWork) -> None:
    teacher = factories.instructor(app_db)
    room = factories.classroom(app_db, teacher)
    at = run(new_app(actor=teacher))

    assert titles(at) == [en("home.title", name="Wang Fang")]
    (table,) = at.dataframe
    assert list(table.value[en("class.enrollment_code")]) == [room.enrollment_code]
    assert [p.label for p in at.get("page_link")] == [en("home.go_classes")]


def test_instructor_home_without_classes_says_where_to_start(app_db: UnitOfWork) -> None:
    at = run(new_app(actor=factories.instructor(app_db)))
    assert [i.value for i in at.info] == [en("home.no_classes")]


def test_student_home_shows_their_class_and_their_own_world(app_db: UnitOfWork) -> None:
    room = factories.classroom(app_db, factories.instructor(app_db))
    ann = run(new_app(actor=factories.student(app_db, room, "ann")))
    bob = run(new_app(actor=factories.student(app_db, room, "bob")))

    assert en("home.your_class", name=ui.plain(room.name)) in [h.value for h in ann.subheader]
    captions = [c.value for c in ann.caption]
    assert {en("home.world_company"), en("home.world_contact"), en("home.world_phone")} <= set(captions)
    ann_world = [m.value for m in ann.markdown if m.value.startswith("**")]
    bob_world = [m.value for m in bob.markdown if m.value.startswith("**")]
    assert ann_world and ann_world != bob_world  # each student their own data
    assert not ann.dataframe  # no class list, no enrollment codes
    assert room.enrollment_code not in repr(ann.main)
