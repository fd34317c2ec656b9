"""How a diagnostic's text is shortened: an overlong quoted token is cut, the prose between quotes never is."""

from __future__ import annotations

from dsl.diagnostics import error
from dsl.render import render_text
from dsl.span import Span

SPAN = Span("case.avt", 1, 1, 1, 2)


def shown(help_text: str) -> str:
    text = render_text(error("E0100", "message", SPAN, label="here", help=help_text), lambda file: None)
    return next(line for line in text.splitlines() if "help:" in line).split("help: ", 1)[1]


def test_the_prose_between_two_quotes_is_kept_whole() -> None:
    help_text = (
        "add `usage METRIC` naming the metric whose total this prices; or price a quantity: `graduated per month {`"
    )
    assert shown(help_text) == help_text


def test_an_overlong_quote_is_cut_to_sixty_characters() -> None:
    token = "x" * 100
    assert shown(f"rename `{token}` to something shorter") == f"rename `{'x' * 60}…` to something shorter"


def test_a_quoted_token_holding_a_backtick_is_still_cut_and_the_message_kept() -> None:
    token = "x`" + "y" * 100
    assert shown(f"`{token}` is not an e-mail address") == f"`x`{'y' * 60}…` is not an e-mail address"


def test_a_quoted_token_holding_two_backticks_is_cut_and_the_message_kept() -> None:
    assert shown(f"`a`{'b' * 100}`c` is not an e-mail address") == f"`a`{'b' * 60}…`c` is not an e-mail address"
