"""Classes, enrollment by code, what people may type, and tenancy (one class never sees another)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sandbox.identity import queries, services
from sandbox.identity.models import Classroom, Membership, User
from tests import factories
from tests.factories import PASSWORD
from tests.integration.helpers import changes_nothing, events_of, fetch, refused, row_counts


def register(uow, code, username="ann", full_name="Ann Lee", number="", password=PASSWORD, confirm=PASSWORD):
    return services.register_student(
        uow,
        enrollment_code=code,
        username=username,
        full_name=full_name,
        password=password,
        password_confirm=confirm,
        student_number=number,
    )


def create(uow, actor, name="EC-2026 A", language="en", seed=42, request_id=None):
    return services.create_class(uow, actor, name=name, language=language, seed=seed, request_id=request_id)


# ----------------------------------------------------------------------------- create a class


def test_an_instructor_creates_a_class_with_an_enrollment_code(uow):
    boss = factories.instructor(uow)
    room = create(uow, boss, name="电子商务 2026 甲班", language="zh_CN", seed=" 7 ")
    assert (room.name, room.language, room.seed) == ("电子商务 2026 甲班", "zh_CN", 7)
    assert len(room.enrollment_code) == 8
    assert set(room.enrollment_code) <= set(services.CODE_ALPHABET)
    with uow.read() as s:
        [summary] = queries.classes_for(s, boss)
    assert (summary.id, summary.enrollment_code, summary.students) == (room.id, room.enrollment_code, 0)
    [created] = events_of(uow, "class.created")
    assert (created.actor_id, created.class_id) == (boss.user_id, room.id)


def test_every_class_gets_its_own_code(uow):
    boss = factories.instructor(uow)
    codes = {create(uow, boss, name=f"class {i}").enrollment_code for i in range(5)}
    assert len(codes) == 5


@pytest.mark.parametrize("seed", ["abc", "", None, "1.5", "-1", "2000000001", "1e3", 10**20])
def test_a_bad_world_seed_is_refused(uow, seed):
    boss = factories.instructor(uow)
    with changes_nothing(uow), refused("input.bad_seed", field="seed"):
        create(uow, boss, seed=seed)


def test_a_class_language_must_be_chinese_or_english(uow):
    boss = factories.instructor(uow)
    with changes_nothing(uow), refused("input.bad_language", field="language"):
        create(uow, boss, language="de")


def test_a_class_needs_a_name_of_sensible_length(uow):
    boss = factories.instructor(uow)
    with changes_nothing(uow):
        with refused("input.required", field="name"):
            create(uow, boss, name="   ")
        with refused("input.too_long", field="name", max=100):
            create(uow, boss, name="班" * 101)
        with refused("input.bad_chars", field="name"):
            create(uow, boss, name="EC\x1b[31m")


def test_the_same_request_id_twice_creates_one_class(uow):
    boss = factories.instructor(uow)
    first = create(uow, boss, request_id="render-1")
    before = row_counts(uow)
    again = create(uow, boss, request_id="render-1")
    assert (again.id, again.enrollment_code) == (first.id, first.enrollment_code)
    assert row_counts(uow) == before
    assert create(uow, boss, request_id="render-2").id != first.id


def test_a_student_cannot_create_a_class(uow):
    boss = factories.instructor(uow)
    ann = factories.student(uow, factories.classroom(uow, boss), "ann")
    with changes_nothing(uow), refused("auth.forbidden"):
        create(uow, ann)


# ----------------------------------------------------------------------------- join with a code

FULL_WIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}



def test_a_student_joins_the_class_whose_code_they_typed(uow):
    boss = factories.instructor(uow)
    room = factories.classroom(uow, boss)
    ann = register(uow, room.enrollment_code, number="2026001")
    assert (ann.role, ann.class_id, ann.must_change_password) == ("student", room.id, False)
    with uow.read() as s:
        [row] = queries.roster(s, boss, room.id)
    assert (row.username, row.full_name, row.student_number) == ("ann", "Ann Lee", "2026001")
    [joined] = events_of(uow, "class.student_registered")
    assert (joined.actor_id, joined.class_id) == (ann.user_id, room.id)


def test_the_code_may_be_typed_in_lowercase_with_a_dash_or_full_width(uow):
    boss = factories.instructor(uow)
    room = factories.classroom(uow, boss)
    code = room.enrollment_code
    typed = [f"{code[:4].lower()}-{code[4:].lower()}", f" {code[:4]} {code[4:]} ", code.translate(FULL_WIDTH)]
    for i, variant in enumerate(typed):
        assert register(uow, variant, username=f"student{i}").class_id == room.id


def test_a_wrong_code_joins_nothing(uow):
    boss = factories.instructor(uow)
    room = factories.classroom(uow, boss)
    wrong = "".join(reversed(room.enrollment_code))
    with changes_nothing(uow):
        with refused("class.bad_code", field="enrollment_code"):
            register(uow, wrong)
        with refused("class.bad_code"):
            register(uow, room.enrollment_code + "2")
        with refused("input.required", field="enrollment_code"):
            register(uow, "-- --")


def test_the_roster_shows_who_has_logged_in_and_who_must_change_a_first_password(uow):
    boss = factories.instructor(uow)
    room = factories.classroom(uow, boss)
    factories.student(uow, room, "ann", number="2026001")
    [issued] = services.import_roster(uow, boss, room.id, "2026002,Bob Wu,bob\n")
    services.login(uow, username="ann", password=PASSWORD)
    with uow.read() as s:
        ann, bob = queries.roster(s, boss, room.id)
    assert (ann.username, ann.last_login is not None, ann.must_change_password) == ("ann", True, False)
    assert (bob.username, bob.last_login, bob.must_change_password) == (issued.username, None, True)


def test_another_class_code_puts_the_student_in_that_class_only(uow):
    boss = factories.instructor(uow)
    room_a = factories.classroom(uow, boss, name="A")
    other = factories.instructor(uow, "other", "Zhao Min")
    room_b = factories.classroom(uow, other, name="B")
    ann = register(uow, room_b.enrollment_code)
    assert ann.class_id == room_b.id
    with uow.read() as s:
        assert queries.roster(s, boss, room_a.id) == []
        assert [r.username for r in queries.roster(s, other, room_b.id)] == ["ann"]
        with refused("class.not_found"):
            queries.class_summary(s, ann, room_a.id)


def test_a_student_number_is_unique_within_a_class_only(uow):
    boss = factories.instructor(uow)
    room_a = factories.classroom(uow, boss, name="A")
    room_b = factories.classroom(uow, boss, name="B")
    register(uow, room_a.enrollment_code, username="ann", number="2026001")
    with changes_nothing(uow), refused("class.number_taken", field="student_number", number="2026001"):
        register(uow, room_a.enrollment_code, username="bob", number="2026001")
    assert register(uow, room_b.enrollment_code, username="bob", number="2026001").class_id == room_b.id


@pytest.mark.parametrize("taken", ["Ann", "ANN", "ＡＮＮ", "ａｎｎ", " ann "])
def test_a_user_name_differing_only_in_case_or_width_is_taken(uow, taken):
    boss = factories.instructor(uow)
    room = factories.classroom(uow, boss)
    register(uow, room.enrollment_code, username="ann")
    with changes_nothing(uow), refused("identity.username_taken", field="username"):
        register(uow, room.enrollment_code, username=taken, full_name="Another Ann")


def test_a_student_cannot_take_the_instructors_name(uow):
    boss = factories.instructor(uow)
    room = factories.classroom(uow, boss)
    with changes_nothing(uow), refused("identity.username_taken"):
        register(uow, room.enrollment_code, username="Teacher")


# ----------------------------------------------------------------------------- what people may type


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"username": ""}, "input.required", "username"),
        ({"username": "ab"}, "input.bad_username", "username"),
        ({"username": "ann lee"}, "input.bad_username", "username"),
        ({"username": "<script>"}, "input.bad_username", "username"),
        ({"username": "a" * 33}, "input.too_long", "username"),
        ({"username": "a" * 100_000}, "input.too_long", "username"),
        ({"full_name": ""}, "input.required", "full_name"),
        ({"full_name": " \t "}, "input.required", "full_name"),
        ({"full_name": "A" * 101}, "input.too_long", "full_name"),
        ({"full_name": "A" * 1_000_000}, "input.too_long", "full_name"),
        ({"full_name": "Ann\x00Lee"}, "input.bad_chars", "full_name"),
        ({"full_name": "Ann\x1b[2JLee"}, "input.bad_chars", "full_name"),
        ({"full_name": "Ann\x85Lee"}, "input.bad_chars", "full_name"),
        ({"full_name": "Ann\nLee"}, "input.bad_chars", "full_name"),
        ({"number": "1" * 33}, "input.too_long", "student_number"),
        ({"number": "2026\x00"}, "input.bad_chars", "student_number"),
        ({"password": "1234567", "confirm": "1234567"}, "input.password_short", "password"),
        ({"confirm": "something-else"}, "input.password_mismatch", "password_confirm"),
    ],
)
def test_bad_registration_fields_are_refused_and_change_nothing(uow, fields, code, field):
    boss = factories.instructor(uow)
    room = factories.classroom(uow, boss)
    with changes_nothing(uow), refused(code, field=field):
        register(uow, room.enrollment_code, **fields)


def test_a_user_name_whose_case_folded_form_is_too_long_is_refused_not_crashed(uow):
    boss = factories.instructor(uow)
    room = factories.classroom(uow, boss)
    # "ῷ" case-folds to three characters: 32 of them would not fit the 64-character key.
    with changes_nothing(uow), refused("input.bad_username", field="username"):
        register(uow, room.enrollment_code, username="ῷ" * 32)
    assert register(uow, room.enrollment_code, username="ῷ" * 10).class_id == room.id


def test_html_in_names_is_kept_as_plain_text(uow):
    boss = factories.instructor(uow)
    room = create(uow, boss, name="<b>EC</b> & <i>Co</i>")
    evil = "<script>alert('x')</script> &lt;Ann&gt;"
    register(uow, room.enrollment_code, username="ann", full_name=evil)
    with uow.read() as s:
        [row] = queries.roster(s, boss, room.id)
        [summary] = queries.classes_for(s, boss)
    assert row.full_name == evil
    assert summary.name == "<b>EC</b> & <i>Co</i>"


def test_chinese_names_and_user_names_are_welcome(uow):
    boss = factories.instructor(uow)
    room = factories.classroom(uow, boss)
    zhang = register(uow, room.enrollment_code, username="张三丰", full_name="张三丰")
    assert services.login(uow, username="张三丰", password=PASSWORD).actor.user_id == zhang.user_id


# ----------------------------------------------------------------------------- tenancy


def test_an_instructor_of_one_class_cannot_reach_another_class(uow):
    boss = factories.instructor(uow)
    room = factories.classroom(uow, boss)
    ann = factories.student(uow, room, "ann")
    other = factories.instructor(uow, "other", "Zhao Min")
    with uow.read() as s:
        assert queries.classes_for(s, other) == []
        for look in (queries.roster, queries.class_summary, queries.class_event_count):
            with refused("class.not_found"):
                look(s, other, room.id)
    with changes_nothing(uow):
        with refused("class.not_found"):
            services.import_roster(uow, other, room.id, "2026009,Mallory\n")
        with refused("class.not_found"):
            services.reset_student_password(uow, other, room.id, ann.user_id)


def test_a_student_sees_their_class_without_its_code_and_not_its_roster(uow):
    boss = factories.instructor(uow)
    room = factories.classroom(uow, boss)
    ann = factories.student(uow, room, "ann")
    factories.student(uow, room, "bob")
    with uow.read() as s:
        [mine] = queries.classes_for(s, ann)
        assert (mine.id, mine.students, mine.enrollment_code) == (room.id, 2, None)
        with refused("class.not_found"):
            queries.roster(s, ann, room.id)
    with changes_nothing(uow), refused("auth.forbidden"):
        services.import_roster(uow, ann, room.id, "2026009,Mallory\n")


def test_a_class_that_does_not_exist_is_not_found(uow):
    boss = factories.instructor(uow)
    with uow.read() as s, refused("class.not_found"):
        queries.roster(s, boss, 999_999)


def test_memberships_are_the_only_way_into_a_class(uow):
    boss = factories.instructor(uow)
    room = factories.classroom(uow, boss)
    factories.student(uow, room, "ann")
    rows = fetch(uow, select(Membership).order_by(Membership.id))
    users = {u.id: u.username for u in fetch(uow, select(User))}
    assert [(users[m.user_id], m.role, m.class_id) for m in rows] == [
        ("teacher", "instructor", room.id),
        ("ann", "student", room.id),
    ]
    assert [c.owner_id for c in fetch(uow, select(Classroom))] == [rows[0].user_id]
