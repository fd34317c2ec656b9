"""An event id counts once: the first by file name, then row, is kept."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from runtime.usage.events import SHOWN_PER_KIND

from .helpers import csv, problems, read, total, write

JAN = (date(2026, 1, 1), date(2026, 2, 1))


def test_an_identical_duplicate_is_dropped_silently_and_counted(tmp_path: Path) -> None:
    row = "ev-1,A-1,payment.captured,2026-01-05T10:00:00+01:00,1,100.00,"
    csv(tmp_path, "events.csv", row, "ev-2,A-1,payment.captured,2026-01-06T10:00:00Z,1,5,", row)
    with read(tmp_path) as usage:
        assert (usage.report.rows, usage.report.events, usage.report.duplicates) == (3, 2, 1)
        assert not usage.report.problems
        assert total(usage, "A-1", "volume", *JAN) == 105


def test_the_same_instant_written_differently_is_the_same_content(tmp_path: Path) -> None:
    csv(
        tmp_path,
        "events.csv",
        "ev-1,A-1,payment.captured,2026-01-05T10:00:00+01:00,1,100.00,",
        "ev-1,A-1,payment.captured,2026-01-05T09:00:00Z,1,100,",
    )
    with read(tmp_path) as usage:
        assert usage.report.duplicates == 1 and not usage.report.problems


def test_the_first_file_by_name_wins_across_files_and_formats(tmp_path: Path) -> None:
    csv(tmp_path, "b.csv", "ev-1,A-1,payment.captured,2026-01-05T10:00:00Z,1,2,")
    csv(tmp_path, "a/z.csv", "ev-1,A-1,payment.captured,2026-01-05T10:00:00Z,1,1,")
    write(
        tmp_path,
        "a/y.jsonl",
        '{"id": "ev-2", "contract": "A-1", "event": "payment.captured", "timestamp": "2026-01-07T10:00:00Z", '
        '"amount": "10"}\n',
    )
    csv(tmp_path, "c.csv", "ev-2,A-1,payment.captured,2026-01-07T10:00:00Z,1,20,")
    with read(tmp_path) as usage:
        assert usage.report.files == ("a/y.jsonl", "a/z.csv", "b.csv", "c.csv")
        assert (usage.report.duplicates, usage.report.conflicts) == (2, 2)
        assert total(usage, "A-1", "volume", *JAN) == 11  # a/z.csv's 1 and a/y.jsonl's 10
        assert problems(usage) == [
            (
                "conflicting_duplicate",
                "b.csv",
                1,
                "event id `ev-1` was already used at a/z.csv row 1, with different content: `amount` 2 here, 1 there",
            ),
            (
                "conflicting_duplicate",
                "c.csv",
                1,
                "event id `ev-2` was already used at a/y.jsonl row 1, with different content: "
                "`value` 1 here, none there; `amount` 20 here, 10 there",
            ),
        ]
        # which of two different events is right is unknown: the totals cannot be billed
        assert usage.report.blocking
        assert all(p.severity == "error" for p in usage.report.problems)
        assert usage.report.summary_line() == "4 events in 4 files, 2 duplicates dropped (2 conflicting), 0 rejected"


def test_within_a_file_the_earlier_row_wins(tmp_path: Path) -> None:
    csv(
        tmp_path,
        "events.csv",
        "ev-1,A-1,storage.snapshot,2026-01-05T10:00:00Z,50,,",
        "ev-1,A-1,storage.snapshot,2026-01-05T10:00:00Z,70,,",
        "ev-1,A-1,storage.snapshot,2026-01-05T10:00:00Z,90,,",
    )
    with read(tmp_path) as usage:
        assert total(usage, "A-1", "storage", *JAN) == 50
        (problem,) = usage.report.problems
        assert (problem.row, problem.column, problem.blocking) == (2, "id", True)
        assert problem.message == (
            "event id `ev-1` was already used at events.csv row 1, with different content: "
            "`value` 70 here, 50 there; 1 more copy differs as well"
        )
        assert usage.report.conflicts == 2


def test_every_difference_is_named_contract_event_and_instant_too(tmp_path: Path) -> None:
    csv(
        tmp_path,
        "events.csv",
        "ev-1,A-1,payment.captured,2026-01-05T10:00:00+01:00,,12.50,",
        "ev-1,B-2,payment.captured,2026-01-05T10:30:00+01:00,,12.5,",
        "ev-2,A-1,login,2026-01-05T10:00:00Z,,,u1",
        "ev-2,A-1,api.request,2026-01-05T10:00:00Z,,,u1",
    )
    with read(tmp_path) as usage:
        assert [p.message.partition("content: ")[2] for p in usage.report.problems] == [
            "`contract` `B-2` here, `A-1` there; `timestamp` 2026-01-05T09:30:00Z here, 2026-01-05T09:00:00Z there",
            "`event` `api.request` here, `login` there",
        ]
        assert usage.report.problems[0].render().startswith("error: events.csv row 2, column `id`: event id `ev-1`")


def test_identical_copies_stay_silent_next_to_a_conflict(tmp_path: Path) -> None:
    row = "ev-1,A-1,storage.snapshot,2026-01-05T10:00:00Z,50,,"
    csv(tmp_path, "events.csv", row, row, "ev-1,A-1,storage.snapshot,2026-01-05T10:00:00Z,51,,", row)
    with read(tmp_path) as usage:
        (problem,) = usage.report.problems
        assert problem.row == 3 and "`value` 51 here, 50 there" in problem.message
        assert (usage.report.duplicates, usage.report.conflicts) == (3, 1)


def test_many_conflicts_are_shown_a_few_at_a_time_and_all_counted(tmp_path: Path) -> None:
    rows = [
        f"ev-{i},A-1,storage.snapshot,2026-01-05T10:00:00Z,{v},," for v in (1, 2) for i in range(SHOWN_PER_KIND + 3)
    ]
    csv(tmp_path, "events.csv", *rows)
    with read(tmp_path) as usage:
        shown = usage.report.problems
        assert len(shown) == SHOWN_PER_KIND + 1
        assert shown[-1].message == "and 3 more ids used twice with different content"
        assert shown[-1].kind == "conflicting_duplicate" and shown[-1].blocking
        assert usage.report.conflicts == SHOWN_PER_KIND + 3


def test_a_rejected_row_does_not_claim_its_id(tmp_path: Path) -> None:
    csv(
        tmp_path,
        "events.csv",
        "ev-1,A-1,storage.snapshot,2026-01-05T10:00:00,50,,",  # no offset: rejected
        "ev-1,A-1,storage.snapshot,2026-01-05T10:00:00Z,70,,",
    )
    with read(tmp_path) as usage:
        assert (usage.report.rejected, usage.report.duplicates) == (1, 0)
        assert total(usage, "A-1", "storage", *JAN) == 70


def test_the_example_workspace_drops_its_one_duplicate(tmp_path: Path) -> None:
    examples = Path(__file__).parents[2] / "contracts_examples" / "usage"
    contracts = [f"SKT-2025-00{n}" for n in range(1, 7)] + [f"SKT-2026-0{n:02d}" for n in range(7, 13)]
    with read(examples, contracts=contracts, metrics=()) as usage:
        report = usage.report
        assert (report.rows, report.events, report.duplicates, report.rejected) == (477, 476, 1, 0)
        assert report.summary_line() == "477 events in 1 file, 1 duplicate dropped, 0 rejected"
