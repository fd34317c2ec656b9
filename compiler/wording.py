"""The words for a term, in one place: how `avtale diff`, `avtale log`, `avtale blame` and
`avtale show` write an amount, a price, tiers, a discount, an indexation, billing, VAT, revenue, a
duration or a renewal.

Each term reads as the language writes it (`per_unit 129.00 per seat per month`, `graduated { up to
100_000 0.00; above 0.006 }`, `discount "Lanseringsrabatt" 15% on platform`, `compare october`):
numbers as written, digits grouped with `_`, nothing added or dropped.

Also the comparison of terms that ignores where they are written (`same`).

Pure: no files, no clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import attrs

from compiler import model
from compiler.calendar import MONTH_NAMES
from compiler.terms import repriced, term_after
from dsl.printer import format_decimal, quote
from dsl.span import Span

# ------------------------------------------------------------------ equality without spans
_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in attrs.fields(cls))
    return names


def same(a: object, b: object) -> bool:
    """Equal as terms: every field compared, spans ignored (a moved or renamed file changes no term)."""
    if a is b:
        return True
    if isinstance(a, Span) or isinstance(b, Span):
        return True  # where a term is written (or that it has no place) is no term
    if type(a) is not type(b):
        return False
    if attrs.has(type(a)):
        return all(same(getattr(a, name), getattr(b, name)) for name in _field_names(type(a)))
    if isinstance(a, tuple | list):
        assert isinstance(b, tuple | list)
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        assert isinstance(b, dict)
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def equal(a: object, b: object) -> bool:
    """`same`, answered by the generated `==` first: most objects are equal spans and all."""
    return a == b or same(a, b)


# ------------------------------------------------------------------ words
def amount(value: Decimal) -> str:
    """An amount, quantity or index value as the language writes it: `4_990.00`, `25`, `0.010`."""
    return format_decimal(value)


def percent(value: Decimal) -> str:
    return f"{format_decimal(value)}%"


def optional_amount(value: Decimal | None) -> str:
    return "none" if value is None else amount(value)


def relabel_text(old: str, new: str, what: str = "label") -> str:
    """A changed label (or amendment reason), which moves no money: `label "Brukere" -> "Lisenser" (...)`."""
    return f"{what} {quote(old)} -> {quote(new)} (a label: moves no money)"


def duration_text(d: model.Duration | None) -> str:
    """A length as the language writes it: `12 months`, `1 year`."""
    if d is None:
        return "none"
    return f"{d.count} {d.unit}{'' if d.count == 1 else 's'}"


def renewal_text(r: model.Renewal) -> str:
    if r.kind == "renew":
        return f"renew {duration_text(r.length)} notice {duration_text(r.notice)}"
    if r.kind == "evergreen":
        return f"evergreen notice {duration_text(r.notice)}"
    return "no renewal"


def tiers_text(rule: model.Tiered) -> str:
    """`graduated { up to 100_000 0.00; above 0.006 }`."""
    rows = []
    for tier in rule.tiers:
        bound = "above" if tier.up_to is None else f"up to {amount(tier.up_to)}"
        flat = f" + {amount(tier.flat)} flat" if tier.flat else ""
        rows.append(f"{bound} {amount(tier.price)}{flat}")
    return f"{rule.mode} {{ {'; '.join(rows)} }}"


def usage_rule_text(rule: model.UsageRule) -> str:
    if isinstance(rule, model.UnitRate):
        return f"per_unit {amount(rule.price)}"
    if isinstance(rule, model.Tiered):
        return tiers_text(rule) + (" unused bills flat" if rule.flat_at_zero else "")
    if isinstance(rule, model.Package):
        return f"package {amount(rule.size)} for {amount(rule.price)}"
    text = f"percentage {percent(rule.percent)}"
    if rule.minimum is not None:
        text += f" min {amount(rule.minimum)}"
    if rule.maximum is not None:
        text += f" max {amount(rule.maximum)}"
    return text


def pricing_text(pricing: model.Pricing) -> str:
    """A charge's price as the language writes it: `flat 990.00 per month`, `usage api_calls per_unit 0.004`."""
    if isinstance(pricing, model.FlatFee):
        return f"flat {amount(pricing.amount)} per {pricing.period}"
    if isinstance(pricing, model.PerUnitFee):
        unit = f" per {pricing.unit}" if pricing.unit else ""
        return f"per_unit {amount(pricing.price)}{unit} per {pricing.period}"
    if isinstance(pricing, model.OneTimeFee):
        return f"one_time {amount(pricing.amount)} on {pricing.on.isoformat() if pricing.on else 'start'}"
    if isinstance(pricing, model.TieredFee):
        text = tiers_text(model.Tiered(mode=pricing.mode, tiers=pricing.tiers))
        return text.replace(pricing.mode, f"{pricing.mode} per {pricing.period}", 1)
    text = f"usage {pricing.metric} {usage_rule_text(pricing.rule)}"
    return f"{text} {allowance_text(pricing.allowance)}" if pricing.allowance is not None else text


