"""The canonical form of .avt files, with comments kept.

One statement per line, two-space indentation, one blank line between
declarations, single blank lines inside blocks kept where the author put them,
numbers with `_` between thousands, `metric` and `accounts` blocks on one line.
Comments stay with the statement they precede or follow on the same line.
"""

from __future__ import annotations

from collections import deque
from decimal import Decimal
from typing import Any

from dsl import ast

INDENT = "  "


def format_decimal(value: Decimal) -> str:
    text = format(value, "f")
    sign = "-" if text.startswith("-") else ""
    text = text.lstrip("-")
    whole, dot, frac = text.partition(".")
    if len(whole) >= 4:
        groups: list[str] = []
        while len(whole) > 3:
            groups.insert(0, whole[-3:])
            whole = whole[:-3]
        whole = "_".join([whole, *groups])
    return f"{sign}{whole}{dot}{frac}"


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_duration(d: ast.Duration) -> str:
    return f"{d.count} {d.unit}{'' if d.count == 1 else 's'}"


def _names(refs: tuple[ast.Ref, ...]) -> str:
    return ", ".join(r.name for r in refs)


def _tier_head(t: ast.Tier) -> str:
    return "above" if t.up_to is None else f"up to {format_decimal(t.up_to)}"


def _tier(t: ast.Tier, width: int = 0) -> str:
    """A tier line; `width` aligns the prices of a tier table in one column."""
    flat = f" + {format_decimal(t.flat)} flat" if t.flat is not None else ""
    return f"{_tier_head(t).ljust(width)} {format_decimal(t.price)}{flat}"


def _charge_set(s: ast.ChargeSet) -> str:
    parts = [s.charge.name]
    for item in s.items:
        if isinstance(item, ast.QuantityStmt):
            parts.append(f"quantity {format_decimal(item.quantity)}")
        else:
            parts.append(f"price {format_decimal(item.price)}")
    return " ".join(parts)


def _discount(s: ast.DiscountStmt) -> str:
    text = f"discount {quote(s.label)} {format_decimal(s.percent)}% on {_names(s.charges)}"
    if s.start is not None:
        text += f" from {s.start.isoformat()}"
    if s.until is not None:
        text += f" until {s.until.isoformat()}"
    return text


def _indexation(s: ast.IndexationStmt) -> str:
    text = f"indexation {s.index.name} yearly on {s.on} from {s.start.isoformat()} compare {s.compare.name}"
    if s.cap is not None:
        text += f" cap {format_decimal(s.cap)}%"
    if s.floor is not None:
        text += f" floor {format_decimal(s.floor)}%"
    return f"{text} on {_names(s.charges)}"


def _billing(s: ast.BillingStmt) -> str:
    cycle = s.cycle if s.cycle != "every" else f"every {s.months} month{'' if s.months == 1 else 's'}"
    return f"billed {cycle}" + (f" in {s.timing}" if s.timing else "")


def _per_unit(s: ast.PerUnitPrice) -> str:
    text = f"per_unit {format_decimal(s.price)}"
    if s.unit:
        text += f" per {s.unit}"
    if s.period:
        text += f" per {s.period}"
    return text


def _percentage(s: ast.PercentagePrice) -> str:
    """Per-event parts first, then the period's limits (`per period` kept when it was written)."""
    text = f"percentage {format_decimal(s.percent)}%"
    if s.fee_per_event is not None:
        text += f" + {format_decimal(s.fee_per_event)} per event"
    if s.event_minimum is not None:
        text += f" min {format_decimal(s.event_minimum)} per event"
    if s.event_maximum is not None:
        text += f" max {format_decimal(s.event_maximum)} per event"
    scope = " per period" if s.period_written else ""
    if s.minimum is not None:
        text += f" min {format_decimal(s.minimum)}{scope}"
    if s.maximum is not None:
        text += f" max {format_decimal(s.maximum)}{scope}"
    return text


