"""Pre-generated RSA keys handed out in turn, for tests that only need *a* key.

Generating RSA keys is the largest single cost of the service tests: RSA-2048 takes ~65 ms
(every member, bank account and certificate) and a class CA's RSA-3072 ~470 ms (every class).
The pool generates keys on first demand, up to ``SIZE[bits]`` distinct keys per size, and then
hands them out again in turn. Within one test the keys stay distinct as long as it makes fewer
certificates (classes) than the pool size — far more than any test makes — so a signature
still never verifies under another party's certificate.

The unit tests of the PKI (tests/unit) keep real key generation; so does the app server the
browser tests start (a separate process).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import count
from typing import Any

SIZE = {2048: 48, 3072: 6}
_keys: dict[int, list[Any]] = {}
_turns: dict[int, Any] = {}  # one counter per size: consecutive keys of a size always differ


def pooled(real: Callable[[int], Any]) -> Callable[..., Any]:
    """A stand-in for ``sandbox.pki.crypto.new_rsa_key`` drawing from the pool (``real`` makes keys)."""

    def new_rsa_key(bits: int = 2048) -> Any:
        keys = _keys.setdefault(bits, [])
        limit = SIZE.get(bits, 1)
        if len(keys) < limit:
            keys.append(real(bits))
            return keys[-1]
        return keys[next(_turns.setdefault(bits, count())) % limit]

    return new_rsa_key
