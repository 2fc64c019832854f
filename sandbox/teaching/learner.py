"""Self-learner mode (自主学习): a personal sandbox, the part a learner plays, and the guided tour.

A visitor without any class starts a *personal sandbox*: a user (role student), a class of kind
``personal`` owned by the learner with a random seed, and the learner's student membership — then
picks a chain (A …) and the part to play; the class's bot partners
(:mod:`sandbox.bots.b2b_partners`) play every other party. The tour lists the chain's steps, ticks
them from grading, and explains each one (texts: ``scenarios/tours/<chain>.yaml``).

Invariants:
- Starting a sandbox is one transaction: user, class, membership, login session and the
  ``learner.started`` event together, or nothing (bad input, a taken user name).
- A personal class cannot be joined with an enrollment code: its code holds characters that
  ``identity.services.normalize_code`` never produces. No instructor is a member, so it appears in
  no instructor's class list.
- The part a learner plays is the latest ``learner.part_chosen`` event of the learner in the
  class (data ``chain_id``, ``part``); only parts that work against the bots are offered
  (``PLAYABLE``): chain A buyer, supplier and logistics. The bots read the same event: in a
  personal class whose latest choice is chain A's logistics part they work with the learner's own
  provider (``b2b_partners.learner_carrier``: the bot supplier applies to it, ships into its
  warehouse and orders its deliveries; the bot buyer trades on its own) — see
  :mod:`sandbox.bots.b2b_partners`.
- The tour is computed from grading, never stored: my steps are done when their task's check
  passes; a bot step is done when a later step of mine is done, or the next step of mine is ready
  (its prerequisites, including the "the other party did it" readiness checks, are met); bot steps
  after my last step are done when my last step is. A bot step not done is ``waiting`` (the bots'
  move now: the step of mine before it is done) or ``later``.
- Starting a sandbox uses identity's ``ensure_username_free`` and ``new_user``, so the user name
  and password rules are exactly those of ``register_student``.
- At most ``config.learners_per_hour()`` sandboxes start in any hour on one server (counted from
  ``learner.started`` events; ``learner.too_many`` beyond, nothing created); 0 turns the mode off
  (``learner.disabled``), and app.py then offers no *Learn on my own* page. A soft cap: two
  starts racing for the last place may both get in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import STUDENT, Actor
from sandbox.chains import Chain, load_chains
from sandbox.config import learners_per_hour
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.i18n import LANGUAGES
from sandbox.identity import services as identity
from sandbox.identity.models import Classroom, LoginSession, Membership
from sandbox.pages import TASK_PAGES
from sandbox.scenarios.model import TaskSet, catalog_by_code
from sandbox.scenarios.progress import DONE, READY, progress_for
from sandbox.teaching.tour import load_tours
from sandbox.uow import UnitOfWork
from sandbox.validation import check_new_password, clean_text, clean_username

PERSONAL = "personal"
PART_CHOSEN = "learner.part_chosen"
#: chain id -> the parts a learner may play against the bots (see the module docstring)
PLAYABLE: dict[str, tuple[str, ...]] = {"A": ("buyer", "supplier", "logistics")}
WAITING = "waiting"  # a bot step not done yet right after a done step of mine: the bots' move now
LATER = "later"  # a bot step not done yet whose preceding step of mine is not done either


@dataclass(frozen=True)
class Started:
    actor: Actor
    token: str
    class_id: int


@dataclass(frozen=True)
class Choice:
    chain_id: str
    part: str


@dataclass(frozen=True)
class TourStep:
    """One step of the tour: whose it is, whether it is done, why it matters, where to do it."""

    index: int
    code: str
    part: str
    mine: bool
    done: bool
    state: str  # done / ready / blocked / unavailable (mine), done / waiting / later (the bots')
    title_zh: str
    title_en: str
    why_zh: str
    why_en: str
    page: str | None  # the view file where it is done (None: the sandbox does not offer it)
    missing: tuple[str, ...] = ()

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh_CN" else self.title_en

    def why(self, lang: str) -> str:
        return self.why_zh if lang == "zh_CN" else self.why_en


@dataclass(frozen=True)
class Tour:
    chain: Chain
    part: str
    personal: bool
    intro_zh: str
    intro_en: str
    steps: tuple[TourStep, ...]

    def intro(self, lang: str) -> str:
        return self.intro_zh if lang == "zh_CN" else self.intro_en

    @property
    def current(self) -> TourStep | None:
        """The first step not done ("you are here"); None when the whole chain is done."""
        return next((s for s in self.steps if not s.done), None)

    @property
    def mine_done(self) -> int:
        return sum(1 for s in self.steps if s.mine and s.done)

    @property
    def mine_total(self) -> int:
        return sum(1 for s in self.steps if s.mine)


@cache
def chains() -> dict[str, Chain]:
    """The shipped chains (read once per process)."""
    return load_chains()


def offered_parts(chain_id: str) -> tuple[str, ...]:
    """The parts of a chain a learner may play against the bots (empty: not offered)."""
    return PLAYABLE.get(chain_id, ()) if chain_id in chains() else ()


# ----------------------------------------------------------------------------- starting a sandbox


def _personal_code() -> str:
    # "~" and lower case never survive normalize_code, so no enrollment code typed anywhere matches
    return "~" + secrets.token_hex(7)


def _check_capacity(session: Session) -> None:
    limit = learners_per_hour()
    if limit <= 0:
        raise DomainError("learner.disabled")
    since = utcnow() - timedelta(hours=1)
    started = session.scalar(
        select(func.count()).select_from(events.Event)
        .where(events.Event.kind == "learner.started", events.Event.at >= since)
    )
    if (started or 0) >= limit:
        raise DomainError("learner.too_many", limit=limit)


def start_personal_sandbox(
    uow: UnitOfWork, *, username: str, full_name: str, password: str, password_confirm: str, language: str | None,
    request_id: str | None = None,
) -> Started:
    """Start a personal sandbox and log in. Raises identity.username_taken, identity.username_or_number_taken,
    learner.already_started (same request twice), input.*."""
    name = clean_username(username)
    full = clean_text(full_name, "full_name", max_len=100)
    pw = check_new_password(password, password_confirm)
    lang = language if language in LANGUAGES else None
    try:
        with uow.write() as s:
            if events.replayed(s, request_id) is not None:
                raise DomainError("learner.already_started")
            _check_capacity(s)
            identity.ensure_username_free(s, name)
            user = identity.new_user(s, username=name, full_name=full, role=STUDENT, password=pw, must_change=False)
            user.language = lang
            title = f"{full} 的个人沙箱 / {full}'s sandbox"
            if len(title) > 100:
                title = f"{full[:60]} 的个人沙箱 / sandbox"[:100]
            room = Classroom(
                name=title, language=lang or "zh_CN", seed=secrets.randbelow(2_000_000_000),
                enrollment_code=_personal_code(), owner_id=user.id, kind=PERSONAL,
            )
            s.add(room)
            s.flush()
            s.add(Membership(class_id=room.id, user_id=user.id, role=STUDENT))
            token = secrets.token_urlsafe(32)
            now = utcnow()
            s.add(LoginSession(token_hash=hashlib.sha256(token.encode()).hexdigest(), user_id=user.id,
                               created_at=now, expires_at=now + identity.SESSION_LIFETIME))
            s.flush()
            actor = identity.actor_for(s, user, room.id)
            events.record(s, "learner.started", actor=actor, class_id=room.id, subject=user.username_key,
                          request_id=request_id)
            events.record(s, "login.succeeded", actor=actor, subject=user.username_key)
            return Started(actor, token, room.id)
    except IntegrityError:  # a simultaneous registration took the name first
        raise DomainError("identity.username_or_number_taken", field="username") from None


def is_personal(session: Session, actor: Actor) -> bool:
    """Whether the actor acts in a personal sandbox (their own class of kind ``personal``)."""
    if actor.class_id is None:
        return False
    kind = session.scalar(select(Classroom.kind).where(Classroom.id == actor.class_id))
    return kind == PERSONAL


# ----------------------------------------------------------------------------- the part played


def _require_student(session: Session, actor: Actor) -> int:
    if actor.role != STUDENT:
        raise DomainError("auth.forbidden")
    if actor.class_id is None:
        raise DomainError("class.not_found")
    identity.require_class_member(session, actor, actor.class_id, STUDENT)
    return actor.class_id


def choose_part(uow: UnitOfWork, actor: Actor, chain_id: str, part: str, request_id: str | None = None) -> Choice:
    """Pick the chain and the part to play (event learner.part_chosen). Raises learner.unknown_chain,
    learner.part_not_offered, auth.forbidden, class.not_found."""
    known = chains()
    if chain_id not in known:
        raise DomainError("learner.unknown_chain", field="learner_chain", chain=str(chain_id)[:20],
                          known=", ".join(sorted(known)))
    offered = offered_parts(chain_id)
    if part not in offered:
        raise DomainError("learner.part_not_offered", field="learner_part", part=str(part)[:30], chain=chain_id,
                          offered=", ".join(offered) or "-")
    with uow.write() as s:
        class_id = _require_student(s, actor)
        if events.replayed(s, request_id) is not None:
            return Choice(chain_id, part)
        events.record(s, PART_CHOSEN, actor=actor, class_id=class_id, subject=chain_id, request_id=request_id,
                      chain_id=chain_id, part=part)
    return Choice(chain_id, part)


def my_choice(session: Session, actor: Actor) -> Choice | None:
    """The chain and part the student last chose in their class, if any (and still offered)."""
    if actor.role != STUDENT or actor.class_id is None:
        return None
    row = session.scalar(
        select(events.Event)
        .where(events.Event.kind == PART_CHOSEN, events.Event.actor_id == actor.user_id,
               events.Event.class_id == actor.class_id)
        .order_by(events.Event.id.desc())
        .limit(1)
    )
    if row is None:
        return None
    chain_id, part = str(row.data.get("chain_id")), str(row.data.get("part"))
    return Choice(chain_id, part) if part in offered_parts(chain_id) else None


# ----------------------------------------------------------------------------- the tour


def _chain_tasks(tasks: TaskSet, chain: Chain) -> TaskSet:
    """The chain's tasks and everything they require (so readiness is judged as in the walkthrough)."""
    codes: list[str] = []
    for step in chain.steps:
        for code in tasks.closure(step.code):
            if code not in codes:
                codes.append(code)
    return TaskSet({c: tasks.tasks[c] for c in codes if c in tasks.tasks})


