"""Bad rows are rejected and reported with file, row and reason; good rows still count."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from runtime.usage.events import SHOWN_PER_KIND

from .helpers import csv, problems, read, total, write

JAN = (date(2026, 1, 1), date(2026, 2, 1))
GOOD = "2026-01-05T10:00:00+01:00"


def test_each_malformed_row_is_named_with_its_reason_and_the_valid_rows_count(tmp_path: Path) -> None:
    csv(
        tmp_path,
        "events.csv",
        f"g1,A-1,api.request,{GOOD},1,,",  # row 1
        f",A-1,api.request,{GOOD},1,,",  # row 2: no id
        f"x3,,api.request,{GOOD},1,,",  # row 3: no contract
        f"x4,A-1,,{GOOD},1,,",  # row 4: no event
        "x5,A-1,api.request,,1,,",  # row 5: no timestamp
        "x6,A-1,api.request,2026-01-05T10:00:00,1,,",  # row 6: no offset
        "x7,A-1,api.request,2026-01-05,1,,",  # row 7: a date, no time or offset
        "x8,A-1,api.request,yesterday,1,,",  # row 8
        "x9,A-1,api.request,2026-02-30T10:00:00Z,1,,",  # row 9: no such day
        f"x10,A-1,api.request,{GOOD},abc,,",  # row 10: value not a number
        f"x11,A-1,api.request,{GOOD},0.12345678901,,",  # row 11: 11 decimals
        f"x12,A-1,payment.captured,{GOOD},1,,",  # row 12: the metric's field is empty
        f"x13,A-1,payment.captured,{GOOD},1,12;5,",  # row 13: field not a number
        f"x14,A-1,login,{GOOD},,,",  # row 14: no user_id to count
        f"x15,A-1,api.request,{GOOD},1e400,,",  # row 15: too large
        f"g2,A-1,api.request,{GOOD},1.5e3,,",  # row 16: an exponent is fine when exact
        f"g3,B-2,payment.captured,{GOOD},,7.25,",  # row 17
    )
    with read(tmp_path) as usage:
        report = usage.report
        assert [(p.row, p.column, p.message) for p in report.problems] == [
            (2, "id", "`id` is empty"),
            (3, "contract", "`contract` is empty"),
            (4, "event", "`event` is empty"),
            (5, "timestamp", "`timestamp` is empty"),
            (6, "timestamp", "timestamp `2026-01-05T10:00:00` has no UTC offset"),
            (7, "timestamp", "timestamp `2026-01-05` has no UTC offset"),
            (8, "timestamp", "timestamp `yesterday` is not an ISO 8601 date and time"),
            (9, "timestamp", "timestamp `2026-02-30T10:00:00Z` is not an ISO 8601 date and time"),
            (10, "value", "`value` `abc` is not a number"),
            (11, "value", "`value` `0.12345678901` has more than 10 decimals"),
            (12, "amount", "metric `volume` sums `amount`, but this event has none"),
            (13, "amount", "`amount` `12;5` is not a number (metric `volume` sums it)"),
            (14, "user_id", "metric `users` counts the distinct values of `user_id`, but this event has none"),
            (15, "value", "`value` `1e400` is too large (at most 18 digits before the point)"),
        ]
        assert all(p.kind == "malformed" and p.file == "events.csv" and p.help for p in report.problems)
        assert (report.rows, report.events, report.rejected, report.duplicates) == (17, 3, 14, 0)
        assert report.blocking
        assert total(usage, "A-1", "calls", *JAN) == 2
        assert total(usage, "B-2", "volume", *JAN) == 7.25


def test_unknown_contracts_are_reported_once_each_and_distinctly(tmp_path: Path) -> None:
    csv(
        tmp_path,
        "events.csv",
        f"a,A-1,api.request,{GOOD},,,",
        f"b,A-11,api.request,{GOOD},,,",
        f"c,ZZZ-9,api.request,{GOOD},,,",
        f"d,A-11,api.request,{GOOD},,,",
    )
    with read(tmp_path) as usage:
        report = usage.report
        assert report.unknown_contracts == ("A-11", "ZZZ-9")
        assert problems(usage) == [
            (
                "unknown_contract",
                "events.csv",
                2,
                "contract `A-11` is not in the workspace (2 events; the first is here)",
            ),
            (
                "unknown_contract",
                "events.csv",
                3,
                "contract `ZZZ-9` is not in the workspace (1 event; the first is here)",
            ),
        ]
        assert report.problems[0].help.startswith("did you mean `A-1`?")
        assert (report.rejected, report.events, report.blocking) == (3, 1, True)
        assert total(usage, "A-1", "calls", *JAN) == 1


def test_a_csv_line_that_cannot_be_split_is_named_by_line_and_later_rows_keep_their_numbers(tmp_path: Path) -> None:
    csv(
        tmp_path,
        "events.csv",
        f"a,A-1,api.request,{GOOD},,,",  # line 2, row 1
        f"b,A-1,api.request,{GOOD},,,,extra",  # line 3: one field too many
        f"c,A-1,api.request,{GOOD},,",  # line 4: one too few
        f"d,A-1,api.request,{GOOD},,,",  # line 5, row 4
        f"e,A-1,api.request,{GOOD},x,,",  # line 6, row 5: value not a number
    )
    with read(tmp_path) as usage:
        found = [(p.line, p.row, p.message) for p in usage.report.problems]
        assert found == [
            (3, None, "the line has too many fields (8 instead of 7)"),
            (4, None, "the line has too few fields (6 instead of 7)"),
            (None, 5, "`value` `x` is not a number"),
        ]
        assert usage.report.rejected == 3
        assert total(usage, "A-1", "calls", *JAN) == 2


def test_a_json_lines_record_that_is_not_an_object_is_rejected_by_row(tmp_path: Path) -> None:
    good = '{"id": "%s", "contract": "A-1", "event": "api.request", "timestamp": "2026-01-05T10:00:00Z"}'
    write(tmp_path, "events.jsonl", "\n".join([good % "a", "not json", "[1, 2]", good % "b", '{"id": "c"}']) + "\n")
    with read(tmp_path) as usage:
        assert [(p.row, p.message) for p in usage.report.problems] == [
            (2, "the line is not a JSON object"),
            (3, "the line is not a JSON object"),
            (5, "`contract` is empty"),
        ]
        assert total(usage, "A-1", "calls", *JAN) == 2


def test_a_file_without_a_required_column_is_one_problem(tmp_path: Path) -> None:
    csv(tmp_path, "a.csv", f"A-1,api.request,{GOOD}", f"A-1,api.request,{GOOD}", header="contract,event,timestamp")
    csv(
        tmp_path,
        "b.csv",
        f"b1,A-1,payment.captured,{GOOD}",
        f"b2,A-1,api.request,{GOOD}",
        header="id,contract,event,timestamp",
    )
    with read(tmp_path) as usage:
        assert problems(usage) == [
            ("malformed", "a.csv", None, "the file has no `id` column, so its 2 rows cannot be counted"),
            (
                "malformed",
                "b.csv",
                None,
                "the file has no `amount` column, which a metric reads; 1 row that needs it was rejected",
            ),
        ]
        assert usage.report.rejected == 3
        assert total(usage, "A-1", "calls", *JAN) == 1


def test_many_bad_rows_are_shown_a_few_at_a_time_and_all_counted(tmp_path: Path) -> None:
    rows = [f"x{i},A-1,api.request,2026-01-05T10:00:00,,," for i in range(SHOWN_PER_KIND + 5)]
    csv(tmp_path, "events.csv", *rows, f"ok,A-1,api.request,{GOOD},,,")
    with read(tmp_path) as usage:
        shown = usage.report.problems
        assert [p.row for p in shown[:-1]] == list(range(1, SHOWN_PER_KIND + 1))
        assert shown[-1].row is None and shown[-1].message.startswith("and 5 more rows like this")
        assert usage.report.rejected == SHOWN_PER_KIND + 5
        assert total(usage, "A-1", "calls", *JAN) == 1


def test_events_no_metric_counts_are_a_note_not_a_rejection(tmp_path: Path) -> None:
    csv(tmp_path, "events.csv", f"a,A-1,api.requets,{GOOD},,,", f"b,A-1,api.requets,{GOOD},,,")
    with read(tmp_path) as usage:
        (note,) = usage.report.problems
        assert (note.kind, note.severity, note.row) == ("unmetered_event", "note", 1)
        assert note.message == "no metric counts `api.requets` events (2; the first is here)"
        assert note.help.startswith("did you mean `api.request`?")
        assert not usage.report.blocking and usage.report.rejected == 0


def test_unmetered_events_are_counted_without_their_dropped_copies(tmp_path: Path) -> None:
    # `b` comes twice: the copy is dropped, so two `api.requets` events are named, from row 2 on,
    # beside a metered event and its own dropped copy, which still counts once.
    csv(
        tmp_path,
        "events.csv",
        f"a,A-1,api.request,{GOOD},,,",
        f"b,A-1,api.requets,{GOOD},,,",
        f"b,A-1,api.requets,{GOOD},,,",
        f"c,A-1,api.requets,{GOOD},,,",
        f"a,A-1,api.request,{GOOD},,,",
    )
    with read(tmp_path) as usage:
        (note,) = usage.report.problems
        assert (note.kind, note.row) == ("unmetered_event", 2)
        assert note.message == "no metric counts `api.requets` events (2; the first is here)"
        assert (usage.report.events, usage.report.duplicates) == (3, 2)
        assert total(usage, "A-1", "calls", *JAN) == 1


def test_a_problem_renders_with_its_place_and_help(tmp_path: Path) -> None:
    csv(tmp_path, "events.csv", f"a,A-1,api.request,{GOOD},,,", "b,A-1,api.request,2026-01-05 10:00,,,")
    with read(tmp_path) as usage:
        (problem,) = usage.report.problems
    assert problem.render() == (
        "error: events.csv row 2, column `timestamp`: timestamp `2026-01-05 10:00` has no UTC offset\n"
        "  = help: add `Z` (UTC) or the offset, e.g. 2026-04-01T00:30:00+02:00 or 2026-03-31T22:30:00Z; "
        "without it the instant, and so the date, is unknown"
    )
    assert problem.as_json()["row"] == 2


def test_spaces_around_names_and_numbers_are_not_part_of_them(tmp_path: Path) -> None:
    csv(
        tmp_path,
        "events.csv",
        "ev-1 , A-1 , payment.captured , 2026-01-05T10:00:00Z , , 12.5 ,",
        "ev-1,A-1,payment.captured,2026-01-05T10:00:00Z,,12.5,",
    )
    with read(tmp_path) as usage:
        assert not usage.report.problems
        assert (usage.report.events, usage.report.duplicates) == (1, 1)
        assert total(usage, "A-1", "volume", *JAN) == Decimal("12.5")
