from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-expect",
        action="store_true",
        help="rewrite expected outputs (tests/cases/**.out, docs/errors.md) instead of comparing",
    )


@pytest.fixture
def update_expect(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-expect"))