def allowance_text(allowance: model.Allowance | None) -> str:
    """`included 1_000 rollover max 3_000`; `none` without free units."""
    if allowance is None:
        return "none"
    rollover = f" rollover max {amount(allowance.rollover_max)}" if allowance.rollover_max is not None else ""
    return f"included {amount(allowance.units)}{rollover}"


def unit_price(pricing: model.Pricing) -> Decimal | None:
    """The single price of a charge, when it has one (what `price` in an override or amendment sets)."""
    if isinstance(pricing, model.FlatFee | model.OneTimeFee):
        return pricing.amount
    if isinstance(pricing, model.PerUnitFee):
        return pricing.price
    if isinstance(pricing, model.UsageFee) and isinstance(pricing.rule, model.UnitRate | model.Package):
        return pricing.rule.price
    return None


def billing_text(b: model.Billing | None) -> str:
    """`monthly in arrears`, `every 3 months in advance`; `once` for a charge billed once."""
    if b is None:
        return "once"
    cycle = f"every {b.months} months" if b.cycle == "every" else b.cycle
    return f"{cycle} in {b.timing}"


def vat_text(v: model.Vat | None) -> str:
    """`exempt "Finansiell tjeneste"`, `zero`, `standard`."""
    if v is None:
        return "none"
    return v.category + (f" {quote(v.reason)}" if v.reason else "")


def revenue_text(r: model.Revenue) -> str:
    text = r.method.replace("_", " ")
    if r.on is not None:
        text += f" {r.on.isoformat()}"
    if r.milestones:
        text += " " + ", ".join(f"{day.isoformat()} {percent(pct)}" for day, pct in r.milestones)
    return text


def discount_text(d: model.Discount) -> str:
    """`discount "Lanseringsrabatt" 15% on platform, seats from 2025-04-01 until 2026-04-01`."""
    text = f"discount {quote(d.label)} {percent(d.percent)} on {', '.join(d.charges)}"
    if d.start is not None:
        text += f" from {d.start.isoformat()}"
    if d.until is not None:
        text += f" until {d.until.isoformat()}"
    return text


def indexation_text(x: model.Indexation) -> str:
    """`indexation kpi yearly on 01-01 from 2026-01-01 compare october cap 4% on platform, seats`."""
    month, day = x.on
    text = (
        f"indexation {x.index} yearly on {month:02d}-{day:02d} from {x.start.isoformat()} "
        f"compare {MONTH_NAMES[x.compare_month - 1]}"
    )
    if x.cap is not None:
        text += f" cap {percent(x.cap)}"
    if x.floor is not None:
        text += f" floor {percent(x.floor)}"
    return f"{text} on {', '.join(x.charges)}"


def address_text(a: model.Address | None) -> str:
    """`"Kanalveien 54", "5068", "Bergen", NO`."""
    if a is None:
        return "none"
    return f"{quote(a.street)}, {quote(a.postcode)}, {quote(a.city)}, {a.country}"


