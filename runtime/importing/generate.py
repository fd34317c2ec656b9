"""Records -> dsl AST declarations -> canonical .avt text (through `dsl.printer`, never pasted strings)."""

from __future__ import annotations

from dsl import ast
from dsl.printer import format_source
from runtime.importing.rows import SUBSCRIPTION, ContractRecord, CustomerRecord

_BILLED = {"month": "monthly", "quarter": "quarterly", "year": "yearly"}


def _months(count: int) -> ast.Duration:
    return ast.Duration(count=count, unit="month")


def customer_decl(record: CustomerRecord) -> ast.Customer:
    body: list[ast.CustomerStmt] = [ast.NameStmt(value=record.name)]
    if record.consumer:
        body.append(ast.ConsumerStmt())
    if record.orgnr is not None:
        body.append(ast.OrgnrStmt(value=record.orgnr))
    if record.peppol is not None:
        body.append(ast.PeppolStmt(value=record.peppol))
    if record.address is not None:
        a = record.address
        body.append(ast.AddressStmt(street=a.street, postcode=a.postcode, city=a.city, country=a.country))
    if record.email is not None:
        body.append(ast.EmailStmt(value=record.email))
    if record.reference is not None:
        body.append(ast.ReferenceStmt(value=record.reference))
    if record.language is not None:
        body.append(ast.LanguageStmt(code=record.language))
    return ast.Customer(id=ast.Ref(name=record.id), body=tuple(body))


def contract_decl(record: ContractRecord) -> ast.Contract:
    body: list[ast.ContractStmt] = [
        ast.CustomerRef(customer=ast.Ref(name=record.customer)),
        ast.SignedStmt(on=record.signed),
        ast.StartStmt(on=record.start),
    ]
    if record.term_months is None:
        body.append(ast.EvergreenStmt(notice=_months(record.notice_months or 1)))
    else:
        body.append(ast.TermStmt(duration=_months(record.term_months)))
        if record.renew_months is not None:
            body.append(ast.RenewStmt(length=_months(record.renew_months), notice=_months(record.notice_months or 1)))
        else:
            body.append(ast.NoRenewalStmt())
    if record.due_days is not None:
        body.append(ast.DueStmt(days=record.due_days))
    if record.purchase_order is not None:
        body.append(ast.PurchaseOrderStmt(value=record.purchase_order))
    if record.reference is not None:
        body.append(ast.ReferenceStmt(value=record.reference))
    if record.currency is not None:
        body.append(ast.CurrencyStmt(code=record.currency))
    if record.plan is not None:
        overrides = tuple(
            ast.ChargeSet(
                charge=ast.Ref(name=values.charge),
                items=tuple(
                    item
                    for item in (
                        ast.QuantityStmt(quantity=values.quantity) if values.quantity is not None else None,
                        ast.PriceStmt(price=values.price) if values.price is not None else None,
                    )
                    if item is not None
                ),
            )
            for values in record.plan_charges
        )
        body.append(
            ast.PlanRef(plan=ast.Ref(name=record.plan), version=record.plan_version, overrides=overrides or None)
        )
    if record.subscription is not None:
        s = record.subscription
        body.append(
            ast.Charge(
                id=ast.Ref(name=SUBSCRIPTION),
                label=s.description,
                body=(
                    ast.FlatPrice(amount=s.amount, period=s.period),  # type: ignore[arg-type]
                    ast.BillingStmt(cycle=_BILLED[s.period], months=None, timing="advance"),  # type: ignore[arg-type]
                ),
            )
        )
    if record.discount is not None:
        d = record.discount
        body.append(
            ast.DiscountStmt(
                label="Rabatt",
                percent=d.percent,
                charges=tuple(ast.Ref(name=c) for c in d.charges),
                start=None,
                until=d.until,
            )
        )
    if record.billed_through is not None:
        body.append(ast.BilledThroughStmt(through=record.billed_through))
    return ast.Contract(id=ast.Ref(name=record.id), body=tuple(body))


def avt_text(decls: tuple[ast.Decl, ...], path: str = "") -> str:
    """The canonical text of the declarations, one blank line apart."""
    return format_source(ast.SourceFile(path=path, decls=decls))


def customer_slug(customer_id: str) -> str:
    return customer_id.replace("_", "-")


def contract_path(record: ContractRecord) -> str:
    """`contracts/<ID>-<customer-slug>.avt`, as the example workspace names them."""
    return f"contracts/{record.id}-{customer_slug(record.customer)}.avt"
