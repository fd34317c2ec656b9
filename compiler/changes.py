"""What changed between two checked workspaces, in the words of the terms.

`compare(old, new)` matches every declaration by its identity (the seller, customers, metrics,
indices and contracts by id, plan versions by id and effective date), never by label or by
where it is written: a file renamed or reordered changes nothing here. For each object that
differs it lists what changed, one line per term ("seats quantity 25 -> 40 from 2026-03-01",
"amendment 3 added (signed 2026-02-20, effective 2026-03-01)"); a changed label is reported as
such and moves no money.

It also says which contracts' billing inputs changed (the contract itself, a plan version it
follows, its customer, a metric or index it uses, the seller): only those need lowering again
to know what the change does to billing (compiler/impact.py).

Pure: no files, no clock. Spans take no part in any comparison.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Literal, TypeAlias

import attrs

from compiler import model
from compiler.revenue.plan import policy_of
from compiler.wording import (
    address_text,
    amendment_changes_text,
    amendment_extras,
    amount,
    charge_changes_text,
    charge_field,
    charge_text,
    discount_text,
    duration_text,
    equal,
    indexation_text,
    relabel_text,
    renewal_text,
    value_text,
    vat_text,
)

ObjectKind = Literal["seller", "customer", "metric", "index", "plan", "contract"]
Status = Literal["added", "removed", "changed"]
KIND_ORDER: tuple[ObjectKind, ...] = ("seller", "customer", "metric", "index", "plan", "contract")
PlanKey: TypeAlias = tuple[str, date]
"""A plan version's identity: the plan's id and the version's effective date."""


@attrs.frozen(kw_only=True)
class ObjectChange:
    """One declaration that was added, removed or changed, and what changed in its terms."""

    kind: ObjectKind
    id: str
    version: date | None
    """A plan version's effective date; None for every other kind."""
    status: Status
    terms: tuple[str, ...]
    """What changed, one line each, in the order the declaration is written."""
    contracts: tuple[str, ...] = ()
    """The contracts that follow a plan version, or use a customer, metric or index (either side)."""

    @property
    def name(self) -> str:
        if self.kind == "seller":
            return f"seller {self.id}"
        if self.version is not None:
            return f"plan {self.id} {self.version.isoformat()}"
        return f"{self.kind} {self.id}"


@attrs.frozen(kw_only=True)
class Affected:
    """A contract whose billing inputs changed: it is lowered on both sides to see what it bills."""

    contract: str
    reasons: tuple[str, ...]
    """Why, in words: "contract changed", "follows plan team 2026-01-01", "customer acme changed", ..."""
    changed: bool
    """The contract's own terms changed (or it was added or removed)."""


@attrs.frozen(kw_only=True)
class WorkspaceChanges:
    changes: tuple[ObjectChange, ...]
    """Seller, customers, metrics, indices, plan versions, then contracts; each kind by id."""
    affected: tuple[Affected, ...]
    """By contract id."""

    @property
    def empty(self) -> bool:
        return not self.changes


# ------------------------------------------------------------------ equality without spans
# ------------------------------------------------------------------ words
def _charges_lines(
    old: Sequence[model.Charge],
    new: Sequence[model.Charge],
    explained: Callable[[str, str], bool] = lambda charge, field: False,
) -> list[str]:
    """Charges matched by id: added, removed, and the terms of each that changed. `explained(charge,
    what)` leaves out what a plan explains: a field, or "added" or "removed" for the whole charge."""
    before = {c.id: c for c in old}
    after = {c.id: c for c in new}
    lines: list[str] = []
    for charge in new:
        if charge.id not in before:
            if not explained(charge.id, "added"):
                lines.append(f"charge {charge.id} added: {charge_text(charge)}")
            continue
        previous = before[charge.id]
        if not equal(previous, charge):
            lines += charge_changes_text(previous, charge, functools.partial(explained, charge.id))
    lines += [
        f"charge {c.id} removed (was {charge_text(c)})"
        for c in old
        if c.id not in after and not explained(c.id, "removed")
    ]
    return lines


def _record_lines(
    old: object, new: object, terms: Sequence[tuple[str, str, Callable[[object], str]]], labels: Iterable[str] = ()
) -> list[str]:
    """Lines for the fields of a flat declaration that differ: "due 14 days -> 30 days"."""
    lines = []
    for name, words, text in terms:
        a, b = getattr(old, name), getattr(new, name)
        if equal(a, b):
            continue
        note = " (a label: moves no money)" if name in labels else ""
        lines.append(f"{words} {text(a)} -> {text(b)}{note}")
    return lines


