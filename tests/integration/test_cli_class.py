"""``python -m sandbox export`` and ``reset`` act on a class as its owner, like Classes → Reset."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import func, select

from sandbox.bots import BotWorld
from sandbox.cli import main
from sandbox.email.models import Mailbox
from sandbox.identity.models import Membership
from sandbox.scenarios.loader import load_directory
from sandbox.scenarios.runs import run_golden
from tests import factories


def count(uow, model, **where) -> int:
    with uow.read() as s:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return int(s.scalar(query) or 0)


def test_export_then_reset_from_the_command_line(uow, db_url, tmp_path, capsys):
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher, "EC-2026 A")
    ann = factories.student(uow, room, "ann")
    run_golden(BotWorld(uow, room.id, ann), load_directory(), "EMAIL001", set())
    assert count(uow, Mailbox, class_id=room.id) == 1

    out = tmp_path / "a.zip"
    assert main(["export", "--class", "EC-2026 A", "--out", str(out), "--db", db_url]) == 0
    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as zf:
        assert json.loads(zf.read("manifest.json"))["class"]["name"] == "EC-2026 A"
        assert b"ann" in zf.read("roster.csv")

    # the confirmation must repeat the class name: nothing changes otherwise
    assert main(["reset", "--class", "EC-2026 A", "--confirm", "EC-2026", "--db", db_url]) == 2
    assert count(uow, Mailbox, class_id=room.id) == 1
    assert main(["reset", "--class", "EC-2026 A", "--confirm", "EC-2026 A", "--db", db_url]) == 0
    assert "roster kept" in capsys.readouterr().out
    assert count(uow, Mailbox, class_id=room.id) == 0
    assert count(uow, Membership, class_id=room.id, user_id=ann.user_id) == 1

    assert main(["export", "--class", "no such class", "--db", db_url]) == 2