def _included(s: ast.IncludedStmt) -> str:
    rollover = f" rollover max {format_decimal(s.rollover_max)}" if s.rollover_max is not None else ""
    return f"included {format_decimal(s.units)}{rollover}"


_REVENUE_WORDS = {
    "ratably_daily": "ratably daily",
    "ratably_monthly": "ratably monthly",
    "at_start": "at start",
    "as_consumed": "as consumed",
    "over_term": "over term",
}


def _vat(s: ast.VatStmt) -> str:
    return f"vat {s.category}" + (f" {quote(s.reason)}" if s.reason is not None else "")


def statement_text(node: Any) -> str:
    """The one-line text of a statement that has no block of its own."""
    match node:
        case ast.NameStmt(value=v):
            return f"name {quote(v)}"
        case ast.OrgnrStmt(value=v):
            return f"orgnr {quote(v)}"
        case ast.MvaStmt():
            return "mva"
        case ast.ForetaksregisteretStmt():
            return "foretaksregisteret"
        case ast.AddressStmt():
            return f"address {quote(node.street)}, {quote(node.postcode)}, {quote(node.city)}, {node.country}"
        case ast.BankStmt(account=v):
            return f"bank {quote(v)}"
        case ast.EmailStmt(value=v):
            return f"email {quote(v)}"
        case ast.PeppolStmt(value=v):
            return f"peppol {quote(v)}"
        case ast.SeriesStmt(kind=kind, first=first):
            return f"{kind}_numbers from {first}"
        case ast.KidStmt(scheme=scheme, length=length):
            return f"kid {scheme} length {length}"
        case ast.DueStmt(days=days):
            return f"due {days} day{'' if days == 1 else 's'}"
        case ast.RevenuePolicyStmt(policy=policy):
            return f"revenue_policy {policy}"
        case ast.AccountsStmt(entries=entries):
            return "accounts { " + "  ".join(f"{e.role.name} {e.number}" for e in entries) + " }"
        case ast.CurrencyStmt(code=code):
            return f"currency {code}"
        case ast.ConsumerStmt():
            return "consumer"
        case ast.ReferenceStmt(value=v):
            return f"reference {quote(v)}"
        case ast.LanguageStmt(code=code):
            return f"language {code}"
        case ast.EventsStmt(names=names):
            return "events " + ", ".join(quote(n) for n in names)
        case ast.AggregateStmt(function=function, field=field):
            return function if field is None else f"{function} {field}"
        case ast.NegativeStmt():
            return "negative allowed"
        case ast.IndexValue(month=month, value=value):
            return f"{month} {format_decimal(value)}"
        case ast.FlatPrice(amount=amount, period=period):
            return f"flat {format_decimal(amount)} per {period}"
        case ast.PerUnitPrice():
            return _per_unit(node)
        case ast.OneTimePrice(amount=amount, on=on):
            return f"one_time {format_decimal(amount)} on {'start' if on is None else on.isoformat()}"
        case ast.UsageStmt(metric=metric):
            return f"usage {metric.name}"
        case ast.Tier():
            return _tier(node)
        case ast.PackagePrice(size=size, price=price):
            return f"package {format_decimal(size)} for {format_decimal(price)}"
        case ast.PercentagePrice():
            return _percentage(node)
        case ast.IncludedStmt():
            return _included(node)
        case ast.UnusedStmt(bills_flat=bills_flat):
            return f"unused bills {'flat' if bills_flat else 'nothing'}"
        case ast.BillingStmt():
            return _billing(node)
        case ast.TrialStmt(duration=d):
            return f"trial {format_duration(d)}"
        case ast.RevenueStmt(method="on_date", on=on):
            return f"revenue on {on.isoformat() if on else ''}"
        case ast.RevenueStmt(method=method):
            return f"revenue {_REVENUE_WORDS[method]}"
        case ast.Milestone(on=on, percent=percent):
            return f"{on.isoformat()} {format_decimal(percent)}%"
        case ast.VatStmt():
            return _vat(node)
        case ast.SspStmt(amount=amount, period=period):
            return f"ssp {format_decimal(amount)}" + (f" per {period}" if period else "")
        case ast.UnitStmt(code=code):
            return f"unit {quote(code)}"
        case ast.AccountStmt(number=number):
            return f"account {number}"
        case ast.QuantityStmt(quantity=q):
            return f"quantity {format_decimal(q)}"
        case ast.PriceStmt(price=p):
            return f"price {format_decimal(p)}"
        case ast.CustomerRef(customer=c):
            return f"customer {c.name}"
        case ast.SignedStmt(on=on):
            return f"signed {on.isoformat()}"
        case ast.StartStmt(on=on):
            return f"start {on.isoformat()}"
        case ast.TermStmt(duration=d):
            return f"term {format_duration(d)}"
        case ast.RenewStmt(length=length, notice=notice):
            return f"renew {format_duration(length)} notice {format_duration(notice)}"
        case ast.EvergreenStmt(notice=notice):
            return f"evergreen notice {format_duration(notice)}"
        case ast.NoRenewalStmt():
            return "no renewal"
        case ast.AnchorStmt(day=day):
            return f"billing anchor {day}"
        case ast.PurchaseOrderStmt(value=v):
            return f"purchase_order {quote(v)}"
        case ast.ChargeSet():
            return _charge_set(node)
        case ast.DiscountStmt():
            return _discount(node)
        case ast.MinimumStmt(amount=amount, vat=vat):
            return f"minimum {format_decimal(amount)} per contract year" + (f" {_vat(vat)}" if vat else "")
        case ast.PrepaidStmt(amount=amount, charges=charges, vat=vat):
            head = f"prepaid {format_decimal(amount)} per contract year on {_names(charges)}"
            return head + (f" {_vat(vat)}" if vat else "")
        case ast.IndexationStmt():
            return _indexation(node)
        case ast.BilledThroughStmt(through=through, toward_minimum=counted):
            counting = f" counting {format_decimal(counted)} toward minimum" if counted is not None else ""
            return f"billed_through {through.isoformat()}{counting}"
        case ast.ContractSspStmt(charge=charge, amount=amount):
            return f"ssp {charge.name} {format_decimal(amount)}"
        case ast.RemoveStmt(charge=charge):
            return f"remove {charge.name}"
        case ast.TerminateStmt():
            return "terminate"
        case ast.ProrateStmt():
            return "prorate none"
        case ast.AccountingStmt(treatment=treatment):
            return f"accounting {treatment}"
    raise TypeError(f"no one-line form for {type(node).__name__}")


