"""The front end's entry point: parsed files in, resolved workspace and diagnostics out.

A fold of small passes over the declarations of every file, in a fixed order
(seller, customers, metrics, indices, plans, contracts) so that each pass can
resolve the names declared by the ones before it. Pure: no clock, no I/O.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

import attrs

from compiler import identity, model
from compiler.charges import ChargeBuilder, check_not_negative
from compiler.contracts import ContractBuilder, ContractContext
from compiler.memo import Change, Entry, Memo, Reads
from compiler.names import check_lower_id, did_you_mean, duplicate, register
from compiler.settings import SETTINGS_FILE
from compiler.statements import Statements
from compiler.summary import ContentMemo, DeclStub, FileStub, Tables
from dsl import ast
from dsl.diagnostics import Diagnostic, Label, error, sorted_diagnostics
from dsl.span import Span

D = TypeVar("D")


@attrs.frozen
class CheckResult:
    workspace: model.Workspace
    diagnostics: tuple[Diagnostic, ...]

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


def _by_kind(files: Iterable[ast.SourceFile | FileStub]) -> dict[type, list[Any]]:
    """Every file's declarations grouped by kind, in file order: one pass over them all (a stub by the kind
    it stands for)."""
    found: dict[type, list[Any]] = {}
    for f in files:
        for d in f.decls:
            found.setdefault(d.kind if type(d) is DeclStub else type(d), []).append(d)
    return found


def _decls(files: Iterable[ast.SourceFile], kind: type[D]) -> list[D]:
    return [d for f in files for d in f.decls if isinstance(d, kind)]


def _address(stmt: ast.AddressStmt | None, sink: list[Diagnostic]) -> model.Address | None:
    if stmt is None:
        return None
    identity.check_country(stmt.country, stmt.span, sink)
    return model.Address(street=stmt.street, postcode=stmt.postcode, city=stmt.city, country=stmt.country)


def _seller(sellers: list[ast.Seller], sink: list[Diagnostic]) -> model.Seller | None:
    if not sellers:
        sink.append(
            error(
                "E0701",
                "the workspace has no seller",
                Span(SETTINGS_FILE, 0, 0, 0, 0),
                label="who issues the invoices?",
                help='declare one: `seller acme { name "Acme AS"  orgnr "923609016" ... }` in any .avt file',
            )
        )
        return None
    first = sellers[0]
    for extra in sellers[1:]:
        sink.append(
            error(
                "E0702",
                "a workspace has exactly one seller",
                extra.id.span,
                label=f"second seller `{extra.id.name}`",
                help="keep one seller per workspace; a second company needs a workspace of its own",
                labels=(Label(first.id.span, f"seller `{first.id.name}` declared here"),),
            )
        )
    st = Statements(f"seller `{first.id.name}`", first.body, sink)
    name = st.require(ast.NameStmt, "name", first.id.span, 'name "Skyfjord AS"')
    orgnr = st.require(ast.OrgnrStmt, "organisation number", first.id.span, 'orgnr "923609016"')
    bank = st.one(ast.BankStmt)
    email = st.one(ast.EmailStmt)
    peppol = st.one(ast.PeppolStmt)
    kid = st.one(ast.KidStmt)
    due = st.one(ast.DueStmt)
    policy = st.one(ast.RevenuePolicyStmt)
    accounts = st.one(ast.AccountsStmt)
    currency = st.one(ast.CurrencyStmt)
    series = {s.kind: s for s in st.all(ast.SeriesStmt)}
    for kind in ("invoice", "credit_note"):
        repeated = [s for s in st.all(ast.SeriesStmt) if s.kind == kind][1:]
        for stmt in repeated:
            sink.append(
                duplicate(
                    f"{kind.replace('_', ' ')} number series",
                    ast.Ref(name=kind, span=stmt.span),
                    ast.Ref(name=kind, span=series[kind].span),
                )
            )
    for stmt in series.values():
        if stmt.first < 1:
            sink.append(
                error(
                    "E0208",
                    "invoice numbers start at 1 or above",
                    stmt.span,
                    label=f"from {stmt.first}",
                    help="write `invoice_numbers from 10001` or another positive number",
                )
            )
    if orgnr is not None:
        identity.check_orgnr(orgnr.value, orgnr.span, sink)
    if bank is not None:
        identity.check_bank(bank.account, bank.span, sink)
    if email is not None:
        identity.check_email(email.value, email.span, sink)
    if peppol is not None:
        identity.check_peppol(peppol.value, peppol.span, sink)
    if kid is not None:
        identity.check_kid_length(kid.length, kid.span, sink)
    if due is not None:
        check_not_negative(Decimal(due.days), "due days", due.span, sink)
    if currency is not None:
        identity.check_currency(currency.code, currency.span, sink)
    account_values: dict[str, int] = {}
    if accounts is not None:
        seen: dict[str, ast.Ref] = {}
        for entry in accounts.entries:
            if entry.role.name not in model.ACCOUNT_ROLES:
                sink.append(
                    error(
                        "E0302",
                        f"unknown account role `{entry.role.name}`",
                        entry.role.span,
                        label="not an account role",
                        help=did_you_mean(entry.role.name, model.ACCOUNT_ROLES),
                    )
                )
            elif entry.role.name in seen:
                sink.append(duplicate("account role", entry.role, seen[entry.role.name]))
            else:
                seen[entry.role.name] = entry.role
                account_values[entry.role.name] = entry.number
    if name is None or orgnr is None:
        return None
    return model.Seller(
        id=first.id.name,
        name=name.value,
        orgnr=orgnr.value,
        mva=bool(st.all(ast.MvaStmt)),
        foretaksregisteret=bool(st.all(ast.ForetaksregisteretStmt)),
        address=_address(st.one(ast.AddressStmt), sink),
        bank=bank.account if bank else None,
        email=email.value if email else None,
        peppol=peppol.value if peppol else None,
        invoice_numbers_from=series["invoice"].first if "invoice" in series else 1,
        credit_note_numbers_from=series["credit_note"].first if "credit_note" in series else 1,
        kid=model.Kid(scheme=kid.scheme, length=kid.length) if kid else model.Kid(),
        due_days=due.days if due else 14,
        revenue_policy=policy.policy if policy else "ifrs15",
        accounts=model.Accounts(**account_values),
        currency=currency.code if currency else "NOK",
        span=first.span,
    )


def _customer(decl: ast.Customer, sink: list[Diagnostic]) -> model.Customer | None:
    st = Statements(f"customer `{decl.id.name}`", decl.body, sink)
    name = st.require(ast.NameStmt, "name", decl.id.span, 'name "Acme Logistikk AS"')
    orgnr = st.one(ast.OrgnrStmt)
    consumer = st.one(ast.ConsumerStmt)
    peppol = st.one(ast.PeppolStmt)
    email = st.one(ast.EmailStmt)
    reference = st.one(ast.ReferenceStmt)
    language = st.one(ast.LanguageStmt)
    if consumer is None and orgnr is None:
        sink.append(
            error(
                "E0403",
                f"business customer `{decl.id.name}` has no organisation number",
                decl.id.span,
                label="a business customer needs `orgnr`",
                help='add `orgnr "988077917"`, or write `consumer` if this is a private person',
            )
        )
    if consumer is not None and peppol is not None:
        sink.append(
            error(
                "E0406",
                f"consumer `{decl.id.name}` has a PEPPOL id",
                peppol.span,
                label="consumers do not receive EHF invoices",
                help="remove the PEPPOL id, or remove `consumer` if this is a business",
                labels=(Label(consumer.span, "declared a consumer here"),),
            )
        )
    if orgnr is not None:
        identity.check_orgnr(orgnr.value, orgnr.span, sink)
    if peppol is not None:
        identity.check_peppol(peppol.value, peppol.span, sink)
    if email is not None:
        identity.check_email(email.value, email.span, sink)
    if language is not None:
        identity.check_language(language.code, language.span, sink)
    address = _address(st.one(ast.AddressStmt), sink)
    if name is None:
        return None
    return model.Customer(
        id=decl.id.name,
        name=name.value,
        orgnr=orgnr.value if orgnr else None,
        consumer=consumer is not None,
        peppol=peppol.value if peppol else None,
        address=address,
        email=email.value if email else None,
        reference=reference.value if reference else None,
        language=language.code if language else "nb",
        span=decl.span,
    )


def _metric(decl: ast.Metric, sink: list[Diagnostic]) -> model.Metric | None:
    st = Statements(f"metric `{decl.id.name}`", decl.body, sink)
    events = st.require(ast.EventsStmt, "events", decl.id.span, 'events "api.call"')
    aggregate = st.require(ast.AggregateStmt, "aggregation", decl.id.span, "count")
    negative = st.one(ast.NegativeStmt, "`negative allowed`")
    if negative is not None and aggregate is not None and aggregate.function not in _NUMERIC_AGGREGATIONS:
        # `count` and `unique` read no number: the statement would promise something it cannot do
        sink.append(
            error(
                "E0309",
                f"metric `{decl.id.name}` {_READS_NO_NUMBER[aggregate.function]}, so no value of it can be negative",
                negative.span,
                label=f"`{aggregate.function}` reads no number",
                help="remove `negative allowed`; it belongs on `sum`, `max` and `latest` metrics, which read a number",
            )
        )
    if events is None or aggregate is None:
        return None
    return model.Metric(
        id=decl.id.name,
        label=decl.label,
        events=events.names,
        function=aggregate.function,
        field=aggregate.field,
        span=decl.span,
        negative_allowed=negative is not None,
    )


_NUMERIC_AGGREGATIONS = frozenset({"sum", "max", "latest", "time_weighted", "daily_average", "peak"})
"""Aggregations that read their field as a number, which `negative allowed` is about."""
_READS_NO_NUMBER = {"count": "counts events", "unique": "counts distinct values"}


def _index(decl: ast.Index, sink: list[Diagnostic]) -> model.Index:
    seen: dict[ast.YearMonth, ast.IndexValue] = {}
    for value in decl.values:
        check_not_negative(value.value, "an index value", value.span, sink)
        if value.month in seen:
            sink.append(
                error(
                    "E0304",
                    f"index `{decl.id.name}` has two values for {value.month}",
                    value.span,
                    label="second value",
                    help="keep one value per month; published index values do not change",
                    labels=(Label(seen[value.month].span, "first value"),),
                )
            )
        else:
            seen[value.month] = value
    return model.Index(
        id=decl.id.name, label=decl.label, values=tuple(sorted((m, v.value) for m, v in seen.items())), span=decl.span
    )


def _plan_versions(
    plan_id: str, decls: list[ast.Plan], builder: ChargeBuilder, currency: str, sink: list[Diagnostic]
) -> tuple[model.PlanVersion, ...]:
    """One plan's versions, oldest first."""
    by_date: dict[Any, tuple[ast.Plan, model.PlanVersion]] = {}
    for decl in decls:
        check_lower_id("plan", decl.id, sink)
        st = Statements(f"plan `{decl.id.name}`", decl.body, sink)
        cur = st.one(ast.CurrencyStmt)
        if cur is not None:
            identity.check_currency(cur.code, cur.span, sink)
        charges: dict[str, model.Charge] = {}
        firsts: dict[str, ast.Ref] = {}
        for node in st.all(ast.Charge):
            if node.id.name in firsts:
                sink.append(duplicate("charge", node.id, firsts[node.id.name]))
                continue
            firsts[node.id.name] = node.id
            built = builder.build(node)
            if built is not None:
                charges[built.id] = built
        version = model.PlanVersion(
            id=decl.id.name,
            label=decl.label,
            effective=decl.effective,
            currency=cur.code if cur else currency,
            charges=tuple(charges.values()),
            span=decl.span,
        )
        if decl.effective in by_date:
            first = by_date[decl.effective][0]
            sink.append(
                error(
                    "E0301",
                    f"plan `{plan_id}` has two versions effective {decl.effective}",
                    decl.id.span,
                    label="second version with this date",
                    help="give the new version its own `effective` date",
                    labels=(Label(first.id.span, "first declared here"),),
                )
            )
            continue
        by_date[decl.effective] = (decl, version)
    return tuple(v for _, (_, v) in sorted(by_date.items()))