def _days(value: object) -> str:
    return f"{value} days"


def _kid(value: object) -> str:
    assert isinstance(value, model.Kid)
    return f"{value.scheme} length {value.length}"


def _accounts(value: object) -> str:
    assert isinstance(value, model.Accounts)
    return " ".join(f"{role} {getattr(value, role)}" for role in model.ACCOUNT_ROLES)


def _any_address(value: object) -> str:
    assert value is None or isinstance(value, model.Address)
    return address_text(value)


def _bare(value: object) -> str:
    return str(value)


_SELLER_TERMS: tuple[tuple[str, str, Callable[[object], str]], ...] = (
    ("id", "id", _bare),
    ("name", "name", value_text),
    ("orgnr", "orgnr", value_text),
    ("mva", "mva", value_text),
    ("foretaksregisteret", "foretaksregisteret", value_text),
    ("address", "address", _any_address),
    ("bank", "bank", value_text),
    ("email", "email", value_text),
    ("peppol", "peppol", value_text),
    ("invoice_numbers_from", "invoice numbers from", _bare),
    ("credit_note_numbers_from", "credit note numbers from", _bare),
    ("kid", "kid", _kid),
    ("due_days", "due", _days),
    ("revenue_policy", "revenue policy", _bare),
    ("accounts", "accounts", _accounts),
    ("currency", "currency", _bare),
)
_CUSTOMER_TERMS: tuple[tuple[str, str, Callable[[object], str]], ...] = (
    ("name", "name", value_text),
    ("orgnr", "orgnr", value_text),
    ("consumer", "consumer", value_text),
    ("peppol", "peppol", value_text),
    ("address", "address", _any_address),
    ("email", "email", value_text),
    ("reference", "reference", value_text),
    ("language", "language", _bare),
)


def _aggregation(metric: model.Metric) -> str:
    return metric.function + (f" {metric.field}" if metric.field else "")


def _metric_lines(old: model.Metric, new: model.Metric) -> list[str]:
    lines = []
    if old.label != new.label:
        lines.append(relabel_text(old.label, new.label))
    if old.events != new.events:
        lines.append(f"events {', '.join(old.events)} -> {', '.join(new.events)}")
    if (old.function, old.field) != (new.function, new.field):
        lines.append(f"aggregation {_aggregation(old)} -> {_aggregation(new)}")
    if old.negative_allowed != new.negative_allowed:
        lines.append("negative values now allowed" if new.negative_allowed else "negative values no longer allowed")
    return lines


def _index_lines(old: model.Index, new: model.Index) -> list[str]:
    lines = []
    if old.label != new.label:
        lines.append(relabel_text(old.label, new.label))
    before, after = dict(old.values), dict(new.values)
    for month in sorted(before.keys() | after.keys(), key=lambda m: (m.year, m.month)):
        a, b = before.get(month), after.get(month)
        if a is None and b is not None:
            lines.append(f"{month} value {amount(b)} added")
        elif b is None and a is not None:
            lines.append(f"{month} value {amount(a)} removed")
        elif a is not None and b is not None and a != b:
            lines.append(f"{month} value {amount(a)} -> {amount(b)}")
    return lines


def _plan_lines(old: model.PlanVersion, new: model.PlanVersion) -> list[str]:
    lines = []
    if old.label != new.label:
        lines.append(relabel_text(old.label, new.label))
    if old.currency != new.currency:
        lines.append(f"currency {old.currency} -> {new.currency}")
    return lines + _charges_lines(old.charges, new.charges)


# ------------------------------------------------------------------ contracts
def _plan_choice(p: model.PlanChoice | None) -> str:
    if p is None:
        return "no plan"
    return f"{p.plan} {p.version.isoformat()}" + (" (pinned)" if p.pinned else "")


def _in_force(contract: model.Contract | None, charge: str, day: date) -> model.Charge | None:
    """The charge as the contract's terms have it on `day` (None: not there then)."""
    if contract is None or contract.terms is None:
        return None
    versions = dict(contract.terms.versions).get(charge, ())
    found = None
    for version in versions:
        if version.start <= day:
            found = version.charge
    return found


def _before_amendment(
    old: model.Contract | None, new: model.Contract, number_: int, charge: str, day: date
) -> model.Charge | None:
    """The charge as it stood on `day` before amendment `number_`: the old side's terms when the contract
    was there, else the new side's last version before the amendment took effect."""
    if old is not None:
        return _in_force(old, charge, day)
    if new.terms is None:
        return None
    found = None
    for version in dict(new.terms.versions).get(charge, ()):
        if version.start < day or (version.start == day and (version.amendment or 0) < number_):
            found = version.charge
    return found


