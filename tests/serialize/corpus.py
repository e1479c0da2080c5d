"""A corpus of real billkit values of every public class, built through the public API.

Two sources:

* every ``>>>`` example in ``docs/*.md`` is run (as the doctest run does) and
  every billkit value left in its namespace is collected, with the values
  nested inside them. The guide exercises the whole API on the five example
  businesses, so this gives plans, quotes, ledgers, subscriptions, documents...
  made the way users make them, and it follows the API as it changes;
* :func:`extra_values` builds what the guide does not leave lying around
  (an explained price, a receipt, the render model, events of a subscription).

``corpus()`` maps each attrs class to up to ``PER_CLASS`` distinct instances.
"""

from __future__ import annotations

import doctest
import functools
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import attrs

from billkit.money import Money

# a real 2 x 1 pixel PNG (a logo must decode: issue 17)
TINY_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x01\x08\x02\x00\x00\x00{@\xe8\xdd"
    b"\x00\x00\x00\x0fIDATx\x9cc\x94\xb7\x8ag``\x00\x00\x03f\x00\xbau|\xde\xc6\x00\x00\x00\x00IEND\xaeB`\x82"
)

ROOT = Path(__file__).resolve().parent.parent.parent
PER_CLASS = 12
# rendering.md renders PDFs (slow); its documents come from demo_documents() below.
SKIPPED_DOCS = frozenset({"rendering.md"})
# The demo's scenarios and the command line are not values anyone saves; nor
# are the shell's (a store's records are its rows: their data is what serialize writes).
NOT_VALUE_MODULES = frozenset({"billkit.demo", "billkit.cli", "billkit.ports", "billkit.storage"})


def _doc_namespaces() -> Iterator[object]:
    parser = doctest.DocTestParser()
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    for page in sorted((ROOT / "docs").glob("*.md")):
        if page.name in SKIPPED_DOCS:
            continue
        test = parser.get_doctest(page.read_text(encoding="utf-8"), {}, page.name, str(page), 0)
        runner = doctest.DocTestRunner(optionflags=flags)
        runner.run(test, out=lambda _text: None, clear_globs=False)
        yield from list(test.globs.values())


