"""Prepaid credit with drawdown (docs/billing.md, "Prepaid credit"): each contract year's credit billed in advance,
drawn down by the named usage charges in billing order, overage billed beyond it, what is left expiring at the end
of the year. Every figure is worked out by hand in the test; VAT 25 %."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler import model
from compiler.billing.lower import lower
from compiler.billing.price import PricedLine, price_schedule
from compiler.billing.provenance import trace_from_json
from compiler.workspace import check_workspace
from dsl.parser import parse
from runtime.billing.expected import UsageKey
from runtime.billing.run import apply
from runtime.einvoice.ubl import render_ubl
from runtime.einvoice.validation import Validator
from runtime.ledger.documents import IssuedDocument
from runtime.ledger.store import Ledger
from tests.billing.helpers import PRELUDE, contract, workspace
from tests.einvoice import documents as ehf
from tests.einvoice.conftest import einvoice_rules, validator  # noqa: F401  (fixtures)
from tests.factories.cli import run

D = Decimal
SMS_METRIC = 'metric sms "SMS" { events "sms.sent"  count }'
API = '  charge api "API" {\n    usage calls\n    per_unit 2.00\n  }\n'
SMS = '  charge sms "SMS" {\n    usage sms\n    per_unit 0.50\n  }\n'


def months(**by_month: int) -> dict[tuple[str, date], Decimal]:
    """Usage of `calls` by month: months(jan=1000) is 1,000 calls in January 2026; `jan27` is January 2027."""
    names = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    found: dict[tuple[str, date], Decimal] = {}
    for name, total in by_month.items():
        year = 2027 if name.endswith("27") else 2026
        found["calls", date(year, names.index(name.removesuffix("27")) + 1, 1)] = D(total)
    return found


def meter_of(totals: Mapping[tuple[str, date], Decimal]):  # type: ignore[no-untyped-def]
    """A meter over whole months: a request sums the months it covers (every test here bills whole months)."""

    def meter(requests: Sequence[UsageKey]) -> Mapping[UsageKey, Decimal]:
        found: dict[UsageKey, Decimal] = {}
        for key in requests:
            _, metric, start, end = key[:4]
            assert start.day == 1 and end.day == 1, key
            found[key] = sum((v for (m, first), v in totals.items() if m == metric and start <= first < end), D(0))
        return found

    return meter


def priced(text: str, usage: Mapping[tuple[str, date], Decimal], as_of: date) -> list[PricedLine]:
    ws = workspace(text)
    schedule = lower(ws.contracts["C-1"], ws.indices, as_of)
    requests = [(c, m, s, e) for line in schedule.lines for (c, m, s, e) in _keys(line) if line.billing_date <= as_of]
    return list(price_schedule(schedule, meter_of(usage)(requests), as_of).lines)


def _keys(line: object) -> list[tuple[str, str, date, date]]:
    pieces = getattr(line, "pieces", ())
    return [("C-1", p.metric, p.start, p.end) for p in pieces if hasattr(p, "metric")]


def lines_of(docs: Sequence[IssuedDocument]) -> list[tuple[str, str, str, date, Decimal]]:
    return [(d.kind, ln.kind, ln.charge, ln.billing_start, ln.net_amount) for d in docs for ln in d.lines]


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger.open(tmp_path / "ledger.sqlite")


def test_a_year_under_the_credit_draws_each_month_and_bills_no_usage(ledger: Ledger) -> None:
    ws = workspace(contract(API + "  prepaid 10_000.00 per contract year on api"))
    meter = meter_of(months(jan=1_000, feb=1_500))
    _, first = apply(ws, ledger, meter, date(2026, 1, 1))
    # the year's credit, in advance on its first day: 10,000.00 + 25 % VAT
    assert lines_of(first) == [("invoice", "prepaid", "prepaid", date(2026, 1, 1), D("10000.00"))]
    assert (first[0].totals.vat, first[0].lines[0].description) == (D("2500.00"), "Forhåndsbetalt kreditt")
    _, jan = apply(ws, ledger, meter, date(2026, 2, 1))
    # January: 1,000 x 2.00 = 2,000.00, all of it drawn: 10,000 - 2,000 = 8,000 left
    assert lines_of(jan) == [
        ("invoice", "usage", "api", date(2026, 1, 1), D("2000.00")),
        ("invoice", "drawdown", "api", date(2026, 1, 1), D("-2000.00")),
    ]
    assert jan[0].totals.net == D("0.00")
    assert jan[0].lines[1].description == "Trekk fra forhåndsbetalt kreditt (gjenstår 8 000,00)"
    _, feb = apply(ws, ledger, meter, date(2026, 3, 1))
    # February: 1,500 x 2.00 = 3,000.00 drawn: 8,000 - 3,000 = 5,000 left
    assert [ln.net_amount for ln in feb[0].lines] == [D("3000.00"), D("-3000.00")]
    assert feb[0].lines[1].description == "Trekk fra forhåndsbetalt kreditt (gjenstår 5 000,00)"
    trace = trace_from_json(feb[0].lines[1].provenance)
    assert trace.kind == "drawdown" and trace.drawdown is not None
    assert (trace.drawdown.before, trace.drawdown.drawn, trace.drawdown.after) == (D(8000), D(3000), D(5000))
    assert (trace.drawdown.year_start, trace.drawdown.year_end) == (date(2026, 1, 1), date(2027, 1, 1))
    assert (trace.drawdown.charge, trace.drawdown.usage_start) == ("api", date(2026, 2, 1))
    # the run again: nothing issued twice
    assert apply(ws, ledger, meter, date(2026, 3, 1))[1] == []


def test_the_credit_runs_out_mid_year_and_overage_is_billed_from_then(ledger: Ledger) -> None:
    ws = workspace(contract(API + "  prepaid 5_000.00 per contract year on api"))
    meter = meter_of(months(jan=1_000, feb=1_000, mar=1_000, apr=1_000))
    _, issued = apply(ws, ledger, meter, date(2026, 5, 1))
    # each month 1,000 x 2.00 = 2,000.00; the credit: 5,000 - 2,000 - 2,000 = 1,000 left for March,
    # which draws 1,000 and bills 1,000 overage; April draws nothing (a zero drawdown is not drafted)
    assert lines_of(issued) == [
        ("invoice", "prepaid", "prepaid", date(2026, 1, 1), D("5000.00")),
        ("invoice", "usage", "api", date(2026, 1, 1), D("2000.00")),
        ("invoice", "drawdown", "api", date(2026, 1, 1), D("-2000.00")),
        ("invoice", "usage", "api", date(2026, 2, 1), D("2000.00")),
        ("invoice", "drawdown", "api", date(2026, 2, 1), D("-2000.00")),
        ("invoice", "usage", "api", date(2026, 3, 1), D("2000.00")),
        ("invoice", "drawdown", "api", date(2026, 3, 1), D("-1000.00")),
        ("invoice", "usage", "api", date(2026, 4, 1), D("2000.00")),
    ]
    # 5,000 + 4 x 2,000 - 5,000 drawn = 8,000.00 net: the credit and 3,000 of overage
    assert issued[0].totals.net == D("8000.00")
    assert issued[0].lines[6].description == "Trekk fra forhåndsbetalt kreditt (gjenstår 0,00)"


def test_what_is_left_at_the_end_of_the_year_expires() -> None:
    text = contract(API + "  prepaid 5_000.00 per contract year on api", term="term 24 months")
    found = priced(text, months(jan=1_000, jan27=1_000), date(2027, 2, 1))
    years = [(p.start, p.net) for p in found if p.id.kind == "prepaid"]
    assert years == [(date(2026, 1, 1), D("5000.00")), (date(2027, 1, 1), D("5000.00"))]
    drawn = [(p.start, p.net, p.label) for p in found if p.id.kind == "drawdown" and p.net]
    # 2026: 5,000 - 2,000 = 3,000 left, which expires; 2027 starts again at 5,000: 5,000 - 2,000 = 3,000, not 6,000
    assert drawn == [
        (date(2026, 1, 1), D("-2000.00"), "Trekk fra forhåndsbetalt kreditt (gjenstår 3 000,00)"),
        (date(2027, 1, 1), D("-2000.00"), "Trekk fra forhåndsbetalt kreditt (gjenstår 3 000,00)"),
    ]


def test_two_charges_draw_the_same_balance_in_the_order_of_the_contract() -> None:
    text = contract(API + SMS + "  prepaid 3_000.00 per contract year on api, sms", extra=SMS_METRIC)
    usage = {**months(jan=1_000), ("sms", date(2026, 1, 1)): D(4_000)}
    found = priced(text, usage, date(2026, 2, 1))
    # api: 1,000 x 2.00 = 2,000 drawn (1,000 left); sms: 4,000 x 0.50 = 2,000, of which 1,000 drawn (0 left),
    # 1,000 billed as overage
    assert [(p.id.kind, p.id.charge, p.net) for p in found if p.id.kind != "prepaid"] == [
        ("usage", "api", D("2000.00")),
        ("usage", "sms", D("2000.00")),
        ("drawdown", "api", D("-2000.00")),
        ("drawdown", "sms", D("-1000.00")),
    ]
    assert sum((p.net for p in found), D(0)) == D("4000.00")  # 3,000 credit + 1,000 overage


def test_a_discount_on_a_usage_charge_is_taken_before_the_drawdown() -> None:
    text = contract(API + '  discount "Rabatt" 10% on api\n  prepaid 5_000.00 per contract year on api')
    found = priced(text, months(jan=1_000), date(2026, 2, 1))
    # 1,000 x 2.00 = 2,000.00, less 10 % = 1,800.00 drawn: 5,000 - 1,800 = 3,200 left
    assert [(p.id.kind, p.net) for p in found if p.id.kind != "prepaid"] == [
        ("usage", D("2000.00")),
        ("discount", D("-200.00")),
        ("drawdown", D("-1800.00")),
    ]
    assert found[-1].label == "Trekk fra forhåndsbetalt kreditt (gjenstår 3 200,00)"


@pytest.mark.parametrize(
    ("calls", "true_up"),
    [
        # 1,000 x 2.00 = 2,000 drawn: billed in the year 5,000 + 2,000 - 2,000 = 5,000; 12,000 - 5,000 = 7,000
        (1_000, D("7000.00")),
        # 4,000 x 2.00 = 8,000, 5,000 drawn: billed 5,000 + 8,000 - 5,000 = 8,000; 12,000 - 8,000 = 4,000
        (4_000, D("4000.00")),
    ],
)
def test_a_minimum_counts_the_credit_and_the_overage_not_the_usage_twice(calls: int, true_up: Decimal) -> None:
    text = contract(API + "  minimum 12_000.00 per contract year\n  prepaid 5_000.00 per contract year on api")
    found = priced(text, months(jan=calls), date(2027, 1, 1))
    [minimum] = [p for p in found if p.id.kind == "minimum"]
    assert minimum.net == true_up


def test_an_amendment_that_changes_the_usage_price_mid_year_draws_at_the_new_price() -> None:
    amended = '\n  amendment 1 "Ny pris" signed 2026-06-15 effective 2026-07-01 {\n    api price 1.00\n  }'
    text = contract(API + "  prepaid 5_000.00 per contract year on api" + amended)
    found = priced(text, months(jun=1_000, jul=2_000, aug=2_000), date(2026, 9, 1))
    # June 1,000 x 2.00 = 2,000 (3,000 left); July 2,000 x 1.00 = 2,000 (1,000 left); August 2,000 x 1.00 = 2,000,
    # 1,000 drawn (0 left), 1,000 overage
    drawn = [(p.start, p.net) for p in found if p.id.kind == "drawdown" and p.net]
    assert drawn == [
        (date(2026, 6, 1), D("-2000.00")),
        (date(2026, 7, 1), D("-2000.00")),
        (date(2026, 8, 1), D("-1000.00")),
    ]


def test_a_termination_inside_the_year_keeps_the_credit_invoiced_in_advance(ledger: Ledger) -> None:
    body = API + "  prepaid 10_000.00 per contract year on api"
    ended = '\n  amendment 1 "Oppsagt" signed 2026-05-10 effective 2026-05-01 {\n    terminate\n  }'
    meter = meter_of(months(jan=1_000, feb=1_000, mar=1_000, apr=1_000))
    apply(workspace(contract(body, term="term 36 months")), ledger, meter, date(2026, 1, 1))
    _, issued = apply(workspace(contract(body + ended, term="term 36 months")), ledger, meter, date(2026, 5, 10))
    # no credit note: the year's 10,000.00 was invoiced in advance and is not refunded; January to April each bill
    # 2,000 and draw 2,000 (2,000 left when the contract ends, which expires)
    assert [d.kind for d in issued] == ["invoice"]
    assert [ln.net_amount for ln in issued[0].lines if ln.kind == "drawdown"] == [D("-2000.00")] * 4
    assert issued[0].lines[-1].description == "Trekk fra forhåndsbetalt kreditt (gjenstår 2 000,00)"
    assert sum(x.net_amount for x in ledger.issued_lines() if x.kind == "prepaid") == D("10000.00")


def test_late_usage_for_a_billed_month_corrects_the_drawdowns_after_it(ledger: Ledger) -> None:
    ws = workspace(contract(API + "  prepaid 4_000.00 per contract year on api"))
    apply(ws, ledger, meter_of(months(jan=1_000, feb=1_500)), date(2026, 3, 1))
    # billed: January 2,000 drawn 2,000 (2,000 left); February 3,000 drawn 2,000 (0 left), 1,000 overage.
    # Then 500 calls arrive late for January: January is 1,500 x 2.00 = 3,000 and draws 3,000 (1,000 left);
    # February then draws only 1,000 and bills 2,000 overage.
    _, issued = apply(ws, ledger, meter_of(months(jan=1_500, feb=1_500)), date(2026, 3, 2))
    assert lines_of(issued) == [
        # January's usage +1,000; February's drawdown -2,000 -> -1,000: +1,000
        ("invoice", "usage", "api", date(2026, 1, 1), D("1000.00")),
        ("invoice", "drawdown", "api", date(2026, 2, 1), D("1000.00")),
        # January's drawdown -2,000 -> -3,000: 1,000 more credit, on a credit note against the invoice of January
        ("credit_note", "drawdown", "api", date(2026, 1, 1), D("1000.00")),
    ]
    assert issued[1].corrects == (1,)
    # in all the customer pays the credit and what its usage exceeds it by: 4,000 + (3,000 + 3,000 - 4,000) =
    # 6,000.00, 1,000.00 more than before the late usage (500 calls x 2.00 beyond a credit already used up)
    net = sum((x.net_amount for x in ledger.issued_lines()), D(0))
    assert net == D("6000.00")


def test_a_cut_over_on_a_year_boundary_leaves_the_years_before_it_to_the_old_billing() -> None:
    text = contract(
        API + "  prepaid 5_000.00 per contract year on api\n  billed_through 2026-12-31", term="term 24 months"
    )
    ws = workspace(text)
    schedule = lower(ws.contracts["C-1"], ws.indices, date(2027, 3, 1))
    theirs = [(ln.id.kind, ln.id.period_start) for ln in schedule.billed_elsewhere if ln.id.kind == "prepaid"]
    ours = [(ln.id.kind, ln.id.period_start) for ln in schedule.lines if ln.id.kind == "prepaid"]
    assert (theirs, ours) == ([("prepaid", date(2026, 1, 1))], [("prepaid", date(2027, 1, 1))])
    found = priced(text, months(jan27=1_000), date(2027, 2, 1))
    # Avtale bills 2027's credit and its drawdowns only: 1,000 x 2.00 = 2,000 drawn from 5,000
    assert sorted((p.id.kind, p.start, p.net) for p in found) == [
        ("drawdown", date(2027, 1, 1), D("-2000.00")),
        ("prepaid", date(2027, 1, 1), D("5000.00")),
        ("usage", date(2027, 1, 1), D("2000.00")),
    ]


@settings(max_examples=60, deadline=None)
@given(
    credit=st.integers(min_value=1, max_value=50_000),
    usage=st.lists(st.integers(min_value=0, max_value=3_000), min_size=12, max_size=12),
    percent=st.sampled_from([0, 10, 100]),
)
def test_the_balance_never_goes_negative_and_a_year_never_draws_more_than_its_credit(
    credit: int, usage: list[int], percent: int
) -> None:
    discount = f'  discount "Rabatt" {percent}% on api\n' if percent else ""
    text = contract(API + discount + f"  prepaid {credit}.00 per contract year on api")
    by_month = {("calls", date(2026, m, 1)): D(u) for m, u in enumerate(usage, start=1)}
    found = priced(text, by_month, date(2027, 1, 1))
    drawn = D(0)
    for line in found:
        if line.id.kind != "drawdown":
            continue
        trace = line.trace().drawdown
        assert trace is not None
        assert trace.after >= 0 and trace.before - trace.drawn == trace.after
        assert 0 <= trace.drawn <= trace.usage_amount or trace.drawn == 0
        assert line.net <= 0
        drawn -= line.net
    assert drawn <= credit
    # all drawn while usage after discounts remains: the credit or all of that usage, whichever is less
    used = sum((u * D(2) * (100 - percent) / 100 for u in usage), D(0))
    assert drawn == min(D(credit), used)


def test_avtale_bill_apply_with_usage_draws_down_the_credit(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    (root / "contracts").mkdir(parents=True)
    (root / "usage").mkdir()
    (root / "avtale.toml").write_text('sources = ["."]\nledger = "ledger.sqlite"\nusage = "usage"\n')
    (root / "contracts" / "c1.avt").write_text(
        SELLER_AND_BUYER + contract(API + "  prepaid 3_000.00 per contract year on api")
    )
    rows = ["id,contract,event,timestamp,value,amount"]
    # 1,000 calls in January, 1,000 in February: 2,000.00 each; the credit of 3,000 covers January and 1,000 of
    # February, which bills 1,000 overage
    for i in range(2_000):
        month = 1 if i < 1_000 else 2
        rows.append(f"e{i},C-1,api.call,2026-{month:02d}-10T12:00:00+01:00,,")
    (root / "usage" / "events.csv").write_text("\n".join(rows) + "\n")
    code, out, err = run(root, "ledger", "init")
    assert code == 0, out + err
    code, out, err = run(root, "bill", "--as-of", "2026-03-01", "--apply")
    assert code == 0, out + err
    with Ledger.open(root / "ledger.sqlite", read_only=True) as ledger:
        lines = [(ln.kind, ln.billing_start, ln.net_amount) for ln in ledger.issued_lines()]
    assert lines == [
        ("prepaid", date(2026, 1, 1), D("3000.00")),
        ("usage", date(2026, 1, 1), D("2000.00")),
        ("drawdown", date(2026, 1, 1), D("-2000.00")),
        ("usage", date(2026, 2, 1), D("2000.00")),
        ("drawdown", date(2026, 2, 1), D("-1000.00")),
    ]
    # net 3,000 + 1,000 overage = 4,000.00, VAT 1,000.00
    assert "5 000.00" in out
    code, out, err = run(root, "bill", "--as-of", "2026-03-01", "--apply")
    assert code == 0 and "0 invoices" in out, out + err
    # the schedule shows the credit and, as metered so far, the balance after each drawdown
    code, out, err = run(root, "schedule", "C-1", "--to", "2026-03-01")
    assert code == 0, out + err
    assert "credit 3 000.00" in out
    assert "drawn 2 000.00, balance left 1 000.00" in out and "drawn 1 000.00, balance left 0.00" in out
    code, out, err = run(root, "schedule", "C-1", "--to", "2026-03-01", "--json")
    drawn = [ln for ln in json.loads(out)["lines"] if ln["id"]["kind"] == "drawdown"]
    assert [ln["balance_after"] for ln in drawn] == ["1000", "0"]
    code, out, err = run(root, "invoice", "explain", "1")
    assert code == 0, out + err
    assert "the lesser of the balance 3 000.00 and `api`" in " ".join(out.split())
    # a bad usage row: the read-only schedule still shows, without balances, and says where to see the problem
    with (root / "usage" / "events.csv").open("a") as events:
        events.write("bad,C-1,api.call,not a time,,\n")
    code, out, err = run(root, "schedule", "C-1", "--to", "2026-03-01")
    assert code == 0, out + err
    assert "credit 3 000.00" in out and "balance left" not in out
    assert "the drawdowns' balances are not shown" in err and "`avtale usage summary`" in err
    assert "nothing was issued" not in err and "bill run" not in err


def test_an_invoice_with_a_drawdown_and_a_credit_note_for_one_are_valid_ehf(validator: Validator) -> None:  # noqa: F811
    # the lines as a bill run issues them: the credit 1 x 10,000.00, usage 1,000 x 2.00, the drawdown 1 x -2,000.00
    # (stated on the EHF as -1 x 2,000.00: PEPPOL wants a price that is not negative)
    invoice = ehf.document(
        ehf.line("Forhåndsbetalt kreditt", "10000.00", charge="prepaid", kind="prepaid"),
        ehf.line("API", "2000.00", charge="api", kind="usage", quantity="1000", price="2.00"),
        ehf.line("Trekk fra forhåndsbetalt kreditt (gjenstår 8 000,00)", "-2000.00", charge="api", kind="drawdown"),
    )
    assert invoice.totals.net == D("10000.00")
    fatal = [f"{f.rule}: {f.text}" for f in validator.validate(render_ubl(invoice)) if f.flag == "fatal"]
    assert fatal == []
    xml = render_ubl(invoice).decode()
    assert '<cbc:InvoicedQuantity unitCode="C62">-1</cbc:InvoicedQuantity>' in xml
    # a drawdown grown by late usage: one more credit on a credit note against the invoice
    note = ehf.document(
        ehf.line("Korreksjon: Trekk fra kreditt", "1000.00", charge="api", kind="drawdown", corrects=10001),
        number=20001,
        kind="credit_note",
        corrects=(10001,),
    )
    found = validator.validate(render_ubl(note, {10001: invoice}))
    assert [f"{f.rule}: {f.text}" for f in found if f.flag == "fatal"] == []


SELLER_AND_BUYER = """
seller vendor {
  name "Prøve AS"
  orgnr "976240391"
  mva
  invoice_numbers from 1
  credit_note_numbers from 1
}