def _amendment_head(a: model.Amendment) -> str:
    return f'"{a.reason}", signed {a.signed.isoformat()}, effective {a.effective.isoformat()}'


def _amendment_lines(old: model.Contract | None, new: model.Contract | None) -> list[str]:
    before = {a.number: a for a in old.amendments} if old is not None else {}
    after = {a.number: a for a in new.amendments} if new is not None else {}
    lines: list[str] = []
    for num in sorted(before.keys() | after.keys()):
        a, b = before.get(num), after.get(num)
        if b is not None and a is None:
            assert new is not None
            lines.append(f"amendment {num} added ({_amendment_head(b)})")
            changed = amendment_changes_text(
                new, b, functools.partial(_before_amendment, old, new, num, day=b.effective)
            )
            lines += [f"  {text}" for text in changed]
            lines += [f"  {extra}" for extra in amendment_extras(b)]
        elif a is not None and b is None:
            lines.append(f"amendment {num} removed (was {_amendment_head(a)})")
        elif a is not None and b is not None and not equal(a, b):
            assert old is not None and new is not None
            lines.append(f"amendment {num} changed (a signed amendment edited):")
            if a.reason != b.reason:
                lines.append(f"  {relabel_text(a.reason, b.reason, 'reason')}")
            if a.signed != b.signed:
                lines.append(f"  signed {a.signed.isoformat()} -> {b.signed.isoformat()}")
            if a.effective != b.effective:
                lines.append(f"  effective {a.effective.isoformat()} -> {b.effective.isoformat()}")
            if not equal(a.changes, b.changes):
                was = amendment_changes_text(
                    old, a, functools.partial(_before_amendment, None, old, num, day=a.effective)
                )
                now = amendment_changes_text(
                    new, b, functools.partial(_before_amendment, None, new, num, day=b.effective)
                )
                lines += [f"  was: {text}" for text in was if text not in now]
                lines += [f"  now: {text}" for text in now if text not in was]
            if amendment_extras(a) != amendment_extras(b):
                lines.append(
                    f"  {', '.join(amendment_extras(a)) or 'prorated, prospective'} -> "
                    f"{', '.join(amendment_extras(b)) or 'prorated, prospective'}"
                )
    return lines


def _listed_lines(
    what: str,
    old: Sequence[object],
    new: Sequence[object],
    text: Callable[[object], str],
    label_only: Callable[[object, object], str | None] = lambda a, b: None,
) -> list[str]:
    """Items matched by position (discount-1, discount-2, ...): added, removed, changed.
    `label_only(a, b)`: the line for a change of label alone, None when more changed."""
    lines = []
    for i in range(max(len(old), len(new))):
        a = old[i] if i < len(old) else None
        b = new[i] if i < len(new) else None
        name = f"{what}-{i + 1}"
        if a is None and b is not None:
            lines.append(f"{name} added: {text(b)}")
        elif b is None and a is not None:
            lines.append(f"{name} removed (was {text(a)})")
        elif a is not None and b is not None and not equal(a, b):
            relabelled = label_only(a, b)
            lines.append(f"{name} {relabelled}" if relabelled else f"{name} {text(a)} -> {text(b)}")
    return lines


def _discount_label(a: object, b: object) -> str | None:
    assert isinstance(a, model.Discount) and isinstance(b, model.Discount)
    if equal(attrs.evolve(a, label=b.label), b):
        return relabel_text(a.label, b.label)
    return None


def _discount_any(value: object) -> str:
    assert isinstance(value, model.Discount)
    return discount_text(value)


def _indexation_any(value: object) -> str:
    assert isinstance(value, model.Indexation)
    return indexation_text(value)


def _maybe_day(value: object) -> str:
    return "the start's day" if value is None else str(value)


def _maybe_vat(value: object) -> str:
    assert value is None or isinstance(value, model.Vat)
    return vat_text(value)


def _maybe_amount(value: object) -> str:
    assert value is None or isinstance(value, Decimal)
    return "none" if value is None else amount(value)


def _any_duration(value: object) -> str:
    assert value is None or isinstance(value, model.Duration)
    return duration_text(value)


def _any_renewal(value: object) -> str:
    assert isinstance(value, model.Renewal)
    return renewal_text(value)


