"""Golden and wrong runs: bots carry out tasks so that checks can be proven to pass and to fail.

Invariants: a golden run first runs the golden runs of its ``requires`` closure that the world
has not done yet (``done`` remembers them); a wrong run does the same, then its deliberate
mistake. Runs go through services only, like a person at the pages.
"""

from __future__ import annotations

from sandbox import bots
from sandbox.bots import BotWorld
from sandbox.scenarios.model import TaskSet


def has_runs(code: str) -> bool:
    bots.load_all()
    return code in bots.GOLDEN


def run_golden(world: BotWorld, tasks: TaskSet, code: str, done: set[str]) -> None:
    """Do ``code`` right (after whatever of its prerequisites ``done`` lacks)."""
    bots.load_all()
    for step in tasks.closure(code):
        if step not in done:
            bots.GOLDEN[step](world)
            done.add(step)


def run_wrong(world: BotWorld, tasks: TaskSet, code: str, done: set[str]) -> None:
    """Do the prerequisites of ``code`` right, then ``code`` deliberately wrong."""
    bots.load_all()
    for step in tasks.closure(code)[:-1]:
        if step not in done:
            bots.GOLDEN[step](world)
            done.add(step)
    bots.WRONG[code](world)
