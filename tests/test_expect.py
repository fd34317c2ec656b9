"""Reproducers in tests/cases: each bad case shows its code; outputs match the .out files."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import pytest

from dsl.parser import parse
from dsl.printer import format_source
from runtime.loader import load
from tests.expect import case_paths, expected_path, run_case

BAD = case_paths("bad")
GOOD = case_paths("good")


def _compare(path: Path, actual: str, update: bool) -> None:
    expected = expected_path(path)
    if update:
        expected.write_text(actual, encoding="utf-8")
        return
    assert expected.exists(), f"no expected output for {path.name}; run pytest --update-expect and review"
    assert actual == expected.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_case(path: Path, update_expect: bool) -> None:
    output, codes = run_case(path)
    code = path.stem.split("_")[0]
    assert code in codes, f"{path.name} should reproduce {code}, found {codes}"
    _compare(path, output, update_expect)


def _model_json(path: Path) -> str:
    import shutil
    import tempfile

    from tests.expect import PRELUDE

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "avtale.toml").write_text("")
        shutil.copyfile(path, root / path.name)
        shutil.copyfile(PRELUDE, root / "prelude.avt")
        workspace = load(root, use_cache=False)
    assert workspace.result is not None
    contracts = workspace.result.workspace.contracts
    data = {cid: attrs.asdict(c, recurse=True) for cid, c in sorted(contracts.items())}
    return json.dumps(data, indent=1, default=str, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("path", GOOD, ids=[p.stem for p in GOOD])
def test_good_case(path: Path, update_expect: bool) -> None:
    output, _ = run_case(path, notes=False)
    assert output == "no problems\n"
    text = path.read_text(encoding="utf-8")
    parsed = parse(text, path.name)
    assert parsed.file is not None
    assert format_source(parsed.file) == text, "good cases are kept in canonical form"
    _compare(path, _model_json(path), update_expect)
