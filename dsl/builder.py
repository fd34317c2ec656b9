"""Builds AST nodes while Lark parses (an inline LALR transformer).

The parser runs with `keep_all_tokens`, so each callback sees every token of
its rule: the span runs from the first token to the last, keywords are read by
value and the few value-carrying terminals by type. Bad literals (a date that
does not exist, a fraction where a whole number belongs) are recorded as
diagnostics and replaced by a stand-in so that parsing continues.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, NamedTuple, TypeVar, cast

from lark import Token, Transformer

from dsl import ast
from dsl.diagnostics import Diagnostic, error
from dsl.span import Span

VALUE_TYPES = frozenset({"IDENT", "NUMBER", "STRING", "DATE", "YEAR_MONTH", "MONTHDAY", "PERCENT"})
MAX_DIGITS = 15
"""The most integer digits a number may have: NOK 999 999 999 999 999 is plenty."""

N = TypeVar("N")
Child = Any  # a lark Token or an AST node


class _Limit(NamedTuple):
    """One `min A [per event|period]` or `max A [...]` of a percentage, until the price collects them."""

    bound: str
    amount: Decimal
    per: str | None
    span: Span


def _unescape(raw: str) -> str:
    body = raw[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body) and body[i + 1] in '"\\':
            out.append(body[i + 1])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


class AstBuilder(Transformer[Token, Any]):
    """One instance per parser; `reset` before each parse."""

    def __init__(self) -> None:
        super().__init__()
        self.file = "<input>"
        self.line_offset = 0
        self.diagnostics: list[Diagnostic] = []

    def reset(self, file: str, line_offset: int = 0) -> None:
        self.file = file
        self.line_offset = line_offset
        self.diagnostics = []

    # ----------------------------------------------------------- helpers
    def tspan(self, tok: Token) -> Span:
        off = self.line_offset
        return Span(
            self.file,
            cast(int, tok.line) + off,
            cast(int, tok.column),
            cast(int, tok.end_line) + off,
            cast(int, tok.end_column),
        )

    def sp(self, children: list[Child]) -> Span:
        """From the start of the first child to the end of the last (children are in source order)."""
        first, last = children[0], children[-1]
        if isinstance(first, Token):
            line, column = cast(int, first.line) + self.line_offset, cast(int, first.column)
        else:
            line, column = first.span.line, first.span.column
        if isinstance(last, Token):
            end_line, end_column = cast(int, last.end_line) + self.line_offset, cast(int, last.end_column)
        else:
            end_line, end_column = last.span.end_line, last.span.end_column
        return Span(self.file, line, column, end_line, end_column)

    @staticmethod
    def vals(children: list[Child], kind: str) -> list[Token]:
        return [c for c in children if isinstance(c, Token) and c.type == kind]

    @staticmethod
    def words(children: list[Child]) -> list[str]:
        """Keyword tokens, by value."""
        return [str(c) for c in children if isinstance(c, Token) and c.type not in VALUE_TYPES]

    @staticmethod
    def nodes(children: list[Child], kind: type[N]) -> list[N]:
        return [c for c in children if isinstance(c, kind)]

    def decimal(self, tok: Token) -> Decimal:
        text = str(tok).rstrip("%").replace("_", "")
        try:
            value = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the regex admits only digits
            value = Decimal(0)
        digits = len(text.lstrip("-").split(".")[0].lstrip("0"))
        if digits > MAX_DIGITS:
            self.diagnostics.append(
                error(
                    "E0106",
                    "this number is too large",
                    self.tspan(tok),
                    label=f"{digits} digits before the decimal point",
                    help=f"numbers may have at most {MAX_DIGITS} digits before the decimal point",
                )
            )
            return Decimal(0)
        return value

    def integer(self, tok: Token) -> int:
        value = self.decimal(tok)
        if value != value.to_integral_value():
            self.diagnostics.append(
                error(
                    "E0105",
                    "expected a whole number",
                    self.tspan(tok),
                    label="this has a fraction",
                    help=f"write a whole number here, such as `{int(value)}`",
                )
            )
        return int(value)

    def date(self, tok: Token) -> date:
        try:
            return date.fromisoformat(str(tok))
        except ValueError:
            self.diagnostics.append(
                error(
                    "E0104",
                    f"`{tok}` is not a date in the calendar",
                    self.tspan(tok),
                    label="no such day",
                    help="write a real date as YYYY-MM-DD, such as `2026-02-28`",
                )
            )
            return date.min

    def year_month(self, tok: Token) -> ast.YearMonth:
        year, month = (int(p) for p in str(tok).split("-"))
        if not 1 <= month <= 12:
            self.diagnostics.append(
                error(
                    "E0104",
                    f"`{tok}` is not a month in the calendar",
                    self.tspan(tok),
                    label="months run from 01 to 12",
                    help="write a month as YYYY-MM, such as `2026-10`",
                )
            )
            month = 1
        return ast.YearMonth(year, month)

    def month_day(self, tok: Token) -> ast.MonthDay:
        month, day = (int(p) for p in str(tok).split("-"))
        try:
            date(2024, month, day)  # a leap year admits 02-29
        except ValueError:
            self.diagnostics.append(
                error(
                    "E0104",
                    f"`{tok}` is not a day of the year",
                    self.tspan(tok),
                    label="no such day",
                    help="write a day of the year as MM-DD, such as `01-01`",
                )
            )
            return ast.MonthDay(1, 1)
        return ast.MonthDay(month, day)

    def ref(self, tok: Token) -> ast.Ref:
        return ast.Ref(name=str(tok), span=self.tspan(tok))

    def refs(self, children: list[Child]) -> tuple[ast.Ref, ...]:
        return tuple(self.ref(t) for t in self.vals(children, "IDENT"))

    def string(self, tok: Token) -> str:
        return _unescape(str(tok))

    def strings(self, children: list[Child]) -> list[str]:
        return [self.string(t) for t in self.vals(children, "STRING")]

    def dec_or_none(self, children: list[Child], keyword: str) -> Decimal | None:
        """The number following `keyword` in children, if the keyword is there."""
        for i, c in enumerate(children):
            if isinstance(c, Token) and c.type not in VALUE_TYPES and c == keyword:
                return self.decimal(children[i + 1])
        return None

    # ------------------------------------------------------ declarations
    def start(self, c: list[Child]) -> list[ast.Decl]:
        return list(c)

    def seller(self, c: list[Child]) -> ast.Seller:
        return ast.Seller(id=self.ref(c[1]), body=tuple(c[3:-1]), span=self.sp(c))

    def customer(self, c: list[Child]) -> ast.Customer:
        return ast.Customer(id=self.ref(c[1]), body=tuple(c[3:-1]), span=self.sp(c))

    def metric(self, c: list[Child]) -> ast.Metric:
        return ast.Metric(id=self.ref(c[1]), label=self.string(c[2]), body=tuple(c[4:-1]), span=self.sp(c))

    def index(self, c: list[Child]) -> ast.Index:
        return ast.Index(id=self.ref(c[1]), label=self.string(c[2]), values=tuple(c[4:-1]), span=self.sp(c))

    def plan(self, c: list[Child]) -> ast.Plan:
        return ast.Plan(
            id=self.ref(c[1]),
            label=self.string(c[2]),
            effective=self.date(c[4]),
            body=tuple(c[6:-1]),
            span=self.sp(c),
        )

    def charge(self, c: list[Child]) -> ast.Charge:
        return ast.Charge(id=self.ref(c[1]), label=self.string(c[2]), body=tuple(c[4:-1]), span=self.sp(c))

    def contract(self, c: list[Child]) -> ast.Contract:
        return ast.Contract(id=self.ref(c[1]), body=tuple(c[3:-1]), span=self.sp(c))

    def amendment(self, c: list[Child]) -> ast.Amendment:
        return ast.Amendment(
            number=self.integer(c[1]),
            reason=self.string(c[2]),
            signed=self.date(c[4]),
            effective=self.date(c[6]),
            body=tuple(c[8:-1]),
            span=self.sp(c),
        )

    # ---------------------------------------------------- simple statements
    def name_stmt(self, c: list[Child]) -> ast.NameStmt:
        return ast.NameStmt(value=self.string(c[1]), span=self.sp(c))

    def orgnr_stmt(self, c: list[Child]) -> ast.OrgnrStmt:
        return ast.OrgnrStmt(value=self.string(c[1]), span=self.sp(c))

    def mva_stmt(self, c: list[Child]) -> ast.MvaStmt:
        return ast.MvaStmt(span=self.sp(c))

    def foretaksregisteret_stmt(self, c: list[Child]) -> ast.ForetaksregisteretStmt:
        return ast.ForetaksregisteretStmt(span=self.sp(c))

    def address_stmt(self, c: list[Child]) -> ast.AddressStmt:
        street, postcode, city = self.strings(c)
        return ast.AddressStmt(street=street, postcode=postcode, city=city, country=str(c[-1]), span=self.sp(c))

    def bank_stmt(self, c: list[Child]) -> ast.BankStmt:
        return ast.BankStmt(account=self.string(c[1]), span=self.sp(c))

    def email_stmt(self, c: list[Child]) -> ast.EmailStmt:
        return ast.EmailStmt(value=self.string(c[1]), span=self.sp(c))

    def peppol_stmt(self, c: list[Child]) -> ast.PeppolStmt:
        return ast.PeppolStmt(value=self.string(c[1]), span=self.sp(c))

    def series_stmt(self, c: list[Child]) -> ast.SeriesStmt:
        kind: Literal["invoice", "credit_note"] = "invoice" if c[0] == "invoice_numbers" else "credit_note"
        return ast.SeriesStmt(kind=kind, first=self.integer(c[2]), span=self.sp(c))

    def kid_stmt(self, c: list[Child]) -> ast.KidStmt:
        scheme: Literal["mod10", "mod11"] = "mod10" if c[1] == "mod10" else "mod11"
        return ast.KidStmt(scheme=scheme, length=self.integer(c[3]), span=self.sp(c))

    def due_stmt(self, c: list[Child]) -> ast.DueStmt:
        return ast.DueStmt(days=self.integer(c[1]), span=self.sp(c))

    def revenue_policy_stmt(self, c: list[Child]) -> ast.RevenuePolicyStmt:
        policy: Literal["ifrs15", "invoiced"] = "ifrs15" if c[1] == "ifrs15" else "invoiced"
        return ast.RevenuePolicyStmt(policy=policy, span=self.sp(c))

    def account_entry(self, c: list[Child]) -> ast.AccountEntry:
        return ast.AccountEntry(role=self.ref(c[0]), number=self.integer(c[1]), span=self.sp(c))

    def accounts_stmt(self, c: list[Child]) -> ast.AccountsStmt:
        return ast.AccountsStmt(entries=tuple(self.nodes(c, ast.AccountEntry)), span=self.sp(c))

    def currency_stmt(self, c: list[Child]) -> ast.CurrencyStmt:
        return ast.CurrencyStmt(code=str(c[1]), span=self.sp(c))

    def consumer_stmt(self, c: list[Child]) -> ast.ConsumerStmt:
        return ast.ConsumerStmt(span=self.sp(c))

    def reference_stmt(self, c: list[Child]) -> ast.ReferenceStmt:
        return ast.ReferenceStmt(value=self.string(c[1]), span=self.sp(c))

    def language_stmt(self, c: list[Child]) -> ast.LanguageStmt:
        return ast.LanguageStmt(code=str(c[1]), span=self.sp(c))

    def events_stmt(self, c: list[Child]) -> ast.EventsStmt:
        return ast.EventsStmt(names=tuple(self.strings(c)), span=self.sp(c))

    def aggregate_stmt(self, c: list[Child]) -> ast.AggregateStmt:
        function = cast(ast.Aggregation, str(c[0]))
        field = str(c[1]) if len(c) > 1 else None
        return ast.AggregateStmt(function=function, field=field, span=self.sp(c))

    def negative_stmt(self, c: list[Child]) -> ast.NegativeStmt:
        return ast.NegativeStmt(span=self.sp(c))

    def index_value(self, c: list[Child]) -> ast.IndexValue:
        month, value = c[0], c[1]
        if value.line == month.end_line and value.column == month.end_column:
            # `2026-01-05` lexes as the month 2026-01 and the value -05: no space, so no value was meant
            self.diagnostics.append(
                error(
                    "E0110",
                    f"`{month}{value}` is not a month and a value",
                    self.sp(c),
                    label="a month (YYYY-MM) and its value need a space between them",
                    help=f"write the month and its value apart: `{month} {str(value).lstrip('-')}`",
                )
            )
        return ast.IndexValue(month=self.year_month(month), value=self.decimal(value), span=self.sp(c))

    # ------------------------------------------------------------ pricing
    def flat_price(self, c: list[Child]) -> ast.FlatPrice:
        return ast.FlatPrice(amount=self.decimal(c[1]), period=cast(ast.Period, str(c[3])), span=self.sp(c))

    def per_unit_price(self, c: list[Child]) -> ast.PerUnitPrice:
        unit = next((str(t) for t in self.vals(c, "IDENT")), None)
        periods = [w for w in self.words(c) if w in ("month", "quarter", "year")]
        period = cast(ast.Period, periods[0]) if periods else None
        return ast.PerUnitPrice(price=self.decimal(c[1]), unit=unit, period=period, span=self.sp(c))

    def one_time_price(self, c: list[Child]) -> ast.OneTimePrice:
        on = self.date(c[3]) if c[3].type == "DATE" else None
        return ast.OneTimePrice(amount=self.decimal(c[1]), on=on, span=self.sp(c))

    def usage_stmt(self, c: list[Child]) -> ast.UsageStmt:
        return ast.UsageStmt(metric=self.ref(c[1]), span=self.sp(c))

    def tier(self, c: list[Child]) -> ast.Tier:
        nums = self.vals(c, "NUMBER")
        if c[0] == "above":
            up_to, price, rest = None, nums[0], nums[1:]
        else:
            up_to, price, rest = self.decimal(nums[0]), nums[1], nums[2:]
        flat = self.decimal(rest[0]) if rest else None
        return ast.Tier(up_to=up_to, price=self.decimal(price), flat=flat, span=self.sp(c))

    def graduated_price(self, c: list[Child]) -> ast.GraduatedPrice:
        return ast.GraduatedPrice(tiers=tuple(self.nodes(c, ast.Tier)), period=self._tier_period(c), span=self.sp(c))

    def volume_price(self, c: list[Child]) -> ast.VolumePrice:
        return ast.VolumePrice(tiers=tuple(self.nodes(c, ast.Tier)), period=self._tier_period(c), span=self.sp(c))

    def _tier_period(self, c: list[Child]) -> ast.Period | None:
        """The period of `graduated per month {`: the token after `per`, before the brace."""
        period = self._after(c[:3], "per")
        return cast(ast.Period, str(period)) if period is not None else None

    def package_price(self, c: list[Child]) -> ast.PackagePrice:
        return ast.PackagePrice(size=self.decimal(c[1]), price=self.decimal(c[3]), span=self.sp(c))

    def percentage_limit(self, c: list[Child]) -> _Limit:
        per = str(c[3]) if len(c) > 3 else None
        return _Limit(str(c[0]), self.decimal(c[1]), per, self.sp(c))

    def percentage_price(self, c: list[Child]) -> ast.PercentagePrice:
        fee = self.decimal(c[3]) if len(c) > 3 and isinstance(c[2], Token) and c[2] == "+" else None
        found: dict[tuple[str, str], Decimal] = {}
        for limit in self.nodes(c, _Limit):
            key = (limit.bound, limit.per or "period")
            if key in found:
                self.diagnostics.append(
                    error(
                        "E0223",
                        f"`{limit.bound}` per {key[1]} is written twice",
                        limit.span,
                        label="a second limit of the same kind",
                        help=f"keep one `{limit.bound} AMOUNT per {key[1]}`",
                    )
                )
                continue
            found[key] = limit.amount
        return ast.PercentagePrice(
            percent=self.decimal(c[1]),
            minimum=found.get(("min", "period")),
            maximum=found.get(("max", "period")),
            fee_per_event=fee,
            event_minimum=found.get(("min", "event")),
            event_maximum=found.get(("max", "event")),
            period_written=any(limit.per == "period" for limit in self.nodes(c, _Limit)),
            span=self.sp(c),
        )

    def included_stmt(self, c: list[Child]) -> ast.IncludedStmt:
        cap = self._after(c, "max")
        return ast.IncludedStmt(
            units=self.decimal(c[1]), rollover_max=self.decimal(cap) if cap is not None else None, span=self.sp(c)
        )

    def unused_stmt(self, c: list[Child]) -> ast.UnusedStmt:
        return ast.UnusedStmt(bills_flat=str(c[2]) == "flat", span=self.sp(c))

    def billing_stmt(self, c: list[Child]) -> ast.BillingStmt:
        cycle = cast(ast.Cycle, str(c[1]))
        months = self.integer(c[2]) if cycle == "every" else None
        timing: ast.Timing | None = None
        if c[-2] == "in":
            timing = cast(ast.Timing, str(c[-1]))
        return ast.BillingStmt(cycle=cycle, months=months, timing=timing, span=self.sp(c))

    def duration(self, c: list[Child]) -> ast.Duration:
        unit = cast(ast.DurationUnit, str(c[1]).rstrip("s"))
        return ast.Duration(count=self.integer(c[0]), unit=unit, span=self.sp(c))

    def trial_stmt(self, c: list[Child]) -> ast.TrialStmt:
        return ast.TrialStmt(duration=c[1], span=self.sp(c))

    def milestone(self, c: list[Child]) -> ast.Milestone:
        return ast.Milestone(on=self.date(c[0]), percent=self.decimal(c[1]), span=self.sp(c))

    def revenue_stmt(self, c: list[Child]) -> ast.RevenueStmt:
        head = str(c[1])
        span = self.sp(c)
        if head == "ratably":
            method: ast.RevenueMethod = "ratably_daily" if c[2] == "daily" else "ratably_monthly"
            return ast.RevenueStmt(method=method, span=span)
        if head == "on":
            return ast.RevenueStmt(method="on_date", on=self.date(c[2]), span=span)
        if head == "milestones":
            return ast.RevenueStmt(method="milestones", milestones=tuple(self.nodes(c, ast.Milestone)), span=span)
        method = {"at": "at_start", "as": "as_consumed", "over": "over_term"}[head]  # type: ignore[assignment]
        return ast.RevenueStmt(method=method, span=span)

    def vat_stmt(self, c: list[Child]) -> ast.VatStmt:
        reasons = self.strings(c)
        category = cast(ast.VatCategory, str(c[1]))
        return ast.VatStmt(category=category, reason=reasons[0] if reasons else None, span=self.sp(c))

    def ssp_stmt(self, c: list[Child]) -> ast.SspStmt:
        period = cast(ast.Period, str(c[3])) if len(c) > 2 else None
        return ast.SspStmt(amount=self.decimal(c[1]), period=period, span=self.sp(c))

    def unit_stmt(self, c: list[Child]) -> ast.UnitStmt:
        return ast.UnitStmt(code=self.string(c[1]), span=self.sp(c))

    def account_stmt(self, c: list[Child]) -> ast.AccountStmt:
        return ast.AccountStmt(number=self.integer(c[1]), span=self.sp(c))

    def quantity_stmt(self, c: list[Child]) -> ast.QuantityStmt:
        return ast.QuantityStmt(quantity=self.decimal(c[1]), span=self.sp(c))

    def price_stmt(self, c: list[Child]) -> ast.PriceStmt:
        return ast.PriceStmt(price=self.decimal(c[1]), span=self.sp(c))

    # ----------------------------------------------------------- contract
    def customer_ref(self, c: list[Child]) -> ast.CustomerRef:
        return ast.CustomerRef(customer=self.ref(c[1]), span=self.sp(c))

    def signed_stmt(self, c: list[Child]) -> ast.SignedStmt:
        return ast.SignedStmt(on=self.date(c[1]), span=self.sp(c))

    def start_stmt(self, c: list[Child]) -> ast.StartStmt:
        return ast.StartStmt(on=self.date(c[1]), span=self.sp(c))

    def term_stmt(self, c: list[Child]) -> ast.TermStmt:
        return ast.TermStmt(duration=c[1], span=self.sp(c))

    def renew_stmt(self, c: list[Child]) -> ast.RenewStmt:
        return ast.RenewStmt(length=c[1], notice=c[3], span=self.sp(c))

    def evergreen_stmt(self, c: list[Child]) -> ast.EvergreenStmt:
        return ast.EvergreenStmt(notice=c[2], span=self.sp(c))

    def no_renewal_stmt(self, c: list[Child]) -> ast.NoRenewalStmt:
        return ast.NoRenewalStmt(span=self.sp(c))

    def anchor_stmt(self, c: list[Child]) -> ast.AnchorStmt:
        return ast.AnchorStmt(day=self.integer(c[2]), span=self.sp(c))

    def purchase_order_stmt(self, c: list[Child]) -> ast.PurchaseOrderStmt:
        return ast.PurchaseOrderStmt(value=self.string(c[1]), span=self.sp(c))

    def charge_set(self, c: list[Child]) -> ast.ChargeSet:
        items = tuple(x for x in c[1:] if isinstance(x, (ast.QuantityStmt, ast.PriceStmt)))
        return ast.ChargeSet(charge=self.ref(c[0]), items=items, span=self.sp(c))

    def plan_ref(self, c: list[Child]) -> ast.PlanRef:
        version = self.date(c[3]) if len(c) > 2 and c[2] == "version" else None
        has_block = any(isinstance(x, Token) and x == "{" for x in c)
        overrides = tuple(self.nodes(c, ast.ChargeSet)) if has_block else None
        return ast.PlanRef(plan=self.ref(c[1]), version=version, overrides=overrides, span=self.sp(c))

    def _after(self, c: list[Child], keyword: str) -> Child | None:
        for i, x in enumerate(c):
            if isinstance(x, Token) and x.type not in VALUE_TYPES and x == keyword:
                return c[i + 1]
        return None

    def discount_stmt(self, c: list[Child]) -> ast.DiscountStmt:
        start = self._after(c, "from")
        until = self._after(c, "until")
        return ast.DiscountStmt(
            label=self.string(c[1]),
            percent=self.decimal(c[2]),
            charges=self.refs(c),
            start=self.date(start) if start is not None else None,
            until=self.date(until) if until is not None else None,
            span=self.sp(c),
        )

    def minimum_stmt(self, c: list[Child]) -> ast.MinimumStmt:
        vat = next(iter(self.nodes(c, ast.VatStmt)), None)
        return ast.MinimumStmt(amount=self.decimal(c[1]), vat=vat, span=self.sp(c))

    def prepaid_stmt(self, c: list[Child]) -> ast.PrepaidStmt:
        vat = next(iter(self.nodes(c, ast.VatStmt)), None)
        return ast.PrepaidStmt(amount=self.decimal(c[1]), charges=self.refs(c), vat=vat, span=self.sp(c))

    def billed_through_stmt(self, c: list[Child]) -> ast.BilledThroughStmt:
        counted = self._after(c, "counting")
        return ast.BilledThroughStmt(
            through=self.date(c[1]),
            toward_minimum=self.decimal(counted) if counted is not None else None,
            span=self.sp(c),
        )

    def indexation_stmt(self, c: list[Child]) -> ast.IndexationStmt:
        idents = self.vals(c, "IDENT")
        cap = self._after(c, "cap")
        floor = self._after(c, "floor")
        return ast.IndexationStmt(
            index=self.ref(idents[0]),
            on=self.month_day(c[4]),
            start=self.date(c[6]),
            compare=self.ref(idents[1]),
            cap=self.decimal(cap) if cap is not None else None,
            floor=self.decimal(floor) if floor is not None else None,
            charges=tuple(self.ref(t) for t in idents[2:]),
            span=self.sp(c),
        )

    def contract_ssp_stmt(self, c: list[Child]) -> ast.ContractSspStmt:
        return ast.ContractSspStmt(charge=self.ref(c[1]), amount=self.decimal(c[2]), span=self.sp(c))

    def remove_stmt(self, c: list[Child]) -> ast.RemoveStmt:
        return ast.RemoveStmt(charge=self.ref(c[1]), span=self.sp(c))

    def terminate_stmt(self, c: list[Child]) -> ast.TerminateStmt:
        return ast.TerminateStmt(span=self.sp(c))

    def prorate_stmt(self, c: list[Child]) -> ast.ProrateStmt:
        return ast.ProrateStmt(span=self.sp(c))

    def accounting_stmt(self, c: list[Child]) -> ast.AccountingStmt:
        treatment = cast(Any, str(c[1]))
        return ast.AccountingStmt(treatment=treatment, span=self.sp(c))