class _Printer:
    def __init__(self, comments: tuple[ast.Comment, ...]) -> None:
        self.comments = deque(sorted(comments, key=lambda c: (c.span.line, c.span.column)))
        self.out: list[str] = []
        self.depth = 0
        self.last_line = 0
        """Source line of the last thing printed (0: nothing yet, or generated nodes)."""
        self.just_opened = True

    # ---------------------------------------------------------- low level
    def _write(self, text: str) -> None:
        self.out.append(f"{INDENT * self.depth}{text}" if text else "")

    def _gap(self, line: int) -> None:
        """Keep one blank line where the source had one or more."""
        if line and self.last_line and line - self.last_line > 1 and not self.just_opened:
            self.out.append("")

    def _leading(self, line: int) -> None:
        while self.comments and self.comments[0].span.line < line:
            comment = self.comments.popleft()
            self._gap(comment.span.line)
            self._write(comment.text)
            self.last_line = comment.span.line
            self.just_opened = False

    def _trailing(self, line: int) -> str:
        parts = []
        while self.comments and self.comments[0].span.line == line:
            parts.append(self.comments.popleft().text)
        return "  " + " ".join(parts) if parts else ""

    def line(self, text: str, node: Any) -> None:
        span = node.span
        self._leading(span.line)
        self._gap(span.line)
        self._write(text + self._trailing(span.end_line))
        self.last_line = span.end_line
        self.just_opened = False

    def open(self, text: str, node: Any) -> None:
        span = node.span
        self._leading(span.line)
        self._gap(span.line)
        self._write(f"{text} {{" + self._trailing(span.line))
        self.last_line = span.line
        self.depth += 1
        self.just_opened = True

    def close(self, node: Any) -> None:
        end = node.span.end_line
        self._leading(end)
        self.depth -= 1
        self._write("}" + self._trailing(end))
        self.last_line = end
        self.just_opened = False

    def _has_inner_comments(self, node: Any) -> bool:
        span = node.span
        return any(span.line <= c.span.line < span.end_line for c in self.comments)

    # --------------------------------------------------------- structure
    def declaration(self, decl: ast.Decl) -> None:
        match decl:
            case ast.Seller():
                self.block(f"seller {decl.id.name}", decl, decl.body)
            case ast.Customer():
                self.block(f"customer {decl.id.name}", decl, decl.body)
            case ast.Metric():
                head = f"metric {decl.id.name} {quote(decl.label)}"
                if self._has_inner_comments(decl):
                    self.block(head, decl, decl.body)
                else:
                    inner = "  ".join(statement_text(s) for s in decl.body)
                    self.line(f"{head} {{ {inner} }}" if inner else f"{head} {{}}", decl)
            case ast.Index():
                self.block(f"index {decl.id.name} {quote(decl.label)}", decl, decl.values)
            case ast.Plan():
                head = f"plan {decl.id.name} {quote(decl.label)} effective {decl.effective.isoformat()}"
                self.block(head, decl, decl.body)
            case ast.Contract():
                self.block(f"contract {decl.id.name}", decl, decl.body)

    def block(self, head: str, node: Any, body: tuple[Any, ...]) -> None:
        self.open(head, node)
        for stmt in body:
            self.statement(stmt)
        self.close(node)

    def statement(self, stmt: Any) -> None:
        match stmt:
            case ast.Charge():
                self.block(f"charge {stmt.id.name} {quote(stmt.label)}", stmt, stmt.body)
            case ast.GraduatedPrice() | ast.VolumePrice():
                width = max((len(_tier_head(t)) for t in stmt.tiers), default=0) + 1
                head = "graduated" if isinstance(stmt, ast.GraduatedPrice) else "volume"
                self.open(head + (f" per {stmt.period}" if stmt.period else ""), stmt)
                for tier in stmt.tiers:
                    self.line(_tier(tier, width), tier)
                self.close(stmt)
            case ast.RevenueStmt(method="milestones"):
                self.block("revenue milestones", stmt, stmt.milestones)
            case ast.AccountsStmt() if self._has_inner_comments(stmt):
                self.block("accounts", stmt, stmt.entries)
            case ast.AccountEntry():
                self.line(f"{stmt.role.name} {stmt.number}", stmt)
            case ast.PlanRef():
                head = f"plan {stmt.plan.name}"
                if stmt.version is not None:
                    head += f" version {stmt.version.isoformat()}"
                if stmt.overrides is None:
                    self.line(head, stmt)
                elif not stmt.overrides and not self._has_inner_comments(stmt):
                    self.line(f"{head} {{}}", stmt)
                else:
                    self.block(head, stmt, stmt.overrides)
            case ast.Amendment():
                head = (
                    f"amendment {stmt.number} {quote(stmt.reason)} "
                    f"signed {stmt.signed.isoformat()} effective {stmt.effective.isoformat()}"
                )
                self.block(head, stmt, stmt.body)
            case _:
                self.line(statement_text(stmt), stmt)

    def source(self, source: ast.SourceFile) -> str:
        for decl in source.decls:
            if self.out:
                self.out.append("")
            self.just_opened = True  # no extra blank line at the top of a declaration
            self.declaration(decl)
        self._leading(10**9)
        return "\n".join(self.out) + "\n" if self.out else ""


def format_source(source: ast.SourceFile) -> str:
    """The canonical text of a parsed file."""
    return _Printer(source.comments).source(source)
