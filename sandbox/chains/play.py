"""Playing a chain: each step done as its part's actor, through the services, on the chain's own
documents; then grading each student part on its part's codes.

``play_chain(uow, class_id, "A", {"buyer": ann})`` plays chain A with Ann as the buyer and a fresh
bot user of the class as every other part (supplier, logistics). Bots play the same script through
the same services; their actions never credit a student (the checks credit only a student's own
actions). The step functions live per chain in ``sandbox/chains/chain_<id>.py``, one function per
(code, part), registered with :func:`step`.

Invariants:
- Steps run in the chain's order, each as its part's actor; a step uses only what earlier steps
  recorded in ``ChainRun.documents`` (and each party's own ``BotWorld.scratch``), so a run never
  picks up documents of another run or of the class-wide bot partners.
- A step that is refused raises :class:`ChainStepFailed`: a DomainError with the refusal's own
  code and parameters that also names the chain, the step (position, task code) and the part.
  Steps done before it stay done (each was its own transaction, as at the pages).
- ``on_step(code, part)`` is called after each step that succeeded.
"""

from __future__ import annotations

import importlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from sandbox.actor import STUDENT, Actor
from sandbox.bots import BotWorld, ensure_bot
from sandbox.chains.model import Chain, load_chains
from sandbox.errors import DomainError
from sandbox.scenarios.grading import grade
from sandbox.scenarios.model import TaskSet
from sandbox.uow import UnitOfWork

StepFn = Callable[["Stage"], None]
OnStep = Callable[[str, str], None]
#: chain id -> (code, part) -> what that step does; filled by the chain modules below
PLAYERS: dict[str, dict[tuple[str, str], StepFn]] = {}
#: the module holding each chain's step functions (imported on first use)
PLAYER_MODULES = {"A": "sandbox.chains.chain_a"}


def step(chain_id: str, code: str, *parts: str) -> Callable[[StepFn], StepFn]:
    """Register ``fn`` as what ``parts`` do at task ``code`` of chain ``chain_id``."""

    def register(fn: StepFn) -> StepFn:
        table = PLAYERS.setdefault(chain_id, {})
        for part in parts:
            table[(code, part)] = fn
        return fn

    return register


def player(chain: Chain) -> dict[tuple[str, str], StepFn]:
    """The step functions of ``chain`` (LookupError if a step has none: the YAML and the code disagree)."""
    module = PLAYER_MODULES.get(chain.id)
    if module is not None:
        importlib.import_module(module)
    table = PLAYERS.get(chain.id, {})
    missing = [str(s) for s in chain.steps if (s.code, s.part) not in table]
    if missing:
        raise LookupError(f"chain {chain.id} ({chain.source}): no step function for step {', '.join(missing)}")
    return table


class ChainStepFailed(DomainError):
    """A step of a chain was refused. ``code``/``field``/``params`` are the refusal's own (so
    ``t(err.code, lang, **err.params)`` says why); ``task``, ``part``, ``index`` and ``chain_id``
    name the step; ``error`` is the original DomainError; ``run`` the ChainRun up to the step
    before (so the steps done can still be graded)."""

    def __init__(self, task: str, part: str, error: DomainError, *, chain_id: str = "", index: int = 0,
                 run: ChainRun | None = None) -> None:
        super().__init__(error.code, field=error.field, **error.params)
        self.task = task
        self.part = part
        self.error = error
        self.chain_id = chain_id
        self.index = index
        self.run = run

    def __str__(self) -> str:
        params = f" {self.params}" if self.params else ""
        return f"chain {self.chain_id} step {self.index} {self.task} ({self.part}): {self.code}{params}"


@dataclass(frozen=True)
class StepDone:
    index: int
    code: str
    part: str
    user_id: int


@dataclass
class ChainRun:
    """One play of a chain: who played each part (``bots``: the parts bots filled), the steps
    done in order, and the documents the chain made (ids and numbers; keys listed in the chain
    module's docstring, e.g. ``order_id``, ``contract_id``, ``delivery_order_id``, ``fee_id``)."""

    chain: Chain
    class_id: int
    parties: dict[str, Actor]
    bots: frozenset[str]
    steps: list[StepDone] = field(default_factory=list)
    documents: dict[str, Any] = field(default_factory=dict)

    @property
    def chain_id(self) -> str:
        return self.chain.id

    @property
    def complete(self) -> bool:
        return len(self.steps) == len(self.chain.steps)

    def students(self) -> dict[str, Actor]:
        """The parts played by students (not bots), part -> actor."""
        return {part: a for part, a in self.parties.items() if a.role == STUDENT}

    @property
    def task_codes(self) -> list[str]:
        """The codes this run grades: those of the parts students played, in chain order."""
        mine = set(self.students())
        return list(dict.fromkeys(s.code for s in self.chain.steps if s.part in mine))

    def done_by(self, part: str) -> list[str]:
        """The codes ``part`` did in this run, in order."""
        return [s.code for s in self.steps if s.part == part]