def value_text(value: object) -> str:
    """Any term's value as the language writes it: `"Acme AS"`, `4_990.00`, `2026-03-01`, `12 months`;
    `yes` or `no` for a flag, `none` for nothing."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return amount(value)
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, model.Duration):
        return duration_text(value)
    if isinstance(value, model.Revenue):
        return revenue_text(value)
    if isinstance(value, model.Vat):
        return vat_text(value)
    if isinstance(value, model.Address):
        return address_text(value)
    if isinstance(value, tuple):
        return ", ".join(value_text(v) for v in value) or "none"
    return str(value)


def charge_text(charge: model.Charge) -> str:
    """A charge in one line: label, pricing, quantity, billing and the terms that are not defaults."""
    parts = [quote(charge.label), pricing_text(charge.pricing)]
    if charge.quantity is not None:
        parts.append(f"quantity {amount(charge.quantity)}")
    if charge.billing is not None:
        parts.append(f"billed {billing_text(charge.billing)}")
    if charge.trial is not None:
        parts.append(f"trial {duration_text(charge.trial)}")
    if charge.vat.category != "standard":
        parts.append(f"vat {vat_text(charge.vat)}")
    return ", ".join(parts)


# ------------------------------------------------------------------ what changed in a charge
def _quoted(value: str | None) -> str:
    return "none" if value is None else quote(value)


# (field, how it reads, its value as text): the terms of a charge, in the order they are written
_CHARGE_TERMS: tuple[tuple[str, Callable[[model.Charge], str]], ...] = (
    ("quantity", lambda c: optional_amount(c.quantity)),
    ("billing", lambda c: billing_text(c.billing)),
    ("trial", lambda c: duration_text(c.trial)),
    ("revenue", lambda c: revenue_text(c.revenue)),
    ("vat", lambda c: vat_text(c.vat)),
    ("ssp", lambda c: optional_amount(c.ssp) + (f" per {c.ssp_period}" if c.ssp_period else "")),
    ("unit", lambda c: _quoted(c.unit)),
    ("account", lambda c: str(c.account) if c.account is not None else "none"),
)


def charge_field(charge: model.Charge, name: str) -> object:
    return (charge.ssp, charge.ssp_period) if name == "ssp" else getattr(charge, name)


def charge_changes_text(
    old: model.Charge, new: model.Charge, skip: Callable[[str], bool] = lambda _: False
) -> list[str]:
    """One line per term of the charge that differs, "seats price 149.00 -> 159.00"; `skip` leaves out
    fields whose change is explained elsewhere (by the plan a contract follows)."""
    lines: list[str] = []
    if old.label != new.label and not skip("label"):
        lines.append(f"{old.id} {relabel_text(old.label, new.label)}")
    if not equal(old.pricing, new.pricing) and not skip("pricing"):
        lines += _pricing_lines(old, new)
    for name, text in _CHARGE_TERMS:
        if not equal(charge_field(old, name), charge_field(new, name)) and not skip(name):
            lines.append(f"{old.id} {name} {text(old)} -> {text(new)}")
    return lines


def _pricing_lines(old: model.Charge, new: model.Charge) -> list[str]:
    a, b = old.pricing, new.pricing
    before, after = unit_price(a), unit_price(b)
    if before is not None and after is not None and before != after and equal(repriced(a, after), b):
        return [f"{old.id} price {amount(before)} -> {amount(after)}"]
    if isinstance(a, model.UsageFee) and isinstance(b, model.UsageFee):
        lines = []
        if a.metric != b.metric:
            lines.append(f"{old.id} metric {a.metric} -> {b.metric}")
        if not equal(a.rule, b.rule):
            lines.append(f"{old.id} usage pricing {usage_rule_text(a.rule)} -> {usage_rule_text(b.rule)}")
        if not equal(a.allowance, b.allowance):
            lines.append(f"{old.id} free units {allowance_text(a.allowance)} -> {allowance_text(b.allowance)}")
        return lines
    return [f"{old.id} pricing {pricing_text(a)} -> {pricing_text(b)}"]


# ------------------------------------------------------------------ amendments
def terms_before(contract: model.Contract, number: int) -> tuple[model.Duration | None, model.Renewal]:
    """The contract's term and renewal as they stood before amendment `number` (earlier ones applied)."""
    return term_after(contract, (a for a in contract.amendments if a.number < number))


def amendment_changes_text(
    contract: model.Contract, amendment: model.Amendment, was: Callable[[str], model.Charge | None]
) -> list[str]:
    """What each change of an amendment of `contract` does, with the value it replaces: `seats quantity
    25 -> 40 from 2026-03-01`. `was(charge)`: the charge as it stood before the amendment."""
    when = f"from {amendment.effective.isoformat()}"
    term, renewal = terms_before(contract, amendment.number)
    phrases: list[str] = []
    for change in amendment.changes:
        if isinstance(change, model.SetQuantity):
            before = was(change.charge)
            old = f"{amount(before.quantity)} -> " if before is not None and before.quantity is not None else ""
            phrases.append(f"{change.charge} quantity {old}{amount(change.quantity)} {when}")
        elif isinstance(change, model.SetPrice):
            before = was(change.charge)
            price = unit_price(before.pricing) if before is not None else None
            old = f"{amount(price)} -> " if price is not None else ""
            phrases.append(f"{change.charge} price {old}{amount(change.price)} {when}")
        elif isinstance(change, model.AddCharge):
            phrases.append(f"charge {change.charge.id} added {when}: {charge_text(change.charge)}")
        elif isinstance(change, model.RemoveCharge):
            phrases.append(f"charge {change.charge} removed {when}")
        elif isinstance(change, model.AddDiscount):
            discount = change.discount
            phrases.append(
                f"{discount_text(attrs.evolve(discount, start=discount.start or amendment.effective))} added"
            )
        elif isinstance(change, model.ChangeTerm):
            phrases.append(f"term {duration_text(term)} -> {duration_text(change.term)} {when}")
            term = change.term
        elif isinstance(change, model.ChangeRenewal):
            phrases.append(f"renewal {renewal_text(renewal)} -> {renewal_text(change.renewal)} {when}")
            renewal = change.renewal
        else:
            phrases.append(f"terminated {when}")
    return phrases


def amendment_extras(a: model.Amendment) -> list[str]:
    """What an amendment says that is not the default: `prorate none`, `accounting catch_up`."""
    extras = []
    if not a.prorate:
        extras.append("prorate none")
    if a.accounting != "prospective":
        extras.append(f"accounting {a.accounting}")
    return extras
