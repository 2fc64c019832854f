"""Scenario packs: an instructor uploads a task or chain file that is validated whole (nothing stored
otherwise), previews and exports it (exact bytes), and loads it into a class, whose tasks it then
replaces by code (the later load wins). Students and other instructors' classes are refused."""

from __future__ import annotations

import hashlib

import pytest
import yaml
from sqlalchemy import select

from sandbox import events
from sandbox.chains.model import ChainError
from sandbox.errors import DomainError
from sandbox.scenarios.loader import ScenarioError, load_directory
from sandbox.scenarios.model import SCENARIO_DIR
from sandbox.teaching import packs
from sandbox.teaching.models import ClassPack, ScenarioPack
from tests import factories


def shipped_entry(code: str) -> dict:
    """One task entry of the shipped files, as data."""
    for path in sorted(SCENARIO_DIR.glob("*.yaml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8"))["tasks"]:
            if raw["code"] == code:
                return raw
    raise KeyError(code)


def task_pack(points: float = 5.0, code: str = "EMAIL001", **changes: object) -> bytes:
    """A one-task pack: the shipped entry of ``code`` worth ``points`` (and other field changes)."""
    entry = {**shipped_entry(code), "points": points, **changes}
    return yaml.safe_dump({"module": entry["module"], "tasks": [entry]}, allow_unicode=True,
                          sort_keys=False).encode("utf-8")


CHAIN_PACK = """\
id: Z
title_zh: 邮箱与网银小链
title_en: Mail and bank mini chain
description_zh: 申请邮箱，然后开通个人网银。
description_en: Open a mailbox, then personal online banking.
parts:
- id: customer
  label_zh: 客户
  label_en: Customer
  role_zh: 申请邮箱并开通网银。
  role_en: Opens a mailbox and online banking.
steps:
- {code: EMAIL001, part: customer}
- {code: EBANK001, part: customer}
""".encode()


@pytest.fixture(scope="module")
def shipped():
    return load_directory()


@pytest.fixture
def stage(uow):
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    ann = factories.student(uow, room, "ann")
    return teacher, room, ann


def pack_rows(uow) -> int:
    with uow.read() as s:
        return len(s.scalars(select(ScenarioPack)).all())


def test_a_valid_pack_is_stored_with_its_exact_text_and_an_event(uow, stage) -> None:
    teacher, _, _ = stage
    data = task_pack(5)
    info = packs.upload_pack(uow, teacher, data, "email-x2.yaml", "EMAIL double", request_id="up-1")

    assert info.new and info.kind == "tasks" and info.task_codes == ("EMAIL001",)
    assert info.name == "EMAIL double" and info.file_name == "email-x2.yaml" and not info.shipped
    with uow.read() as s:
        row = s.get(ScenarioPack, info.id)
        assert row.content.encode("utf-8") == data
        assert row.sha256 == hashlib.sha256(data).hexdigest()
        ev = s.scalar(select(events.Event).where(events.Event.kind == "pack.uploaded"))
        assert ev.data["pack_id"] == info.id and ev.actor_id == teacher.user_id
        lib = packs.library(s, teacher)
    assert [p.key for p in lib if not p.shipped] == [f"pack:{info.id}"]
    shipped = {p.file_name for p in lib if p.shipped}
    assert {"email.yaml", "b2b.yaml", "chains/A.yaml"} <= shipped


def test_the_same_bytes_again_give_the_pack_already_stored(uow, stage) -> None:
    teacher, _, _ = stage
    first = packs.upload_pack(uow, teacher, task_pack(5), "a.yaml", "first")
    again = packs.upload_pack(uow, teacher, task_pack(5), "b.yaml", "second")
    assert again.id == first.id and again.name == "first" and not again.new
    assert pack_rows(uow) == 1
    other = packs.upload_pack(uow, teacher, task_pack(6), "c.yaml", "")
    assert other.id != first.id and other.name == "c"  # no name: the file's stem


