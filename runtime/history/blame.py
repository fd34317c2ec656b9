"""`avtale blame` and `avtale show`: the terms of a contract in force on a day, each with two times.

Effective time comes from the contract itself: the amendment (or the contract, or the plan version it
follows) whose statement sets the term, and the date it takes effect. Record time comes from git: the
commit that recorded the term's current value, found as `git blame` finds a line's commit. Starting
at the revision shown, a term is followed into any parent where it had the same value (and the same
effective source); the commit where no parent had it is the one that recorded it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import attrs

from compiler import model
from compiler.calendar import add_duration
from compiler.wording import amount, discount_text, duration_text, indexation_text, pricing_text, renewal_text, same
from runtime.history.git import Commit, HistoryError
from runtime.history.log import (
    WORK_TREE,
    History,
    State,
    prepaid_text,
    unknown_contract,
)


@attrs.frozen(kw_only=True)
class Since:
    """Where a term's value comes from, and when it took effect."""

    origin: str
    """`contract`, `plan team 2026-01-01` or `amendment 2`."""
    effective: date
    amendment: int | None = None

    def short(self) -> str:
        """In a word or three: `amendment 2, 2026-03-01`, `plan team 2026-01-01`, `contract`."""
        if self.amendment is not None:
            return f"amendment {self.amendment}, {self.effective.isoformat()}"
        return self.origin

    def text(self) -> str:
        if self.amendment is not None:
            return f"since amendment {self.amendment} effective {self.effective.isoformat()}"
        if self.origin.startswith("plan "):
            return f"from {self.origin}, since the contract's start {self.effective.isoformat()}"
        return f"since the contract's start {self.effective.isoformat()}"


@attrs.frozen(kw_only=True)
class Term:
    key: str
    """What the term is about, stable across revisions: `customer`, `seats quantity`, `term`, ..."""
    text: str
    since: Since


def _amendment_since(contract: model.Contract, number: int) -> Since:
    found = next((a for a in contract.amendments if a.number == number), None)
    effective = found.effective if found is not None else contract.start
    return Since(origin=f"amendment {number}", effective=effective, amendment=number)


def _origin(
    state: State, versions: tuple[model.Version, ...], at: int, field: str, plan: Mapping[str, model.Charge]
) -> Since:
    """Since when `field` of the charge in `versions[at]` has its value: back through the versions
    that kept it, to the amendment that set it, the plan version, or the contract itself."""
    contract = state.contract
    charge = versions[at].charge
    assert contract is not None and charge is not None
    value = getattr(charge, field)
    while at > 0 and (earlier := versions[at - 1].charge) is not None and same(getattr(earlier, field), value):
        at -= 1
    made = versions[at]
    if made.amendment is not None:
        return _amendment_since(contract, made.amendment)
    base = plan.get(charge.id)
    if state.plan is not None and base is not None and same(getattr(base, field), value):
        return Since(origin=f"plan {state.plan.id} {state.plan.effective.isoformat()}", effective=contract.start)
    return Since(origin="contract", effective=contract.start)


def _charge_terms(state: State, day: date) -> list[Term]:
    contract = state.contract
    assert contract is not None and contract.terms is not None
    plan = {c.id: c for c in state.plan.charges} if state.plan is not None else {}
    terms: list[Term] = []
    for cid, versions in contract.terms.versions:
        now = [i for i, v in enumerate(versions) if v.start <= day]
        if not now or versions[now[-1]].charge is None:
            continue  # not added yet, or removed
        at = now[-1]
        charge = versions[at].charge
        assert charge is not None
        price = _origin(state, versions, at, "pricing", plan)
        terms.append(Term(key=f"{cid} price", text=f"{cid} {pricing_text(charge.pricing)}", since=price))
        if charge.quantity is not None:
            quantity = _origin(state, versions, at, "quantity", plan)
            terms.append(Term(key=f"{cid} quantity", text=f"{cid} quantity {amount(charge.quantity)}", since=quantity))
    return terms