def my_tour(session: Session, actor: Actor, tasks: TaskSet) -> Tour:
    """The chosen chain's steps for the student, ticked from grading. Raises learner.no_part,
    auth.forbidden, class.not_found."""
    class_id = _require_student(session, actor)
    choice = my_choice(session, actor)
    if choice is None:
        raise DomainError("learner.no_part")
    chain = chains()[choice.chain_id]
    text = load_tours()[chain.id]
    subset = _chain_tasks(tasks, chain)
    statuses = {st.catalog.code: st for mod in progress_for(session, class_id, actor.user_id, subset)
                for st in mod.tasks}
    catalog = catalog_by_code()
    mine_at = [i for i, s in enumerate(chain.steps) if s.part == choice.part]
    state_of: dict[int, str] = {}
    for i in mine_at:
        found = statuses.get(chain.steps[i].code)
        state_of[i] = found.state if found is not None else "unavailable"
    steps: list[TourStep] = []
    for i, step in enumerate(chain.steps):
        mine = step.part == choice.part
        if mine:
            state = state_of[i]
            done = state == DONE
        else:
            later = [j for j in mine_at if j > i]
            if later:
                done = state_of[later[0]] in (DONE, READY) or any(state_of[j] == DONE for j in later)
            else:
                done = bool(mine_at) and state_of[mine_at[-1]] == DONE
            before = [j for j in mine_at if j < i]
            state = DONE if done else (LATER if before and state_of[before[-1]] != DONE else WAITING)
        task = subset.tasks.get(step.code)
        why = text.steps[(step.code, step.part)]
        page_id = why.page or (task.page if task is not None else None)
        cat = catalog[step.code]
        found = statuses.get(step.code)
        steps.append(TourStep(
            index=step.index, code=step.code, part=step.part, mine=mine, done=done, state=state,
            title_zh=cat.title_zh, title_en=cat.title_en, why_zh=why.why_zh, why_en=why.why_en,
            page=TASK_PAGES.get(page_id) if page_id and task is not None else None,
            missing=found.missing if mine and found is not None else (),
        ))
    personal = session.scalar(select(Classroom.kind).where(Classroom.id == class_id)) == PERSONAL
    return Tour(chain, choice.part, personal, text.intro_zh, text.intro_en, tuple(steps))