@dataclass
class Stage:
    """What a step function sees: the class, the run so far, and one BotWorld per part (the
    part's actor as ``world.student``, its scratch kept between that part's steps)."""

    uow: UnitOfWork
    class_id: int
    run: ChainRun
    worlds: dict[str, BotWorld]
    part: str = ""  # the part of the step being played

    def world(self, part: str | None = None) -> BotWorld:
        return self.worlds[part or self.part]

    def actor(self, part: str | None = None) -> Actor:
        return self.worlds[part or self.part].student

    @property
    def docs(self) -> dict[str, Any]:
        return self.run.documents


def _bot_for(uow: UnitOfWork, class_id: int, chain: Chain, part: str, tag: str) -> Actor:
    label = chain.part(part).label_en
    return ensure_bot(uow, class_id, f"bot-{class_id}-{chain.id.lower()}-{tag}-{part}"[:32],
                      f"Chain {chain.id} {label} bot {tag}")


def play_chain(
    uow: UnitOfWork,
    class_id: int,
    chain_id: str,
    parties: dict[str, Actor],
    *,
    on_step: OnStep | None = None,
    chains: dict[str, Chain] | None = None,
) -> ChainRun:
    """Play chain ``chain_id`` in class ``class_id``: ``parties`` maps a part to the actor playing
    it; every part not given is played by a fresh bot user of the class. Returns the ChainRun.

    Raises chain.unknown_chain, chain.unknown_part, chain.wrong_class (an actor of another class),
    and ChainStepFailed for the first refused step.
    """
    known = chains if chains is not None else load_chains()
    chain = known.get(chain_id)
    if chain is None:
        raise DomainError("chain.unknown_chain", chain=chain_id, known=", ".join(sorted(known)))
    given = {part: actor for part, actor in parties.items() if actor is not None}
    for part, actor in given.items():
        if part not in chain.part_ids:
            raise DomainError("chain.unknown_part", chain=chain.id, part=part, known=", ".join(chain.part_ids))
        if actor.class_id is not None and actor.class_id != class_id:
            raise DomainError("chain.wrong_class", user=actor.username)
    table = player(chain)
    tag = secrets.token_hex(3)
    cast = {part: given.get(part) or _bot_for(uow, class_id, chain, part, tag) for part in chain.part_ids}
    run = ChainRun(chain, class_id, cast, frozenset(p for p in chain.part_ids if p not in given))
    stage = Stage(uow, class_id, run, {part: BotWorld(uow=uow, class_id=class_id, student=a) for part, a in cast.items()})
    for s in chain.steps:
        stage.part = s.part
        try:
            table[(s.code, s.part)](stage)
        except DomainError as err:
            raise ChainStepFailed(s.code, s.part, err, chain_id=chain.id, index=s.index, run=run) from err
        except Exception as exc:  # a bug, not a refusal: keep it, but say where it happened
            exc.add_note(f"in chain {chain.id} step {s}")
            raise
        run.steps.append(StepDone(s.index, s.code, s.part, cast[s.part].user_id))
        if on_step is not None:
            on_step(s.code, s.part)
    return run


def chain_results(session: Session, class_id: int, run: ChainRun, tasks: TaskSet) -> dict[int, dict[str, bool]]:
    """``{user_id: {code: passed}}``: each student of the run graded on the codes of the part(s)
    they played (bots are not graded). LookupError if a code has no scenario entry."""
    chain = run.chain
    codes_of: dict[int, list[str]] = {}
    for part, actor in run.students().items():
        mine = codes_of.setdefault(actor.user_id, [])
        mine.extend(c for c in chain.codes_of(part) if c not in mine)
    wanted = sorted({c for codes in codes_of.values() for c in codes})
    missing = [c for c in wanted if c not in tasks.tasks]
    if missing:
        raise LookupError(f"chain {chain.id}: no scenario entry for {', '.join(missing)}")
    if not codes_of:
        return {}
    results = grade(session, class_id, list(codes_of), [tasks.tasks[c] for c in wanted])
    return {uid: {c: results[uid][c].passed for c in codes} for uid, codes in codes_of.items()}