R = TypeVar("R")


@attrs.frozen
class _Tables:
    """The name tables a kind of declaration reads, and how they changed since the last check (None: not at all)."""

    tables: tuple[Mapping[str, Any], ...]
    changes: tuple[Change, ...] | None
    roles: tuple[str, ...] = ()

    @staticmethod
    def of(memo: Memo | ContentMemo | None, **tables: Mapping[str, Any]) -> _Tables:
        if not isinstance(memo, Memo):  # a content memo compares each name's token instead
            return _Tables(tuple(tables.values()), None, tuple(tables))
        changes = tuple(memo.change(role, table) for role, table in tables.items())
        return _Tables(tuple(tables.values()), None if all(c.quiet for c in changes) else changes, tuple(tables))


def _remember(
    memo: Memo | ContentMemo | None,
    previous: dict[tuple[str, str], Entry],
    key: tuple[str, str],
    decls: tuple[object, ...],
    context: tuple[object, ...],
    tables: _Tables,
    build: Callable[[list[Diagnostic], tuple[Mapping[str, Any], ...]], R],
    sink: list[Diagnostic],
) -> R:
    """`build`'s result for one declaration, from the memo when nothing it read has changed. Without a memo
    (a check from scratch, as `avtale check` makes), nothing is recorded: that costs a third of the check."""
    if memo is None:
        return build(sink, tables.tables)
    if isinstance(memo, ContentMemo):
        return typing.cast(R, memo.remember(key, decls, context, Tables(tables.roles, tables.tables), build, sink))
    entry = previous.get(key)
    if entry is not None and entry.valid(decls, context, tables.changes):
        memo.entries[key] = entry
        memo.reused += 1
        sink.extend(entry.diagnostics)
        return typing.cast(R, entry.result)
    own: list[Diagnostic] = []
    views = tuple(Reads(table) for table in tables.tables)
    result = build(own, views)
    memo.entries[key] = Entry(
        decl=decls, context=context, reads=tuple(v.reading() for v in views), result=result, diagnostics=tuple(own)
    )
    memo.checked += 1
    sink.extend(own)
    return result


