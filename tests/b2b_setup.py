"""Test support for B2B and logistics: registered, certificate-holding, logged-in members.

``trader(uow, room, "ann", "buyer")`` makes a student (or reuses one by passing ``actor``),
registers a B2B member (B2B001), verifies and downloads its certificate (CA002/CA003, so the
identity is installed in the student's sandbox store) and logs in (B2B003/B2B004).
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.actor import Actor
from sandbox.b2b import members
from sandbox.ca import services as ca
from sandbox.identity.models import Classroom
from sandbox.uow import UnitOfWork
from tests import factories

PASSWORD = "trade-pass-1"


@dataclass(frozen=True)
class Trader:
    actor: Actor
    token: str
    member_id: int
    member_type: str
    login_name: str
    certificate_id: int
    certificate_number: str
    download_password: str


def register(uow: UnitOfWork, actor: Actor, member_type: str, login_name: str, **extra: object) -> members.Registration:
    fields: dict[str, object] = dict(
        member_type=member_type, login_name=login_name, password=PASSWORD, password_confirm=PASSWORD,
        company_name=f"{login_name} Trading Co.", contact_name="Li Lei", phone="010-88886666",
        address="1 Trade Road, Beijing",
    )
    fields.update(extra)
    return members.register(uow, actor, **fields)  # type: ignore[arg-type]


def install_certificate(uow: UnitOfWork, actor: Actor, number: str, password: str, certificate_id: int) -> None:
    ca.verify_download(uow, actor, number=number, password=password)
    ca.download(uow, actor, certificate_id=certificate_id, password=password)


def login(uow: UnitOfWork, actor: Actor, member_type: str, login_name: str, certificate_id: int) -> str:
    challenge = members.login_challenge(uow, actor)
    return members.login(
        uow, actor, member_type=member_type, login_name=login_name, password=PASSWORD,
        challenge_id=challenge.id, certificate_id=certificate_id,
    ).token


def trader(
    uow: UnitOfWork, room: Classroom, username: str, member_type: str, *, actor: Actor | None = None,
    login_name: str | None = None, **extra: object,
) -> Trader:
    who = actor or factories.student(uow, room, username)
    name = login_name or f"{username}-{member_type}"
    reg = register(uow, who, member_type, name, **extra)
    assert reg.download_password is not None
    install_certificate(uow, who, reg.certificate_number, reg.download_password, reg.certificate_id)
    token = login(uow, who, member_type, name, reg.certificate_id)
    return Trader(who, token, reg.member.id, member_type, name, reg.certificate_id, reg.certificate_number,
                  reg.download_password)
