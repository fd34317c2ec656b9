from __future__ import annotations

import pytest

from tests.history.gitrepo import ISOLATED


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch) -> None:
    """Avtale's own git calls see no user or system configuration either."""
    for name, value in ISOLATED.items():
        monkeypatch.setenv(name, value)