def _itself(decl: Any) -> Any:
    return decl


def check_workspace(
    files: Sequence[ast.SourceFile | FileStub],
    *,
    cutover: model.Cutover | None = None,
    memo: Memo | ContentMemo | None = None,
) -> CheckResult:
    """Resolve and check a workspace's parsed files. Every problem is a diagnostic. `cutover` is
    avtale.toml's `billed_through` (compiler/cutover.py `workspace_cutover`). With `memo`, the results of
    the previous check with it are reused where nothing they depend on changed (compiler/memo.py). A
    `ContentMemo` takes `FileStub`s, the files it does not need loaded (compiler/summary.py). Without one,
    a stub may stand only for a contract, which is then registered (its name counts for duplicates) but not
    checked: another process checks it (runtime/check_workers.py)."""
    previous = memo.begin() if isinstance(memo, Memo) else {}
    real: Callable[[Any], Any] = memo.real if isinstance(memo, ContentMemo) else _itself
    sink: list[Diagnostic] = []
    kinds = _by_kind(files)
    seller = _seller([real(d) for d in kinds.get(ast.Seller, [])], sink)

    customer_decls = register("customer", kinds.get(ast.Customer, []), sink)
    customers: dict[str, model.Customer] = {}
    for name, decl in customer_decls.items():

        def customer(own: list[Diagnostic], _: tuple[Mapping[str, Any], ...], d: ast.Customer = decl) -> Any:
            return _customer(real(d), own)

        built = _remember(memo, previous, ("customer", name), (decl,), (), _Tables((), None), customer, sink)
        if built is not None:
            customers[name] = built
    metric_decls = register("metric", kinds.get(ast.Metric, []), sink)
    metrics = {k: m for k, d in metric_decls.items() if (m := _metric(real(d), sink)) is not None}
    index_decls = register("index", kinds.get(ast.Index, []), sink)
    indices = {k: _index(real(d), sink) for k, d in index_decls.items()}

    currency = seller.currency if seller else "NOK"
    mva = seller.mva if seller else True
    metric_tables = _Tables.of(memo, metrics=metric_decls)
    by_plan: dict[str, list[ast.Plan]] = {}
    for plan in kinds.get(ast.Plan, []):
        by_plan.setdefault(plan.id.name, []).append(plan)
    plans: dict[str, tuple[model.PlanVersion, ...]] = {}
    for plan_id in sorted(by_plan):

        def versions(own: list[Diagnostic], views: tuple[Mapping[str, Any], ...], p: str = plan_id) -> Any:
            return _plan_versions(p, [real(d) for d in by_plan[p]], ChargeBuilder(views[0], mva, own), currency, own)

        plans[plan_id] = _remember(
            memo, previous, ("plan", plan_id), tuple(by_plan[plan_id]), (currency, mva), metric_tables, versions, sink
        )

    contract_decls = register("contract", kinds.get(ast.Contract, []), sink, lower=False)
    due_days = seller.due_days if seller else 14
    tables = _Tables.of(memo, customers=customer_decls, plans=plans, indices=index_decls)
    # the metrics' change was taken with the plans' (taking it again would find none): reuse it
    quiet = tables.changes is None and metric_tables.changes is None
    changes = (*(tables.changes or (Change.none(),) * 3), *(metric_tables.changes or (Change.none(),)))
    tables = _Tables((*tables.tables, metric_decls), None if quiet else changes, (*tables.roles, "metrics"))
    contracts: dict[str, model.Contract] = {}
    context: tuple[object, ...] = (currency, due_days, mva, cutover)
    if isinstance(memo, Memo):
        context = memo.same("contracts", context)
    stubs_skipped = not isinstance(memo, ContentMemo)
    for name, decl in contract_decls.items():
        if stubs_skipped and type(decl) is DeclStub:
            continue

        def build(own: list[Diagnostic], views: tuple[Mapping[str, Any], ...], d: ast.Contract = decl) -> Any:
            ctx = ContractContext(
                customers=views[0],
                plans=views[1],
                indices=views[2],
                charges=ChargeBuilder(views[3], mva, own),
                default_currency=currency,
                default_due_days=due_days,
                sink=own,
                cutover=cutover,
            )
            return ContractBuilder(ctx).build(real(d))

        built_contract = _remember(
            memo,
            previous,
            ("contract", name),
            (decl,),
            context,
            tables,
            build,
            sink,
        )
        if built_contract is not None:
            contracts[name] = built_contract
    workspace = model.Workspace(
        seller=seller,
        customers=customers,
        metrics=metrics,
        indices=indices,
        plans=plans,
        contracts=contracts,
    )
    return CheckResult(workspace, tuple(sorted_diagnostics(sink)))