def _any_day(value: object) -> str:
    assert isinstance(value, date)
    return value.isoformat()


def _any_plan(value: object) -> str:
    assert value is None or isinstance(value, model.PlanChoice)
    return _plan_choice(value)


_CONTRACT_TERMS: tuple[tuple[str, str, Callable[[object], str]], ...] = (
    ("customer", "customer", _bare),
    ("signed", "signed", _any_day),
    ("start", "start", _any_day),
    ("term", "term", _any_duration),
    ("renewal", "renewal", _any_renewal),
    ("anchor_day", "billing anchor", _maybe_day),
    ("due_days", "due", _days),
    ("purchase_order", "purchase order", value_text),
    ("reference", "reference", value_text),
    ("currency", "currency", _bare),
    ("plan", "plan", _any_plan),
)


def _plan_version(
    plans: Mapping[str, tuple[model.PlanVersion, ...]], choice: model.PlanChoice | None
) -> model.PlanVersion | None:
    if choice is None:
        return None
    return next((v for v in plans.get(choice.plan, ()) if v.effective == choice.version), None)


def _seller_value(workspace: model.Workspace, field: str) -> object:
    return getattr(workspace.seller, field) if workspace.seller is not None else None


def _policy_word(contract: model.Contract, workspace: model.Workspace) -> str:
    """The revenue policy a contract follows, and whose it is when not its own: "ifrs15 (the seller's)"."""
    policy, source = policy_of(contract, workspace.seller)
    if source == "contract":
        return policy
    return f"{policy} (the seller's)" if source == "seller" else f"{policy} (the default)"


def contract_lines(
    old: model.Contract, new: model.Contract, old_ws: model.Workspace, new_ws: model.Workspace
) -> list[str]:
    """What changed in the contract's own terms. A difference in a charge that the contract takes from
    its plan, explained by a change to that plan version (or by following another version), is the
    plan's change, not the contract's: it is left out here and reported with the plan. So are the
    defaults a contract takes from the seller (payment terms, currency) when those changed."""
    version_old = _plan_version(old_ws.plans, old.plan)
    version_new = _plan_version(new_ws.plans, new.plan)
    inherited = {
        # the contract's value on each side is the default it takes from the seller or its plan
        "due_days": (_seller_value(old_ws, "due_days"), _seller_value(new_ws, "due_days")),
        "currency": (
            version_old.currency if version_old is not None else _seller_value(old_ws, "currency"),
            version_new.currency if version_new is not None else _seller_value(new_ws, "currency"),
        ),
    }
    lines = _record_lines(
        old,
        new,
        [
            term
            for term in _CONTRACT_TERMS
            if term[0] not in inherited or (getattr(old, term[0]), getattr(new, term[0])) != inherited[term[0]]
        ],
    )
    if old.revenue_policy != new.revenue_policy:
        lines.append(f"revenue policy {_policy_word(old, old_ws)} -> {_policy_word(new, new_ws)}")
    from_plan_old = {c.id: c for c in version_old.charges} if version_old is not None else {}
    from_plan_new = {c.id: c for c in version_new.charges} if version_new is not None else {}

    def explained(charge: str, what: str) -> bool:
        a, b = from_plan_old.get(charge), from_plan_new.get(charge)
        if what == "added":  # the plan version it follows gained the charge
            return b is not None and a is None
        if what == "removed":
            return a is not None and b is None
        if a is None or b is None:
            return False
        mine_old = next(c for c in old.charges if c.id == charge)
        mine_new = next(c for c in new.charges if c.id == charge)
        if what == "label":
            return mine_old.label == a.label and mine_new.label == b.label
        return equal(charge_field(mine_old, what), charge_field(a, what)) and equal(
            charge_field(mine_new, what), charge_field(b, what)
        )

    lines += _charges_lines(old.charges, new.charges, explained)
    lines += _listed_lines("discount", old.discounts, new.discounts, _discount_any, _discount_label)
    if not equal(old.minimum, new.minimum):
        lines.append(f"minimum {_maybe_amount(old.minimum)} -> {_maybe_amount(new.minimum)} per contract year")
    plan_moved = not equal(version_old, version_new)  # the minimum's VAT follows the charges' VAT
    if (
        not equal(old.minimum_vat, new.minimum_vat)
        and old.minimum is not None
        and new.minimum is not None
        and not plan_moved
    ):
        lines.append(f"minimum vat {_maybe_vat(old.minimum_vat)} -> {_maybe_vat(new.minimum_vat)}")
    lines += _listed_lines("indexation", old.indexations, new.indexations, _indexation_any)
    ssp_old, ssp_new = dict(old.ssp), dict(new.ssp)
    for charge in sorted(ssp_old.keys() | ssp_new.keys()):
        if ssp_old.get(charge) != ssp_new.get(charge):
            lines.append(f"ssp {charge} {_maybe_amount(ssp_old.get(charge))} -> {_maybe_amount(ssp_new.get(charge))}")
    lines += _amendment_lines(old, new)
    return lines