def extra_values() -> list[object]:
    """Values of the classes the guide's namespaces do not hold."""
    from billkit._demo_documents import demo_documents
    from billkit.credit import BonusProgram, Ledger, PendingPayment, Wallet
    from billkit.invoicing import Invoice, PaymentStatus, receipt_for
    from billkit.invoicing.documents import BuyerFigures, Facsimile, ReconciliationRow
    from billkit.invoicing.render import RenderOptions
    from billkit.invoicing.render.adapters import to_render_document
    from billkit.parties import IDENTIFIER_SCHEMES
    from billkit.payments import Capabilities, WebhookReply
    from billkit.periods import Period
    from billkit.pricing import Flat, Graduated, Percentage, Plan, Tier, Volume
    from billkit.pricing.models import (
        Capacity,
        CapacityTier,
        GraduatedPercentage,
        PercentTier,
        Presence,
        Prorated,
    )
    from billkit.simulate import Scenario
    from billkit.subscriptions import (
        Cancel,
        ChangePlan,
        InvoiceVoided,
        UndoScheduledChange,
        UsageReported,
    )
    from billkit.usage import EventFiles

    def at(day: int) -> datetime:
        return datetime(2026, 3, day, 9, 30, tzinfo=timezone.utc)

    eur = "EUR"
    graduated = Graduated(
        tiers=[
            Tier(up_to=10, unit_price=Money("1.50", eur), flat_fee=Money("2.00", eur)),
            Tier(unit_price=Money("1.25", eur)),
        ]
    )
    volume = Volume(
        tiers=[Tier(up_to=100, unit_price=Money("0.10", eur)), Tier(unit_price=Money("0.08", eur))]
    )
    percentage = Percentage(rate="2.9%", currency=eur, fixed=Money("0.30", eur))
    flat = Flat(amount=Money("12.300", eur))
    blocks = Graduated(
        tiers=[
            Tier(up_to=1000, unit_price=Money("1", eur), block_size=100),
            Tier(unit_price=Money("0.5", eur), block_size=1000),
        ]
    )
    lago_card = Percentage(
        rate="1.3%", currency=eur, fixed=Money("2.0", eur), fixed_fee_at_zero_total=False
    )
    fees = GraduatedPercentage(
        currency=eur,
        flat_fee_at_zero=True,
        tiers=[
            PercentTier(up_to=10, rate="1%", flat_fee=Money("200", eur)),
            PercentTier(rate="2%"),
        ],
    )
    hosting = Capacity(
        tiers=[
            CapacityTier(limits={"cpus": 100, "gb": "1000"}, price=Money("10", eur)),
            CapacityTier(limits={}, price=Money("30.00", eur)),
        ]
    )
    growth = Plan(code="growth", name="Growth", currency=eur, base_fee=Money("99.00", eur))
    march = Period(start=date(2026, 3, 1), end=date(2026, 4, 1))
    seats = Prorated(model=graduated, volume_tier="peak")
    held = Presence(
        period=march, opening=2, changes=[(date(2026, 3, 9), "1.5"), (date(2026, 3, 20), -3)]
    )

    ledger = Ledger(wallets=[Wallet(name="main", currency="RUB")])
    ledger = ledger.top_up("main", "1000.00", at=at(1), key="p1")
    ledger = ledger.grant("main", "100.00", at=at(1), key="b1", expires_at=at(31))
    ledger = ledger.expect(
        PendingPayment(key="bank-1", wallet="main", amount=Money("500.00", "RUB"), at=at(2))
    )

    documents = demo_documents()
    invoice = next(d for d in documents.values() if isinstance(d, Invoice))
    receipt = receipt_for(invoice, number="R-1", paid_on=invoice.issue_date)
    rendered = [to_render_document(d) for d in documents.values()]

    from billkit.conventions import KILL_BILL, LAGO, STRIPE, Conventions
    from billkit.pricing import ProrationPolicy

    fixed_month = Conventions(name="kb28", day_count="fixed_month", month_days=28)
    from billkit.credit.ledger import BalancePayment
    from billkit.credit.wallets import split_across_wallets

    usage_wallet = Wallet(name="usage", currency="EUR", priority=10, fee_types=["charge"])
    split = split_across_wallets(
        {"subscription": Money("36.00", eur), "charge": Money("15.50", eur)},
        [
            (usage_wallet, Money("10.00", eur)),
            (Wallet(name="main", currency=eur), Money("30", eur)),
        ],
    )
    from billkit.subscriptions.overdue import (
        KILL_BILL_RETRIES,
        OverdueCondition,
        OverdueLadder,
        OverdueState,
    )

    ladder = OverdueLadder(
        states=[
            OverdueState(
                name="OD1",
                condition=OverdueCondition(days_since_earliest_unpaid=10),
                block_changes=True,
            ),
            OverdueState(
                name="OD2",
                condition=OverdueCondition(unpaid_invoices=2, unpaid_balance=Money("5.00", "USD")),
                disable_entitlement=True,
                cancellation="immediate",
                message="Reached OD2",
            ),
        ]
    )
    from billkit.subscriptions.statuses import StripeLifecycle

    return [
        StripeLifecycle(when_retries_fail="mark_unpaid", missing_payment_method="pause"),
        ladder,
        KILL_BILL_RETRIES,
        usage_wallet,
        split,
        *split.shares,
        BalancePayment(
            wallet="main",
            key="inv-1",
            due=Money("120.00", eur),
            applied=Money("10.00", eur),
            remaining=Money("110.00", eur),
        ),
        fixed_month,
        ProrationPolicy.of(fixed_month),
        ProrationPolicy.of(KILL_BILL),
        Plan(code="kb", name="KB", currency=eur, conventions=KILL_BILL),
        Plan(code="st", name="ST", currency=eur, conventions=STRIPE),
        LAGO,
        Conventions(name="zero_fees", flat_fee_at_zero=True, fixed_fee_at_zero_total=False),
        *IDENTIFIER_SCHEMES.values(),
        graduated.explain(25),
        volume.explain(150),
        percentage.explain_events([Decimal("10.00"), Decimal("99.99")]),
        flat,
        flat.explain(),
        blocks,
        blocks.explain(5325),
        lago_card,
        lago_card.explain_events([Decimal("0"), Decimal("0")]),
        fees,
        fees.explain(12),
        hosting,
        hosting.explain({"cpus": 101}),
        seats,
        held,
        seats.explain(held),
        BonusProgram.months({5: 1}).earn(Money("50.00", eur), Money("10.00", eur)),
        ledger,
        ledger.credits("main"),
        PaymentStatus(),
        receipt,
        *documents.values(),
        *rendered,
        RenderOptions(),
        RenderOptions(logo=TINY_PNG, digits="latin"),
        Facsimile(signature=TINY_PNG, stamp=TINY_PNG),
        Facsimile(stamp=TINY_PNG),
        BuyerFigures(opening_balance=Money("-10.00", "RUB")),
        BuyerFigures(
            opening_balance=Money("0.00", "RUB"),
            rows=[
                ReconciliationRow(
                    on=date(2026, 3, 2),
                    description="п/п № 7",
                    debit=Money("100.00", "RUB"),
                    credit=Money("0", "RUB"),
                )
            ],
        ),
        attrs.evolve(receipt, facsimile=Facsimile(signature=TINY_PNG)),
        Cancel(on=date(2026, 3, 5), role="org_admin", reason="too expensive"),
        ChangePlan(on=date(2026, 3, 5), role="org_admin", plan=growth),
        InvoiceVoided(on=date(2026, 3, 5), invoice_id="org-1/0003"),
        UndoScheduledChange(on=date(2026, 3, 6), role="org_admin"),
        UsageReported(
            on=date(2026, 4, 1),
            period=march,
            usage={"calls": Decimal("1250"), "sms": 3, "payments": (Decimal("10.00"), 5)},
        ),
        EventFiles(paths=["jan.csv", "feb.csv"], value=None),
        EventFiles(paths="events.parquet", scale=4, properties=("workspace",)),
        Capabilities(
            currencies={"RUB", "EUR"},
            minimums=[Money("1.00", "RUB"), Money("0.50", "EUR")],
            three_d_secure=False,
            minor_units=(("RUB", 2),),
        ),
        WebhookReply(status=200, body=b"OK42"),
        _own_taxes_invoice(),
        Scenario(name="today", catalog=[growth]),
        Scenario(
            name="migrate",
            catalog=[growth],
            moves={"growth-monthly": growth.code},
            keep_periods=2,
            cap="0.10",
        ),
    ]