def test_a_repeated_request_stores_one_pack(uow, stage) -> None:
    teacher, _, _ = stage
    one = packs.upload_pack(uow, teacher, task_pack(5), "a.yaml", "", request_id="same")
    two = packs.upload_pack(uow, teacher, task_pack(5), "a.yaml", "", request_id="same")
    assert one.id == two.id and pack_rows(uow) == 1


BAD_FILES = {
    "empty": (b"", ScenarioError, "packs.empty_file", 0),
    "too large": (b"# " + b"x" * 1_000_001, ScenarioError, "scenario.too_large", 0),
    "not utf-8": (b"module: EMAIL\n# \xff\xfe caf\xe9\n", ScenarioError, "scenario.not_utf8", 2),
    "alias": (b"a: &x [1, 2]\nb: *x\n", ScenarioError, "scenario.yaml_syntax", 2),
    "python tag": (b"module: !!python/object/apply:os.system [echo hi]\ntasks: []\n", ScenarioError,
                   "scenario.yaml_syntax", 1),
    "not a task file": (b"- just\n- a list\n", ScenarioError, "scenario.no_tasks", 0),
    "no tasks": (b"module: EMAIL\ntasks: []\n", ScenarioError, "scenario.no_tasks", 0),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_refused_and_nothing_is_stored(uow, stage, case: str) -> None:
    teacher, _, _ = stage
    data, error, reason, line = BAD_FILES[case]
    with pytest.raises(error) as caught:
        packs.upload_pack(uow, teacher, data, "bad.yaml", "bad")
    assert caught.value.params["reason"] == reason
    assert caught.value.params["file"] == "bad.yaml"
    if line:
        assert caught.value.params["line"] == line
    assert pack_rows(uow) == 0


def test_an_unknown_check_kind_names_the_task_field_and_line(uow, stage) -> None:
    teacher, _, _ = stage
    data = task_pack(5, checks=[{"kind": "email.mailbox_registered"}, {"kind": "shell.run", "cmd": "rm"}])
    with pytest.raises(ScenarioError) as caught:
        packs.upload_pack(uow, teacher, data, "bad.yaml", "")
    p = caught.value.params
    assert (p["reason"], p["task"], p["where"], p["kind"]) == ("scenario.unknown_check", "EMAIL001", "checks[1]",
                                                                "shell.run")
    assert p["line"] > 0
    assert pack_rows(uow) == 0


def test_an_unknown_task_code_and_a_missing_field_are_refused(uow, stage) -> None:
    teacher, _, _ = stage
    unknown = {**shipped_entry("EMAIL001"), "code": "EMAIL999"}
    data = yaml.safe_dump({"module": "EMAIL", "tasks": [unknown]}, allow_unicode=True).encode()
    with pytest.raises(ScenarioError) as caught:
        packs.upload_pack(uow, teacher, data, "x.yaml", "")
    assert caught.value.params["reason"] == "scenario.unknown_code"
    entry = shipped_entry("EMAIL001")
    del entry["hint_en"]
    missing = yaml.safe_dump({"module": "EMAIL", "tasks": [entry]}, allow_unicode=True).encode()
    with pytest.raises(ScenarioError) as caught:
        packs.upload_pack(uow, teacher, missing, "x.yaml", "")
    assert (caught.value.params["reason"], caught.value.params["where"]) == ("scenario.missing_field", "hint_en")
    assert pack_rows(uow) == 0


def test_a_chain_file_with_a_bad_step_is_refused(uow, stage) -> None:
    teacher, _, _ = stage
    bad = CHAIN_PACK.replace(b"{code: EBANK001, part: customer}", b"{code: EBANK001, part: banker}")
    with pytest.raises(ChainError) as caught:
        packs.upload_pack(uow, teacher, bad, "chain-z.yaml", "")
    p = caught.value.params
    assert (p["reason"], p["step"], p["where"], p["line"]) == ("chain.undeclared_part", "2 EBANK001", "part", 14)
    aliased = CHAIN_PACK + b"extra: &x 1\nmore: *x\n"
    with pytest.raises(ScenarioError) as caught:
        packs.upload_pack(uow, teacher, aliased, "chain-z.yaml", "")
    assert caught.value.params["reason"] == "scenario.yaml_syntax"
    assert pack_rows(uow) == 0


def test_a_chain_pack_previews_its_steps_and_a_class_can_use_it(uow, stage) -> None:
    teacher, room, _ = stage
    info = packs.upload_pack(uow, teacher, CHAIN_PACK, "chain-z.yaml", "")
    assert info.kind == "chain" and info.task_codes == ("EMAIL001", "EBANK001")
    with uow.read() as s:
        view = packs.preview(s, teacher, info.key)
        assert "Z" not in packs.class_chains(s, room.id)
    assert view.chain_id == "Z"
    assert [(st.index, st.code, st.part, st.part_en) for st in view.steps] == [
        (1, "EMAIL001", "customer", "Customer"), (2, "EBANK001", "customer", "Customer")]
    packs.load_into_class(uow, teacher, room.id, info.id)
    with uow.read() as s:
        chains = packs.class_chains(s, room.id)
    assert chains["Z"].codes_of("customer") == ["EMAIL001", "EBANK001"] and "A" in chains


def test_preview_of_a_task_pack_shows_points_against_the_shipped_ones(uow, stage) -> None:
    teacher, _, _ = stage
    info = packs.upload_pack(uow, teacher, task_pack(5), "x.yaml", "")
    with uow.read() as s:
        view = packs.preview(s, teacher, info.key)
        shipped_view = packs.preview(s, teacher, "shipped:email.yaml")
    (row,) = view.tasks
    assert (row.code, row.module, row.points, row.shipped_points) == ("EMAIL001", "EMAIL", 5.0, 2.0)
    assert row.check_kinds == ("email.mailbox_registered",) and row.title_zh == "申请电子邮件"
    assert [r.code for r in shipped_view.tasks][:2] == ["EMAIL001", "EMAIL002"]


def test_export_gives_back_the_exact_bytes(uow, stage) -> None:
    teacher, _, _ = stage
    data = b"\xef\xbb\xbf" + task_pack(5).replace(b"\n", b"\r\n")  # a BOM and Windows line ends
    info = packs.upload_pack(uow, teacher, data, "windows.yaml", "")
    with uow.read() as s:
        assert packs.export_pack(s, teacher, info.key) == ("windows.yaml", data)
        assert packs.export_pack(s, teacher, "shipped:email.yaml") == (
            "email.yaml", (SCENARIO_DIR / "email.yaml").read_bytes())
        name, chain = packs.export_pack(s, teacher, "shipped:chains/A.yaml")
        assert (name, chain) == ("A.yaml", (SCENARIO_DIR / "chains" / "A.yaml").read_bytes())
        for key in ("shipped:../app.py", "pack:999", "pack:x", "other"):
            with pytest.raises(DomainError) as caught:
                packs.export_pack(s, teacher, key)
            assert caught.value.code == "packs.not_found"


def test_class_tasks_take_the_loaded_packs_over_the_shipped_ones(uow, stage, shipped) -> None:
    teacher, room, _ = stage
    other_room = factories.classroom(uow, teacher, name="EC-2026 B")
    five = packs.upload_pack(uow, teacher, task_pack(5), "five.yaml", "")
    seven = packs.upload_pack(uow, teacher, task_pack(7), "seven.yaml", "")

    def points(class_id: int) -> float:
        with uow.read() as s:
            return packs.class_tasks(s, class_id, shipped).tasks["EMAIL001"].points

    assert points(room.id) == 2.0
    packs.load_into_class(uow, teacher, room.id, five.id, request_id="load-5")
    assert points(room.id) == 5.0 and points(other_room.id) == 2.0
    packs.load_into_class(uow, teacher, room.id, seven.id)
    assert points(room.id) == 7.0  # the later load wins
    packs.load_into_class(uow, teacher, room.id, five.id)
    assert points(room.id) == 5.0  # loaded again: it wins again
    with uow.read() as s:
        tasks = packs.class_tasks(s, room.id, shipped)
        assert [p.pack_id for p in packs.class_packs(s, teacher, room.id)] == [seven.id, five.id]
    assert list(tasks.tasks) == list(shipped.tasks)  # same codes, catalog order
    assert tasks.tasks["EMAIL002"] is shipped.tasks["EMAIL002"]
    packs.unload_from_class(uow, teacher, room.id, five.id)
    assert points(room.id) == 7.0
    packs.unload_from_class(uow, teacher, room.id, seven.id)
    assert points(room.id) == 2.0
    with pytest.raises(DomainError) as caught:
        packs.unload_from_class(uow, teacher, room.id, seven.id)
    assert caught.value.code == "packs.not_loaded"
    with uow.read() as s:
        kinds = [e.kind for e in s.scalars(select(events.Event).where(events.Event.class_id == room.id,
                                                                      events.Event.kind.like("pack.%")))]
    assert kinds == ["pack.loaded"] * 3 + ["pack.unloaded"] * 2


def test_a_repeated_load_request_loads_once(uow, stage) -> None:
    teacher, room, _ = stage
    five = packs.upload_pack(uow, teacher, task_pack(5), "five.yaml", "")
    packs.load_into_class(uow, teacher, room.id, five.id, request_id="load")
    packs.load_into_class(uow, teacher, room.id, five.id, request_id="load")
    with uow.read() as s:
        assert len(s.scalars(select(ClassPack)).all()) == 1
        assert len(s.scalars(select(events.Event).where(events.Event.kind == "pack.loaded")).all()) == 1


def test_a_student_can_neither_upload_nor_load_nor_read_the_library(uow, stage) -> None:
    teacher, room, ann = stage
    five = packs.upload_pack(uow, teacher, task_pack(5), "five.yaml", "")
    calls = [
        lambda: packs.upload_pack(uow, ann, task_pack(6), "x.yaml", ""),
        lambda: packs.load_into_class(uow, ann, room.id, five.id),
        lambda: packs.unload_from_class(uow, ann, room.id, five.id),
    ]
    for call in calls:
        with pytest.raises(DomainError) as caught:
            call()
        assert caught.value.code == "auth.forbidden"
    with uow.read() as s:
        for query in (lambda: packs.library(s, ann), lambda: packs.preview(s, ann, five.key),
                      lambda: packs.export_pack(s, ann, five.key), lambda: packs.class_packs(s, ann, room.id)):
            with pytest.raises(DomainError) as caught:
                query()
            assert caught.value.code == "auth.forbidden"
    assert pack_rows(uow) == 1


def test_another_instructors_class_is_not_found(uow, stage) -> None:
    teacher, room, _ = stage
    other = factories.instructor(uow, "lilei", "Li Lei")
    mine = packs.upload_pack(uow, other, task_pack(5), "five.yaml", "")
    for call in (lambda: packs.load_into_class(uow, other, room.id, mine.id),
                 lambda: packs.unload_from_class(uow, other, room.id, mine.id)):
        with pytest.raises(DomainError) as caught:
            call()
        assert caught.value.code == "class.not_found"
    with uow.read() as s, pytest.raises(DomainError) as caught:
        packs.class_packs(s, other, room.id)
    assert caught.value.code == "class.not_found"
    with pytest.raises(DomainError) as caught:
        packs.load_into_class(uow, teacher, room.id, 999)
    assert caught.value.code == "packs.not_found"


def test_a_stored_pack_that_no_longer_validates_is_skipped(uow, stage, shipped) -> None:
    """A pack valid when stored whose check kind the code has since dropped: the class falls back to
    the shipped task instead of every page that asks for the class's tasks failing."""
    teacher, room, _ = stage
    data = task_pack(5, checks=[{"kind": "email.retired_check"}])
    with uow.write() as s:
        row = ScenarioPack(name="old", file_name="old.yaml", kind="tasks", content=data.decode(),
                           sha256=hashlib.sha256(data).hexdigest(), task_codes=["EMAIL001"])
        s.add(row)
        s.flush()
        pack_id = row.id
    packs.load_into_class(uow, teacher, room.id, pack_id)
    with uow.read() as s:
        assert packs.class_tasks(s, room.id, shipped).tasks["EMAIL001"].points == 2.0
        with pytest.raises(ScenarioError):
            packs.preview(s, teacher, f"pack:{pack_id}")