def _contract_summary(c: model.Contract) -> list[str]:
    end = f", term {duration_text(c.term)}" if c.term is not None else ""
    head = f"customer {c.customer}, start {c.start.isoformat()}{end}, {renewal_text(c.renewal)}, {c.currency}"
    lines = [head]
    if c.plan is not None:
        lines.append(f"plan {_plan_choice(c.plan)}")
    return lines


# ------------------------------------------------------------------ the comparison
def _compare_by_id(
    kind: ObjectKind,
    old: Mapping[str, object],
    new: Mapping[str, object],
    describe: Callable[[object, object], list[str]],
    added: Callable[[object], list[str]] = lambda _: [],
) -> list[ObjectChange]:
    found = []
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key), new.get(key)
        if a is None and b is not None:
            found.append(ObjectChange(kind=kind, id=key, version=None, status="added", terms=tuple(added(b))))
        elif b is None and a is not None:
            found.append(ObjectChange(kind=kind, id=key, version=None, status="removed", terms=()))
        elif a is not None and b is not None and not equal(a, b):
            lines = describe(a, b) or ["terms changed"]
            found.append(ObjectChange(kind=kind, id=key, version=None, status="changed", terms=tuple(lines)))
    return found


def _typed(kind: type, describe: Callable[..., list[str]]) -> Callable[[object, object], list[str]]:
    def run(a: object, b: object) -> list[str]:
        assert isinstance(a, kind) and isinstance(b, kind)
        return describe(a, b)

    return run


def _seller_lines(a: object, b: object) -> list[str]:
    return _record_lines(a, b, _SELLER_TERMS, labels=("name",))


def _customer_lines(a: object, b: object) -> list[str]:
    return _record_lines(a, b, _CUSTOMER_TERMS, labels=("name",))


def _uses(contract: model.Contract) -> tuple[set[str], set[str]]:
    """The metrics and indices a contract's billing reads, over all its terms."""
    metrics: set[str] = set()
    charges: list[model.Charge] = list(contract.charges)
    if contract.terms is not None:
        charges += [v.charge for _, versions in contract.terms.versions for v in versions if v.charge is not None]
    for charge in charges:
        if isinstance(charge.pricing, model.UsageFee):
            metrics.add(charge.pricing.metric)
    return metrics, {x.index for x in contract.indexations}


def _users(old: model.Workspace, new: model.Workspace, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], set[str]]:
    """(kind, id) -> the contracts that use that customer, metric or index on either side, for the
    ones `wanted` (none wanted, nothing is looked at: the usual diff changes only contracts)."""
    users: dict[tuple[str, str], set[str]] = {}
    if not wanted:
        return users
    for side in (old, new):
        for cid, contract in side.contracts.items():
            metrics, indices = _uses(contract)
            keys = [
                ("customer", contract.customer),
                *(("metric", m) for m in metrics),
                *(("index", i) for i in indices),
            ]
            for key in keys:
                if key in wanted:
                    users.setdefault(key, set()).add(cid)
    return users


def _followers(old: model.Workspace, new: model.Workspace, wanted: set[PlanKey]) -> dict[PlanKey, set[str]]:
    """The contracts following each plan version `wanted`, on either side."""
    follows: dict[PlanKey, set[str]] = {}
    if not wanted:
        return follows
    for side in (old, new):
        for cid, contract in side.contracts.items():
            if contract.plan is not None and (key := (contract.plan.plan, contract.plan.version)) in wanted:
                follows.setdefault(key, set()).add(cid)
    return follows


