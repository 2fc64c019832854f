"""``python -m sandbox scenarios validate FILE``: a valid pack says OK with its codes; a broken or
hostile file is refused with its file, line, task and field, in English and Chinese, exit 1, and
nothing is loaded (the shipped scenarios are untouched)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.cli import main
from sandbox.scenarios.loader import MAX_FILE_BYTES, load_directory
from sandbox.scenarios.model import SCENARIO_DIR

GOOD = (SCENARIO_DIR / "lgs.yaml").read_text(encoding="utf-8")


def validate(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, data: bytes) -> tuple[int, str, str]:
    path = tmp_path / name
    path.write_bytes(data)
    code = main(["scenarios", "validate", str(path)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_shipped_packs_and_chain_are_valid(capsys: pytest.CaptureFixture[str]) -> None:
    files = [*sorted(str(p) for p in SCENARIO_DIR.glob("*.yaml")), str(SCENARIO_DIR / "chains" / "A.yaml")]
    assert main(["scenarios", "validate", *files]) == 0
    out = capsys.readouterr().out
    assert "lgs.yaml: OK, 22 tasks: LGS001" in out and "A.yaml: OK, chain A: 49 steps" in out


@pytest.mark.parametrize(("change", "where", "why"), [
    (("  - {kind: lgs.", "  - {kind: lgs.nonsense_"), "field checks[0]", "unknown check kind"),
    (("- code: LGS001", "- code: LGS999"), "task LGS999, field code", "no such task code"),
    (("  title_en: ", "  title_english: "), "task LGS001, field title_en", "this field is required"),
])
def test_a_broken_pack_names_file_line_task_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: tuple[str, str], where: str, why: str,
) -> None:
    old, new = change
    assert old in GOOD
    code, out, err = validate(tmp_path, capsys, "mine.yaml", GOOD.replace(old, new, 1).encode())
    assert code == 1 and out == ""
    assert err.startswith(f"{tmp_path / 'mine.yaml'}: invalid: mine.yaml:") and where in err and why in err
    line = int(err.split("mine.yaml:")[2].split(":")[0])
    assert line > 1  # a real line of the file, not 0


@pytest.mark.parametrize(("data", "why"), [
    (b"tasks: [unclosed\n", "not valid YAML"),
    (b"- just\n- a list\n", "no list of tasks"),
    (b"tasks: !!python/object/apply:os.system ['echo pwned']\n", "not valid YAML"),  # never runs code
    (b"a: &x [1, 2]\nb: &y [*x, *x]\ntasks: [*y, *y]\n", "aliases"),  # billion-laughs shape
    (b"tasks:\n- code: \xff\xfe\n", "not UTF-8"),
    (b"x" * (MAX_FILE_BYTES + 1), "at most 1000 kB"),
])
def test_hostile_or_wrong_format_files_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes, why: str,
) -> None:
    code, out, err = validate(tmp_path, capsys, "evil.yaml", data)
    assert code == 1 and out == "" and why in err and "evil.yaml" in err
    assert "/" in err.split("invalid:")[1]  # English / 中文


def test_a_broken_chain_file_names_its_step(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (SCENARIO_DIR / "chains" / "A.yaml").read_text(encoding="utf-8")
    broken = text.replace("part: logistics", "part: carrier", 1)
    code, _, err = validate(tmp_path, capsys, "chain.yaml", broken.encode())
    assert code == 1 and "step" in err and "part carrier is not declared" in err and "未声明" in err


def test_validating_loads_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = set(load_directory().tasks)
    validate(tmp_path, capsys, "lgs.yaml", GOOD.replace("- code: LGS001", "- code: LGS999", 1).encode())
    assert main(["scenarios", "validate", str(tmp_path / "missing.yaml")]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert set(load_directory().tasks) == before
