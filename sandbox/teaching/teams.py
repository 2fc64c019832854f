"""Teams (小组): 2–5 students of one class who share an assignment, each playing one chain part.

Invariants:
- A team belongs to one class and holds 2–5 students of that class (never bots or instructors);
  a student is in at most one team per class (``team_members`` is unique on class and user).
- A member's part is ``None`` or a part id declared by one of the chains the class can use
  (``buyer``, ``supplier``, ``logistics`` … from ``scenarios/chains/*.yaml``).
- Only an instructor of the class forms, changes or removes teams; every change is one
  transaction with its ``team.*`` event, and a repeated ``request_id`` changes nothing more.
- Random teams are a pure function of (class seed, students without a team, size): the same
  class gives the same teams on every machine; sizes differ by at most one, all within 2–5.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import INSTRUCTOR, STUDENT, Actor
from sandbox.errors import DomainError
from sandbox.identity.models import Membership, User
from sandbox.identity.services import require_class_member
from sandbox.teaching import packs
from sandbox.teaching.models import Team, TeamMember
from sandbox.uow import UnitOfWork
from sandbox.validation import clean_text

MIN_SIZE = 2
MAX_SIZE = 5


@dataclass(frozen=True)
class Member:
    user_id: int
    username: str
    full_name: str
    student_number: str | None
    part: str | None


@dataclass(frozen=True)
class TeamView:
    id: int
    name: str
    members: tuple[Member, ...]

    def member(self, user_id: int) -> Member | None:
        return next((m for m in self.members if m.user_id == user_id), None)


# ----------------------------------------------------------------------------- helpers


def known_parts(session: Session, class_id: int) -> dict[str, str]:
    """Every part id a chain of the class declares, with the chain ids that use it (``{"buyer": "A"}``)."""
    out: dict[str, str] = {}
    for chain in packs.class_chains(session, class_id).values():
        for part in chain.part_ids:
            out[part] = f"{out[part]}, {chain.id}" if part in out else chain.id
    return out


def _instructor(session: Session, actor: Actor, class_id: int) -> None:
    if not actor.is_instructor:
        raise DomainError("auth.forbidden")
    require_class_member(session, actor, class_id, INSTRUCTOR)


def _students(session: Session, class_id: int) -> list[int]:
    return list(session.scalars(
        select(Membership.user_id)
        .where(Membership.class_id == class_id, Membership.role == STUDENT)
        .order_by(Membership.user_id)
    ))


def _in_team(session: Session, class_id: int) -> set[int]:
    return set(session.scalars(select(TeamMember.user_id).where(TeamMember.class_id == class_id)))


def sizes(n: int, size: int) -> list[int]:
    """Team sizes for ``n`` students in teams of about ``size``: every team 2–5, differing by at most one.

    Raises team.bad_size, team.not_enough_students."""
    if not isinstance(size, int) or isinstance(size, bool) or not MIN_SIZE <= size <= MAX_SIZE:
        raise DomainError("team.bad_size", field="assign.team_size", min=MIN_SIZE, max=MAX_SIZE)
    if n < MIN_SIZE:
        raise DomainError("team.not_enough_students", count=n, min=MIN_SIZE)
    low, high = -(-n // MAX_SIZE), n // MIN_SIZE  # fewest and most teams that keep every team within 2–5
    count = min(max(n // size, low, 1), high)
    base, extra = divmod(n, count)
    return [base + 1 if i < extra else base for i in range(count)]


def _team_names(session: Session, class_id: int) -> set[str]:
    return set(session.scalars(select(Team.name).where(Team.class_id == class_id)))


def _add_team(session: Session, class_id: int, name: str, member_ids: list[int]) -> Team:
    team = Team(class_id=class_id, name=name)
    session.add(team)
    session.flush()
    for uid in member_ids:
        session.add(TeamMember(class_id=class_id, team_id=team.id, user_id=uid))
    session.flush()
    return team


# ----------------------------------------------------------------------------- services


def create_team(
    uow: UnitOfWork, actor: Actor, class_id: int, name: str, member_ids: list[int], request_id: str | None = None
) -> int:
    """Form a team by hand; returns its id. Raises auth.forbidden, class.not_found, input.*,
    team.bad_size, team.not_a_student, team.already_in_team, team.name_taken."""
    clean = clean_text(name, "assign.team_name", max_len=50)
    ids = list(dict.fromkeys(int(u) for u in member_ids))
    with uow.write() as s:
        _instructor(s, actor, class_id)
        done = events.replayed(s, request_id)
        if done is not None:
            return int(done.data["team_id"])
        if not MIN_SIZE <= len(ids) <= MAX_SIZE:
            raise DomainError("team.bad_size", field="assign.team_members", min=MIN_SIZE, max=MAX_SIZE)
        students = set(_students(s, class_id))
        taken = _in_team(s, class_id)
        for uid in ids:
            if uid not in students:
                raise DomainError("team.not_a_student", field="assign.team_members", user=_name(s, uid))
            if uid in taken:
                raise DomainError("team.already_in_team", field="assign.team_members", user=_name(s, uid))
        if clean in _team_names(s, class_id):
            raise DomainError("team.name_taken", field="assign.team_name", name=clean)
        team = _add_team(s, class_id, clean, ids)
        events.record(s, "team.created", actor=actor, class_id=class_id, subject=f"team:{team.id}",
                      request_id=request_id, team_id=team.id, name=clean, members=ids)
        return team.id


def random_teams(uow: UnitOfWork, actor: Actor, class_id: int, size: int, request_id: str | None = None) -> list[int]:
    """Split the students without a team into random teams of about ``size`` (2–5), named
    "Team N / 第N组"; returns the new team ids. Raises auth.forbidden, class.not_found,
    team.bad_size, team.not_enough_students."""
    with uow.write() as s:
        room = require_class_member(s, actor, class_id, INSTRUCTOR) if actor.is_instructor else None
        if room is None:
            raise DomainError("auth.forbidden")
        done = events.replayed(s, request_id)
        if done is not None:
            return [int(i) for i in done.data["team_ids"]]
        taken = _in_team(s, class_id)
        free = [u for u in _students(s, class_id) if u not in taken]
        plan = sizes(len(free), size)
        digest = hashlib.sha256(f"teams|{room.seed}|{size}|{len(free)}".encode()).digest()
        random.Random(int.from_bytes(digest[:8], "big")).shuffle(free)
        names = _team_names(s, class_id)
        number, made, start = 0, [], 0
        for count in plan:
            number += 1
            while team_name(number) in names:
                number += 1
            team = _add_team(s, class_id, team_name(number), free[start:start + count])
            made.append(team.id)
            start += count
        events.record(s, "team.random", actor=actor, class_id=class_id, subject=f"class:{class_id}",
                      request_id=request_id, team_ids=made, size=size, sizes=plan)
        return made


def team_name(number: int) -> str:
    """The bilingual name of a numbered team."""
    return f"Team {number} / 第{number}组"


def set_part(
    uow: UnitOfWork, actor: Actor, class_id: int, user_id: int, part: str | None, request_id: str | None = None
) -> None:
    """Give a team member a chain part (``None`` clears it). Raises auth.forbidden,
    class.not_found, team.not_in_team, team.unknown_part."""
    with uow.write() as s:
        _instructor(s, actor, class_id)
        if events.replayed(s, request_id) is not None:
            return
        member = s.scalar(select(TeamMember).where(TeamMember.class_id == class_id, TeamMember.user_id == user_id))
        if member is None:
            raise DomainError("team.not_in_team", field="assign.team_member", user=_name(s, user_id))
        part = (part or "").strip() or None
        if part is not None and part not in known_parts(s, class_id):
            raise DomainError("team.unknown_part", field="assign.part", part=part)
        member.part = part
        events.record(s, "team.part_set", actor=actor, class_id=class_id, subject=f"team:{member.team_id}",
                      request_id=request_id, team_id=member.team_id, student_id=user_id, part=part)


def remove_team(uow: UnitOfWork, actor: Actor, class_id: int, team_id: int, request_id: str | None = None) -> None:
    """Dissolve a team (its students are free again). Raises auth.forbidden, class.not_found, team.not_found."""
    with uow.write() as s:
        _instructor(s, actor, class_id)
        if events.replayed(s, request_id) is not None:
            return
        team = s.get(Team, team_id)
        if team is None or team.class_id != class_id:
            raise DomainError("team.not_found")
        name = team.name
        s.execute(delete(TeamMember).where(TeamMember.team_id == team_id))
        s.delete(team)
        events.record(s, "team.removed", actor=actor, class_id=class_id, subject=f"team:{team_id}",
                      request_id=request_id, team_id=team_id, name=name)


# ----------------------------------------------------------------------------- queries


def _name(session: Session, user_id: int) -> str:
    return session.scalar(select(User.username).where(User.id == user_id)) or str(user_id)


def _views(session: Session, class_id: int, team_ids: list[int] | None = None) -> list[TeamView]:
    query = (
        select(Team.id, Team.name, User.id, User.username, User.full_name, Membership.student_number, TeamMember.part)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .join(User, User.id == TeamMember.user_id)
        .outerjoin(Membership, (Membership.user_id == User.id) & (Membership.class_id == Team.class_id))
        .where(Team.class_id == class_id)
        .order_by(Team.created_at, Team.id, Membership.student_number.nulls_last(), User.username)
    )
    if team_ids is not None:
        query = query.where(Team.id.in_(team_ids))
    grouped: dict[int, tuple[str, list[Member]]] = {}
    for tid, tname, uid, username, full_name, number, part in session.execute(query):
        grouped.setdefault(tid, (tname, []))[1].append(Member(uid, username, full_name, number, part))
    return [TeamView(tid, name, tuple(members)) for tid, (name, members) in grouped.items()]


def teams(session: Session, actor: Actor, class_id: int) -> list[TeamView]:
    """The class's teams with their members and parts (instructors). Raises auth.forbidden, class.not_found."""
    _instructor(session, actor, class_id)
    return _views(session, class_id)


def team_of(session: Session, class_id: int, user_id: int) -> TeamView | None:
    """The team ``user_id`` is in within ``class_id``, if any (callers check the actor)."""
    tid = session.scalar(select(TeamMember.team_id).where(TeamMember.class_id == class_id,
                                                          TeamMember.user_id == user_id))
    if tid is None:
        return None
    found = _views(session, class_id, [tid])
    return found[0] if found else None


def teams_by_user(session: Session, class_id: int) -> dict[int, TeamView]:
    """Every team member of the class mapped to their team, in one query (callers check the actor)."""
    return {m.user_id: view for view in _views(session, class_id) for m in view.members}


def students_without_team(session: Session, actor: Actor, class_id: int) -> list[int]:
    """The user ids of the class's students in no team (instructors). Raises auth.forbidden, class.not_found."""
    _instructor(session, actor, class_id)
    taken = _in_team(session, class_id)
    return [u for u in _students(session, class_id) if u not in taken]
