"""Chains of catalog tasks played end to end by several parties (issue 6: chain A).

- :mod:`sandbox.chains.model`: the chain files (scenarios/chains/*.yaml) — ``load_chains()``,
  ``Chain`` (``codes_of(part)``, ``steps``, ``parts``), ``ChainError``.
- :mod:`sandbox.chains.play`: ``play_chain(uow, class_id, chain_id, parties, on_step=None)`` plays
  a chain with bots in every part not given, ``chain_results(...)`` grades the student parts.
- :mod:`sandbox.chains.chain_a`: what each step of chain A does, one function per task code.
"""

from __future__ import annotations

from sandbox.chains.model import CHAIN_DIR, Chain, ChainError, Part, Step, load_chains, parse_chain
from sandbox.chains.play import ChainRun, ChainStepFailed, StepDone, chain_results, play_chain

__all__ = [
    "CHAIN_DIR",
    "Chain",
    "ChainError",
    "ChainRun",
    "ChainStepFailed",
    "Part",
    "Step",
    "StepDone",
    "chain_results",
    "load_chains",
    "parse_chain",
    "play_chain",
]
