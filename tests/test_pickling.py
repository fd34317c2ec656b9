"""The AST and the checked model pickle as tuples of their fields (dsl/pickling.py) and come back whole."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import attrs
import pytest

from compiler import model
from dsl import ast
from dsl.parser import parse
from dsl.span import Span
from runtime.loader import load

EXAMPLES = Path(__file__).resolve().parent.parent / "contracts_examples"


def _fields(value: Any) -> Any:
    """Every field, spans included (the AST's `==` leaves them out)."""
    if attrs.has(type(value)):
        return (type(value).__name__, *(_fields(getattr(value, f.name)) for f in attrs.fields(type(value))))
    if isinstance(value, (list, tuple)):
        return tuple(_fields(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _fields(v)) for k, v in value.items())
    return value


def test_a_span_pickles_as_its_fields() -> None:
    span = Span("contracts/a.avt", 3, 5, 4, 1)
    assert span.__getstate__() == ("contracts/a.avt", 3, 5, 4, 1)
    back = pickle.loads(pickle.dumps(span))
    assert back == span and type(back) is Span


def test_every_slotted_class_of_the_ast_and_model_has_tuple_state() -> None:
    for module in (ast, model):
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == module.__name__ and attrs.has(value):
                assert value.__getstate__.__module__ == "dsl.pickling", value


def test_example_files_and_model_survive_pickling_field_for_field() -> None:
    for path in sorted(EXAMPLES.rglob("*.avt")):
        parsed = parse(path.read_text("utf-8"), str(path)).file
        assert parsed is not None
        assert _fields(pickle.loads(pickle.dumps(parsed))) == _fields(parsed)
    result = load(EXAMPLES, use_cache=False).result
    assert result is not None
    again = pickle.loads(pickle.dumps(result.workspace))
    assert _fields(again) == _fields(result.workspace)
    frozen = next(iter(again.contracts.values()))
    try:
        frozen.id = "changed"
    except attrs.exceptions.FrozenInstanceError:
        pass
    else:
        raise AssertionError("an unpickled model object must stay frozen")


def test_a_cache_written_behind_is_there_for_the_next_read(tmp_path: Path) -> None:
    from runtime import loader

    cache = loader.Cache(tmp_path / "cache", b"k" * 32, tmp_path)
    value = {"rows": [Span("a.avt", i, 1, i, 2) for i in range(50_000)]}
    cache.write_behind("model-rev-x", value, prune=("model-rev-", 4))
    assert loader._WRITERS  # a child is writing
    assert cache.read("model-rev-x") == value  # waits for that child, then reads what it wrote
    cache.write_behind("model-rev-y", value)
    loader.wait_for_writes()
    assert not loader._WRITERS
    assert cache.read("model-rev-y") == value


def test_a_write_that_fails_leaves_no_temporary_behind(tmp_path: Path) -> None:
    from runtime import loader

    class Refuses:
        def __reduce__(self) -> Any:
            raise KeyboardInterrupt  # what Ctrl-C does to a child writing behind

    cache = loader.Cache(tmp_path / "cache", b"k" * 32, tmp_path)
    cache.write("model-rev-x", {"ok": 1})
    with pytest.raises(KeyboardInterrupt):
        cache.write("model-rev-y", [Refuses()])
    assert sorted(p.name.split("-")[2].split(".")[0] for p in (tmp_path / "cache").iterdir()) == ["x"]
