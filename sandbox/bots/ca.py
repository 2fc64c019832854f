"""Golden and wrong runs of the CA tasks (CA001-CA003).

Golden runs do the task as the student through ``sandbox.ca.services``; wrong runs make a
plausible mistake the check must not credit (a certificate that came from another route, a
mistyped download password, a classmate doing it instead). Refused attempts raise DomainError
and change nothing (a wrong password only counts a failed try), so the runs swallow them.

The certificate a run made is remembered in ``world.scratch["ca:<student id>"]`` (id, number,
download password) so CA002 and CA003 can use what CA001 issued, as the student would copy
them from the screen or the mail.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.actor import Actor
from sandbox.bots import BotWorld, expect_refusal, golden, new_request_id, wrong
from sandbox.ca import services
from sandbox.email import queries as mail_queries
from sandbox.pki import crypto
from sandbox.pki import services as pki


@dataclass(frozen=True)
class Held:
    certificate_id: int
    number: str
    password: str




def _key(actor: Actor) -> str:
    return f"ca:{actor.user_id}"


def _mailbox(world: BotWorld, actor: Actor) -> str | None:
    with world.uow.read() as s:
        box = mail_queries.my_mailbox(s, actor)
    return box.address if box is not None else None


def apply_as(world: BotWorld, actor: Actor, *, csr: bool = False) -> Held:
    """``actor`` applies on the CA001 form (CA-made key, or a CSR of a key of their own)."""
    csr_pem = crypto.build_csr(crypto.new_rsa_key(), actor.full_name) if csr else None
    issued = services.apply(
        world.uow, actor, common_name=actor.full_name or actor.username, organization="电子商务沙盒学员",
        email_address=_mailbox(world, actor), key_source="csr" if csr else "ca", csr_pem=csr_pem, request_id=new_request_id(),
    )
    assert issued.download_password is not None
    held = Held(issued.certificate_id, issued.number, issued.download_password)
    world.scratch[_key(actor)] = held
    return held


def held_by(world: BotWorld, actor: Actor) -> Held:
    """The certificate ``actor`` holds the credentials of (applied for on CA001 if none yet)."""
    found = world.scratch.get(_key(actor))
    return found if isinstance(found, Held) else apply_as(world, actor)


# ----------------------------------------------------------------------------- CA001


@golden("CA001")
def ca001(world: BotWorld) -> None:
    apply_as(world, world.student)


@wrong("CA001")
def ca001_wrong(world: BotWorld) -> None:
    """The student only has a certificate from a registration elsewhere (as EBANK001 issues it),
    and their own application with a broken CSR is refused."""
    with world.uow.write() as s:
        pki.issue_certificate(
            s, class_id=world.class_id, owner_id=world.student.user_id, actor=world.student,
            common_name=world.student.full_name, organization="Side effect Ltd", purpose="ebank", task_code="EBANK001",
        )
    expect_refusal(lambda: services.apply(
        world.uow, world.student, common_name=world.student.full_name, key_source="csr",
        csr_pem="-----BEGIN CERTIFICATE REQUEST-----\nnot a csr\n-----END CERTIFICATE REQUEST-----", request_id=new_request_id(),
    ))
    partner = world.partner("ca-applicant")
    apply_as(world, partner)  # a bot's own application earns the student nothing


# ----------------------------------------------------------------------------- CA002


@golden("CA002")
def ca002(world: BotWorld) -> None:
    held = held_by(world, world.student)
    services.verify_download(world.uow, world.student, number=held.number, password=held.password, request_id=new_request_id())


@wrong("CA002")
def ca002_wrong(world: BotWorld) -> None:
    """The student mistypes the download password twice; a classmate bot verifies its own."""
    held = held_by(world, world.student)
    wrong_pw = "X" + held.password[1:] if not held.password.startswith("X") else "Y" + held.password[1:]
    for _ in range(2):
        expect_refusal(lambda: services.verify_download(world.uow, world.student, number=held.number, password=wrong_pw))
    partner = world.partner("ca-applicant")
    mine = held_by(world, partner)
    services.verify_download(world.uow, partner, number=mine.number, password=mine.password, request_id=new_request_id())
    # the student cannot verify the bot's certificate either, even knowing its credentials
    expect_refusal(lambda: services.verify_download(world.uow, world.student, number=mine.number, password=mine.password))


# ----------------------------------------------------------------------------- CA003


@golden("CA003")
def ca003(world: BotWorld) -> None:
    held = held_by(world, world.student)
    got = services.download(world.uow, world.student, certificate_id=held.certificate_id, password=held.password,
                            request_id=new_request_id())
    world.scratch[f"ca-p12:{world.student.user_id}"] = got.data


@wrong("CA003")
def ca003_wrong(world: BotWorld) -> None:
    """After CA002 the student types a wrong password at the download, so nothing is served."""
    held = held_by(world, world.student)
    wrong_pw = held.password[::-1] if held.password[::-1] != held.password else held.password + "X"
    expect_refusal(lambda: services.download(world.uow, world.student, certificate_id=held.certificate_id, password=wrong_pw))
