"""Builders shared by the tests, each with keyword defaults so a test names only what it is about.

- documents.py: parties (`seller`, `business`, `mva_business`, `consumer`, `foreign`, `parties`), lines
  (`line`, the VAT rate following the category), hand-pinned `totals`, issued `invoice` and `credit_note`,
  and `draft` to issue a built document into a real ledger;
- revenue.py: `recognised`, revenue as the recognition engine would report it;
- workspaces.py: checked workspaces from text (`PRELUDE`, `workspace`, `contract`, `checked`);
- cli.py: the example workspace copied (`copy_examples`), billed (`bill`) and driven (`run`, `run_output`).

For example, a credit note for five of the seats on invoice 250001, to a consumer:

    from tests.factories import documents as build

    note = build.credit_note(
        build.line("745.00", quantity="5", price="149.00"), corrects=250001, buyer=build.consumer()
    )
    assert note.corrects == (250001,) and note.lines[0].corrects == 250001 and note.kid == ""

Totals are the ledger's `compute_totals` unless given: a test that asserts an amount writes it down itself
(with `build.totals(...)` or in the assertion), so the oracle never shares code with what it checks.
"""
