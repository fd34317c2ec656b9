from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Caches go to a folder of the test session, not the user's ~/.cache (runtime/loader.py)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(Path(tmp_path_factory.getbasetemp()) / "xdg-cache"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-expect",
        action="store_true",
        help="rewrite expected outputs (tests/cases/**.out, docs/errors.md) instead of comparing",
    )


@pytest.fixture
def update_expect(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-expect"))
