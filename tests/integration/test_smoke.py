from sandbox.identity import queries
from tests import factories


def test_instructor_creates_class_and_student_joins(uow):
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    ann = factories.student(uow, room, "ann")
    assert ann.class_id == room.id
    with uow.read() as s:
        [row] = queries.roster(s, teacher, room.id)
    assert row.username == "ann"