customer buyer {
  name "Kjøper AS"
  orgnr "922152799"
}

metric calls "API-kall" { events "api.call"  count }
"""


def test_a_year_cut_short_by_the_term_has_a_prorated_credit_ending_with_the_term() -> None:
    text = contract(API + "  prepaid 10_000.00 per contract year on api", term="term 18 months")
    found = priced(text, months(jan27=1_000), date(2027, 7, 1))
    years = [(p.id.period_start, p.id.period_end, p.net) for p in found if p.id.kind == "prepaid"]
    # 2026 is a whole year; 2027 has 2027-01-01 to 2027-07-01 of the term, 181 of its 365 days:
    # 10,000 x 181 / 365 = 4,958.904... = 4,958.90, its period ending with the term
    assert years == [
        (date(2026, 1, 1), date(2027, 1, 1), D("10000.00")),
        (date(2027, 1, 1), date(2027, 7, 1), D("4958.90")),
    ]
    drawn = [(p.start, p.net, p.label) for p in found if p.id.kind == "drawdown" and p.net]
    # January 2027: 1,000 x 2.00 = 2,000 drawn from that year's 4,958.90: 2,958.90 left
    assert drawn == [(date(2027, 1, 1), D("-2000.00"), "Trekk fra forhåndsbetalt kreditt (gjenstår 2 958,90)")]


@pytest.mark.parametrize(("signed", "second"), [("2027-02-01", "10000.00"), ("2026-12-01", "4958.90")])
def test_a_term_shortened_by_an_amendment_prorates_only_a_year_not_invoiced_when_it_was_signed(
    signed: str, second: str
) -> None:
    shorter = f'\n  amendment 1 "Kortere" signed {signed} effective {signed} {{\n    term 18 months\n  }}'
    text = contract(API + "  prepaid 10_000.00 per contract year on api" + shorter, term="term 24 months")
    found = priced(text, months(), date(2027, 3, 1))
    (year,) = [(p.id.period_end, p.net) for p in found if p.id.kind == "prepaid" and p.id.period_start.year == 2027]
    # signed 2027-02-01, after the second year's credit was invoiced on 2027-01-01 for the 24-month term: it stays
    # whole (10,000.00 for 2027-01-01 - 2028-01-01), as a termination would leave it; signed 2026-12-01, before
    # it: the year is cut short by the 18-month term, 10,000 x 181/365 = 4,958.90, ending 2027-07-01
    assert year == ((date(2028, 1, 1) if second == "10000.00" else date(2027, 7, 1)), D(second))


def test_a_term_extended_by_an_amendment_signed_after_the_year_began_gives_the_whole_year() -> None:
    longer = '\n  amendment 1 "Lengre" signed 2027-01-10 effective 2027-01-01 {\n    term 24 months\n  }'
    text = contract(API + "  prepaid 10_000.00 per contract year on api" + longer)
    found = priced(text, months(jan27=1_000, feb27=1_000), date(2027, 3, 1))
    # the 12-month term ended 2027-01-01; the renewal to 24 months, signed on 10 January, gives 2027 its whole
    # credit, 10,000.00 for 2027-01-01 - 2028-01-01, and January and February draw 2,000.00 each from it
    years = [(p.id.period_start, p.id.period_end, p.net) for p in found if p.id.kind == "prepaid"]
    assert years[-1] == (date(2027, 1, 1), date(2028, 1, 1), D("10000.00"))
    drawn = [p.net for p in found if p.id.kind == "drawdown" and p.id.period_start.year == 2027]
    assert drawn == [D("-2000.00"), D("-2000.00")]


def _codes(text: str, through: date | None = None) -> list[tuple[str, str]]:
    """The errors of checking `text` after the prelude, with avtale.toml's `billed_through` = `through`."""
    files = []
    for name, source in (("prelude.avt", PRELUDE), ("case.avt", text)):
        result = parse(source, name)
        assert result.file is not None
        files.append(result.file)
    cutover = None
    if through is not None:
        cutover = model.Cutover(through=through, toward_minimum=None, span=files[0].decls[0].span, from_settings=True)
    outcome = check_workspace(files, cutover=cutover)
    return [(d.code, d.help or "") for d in outcome.diagnostics if d.is_error]


