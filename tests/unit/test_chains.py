"""Chain files (scenarios/chains/*.yaml): chain A is the catalog notes' chain with a step function
for every step; a bad file is refused with an error naming the file, the chain, the step and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.chains import ChainError, load_chains, parse_chain
from sandbox.chains.play import player
from sandbox.i18n import t

# ../shared/catalog-notes.md §2 A, in its order
NOTES_A = (
    "EMAIL001 EBANK001 CA002 CA003 EBANK002 EBANK004 B2B001 B2B003 B2B004 LGS001 LGS007 LGS012 LGS021 LGS022 B2B011 "
    "LGS003 B2B005 B2B007 B2B022 B2B023 B2B024 B2B025 B2B026 B2B027 B2B028 B2B029 B2B006 B2B008 B2B009 B2B010 "
    "LGS002 LGS004 LGS009 LGS010 LGS020 B2B017 B2B030 B2B032 B2B031 LGS018 EBANK009"
).split()
IDENTITY = ["EMAIL001", "EBANK001", "CA002", "CA003", "EBANK002", "EBANK004", "B2B001"]


def test_chain_a_is_the_catalog_notes_chain_with_a_step_function_for_every_step():
    chain = load_chains()["A"]
    assert chain.part_ids == ("buyer", "supplier", "logistics")
    assert list(dict.fromkeys(s.code for s in chain.steps)) == NOTES_A
    assert chain.codes_of("buyer") == [*IDENTITY, "B2B003", "B2B005", "B2B007", "B2B023", "B2B025", "B2B027",
                                       "B2B028", "B2B006", "B2B009", "B2B017", "B2B032", "EBANK009"]
    assert chain.codes_of("supplier") == [*IDENTITY, "B2B004", "LGS021", "B2B011", "B2B022", "B2B024", "B2B026",
                                          "B2B029", "B2B008", "B2B010", "B2B030", "B2B031", "EBANK009"]
    assert chain.codes_of("logistics") == ["LGS001", "LGS007", "LGS012", "LGS022", "LGS003", "LGS002", "LGS004",
                                           "LGS009", "LGS010", "LGS020", "LGS018"]
    assert chain.task_runs == 49 and [s.index for s in chain.steps] == list(range(1, 50))
    assert chain.part("buyer").label("zh_CN") == "采购商" and chain.title("en").startswith("Full B2B chain")
    assert set(player(chain)) >= {(s.code, s.part) for s in chain.steps}
    with pytest.raises(KeyError):
        chain.codes_of("carrier")


GOOD = """\
id: T
title_zh: 测试链
title_en: Test chain
description_zh: 测试。
description_en: A test.
parts:
- {id: logistics, label_zh: 物流商, label_en: Logistics, role_zh: 物流。, role_en: Logistics.}
- {id: supplier, label_zh: 供应商, label_en: Supplier, role_zh: 供货。, role_en: Supplies.}
steps:
- {code: LGS001, part: logistics}
- {code: LGS007, part: logistics}
- {code: B2B001, part: supplier}
"""


def test_a_good_file_parses():
    chain = parse_chain(GOOD, "t.yaml")
    assert (chain.id, chain.source, chain.codes_of("supplier")) == ("T", "t.yaml", ["B2B001"])
    assert [str(s) for s in chain.steps] == ["1 LGS001 (logistics)", "2 LGS007 (logistics)", "3 B2B001 (supplier)"]


BAD = [
    ("{code: LGS007, part: logistics}", "{code: LGS999, part: logistics}", "chain.unknown_code", "2 LGS999", "code"),
    ("{code: B2B001, part: supplier}", "{code: B2B001, part: carrier}", "chain.undeclared_part", "3 B2B001", "part"),
    ("{code: B2B001, part: supplier}", "{code: LGS007, part: logistics}\n- {code: B2B001, part: supplier}",
     "chain.duplicate_step", "3 LGS007", "code"),
    ("- {code: LGS001, part: logistics}\n- {code: LGS007, part: logistics}",
     "- {code: LGS007, part: logistics}\n- {code: LGS001, part: logistics}", "chain.requires_later", "1 LGS007", "code"),
    ("title_en: Test chain\n", "", "chain.missing_field", "-", "title_en"),
    ("{id: supplier,", "{id: logistics,", "chain.duplicate_part", "-", "parts[1].id"),
    ("- {code: B2B001, part: supplier}\n", "", "chain.part_without_steps", "-", "parts"),
    ("{code: LGS001, part: logistics}", "{code: LGS001, part: logistics, who: me}", "chain.unknown_field", "1 LGS001",
     "who"),
    ("id: T", "id: t x", "chain.bad_id", "-", "id"),
    ("steps:\n", "steps: [\n", "chain.yaml_syntax", "-", "-"),
]


@pytest.mark.parametrize(("old", "new", "reason", "step", "field"), BAD)
def test_a_bad_file_is_refused_naming_the_chain_step_and_field(old, new, reason, step, field):
    assert old in GOOD
    with pytest.raises(ChainError) as caught:
        parse_chain(GOOD.replace(old, new), "bad.yaml")
    err = caught.value
    assert (err.code, err.params["reason"], err.params["step"], err.params["where"]) == (
        "chain.invalid", reason, step, field)
    assert err.params["file"] == "bad.yaml" and (reason == "chain.yaml_syntax" or err.params["line"] > 0)
    assert f"step {step}" in err.plain() and "bad.yaml" in err.plain()
    for lang in ("en", "zh_CN"):
        assert step in t(err.code, lang, **err.params)


def test_two_files_with_the_same_chain_id_are_refused(tmp_path: Path):
    (tmp_path / "one.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "two.yaml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(ChainError) as caught:
        load_chains(tmp_path)
    assert caught.value.params["reason"] == "chain.duplicate_id" and caught.value.params["chain"] == "T"
    assert set(load_chains(tmp_path / "none")) == set()
