"""The event log: every change writes one event in the same transaction; a failed service leaves nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from sandbox import events
from sandbox.errors import DomainError
from sandbox.identity import services
from tests import factories
from tests.factories import PASSWORD
from tests.integration.helpers import event_kinds, events_of, row_counts

NEW = "a-new-secret-2"


def world(uow) -> dict[str, Any]:
    boss = factories.instructor(uow)
    room = factories.classroom(uow, boss)
    ann = factories.student(uow, room, "ann", number="2026001")
    return {"boss": boss, "room": room, "ann": ann}


# Each change: (the service call, the event kind it logs, who acted, which class the event names).
# "new" is the user or class the call created.
CHANGES: dict[str, tuple[Callable[[Any, dict[str, Any]], Any], str, str, str | None]] = {
    "create a class": (
        lambda uow, w: services.create_class(uow, w["boss"], name="B", language="en", seed=1),
        "class.created", "boss", "new",
    ),
    "register a student": (
        lambda uow, w: services.register_student(
            uow, enrollment_code=w["room"].enrollment_code, username="bob", full_name="Bob",
            password=PASSWORD, password_confirm=PASSWORD,
        ),
        "class.student_registered", "new", "room",
    ),
    "import a roster": (
        lambda uow, w: services.import_roster(uow, w["boss"], w["room"].id, "2026002,Bob\n2026003,Cai\n"),
        "class.roster_imported", "boss", "room",
    ),
    "reset a password": (
        lambda uow, w: services.reset_student_password(uow, w["boss"], w["room"].id, w["ann"].user_id),
        "password.reset", "boss", "room",
    ),
    "add an instructor": (
        lambda uow, w: services.add_instructor(uow, w["boss"], username="zhao", full_name="Zhao Min"),
        "instructor.added", "boss", None,
    ),
    "change a password": (
        lambda uow, w: services.change_password(uow, w["ann"], old=PASSWORD, new=NEW, confirm=NEW),
        "password.changed", "ann", "room",
    ),
    "set the language": (
        lambda uow, w: services.set_language(uow, w["ann"], "zh_CN"),
        "language.set", "ann", "room",
    ),
    "log in": (
        lambda uow, w: services.login(uow, username="ann", password=PASSWORD),
        "login.succeeded", "ann", "room",
    ),
    "log out": (
        lambda uow, w: services.logout(uow, w["ann"], None),
        "logout", "ann", "room",
    ),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_change_writes_one_event_naming_actor_and_class(uow, change):
    call, kind, who, where = CHANGES[change]
    w = world(uow)
    before = event_kinds(uow)
    result = call(uow, w)
    assert event_kinds(uow) == [*before, kind]
    event = events_of(uow, kind)[-1]
    assert event.actor_id == (result.user_id if who == "new" else w[who].user_id)
    assert event.class_id == {"new": getattr(result, "id", None), "room": w["room"].id, None: None}[where]
    assert event.at.tzinfo is not None


@pytest.mark.parametrize("failure", [RuntimeError("disk full"), DomainError("request.duplicate")])
@pytest.mark.parametrize("change", list(CHANGES))
def test_a_service_failing_after_its_event_leaves_no_event_and_no_rows(uow, monkeypatch, change, failure):
    call, *_ = CHANGES[change]
    w = world(uow)
    before = row_counts(uow)
    real_record = events.record

    def record_then_fail(*args, **kwargs):
        real_record(*args, **kwargs)
        raise failure

    monkeypatch.setattr(events, "record", record_then_fail)
    with pytest.raises(type(failure)):
        call(uow, w)
    monkeypatch.undo()
    assert row_counts(uow) == before
    # and the failed change really did not happen: Ann's password and language are as they were.
    assert services.login(uow, username="ann", password=PASSWORD).actor.language == ""


def test_a_request_id_can_be_logged_only_once(uow):
    w = world(uow)
    with uow.write() as s:
        events.record(s, "test.first", actor=w["boss"], request_id="req-1")
    with pytest.raises(IntegrityError), uow.write() as s:
        events.record(s, "test.second", actor=w["boss"], request_id="req-1")
    assert event_kinds(uow)[-1] == "test.first"


def test_a_replayed_request_id_finds_its_first_event(uow):
    w = world(uow)
    with uow.write() as s:
        first = events.record(s, "test.first", actor=w["boss"], request_id="req-1")
    with uow.read() as s:
        assert events.replayed(s, "req-1").id == first.id
        assert events.replayed(s, "req-2") is None
        assert events.replayed(s, None) is None