def _own_taxes_invoice() -> object:
    """An invoice whose line carries its own taxes (LineTax, AppliedTax)."""
    from billkit.invoicing import DocumentTerms, Item, build_invoice
    from billkit.invoicing.tax import LineTax
    from billkit.parties import Party

    taxes = [LineTax(name="GST", rate="5%"), LineTax(name="QST", rate="9.5%", compound=True)]
    terms = DocumentTerms(
        seller=Party(kind="legal_entity", country="CA", name="Nuage Inc."),
        buyer=Party(kind="individual", country="CA", name="Marie Tremblay"),
        rules=None,
    )
    item = Item(description="Hosting", unit_price=Money("100.00", "CAD"), taxes=taxes)
    return (item, build_invoice([item], terms, number="1", issue_date=date(2026, 3, 1)))


def _is_public_value(cls: type) -> bool:
    return (
        cls.__module__.startswith("billkit.")
        and cls.__module__ != "billkit.demo"
        and not cls.__name__.startswith("_")
    )


def _walk(value: object, found: dict[type, list[object]], seen: set[int], depth: int = 0) -> None:
    if id(value) in seen or depth > 20:
        return
    seen.add(id(value))
    cls = type(value)
    if attrs.has(cls) and _is_public_value(cls):
        bucket = found.setdefault(cls, [])
        if len(bucket) < PER_CLASS and all(value is not v for v in bucket):
            bucket.append(value)
        for field in attrs.fields(cls):
            if field.init:
                _walk(getattr(value, field.name), found, seen, depth + 1)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in list(value)[:100]:
            _walk(item, found, seen, depth + 1)
    elif isinstance(value, Mapping):
        for key, item in list(value.items())[:100]:
            _walk(key, found, seen, depth + 1)
            _walk(item, found, seen, depth + 1)


@functools.cache
def corpus() -> dict[type, tuple[object, ...]]:
    """attrs class -> instances found in the guide and in :func:`extra_values`."""
    found: dict[type, list[object]] = {}
    seen: set[int] = set()
    roots = [*_doc_namespaces(), *extra_values()]
    for root in roots:
        _walk(root, found, seen)
    return {
        cls: tuple(values)
        for cls, values in found.items()
        # Not saved values: the shell's, a bill run's shards and manifests, tables (views).
        if not cls.__module__.startswith(
            (
                "billkit.ports",
                "billkit.storage",
                "billkit.runners",
                "billkit.tables",
            )
        )
    }


def public_value_classes() -> dict[type, str]:
    """Every attrs class billkit.serialize can save -> its tag.

    That is every attrs class in a public ``__all__`` and every public class
    the rooms' submodules define (names that left a package's ``__all__`` are
    still values users hold and save).
    """
    from billkit import serialize

    serialize._join_shell_room("billkit.payments")
    serialize._join_shell_room("billkit.engine")
    tags, _classes = serialize._registry()
    return {cls: tag for cls, tag in tags.items() if attrs.has(cls)}