def terms_in_force(state: State, day: date) -> list[Term]:
    """The contract's terms in force on `day` (before its start: those it starts with)."""
    contract = state.contract
    if contract is None or contract.terms is None:
        raise ValueError("terms_in_force needs a contract that checks")
    start = Since(origin="contract", effective=contract.start)
    probe = max(day, contract.start)
    length = contract.term
    term = Term(key="term", text=f"term {duration_text(length)}", since=start)
    renewal = Term(key="renewal", text=renewal_text(contract.renewal), since=start)
    kind = contract.renewal.kind
    ended: Term | None = None
    for amendment in contract.amendments:
        if amendment.effective > probe:
            break
        since = _amendment_since(contract, amendment.number)
        for change in amendment.changes:
            if isinstance(change, model.ChangeTerm):
                length = change.term
                term = Term(key="term", text=f"term {duration_text(length)}", since=since)
            elif isinstance(change, model.ChangeRenewal):
                kind = change.renewal.kind
                renewal = Term(key="renewal", text=renewal_text(change.renewal), since=since)
            elif isinstance(change, model.Terminate) and ended is None:
                ended = Term(key="status", text=f"terminated from {amendment.effective.isoformat()}", since=since)
    terms: list[Term] = []
    if day < contract.start:
        terms.append(Term(key="status", text=f"not started yet: starts {contract.start.isoformat()}", since=start))
    elif ended is not None:
        terms.append(ended)
    elif kind == "none" and length is not None and day >= (end := add_duration(contract.start, length)):
        terms.append(Term(key="status", text=f"ended {end.isoformat()}, without renewal", since=term.since))
    customer = f"customer {contract.customer}"
    if state.customer is not None:
        customer += f" ({state.customer.name})"
    terms.append(Term(key="customer", text=customer, since=start))
    if contract.plan is not None:
        how = "pinned" if contract.plan.pinned else "in force when signed"
        text = f"plan {contract.plan.plan} version {contract.plan.version.isoformat()} ({how})"
        terms.append(Term(key="plan", text=text, since=start))
    terms += _charge_terms(state, probe)
    for named in contract.terms.discounts:
        discount = named.discount
        if (discount.start or contract.start) <= probe < (discount.until or date.max):
            since = _amendment_since(contract, discount.amendment) if discount.amendment is not None else start
            terms.append(Term(key=f"discount {named.id}", text=discount_text(discount), since=since))
    if contract.minimum is not None:
        text = f"minimum {amount(contract.minimum)} per contract year"
        terms.append(Term(key="minimum", text=text, since=start))
    if contract.prepaid is not None:
        terms.append(Term(key="prepaid", text=f"prepaid {prepaid_text(contract.prepaid)}", since=start))
    for i, indexation in enumerate(contract.indexations, start=1):
        terms.append(Term(key=f"indexation {i}", text=indexation_text(indexation), since=start))
    terms += [term, renewal]
    return terms


# ------------------------------------------------------------------ record time
@attrs.frozen(kw_only=True)
class Blamed:
    term: Term
    commit: Commit | None
    """The commit that recorded the term's current value; None: not committed yet (the work tree)."""


@attrs.frozen(kw_only=True)
class Blame:
    contract: str
    day: date
    revision: str | None
    """The full id of the revision shown; None for the work tree."""
    terms: tuple[Blamed, ...]


def blame(history: History, contract: str, day: date, rev: str | None = None) -> Blame:
    """The terms of `contract` in force on `day` as recorded at `rev` (None: the work tree), each with
    the commit that recorded its value."""
    nodes = history.graph(rev)
    if not nodes:
        raise HistoryError(
            f"no commit reachable from `{rev}` holds the workspace's files",
            "pick a later revision (`git log --oneline` lists them)",
        )
    by_id = {n.id: n for n in nodes}
    top = nodes[0]
    state = history.state(top.id, contract)
    if not state.exists:
        raise unknown_contract(history, contract, top.id)
    if state.contract is None:
        where = "in the work tree" if top.id == WORK_TREE else f"at {top.id[:12]}"
        raise HistoryError(
            f"contract `{contract}` does not check {where}: {state.problem}",
            "run `avtale check` and fix the errors first" if top.id == WORK_TREE else "pick another revision",
        )
    values: dict[str, Mapping[str, tuple[str, str]]] = {}

    def value_at(node: str, child: str) -> Mapping[str, tuple[str, str]]:
        if node not in values:
            found = history.state(node, contract, near=child)
            if found.contract is None or found.contract.terms is None:
                values[node] = {}
            else:
                values[node] = {t.key: (t.text, t.since.text()) for t in terms_in_force(found, day)}
        return values[node]

    blamed: list[Blamed] = []
    for term in terms_in_force(state, day):
        value = (term.text, term.since.text())
        node = top
        while True:
            parent = next((p for p in node.parents if p in by_id and value_at(p, node.id).get(term.key) == value), None)
            if parent is None:
                break
            node = by_id[parent]
        blamed.append(Blamed(term=term, commit=node.commit))
    revision = history.repo.resolve(rev) if rev is not None else None
    return Blame(contract=contract, day=day, revision=revision, terms=tuple(blamed))