def compare(old: model.Workspace, new: model.Workspace) -> WorkspaceChanges:
    """Every declaration added, removed or changed between `old` and `new`, and the contracts whose
    billing inputs changed."""
    changes: list[ObjectChange] = []
    seller_old = {old.seller.id: old.seller} if old.seller else {}
    seller_new = {new.seller.id: new.seller} if new.seller else {}
    if len(seller_old) == len(seller_new) == 1 and seller_old.keys() != seller_new.keys():
        seller_old = {"": next(iter(seller_old.values()))}  # one seller per workspace: a new id is a change
        seller_new = {"": next(iter(seller_new.values()))}
    sellers = _compare_by_id("seller", seller_old, seller_new, _seller_lines)
    if sellers and sellers[0].id == "":
        assert new.seller is not None
        sellers = [attrs.evolve(sellers[0], id=new.seller.id)]
    changes += sellers

    by_kind = {
        "customer": _compare_by_id("customer", old.customers, new.customers, _customer_lines),
        "metric": _compare_by_id("metric", old.metrics, new.metrics, _typed(model.Metric, _metric_lines)),
        "index": _compare_by_id("index", old.indices, new.indices, _typed(model.Index, _index_lines)),
    }
    users = _users(old, new, {(kind, c.id) for kind, found in by_kind.items() for c in found})
    for kind, found in by_kind.items():
        changes += [attrs.evolve(c, contracts=tuple(sorted(users.get((kind, c.id), ())))) for c in found]

    plans_old = {(v.id, v.effective): v for versions in old.plans.values() for v in versions}
    plans_new = {(v.id, v.effective): v for versions in new.plans.values() for v in versions}
    moved = [k for k in plans_old.keys() | plans_new.keys() if not equal(plans_old.get(k), plans_new.get(k))]
    follows = _followers(old, new, set(moved))
    for key in sorted(moved):
        a, b = plans_old.get(key), plans_new.get(key)
        followers = tuple(sorted(follows.get(key, ())))
        if a is None and b is not None:
            added = [f"charge {c.id}: {charge_text(c)}" for c in b.charges]
            changes.append(
                ObjectChange(
                    kind="plan", id=key[0], version=key[1], status="added", terms=tuple(added), contracts=followers
                )
            )
        elif b is None and a is not None:
            changes.append(
                ObjectChange(kind="plan", id=key[0], version=key[1], status="removed", terms=(), contracts=followers)
            )
        elif a is not None and b is not None:
            lines = _plan_lines(a, b) or ["terms changed"]
            changes.append(
                ObjectChange(
                    kind="plan", id=key[0], version=key[1], status="changed", terms=tuple(lines), contracts=followers
                )
            )

    changed_contracts: dict[str, ObjectChange] = {}
    touched: set[str] = set()
    """Contracts that differ in any way, their own terms or what they take from a plan."""
    for cid in sorted(old.contracts.keys() | new.contracts.keys()):
        was, now = old.contracts.get(cid), new.contracts.get(cid)
        if was is None and now is not None:
            changed_contracts[cid] = ObjectChange(
                kind="contract", id=cid, version=None, status="added", terms=tuple(_contract_summary(now))
            )
        elif now is None and was is not None:
            changed_contracts[cid] = ObjectChange(
                kind="contract", id=cid, version=None, status="removed", terms=tuple(_contract_summary(was))
            )
        elif was is not None and now is not None and not equal(was, now):
            touched.add(cid)
            lines = contract_lines(was, now, old, new)
            if lines:
                changed_contracts[cid] = ObjectChange(
                    kind="contract", id=cid, version=None, status="changed", terms=tuple(lines)
                )
    changes += changed_contracts.values()
    changes.sort(key=lambda c: (KIND_ORDER.index(c.kind), c.id, c.version or date.min))

    why: dict[str, list[str]] = {cid: ["contract " + c.status] for cid, c in changed_contracts.items()}
    for change in changes:
        if change.kind in ("customer", "metric", "index", "plan"):
            for cid in change.contracts:
                reason = f"follows {change.name}" if change.kind == "plan" else f"uses {change.name}"
                why.setdefault(cid, []).append(f"{reason} ({change.status})")
    if sellers:
        for cid in old.contracts.keys() | new.contracts.keys():
            why.setdefault(cid, []).append(f"{sellers[0].name} changed")
    for cid in touched - why.keys():
        # differs, yet nothing above says why: report it rather than hide a change
        changed_contracts[cid] = ObjectChange(
            kind="contract", id=cid, version=None, status="changed", terms=("terms changed",)
        )
        why[cid] = ["contract changed"]
        changes.append(changed_contracts[cid])
        changes.sort(key=lambda c: (KIND_ORDER.index(c.kind), c.id, c.version or date.min))
    affected = tuple(
        Affected(contract=cid, reasons=tuple(reasons), changed=cid in changed_contracts)
        for cid, reasons in sorted(why.items())
    )
    return WorkspaceChanges(changes=tuple(changes), affected=affected)