# ----------------------------------------------------------------------------- the bots' turn


def bots_turn(uow: UnitOfWork, actor: Actor) -> list[str]:
    """The class's bot partners do their pending work once (b2b_partners.react); what they did, as
    ``"<what>:<document>"`` labels. Raises auth.forbidden, class.not_found."""
    from sandbox.bots import b2b_partners

    with uow.read() as s:
        class_id = _require_student(s, actor)
    return b2b_partners.react(uow, class_id)


#: react's label prefixes that have a sentence (learner.bot.<prefix>); others are shown as they are
BOT_ACTIONS = frozenset((
    "restocked", "quoted", "terms", "agreed", "signed", "accepted", "delivery_ordered", "fees_paid", "confirmed",
    "negotiation_opened", "settled", "approved", "received", "transfer_confirmed", "delivery_accepted", "issued",
    "vehicle_allocated", "dispatched", "delivered", "applied", "shipped", "asked", "ordered",
))


def bot_action_message(label: str) -> tuple[str, dict[str, str]]:
    """A react label as (i18n key, params): ``"quoted:IQ1"`` -> ``("learner.bot.quoted", {"doc": "IQ1"})``."""
    what, _, doc = str(label).partition(":")
    if what in BOT_ACTIONS:
        return f"learner.bot.{what}", {"doc": doc}
    return "learner.bot.other", {"doc": str(label)}
