"""Scenario packs page (views/scenarios.py) under AppTest: the library with preview and export, an
upload that validates (a bad file shows where it is wrong and stores nothing), loading a pack into a
class, and Regrade showing what changed. Students cannot open it."""

from __future__ import annotations

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from sandbox.bots import BotWorld
from sandbox.scenarios.loader import load_directory
from sandbox.scenarios.model import SCENARIO_DIR
from sandbox.scenarios.runs import run_golden
from sandbox.teaching import packs
from sandbox.teaching.models import ClassPack, GradeSnapshot, ScenarioPack
from sandbox.uow import UnitOfWork
from tests import factories
from tests.app.helpers import count, en, errors, new_app, run, submit, successes, titles
from tests.integration.test_packs import task_pack


@pytest.fixture
def teacher(app_db: UnitOfWork):
    return factories.instructor(app_db)


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """The bytes handed to st.download_button, by file name (AppTest keeps no media server)."""
    got: dict[str, bytes] = {}
    original = MediaFileManager.add

    def add(self, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        if file_name and isinstance(path_or_data, bytes):
            got[file_name] = path_or_data
        return original(self, path_or_data, mimetype, coordinates, file_name, is_for_static_download)

    monkeypatch.setattr(MediaFileManager, "add", add)
    return got


def page(actor, tab: str | None = None) -> AppTest:
    at = run(new_app(actor=actor))
    at.switch_page("views/scenarios.py")
    run(at)
    if tab:  # only the open tab runs (st.tabs on_change="rerun")
        at.session_state["packs_tabs"] = en(tab)
        run(at)
    return at


def frame(at: AppTest, column_key: str, *, index: int = 0) -> list[dict]:
    """The rows of the ``index``-th table that has the column ``en(column_key)`` (AppTest shows no table keys)."""
    found = [d.value for d in at.dataframe if en(column_key) in d.value.columns]
    assert len(found) > index, (column_key, [list(d.value.columns) for d in at.dataframe])
    return found[index].to_dict("records")


def test_the_library_lists_shipped_packs_previews_and_exports_them(app_db, teacher, downloads) -> None:
    at = page(teacher)
    assert titles(at) == [en("packs.title")]
    library = frame(at, "packs.col_source")
    assert {r[en("packs.col_file")] for r in library} >= {"email.yaml", "b2b.yaml", "chains/A.yaml"}
    assert {r[en("packs.col_source")] for r in library} == {en("packs.shipped")}

    at.selectbox(key="packs_pick").select("shipped:email.yaml")
    run(at)
    rows = frame(at, "packs.col_checks")
    assert rows[0][en("packs.col_code")] == "EMAIL001"
    assert rows[0][en("packs.col_title")] == "申请电子邮件 — Apply for an e-mail account"
    assert rows[0][en("packs.col_checks")] == "email.mailbox_registered"
    assert downloads["email.yaml"] == (SCENARIO_DIR / "email.yaml").read_bytes()

    at.selectbox(key="packs_pick").select("shipped:chains/A.yaml")
    run(at)
    steps = frame(at, "packs.col_part")
    assert steps[0][en("packs.col_code")] == "EMAIL001" and steps[0][en("packs.col_part")] == "采购商 — Buyer"


def test_a_valid_upload_is_stored_and_previewed(app_db, teacher) -> None:
    at = page(teacher, "packs.tab_upload")
    at.get("file_uploader")[0].set_value(("email-5.yaml", task_pack(5), "application/yaml"))
    at.text_input(key="packs_name").input("EMAIL001 worth 5")
    submit(at, "packs_upload_form")

    assert not errors(at)
    assert successes(at) == [en("packs.stored", name="EMAIL001 worth 5", count=1, kind=en("packs.kind_tasks"))]
    (row,) = frame(at, "packs.col_checks")
    assert (row[en("packs.col_code")], row[en("packs.col_points")], row[en("packs.col_shipped_points")]) == (
        "EMAIL001", "5", "2")
    assert count(app_db, ScenarioPack) == 1

    at.session_state["packs_tabs"] = en("packs.tab_library")
    run(at)
    with app_db.read() as s:
        stored_id = s.query(ScenarioPack).one().id
    assert at.selectbox(key="packs_pick").value == f"pack:{stored_id}"  # the library opens on the new pack
    library = frame(at, "packs.col_source")
    assert [r[en("packs.col_name")] for r in library if r[en("packs.col_source")] == en("packs.uploaded")] == [
        "EMAIL001 worth 5"]


def test_an_invalid_upload_names_where_it_is_wrong_and_stores_nothing(app_db, teacher) -> None:
    at = page(teacher, "packs.tab_upload")
    bad = task_pack(5, checks=[{"kind": "shell.run"}])
    at.get("file_uploader")[0].set_value(("bad.yaml", bad, "application/yaml"))
    submit(at, "packs_upload_form")

    (message,) = errors(at)
    line = message.split("line ")[1].split(":")[0]
    assert int(line) > 0
    assert message.replace("\\", "") == en("scenario.invalid", file="bad.yaml", line=line, task="EMAIL001",
                                            where="checks[0]", reason=en("scenario.unknown_check", kind="shell.run"))
    (where,) = frame(at, "packs.col_line")
    assert (where[en("packs.col_task")], where[en("packs.col_field")]) == ("EMAIL001", "checks[0]")
    assert en("packs.nothing_stored") in [c.value for c in at.caption]
    assert count(app_db, ScenarioPack) == 0


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "packs.empty_file"),
    (b"# " + b"x" * 1_000_001, "scenario.too_large"),
    (b"module: EMAIL\n# caf\xe9\n", "scenario.not_utf8"),
    (b"a: &x [1]\nb: *x\n", "scenario.yaml_syntax"),
    (b"tasks: !!python/object/apply:os.system [echo hi]\n", "scenario.yaml_syntax"),
])
def test_hostile_or_broken_files_are_refused_in_words(app_db, teacher, data: bytes, reason: str) -> None:
    at = page(teacher, "packs.tab_upload")
    at.get("file_uploader")[0].set_value(("bad.yaml", data, "application/yaml"))
    submit(at, "packs_upload_form")
    (message,) = errors(at)
    assert en(reason, kb=1000, max_kb=1000) in message and reason not in message
    assert count(app_db, ScenarioPack) == 0


