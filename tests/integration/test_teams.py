"""Teams (小组): formed by hand or at random inside a class, 2–5 students each, a part per member."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from sandbox.errors import DomainError
from sandbox.events import Event
from sandbox.teaching import teams
from sandbox.teaching.models import Team, TeamMember
from tests import factories


@pytest.fixture
def room(uow):
    teacher = factories.instructor(uow)
    return teacher, factories.classroom(uow, teacher, seed=7)


def students(uow, room, n: int, prefix: str = "s"):
    return [factories.student(uow, room, f"{prefix}{i:02d}") for i in range(1, n + 1)]


def code_of(call) -> str:
    with pytest.raises(DomainError) as info:
        call()
    return info.value.code


def team_rows(uow, class_id: int) -> int:
    with uow.read() as s:
        return int(s.scalar(select(func.count()).select_from(Team).where(Team.class_id == class_id)) or 0)


def test_an_instructor_forms_a_team_by_hand_and_gives_parts(uow, room):
    teacher, klass = room
    ann, bob, cai = students(uow, klass, 3)
    tid = teams.create_team(uow, teacher, klass.id, "Red / 红队", [ann.user_id, bob.user_id], request_id="t1")
    assert teams.create_team(uow, teacher, klass.id, "Red / 红队", [ann.user_id, bob.user_id], request_id="t1") == tid

    teams.set_part(uow, teacher, klass.id, ann.user_id, "buyer", request_id="p1")
    teams.set_part(uow, teacher, klass.id, bob.user_id, "supplier", request_id="p2")
    with uow.read() as s:
        (team,) = teams.teams(s, teacher, klass.id)
        assert (team.id, team.name) == (tid, "Red / 红队")
        assert {(m.user_id, m.part) for m in team.members} == {(ann.user_id, "buyer"), (bob.user_id, "supplier")}
        assert teams.team_of(s, klass.id, bob.user_id).id == tid
        assert teams.team_of(s, klass.id, cai.user_id) is None
        assert s.scalar(select(func.count()).select_from(Event).where(Event.kind == "team.created")) == 1

    teams.set_part(uow, teacher, klass.id, ann.user_id, None, request_id="p3")
    with uow.read() as s:
        assert teams.team_of(s, klass.id, ann.user_id).member(ann.user_id).part is None

    teams.remove_team(uow, teacher, klass.id, tid, request_id="r1")
    with uow.read() as s:
        assert teams.teams(s, teacher, klass.id) == []
        assert s.scalar(select(func.count()).select_from(TeamMember)) == 0


def test_bad_teams_are_refused_and_change_nothing(uow, room):
    teacher, klass = room
    ann, bob, cai, dan, eve, fay = students(uow, klass, 6)
    other_room = factories.classroom(uow, teacher, name="Other", seed=8)
    (stranger,) = students(uow, other_room, 1, prefix="x")
    ids = [u.user_id for u in (ann, bob, cai, dan, eve, fay)]

    assert code_of(lambda: teams.create_team(uow, teacher, klass.id, "Solo", [ann.user_id])) == "team.bad_size"
    assert code_of(lambda: teams.create_team(uow, teacher, klass.id, "Six", ids)) == "team.bad_size"
    assert code_of(lambda: teams.create_team(uow, teacher, klass.id, "Mixed", [ann.user_id, stranger.user_id])) \
        == "team.not_a_student"
    assert code_of(lambda: teams.create_team(uow, teacher, klass.id, "Teacher", [ann.user_id, teacher.user_id])) \
        == "team.not_a_student"
    assert code_of(lambda: teams.create_team(uow, teacher, klass.id, " ", [ann.user_id, bob.user_id])) \
        == "input.required"
    teams.create_team(uow, teacher, klass.id, "A", [ann.user_id, bob.user_id])
    assert code_of(lambda: teams.create_team(uow, teacher, klass.id, "B", [bob.user_id, cai.user_id])) \
        == "team.already_in_team"
    assert code_of(lambda: teams.create_team(uow, teacher, klass.id, "A", [cai.user_id, dan.user_id])) \
        == "team.name_taken"
    assert team_rows(uow, klass.id) == 1
    assert code_of(lambda: teams.set_part(uow, teacher, klass.id, ann.user_id, "cashier")) == "team.unknown_part"
    assert code_of(lambda: teams.set_part(uow, teacher, klass.id, cai.user_id, "buyer")) == "team.not_in_team"
    # students never form teams; another instructor's class is not found
    assert code_of(lambda: teams.create_team(uow, ann, klass.id, "Mine", [cai.user_id, dan.user_id])) \
        == "auth.forbidden"
    assert code_of(lambda: teams.random_teams(uow, ann, klass.id, 2)) == "auth.forbidden"
    other = factories.instructor(uow, "other", "Li Lei")
    assert code_of(lambda: teams.create_team(uow, other, klass.id, "X", [cai.user_id, dan.user_id])) \
        == "class.not_found"
    with uow.read() as s:
        assert code_of(lambda: teams.teams(s, ann, klass.id)) == "auth.forbidden"
    assert code_of(lambda: teams.random_teams(uow, teacher, klass.id, 1)) == "team.bad_size"
    assert code_of(lambda: teams.random_teams(uow, teacher, klass.id, 6)) == "team.bad_size"
    assert team_rows(uow, klass.id) == 1


@pytest.mark.parametrize(("n", "size", "expected"), [
    (7, 2, [3, 2, 2]),
    (7, 3, [4, 3]),
    (7, 5, [4, 3]),
    (10, 3, [4, 3, 3]),
    (10, 5, [5, 5]),
    (11, 2, [3, 2, 2, 2, 2]),
    (11, 4, [4, 4, 3]),
    (11, 5, [4, 4, 3]),
    (2, 5, [2]),
    (3, 2, [3]),
])
def test_team_sizes_stay_within_two_to_five(n, size, expected):
    got = teams.sizes(n, size)
    assert got == expected and sum(got) == n and all(2 <= g <= 5 for g in got)


@pytest.mark.parametrize("n", [7, 10, 11])
def test_random_teams_split_every_free_student_deterministically(uow, room, n):
    teacher, klass = room
    people = students(uow, klass, n)
    made = teams.random_teams(uow, teacher, klass.id, 3, request_id="rand")
    assert teams.random_teams(uow, teacher, klass.id, 3, request_id="rand") == made  # a double click
    with uow.read() as s:
        got = teams.teams(s, teacher, klass.id)
    assert [t.id for t in got] == made
    assert [t.name for t in got] == [f"Team {i} / 第{i}组" for i in range(1, len(made) + 1)]
    members = [m.user_id for t in got for m in t.members]
    assert sorted(members) == sorted(p.user_id for p in people)
    assert sorted(len(t.members) for t in got) == sorted(teams.sizes(n, 3))
    # the same class seed gives the same teams in a twin class
    twin = factories.classroom(uow, teacher, name="Twin", seed=7)
    twin_people = students(uow, twin, n, prefix="t")
    teams.random_teams(uow, teacher, twin.id, 3)
    with uow.read() as s:
        twin_teams = teams.teams(s, teacher, twin.id)
    position = {p.user_id: i for i, p in enumerate(people)}
    twin_position = {p.user_id: i for i, p in enumerate(twin_people)}
    assert [sorted(position[m.user_id] for m in t.members) for t in got] != [] and \
        [sorted(twin_position[m.user_id] for m in t.members) for t in twin_teams] == \
        [sorted(position[m.user_id] for m in t.members) for t in got]


def test_random_teams_leave_formed_teams_alone_and_need_two_free_students(uow, room):
    teacher, klass = room
    people = students(uow, klass, 5)
    teams.create_team(uow, teacher, klass.id, "Team 1 / 第1组", [people[0].user_id, people[1].user_id])
    (new,) = teams.random_teams(uow, teacher, klass.id, 3)
    with uow.read() as s:
        got = {t.id: t for t in teams.teams(s, teacher, klass.id)}
    assert got[new].name == "Team 2 / 第2组"
    assert {m.user_id for m in got[new].members} == {p.user_id for p in people[2:]}
    factories.student(uow, klass, "late")
    assert code_of(lambda: teams.random_teams(uow, teacher, klass.id, 2)) == "team.not_enough_students"
