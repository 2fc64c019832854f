"""The state table of a CA certificate (catalog state machine ``ca_certificate``).

issued (已签发) → download_verified (下载验证通过, CA002) → downloaded (已下载, CA003).

Issuing (CA001, or B2B001 / EBANK001 through ``sandbox.pki.services.issue_certificate``) creates
the row in ``issued``. Verifying again after CA002, and downloading again after CA003, keep the
state (so a student who lost the .p12 can fetch it again with the download password).
Revocation is not a state: ``revoked_at`` is set beside it (the catalog has no revocation task,
and a revoked certificate keeps the credit of the tasks that moved it).
"""

from __future__ import annotations

from sandbox.errors import DomainError
from sandbox.pki.models import DOWNLOAD_VERIFIED, DOWNLOADED, ISSUED, Certificate

#: (from, to) -> the task that may make the move.
TRANSITIONS: dict[tuple[str | None, str], str] = {
    (None, ISSUED): "CA001|B2B001|EBANK001",
    (ISSUED, DOWNLOAD_VERIFIED): "CA002",
    (DOWNLOAD_VERIFIED, DOWNLOAD_VERIFIED): "CA002",
    (DOWNLOADED, DOWNLOADED): "CA002|CA003",
    (DOWNLOAD_VERIFIED, DOWNLOADED): "CA003",
}

LABELS = {ISSUED: "已签发", DOWNLOAD_VERIFIED: "下载验证通过", DOWNLOADED: "已下载"}


def allowed(from_state: str | None, to_state: str, task_code: str) -> bool:
    tasks = TRANSITIONS.get((from_state, to_state))
    return tasks is not None and task_code in tasks.split("|")


def transition(cert: Certificate, to_state: str, task_code: str) -> str:
    """Move ``cert`` to ``to_state`` for ``task_code``; returns the state it left.
    Raises ca.not_verified (CA003 before CA002) or ca.bad_transition."""
    before = cert.state
    if not allowed(before, to_state, task_code):
        if task_code == "CA003" and before == ISSUED:
            raise DomainError("ca.not_verified", number=cert.number)
        raise DomainError("ca.bad_transition", from_state=before, to_state=to_state)
    cert.state = to_state
    return before