def test_a_bad_chain_step_is_shown_in_words_not_as_a_code(app_db, teacher) -> None:
    at = page(teacher, "packs.tab_upload")
    chain = (SCENARIO_DIR / "chains" / "A.yaml").read_bytes().replace(b"{code: CA002, part: buyer}",
                                                                       b"{code: CA999, part: buyer}", 1)
    at.get("file_uploader")[0].set_value(("A-broken.yaml", chain, "application/yaml"))
    submit(at, "packs_upload_form")
    (message,) = errors(at)
    assert en("chain.file.unknown_code") in message and "CA999" in message and "chain.unknown_code" not in message
    assert count(app_db, ScenarioPack) == 0


def test_no_file_is_refused(app_db, teacher) -> None:
    at = page(teacher, "packs.tab_upload")
    submit(at, "packs_upload_form")
    assert errors(at) == [en("input.required", field=en("field.packs.file"))]


def test_load_a_pack_then_regrade_shows_the_change(app_db, teacher) -> None:
    room = factories.classroom(app_db, teacher)
    ann = factories.student(app_db, room, "ann", "Ann Li")
    factories.student(app_db, room, "bob", "Bob Wang")
    run_golden(BotWorld(app_db, room.id, ann), load_directory(), "EMAIL001", set())
    stored = packs.upload_pack(app_db, teacher, task_pack(5), "email-5.yaml", "EMAIL001 worth 5")

    at = page(teacher, "packs.tab_class")
    assert [i.value for i in at.info] == [en("packs.none_loaded")]
    at.button(key="packs_regrade").click()
    run(at)
    assert [i.value for i in at.info] == [en("packs.none_loaded"), en("packs.first_regrade")]
    (first,) = frame(at, "packs.col_before")
    assert (first[en("field.username")], first[en("packs.col_before")], first[en("packs.col_after")]) == (
        "ann", "—", "2")

    at.selectbox(key="packs_load_pick").select(stored.id)
    at.button(key="packs_load").click()
    run(at)
    assert successes(at) == [en("packs.loaded", name="EMAIL001 worth 5", klass="EC\\-2026 A")]
    assert count(app_db, ClassPack) == 1
    (loaded,) = frame(at, "packs.col_codes")
    assert loaded[en("packs.col_codes")] == "EMAIL001"

    at.text_input(key="packs_reason").input("EMAIL001 now 5")
    at.button(key="packs_regrade").click()
    run(at)
    (change,) = frame(at, "packs.col_before")
    assert change == {
        en("field.username"): "ann", en("field.full_name"): "Ann Li",
        en("packs.col_title"): "EMAIL001 申请电子邮件 — Apply for an e-mail account",
        en("packs.col_before"): "2", en("packs.col_after"): "5",
    }
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {en("packs.changed"): "1", en("packs.total_before"): "2", en("packs.total_after"): "5"}
    history = frame(at, "packs.col_students")
    assert [(h[en("packs.col_reason")], h[en("packs.changed")]) for h in history] == [("EMAIL001 now 5", 1), ("", 1)]
    assert count(app_db, GradeSnapshot) == 2


def test_a_student_cannot_open_the_page(app_db, teacher) -> None:
    room = factories.classroom(app_db, teacher)
    ann = factories.student(app_db, room, "ann")
    at = run(new_app(actor=ann))
    with pytest.raises(ValueError):
        at.switch_page("views/scenarios.py").run()