def test_a_contract_that_ended_before_the_workspaces_cut_over_straddles_no_year() -> None:
    # started 2024-03-01 for 12 months: it ended 2025-03-01, long before Avtale's first day 2026-07-01
    text = contract(API + "  minimum 100.00 per contract year", start="2024-03-01")
    assert _codes(text, date(2026, 6, 30)) == []
    prepaid = contract(API + "  prepaid 1_000.00 per contract year on api", start="2024-03-01")
    assert _codes(prepaid, date(2026, 6, 30)) == []


def test_a_workspace_cut_over_inside_a_credit_year_says_what_to_write_instead() -> None:
    text = contract(API + "  prepaid 1_000.00 per contract year on api", term="term 36 months")
    [(code, help)] = _codes(text, date(2026, 6, 30))
    # the contract has no `billed_through` to remove: it can get its own on the year's end, or the setting can move
    assert code == "E0523"
    assert "give this contract its own `billed_through 2026-12-31`" in help
    assert "move the `billed_through` in avtale.toml" in help
    assert "no `billed_through`" not in help


def test_a_credit_year_cut_short_by_the_term_ends_the_straddled_year_with_the_term() -> None:
    text = contract(API + "  prepaid 1_000.00 per contract year on api", term="term 18 months")
    [(code, help)] = _codes(text, date(2027, 3, 31))
    # the second year runs 2027-01-01 to the term's end 2027-07-01: its last day is 2027-06-30
    assert code == "E0523" and "`billed_through 2027-06-30`" in help
