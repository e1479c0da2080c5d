"""Properties of documents, for any lines, credits and ledgers:

* a document's totals are the sums of its lines, and each tax group the sum
  of its lines' amounts; per document, each rate's tax is rounded once;
* credit notes never credit more than the original, per line, per tax rate
  and in total, whatever the order and kind of the credits;
* a reconciliation statement's closing balance is opening + debits - credits
  and the negative of the ledger's balance at the period's end.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from billkit.credit import Ledger, Wallet
from billkit.errors import InvoicingError
from billkit.invoicing import (
    CreditNote,
    DocumentTerms,
    Item,
    build_credit_note,
    build_invoice,
    build_reconciliation,
)
from billkit.money import DEFAULT_ROUNDING, Money, RoundingPolicy
from billkit.parties import Party
from billkit.periods import Period
from tests.strategies import exact_decimal
from tests.strategies.invoicing import items

SELLER = Party(kind="legal_entity", country="RU", name="Продавец")
BUYER = Party(kind="legal_entity", country="RU", name="Покупатель")
ZERO = Decimal(0)


@given(
    st.lists(items, min_size=1, max_size=10),
    st.booleans(),
    st.sampled_from(["per_line", "per_document"]),
    st.dates(date(2025, 1, 1), date(2027, 12, 31)),
)
def test_totals_are_the_sums_of_the_lines(
    lines: list[Item], inclusive: bool, rounding: str, day: date
) -> None:
    inv = build_invoice(
        lines,
        DocumentTerms(
            seller=SELLER,
            buyer=BUYER,
            prices_include_tax=inclusive,
            tax_rounding=rounding,
            rules=None,
        ),
        issue_date=day,
    )
    assert inv.totals.net.amount == sum((ln.net.amount for ln in inv.lines), ZERO)
    assert inv.totals.tax.amount == sum((ln.tax.amount for ln in inv.lines), ZERO)
    assert inv.totals.gross.amount == sum((ln.gross.amount for ln in inv.lines), ZERO)
    assert inv.totals.net + inv.totals.tax == inv.totals.gross
    policy = RoundingPolicy()
    for group in inv.tax_groups:
        members = [
            ln for ln in inv.lines if (ln.tax_category, ln.tax_rate, ln.treatment) == group.key
        ]
        assert members
        assert group.tax.amount == sum((ln.tax.amount for ln in members), ZERO)
        assert group.net + group.tax == group.gross
        base = sum(((ln.gross if inclusive else ln.net).amount for ln in members), ZERO)
        r = group.rate
        if rounding == "per_document":
            exact = base * r / (1 + r) if inclusive else base * r
            assert group.tax.amount == policy.round_amount(exact, "RUB")
        else:
            for ln in members:
                amount = (ln.gross if inclusive else ln.net).amount
                exact = amount * r / (1 + r) if inclusive else amount * r
                assert ln.tax.amount == policy.round_amount(exact, "RUB")
    for line in inv.lines:  # each line priced once: quantity x unit price, rounded
        assert line.unit_price is not None
        price = line.quantity * line.unit_price.amount
        assert (line.gross if inclusive else line.net).amount == policy.round_amount(price, "RUB")


credit_requests = st.lists(
    st.one_of(
        st.tuples(st.just("all"), st.none()),
        st.tuples(
            st.just("lines"), st.dictionaries(st.integers(1, 4), st.integers(1, 60), max_size=3)
        ),
        st.tuples(st.just("amount"), st.integers(1, 10**7)),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=60)
@given(st.lists(items, min_size=1, max_size=4), st.booleans(), credit_requests)
def test_credit_notes_never_exceed_what_they_correct(
    lines: list[Item], inclusive: bool, requests: list[tuple[str, object]]
) -> None:
    inv = build_invoice(
        lines,
        DocumentTerms(seller=SELLER, buyer=BUYER, prices_include_tax=inclusive, rules=None),
        number="1",
        issue_date=date(2026, 3, 1),
    )
    notes: list[CreditNote] = []
    for i, (kind, arg) in enumerate(requests):
        kw: dict[str, object] = {
            "number": f"CN-{i}",
            "issue_date": date(2026, 3, 2),
            "previous": notes,
        }
        if kind == "lines":
            assert isinstance(arg, dict)
            kw["lines"] = {pos: Decimal(q) for pos, q in arg.items()} or None
        elif kind == "amount":
            assert isinstance(arg, int)
            kw["amount"] = Money(exact_decimal(arg, 2), "RUB")
        try:
            notes = [*notes, build_credit_note(inv, **kw)]  # type: ignore[arg-type]
        except InvoicingError:
            continue
    for group in inv.tax_groups:
        for name in ("net", "tax", "gross"):
            credited = sum(
                (
                    getattr(ln, name).amount
                    for cn in notes
                    for ln in cn.lines
                    if (ln.tax_category, ln.tax_rate, ln.treatment) == group.key
                ),
                ZERO,
            )
            assert ZERO <= credited <= getattr(group, name).amount
    for line in inv.lines:
        mine = [ln for cn in notes for ln in cn.lines if ln.corrects_line == line.position]
        assert sum((ln.quantity for ln in mine), ZERO) <= line.quantity
        assert sum((ln.gross.amount for ln in mine), ZERO) <= line.gross.amount
    total = sum((cn.totals.gross.amount for cn in notes), ZERO)
    assert total <= inv.totals.gross.amount
    for cn in notes:
        assert cn.totals.gross.amount > 0
        assert cn.corrects == inv.ref


events = st.lists(
    st.tuples(
        st.integers(0, 90 * 24),  # hours after 1 January 2026
        st.sampled_from(["top_up", "charge", "charge", "bonus"]),
        st.integers(1, 10**6),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=60)
@given(events, st.integers(0, 60), st.integers(1, 45), st.sampled_from(["UTC", "Europe/Moscow"]))
def test_reconciliation_closes_on_the_ledger_balance(
    rows: list[tuple[int, str, int]], start: int, length: int, zone: str
) -> None:
    # An opening payment covers every charge (at most 25 x 100.0000 RUB).
    ledger = Ledger(wallets=[Wallet(name="main", currency="RUB")])
    origin = datetime(2026, 1, 1, tzinfo=timezone.utc)
    ledger = ledger.top_up("main", "2500.00", at=origin - timedelta(days=1), key="opening")
    for i, (hours, kind, units) in enumerate(sorted(rows)):
        at = origin + timedelta(hours=hours)
        if kind == "top_up":
            ledger = ledger.top_up("main", exact_decimal(units, 2), at=at, key=f"e{i}")
        elif kind == "bonus":
            ledger = ledger.grant("main", exact_decimal(units, 2), at=at, key=f"e{i}")
        else:
            ledger = ledger.charge("main", exact_decimal(units, 4), at=at, key=f"e{i}")
    first = date(2026, 1, 1) + timedelta(days=start)
    period = Period(first, first + timedelta(days=length))
    st_ = build_reconciliation(
        ledger,
        "main",
        DocumentTerms(seller=SELLER, buyer=BUYER, rules=None),
        period=period,
        issue_date=period.end,
        tz=zone,
    )
    assert st_.closing_balance.amount == (
        st_.opening_balance.amount + st_.debit_total.amount - st_.credit_total.amount
    )
    from zoneinfo import ZoneInfo

    tz = timezone.utc if zone == "UTC" else ZoneInfo(zone)
    start_moment = datetime.combine(period.start, datetime.min.time(), tzinfo=tz)
    end_moment = datetime.combine(period.end, datetime.min.time(), tzinfo=tz)
    tiny = timedelta(microseconds=1)
    # whole kopecks: the balances are the ledger's, rounded half up (DEFAULT_ROUNDING)
    cur = "RUB"
    opening = -ledger.balance("main", at=start_moment - tiny).amount
    closing = -ledger.balance("main", at=end_moment - tiny).amount
    assert st_.opening_balance.amount == DEFAULT_ROUNDING.round_amount(opening, cur)
    assert st_.closing_balance.amount == DEFAULT_ROUNDING.round_amount(closing, cur)
    assert all(row.on in period for row in st_.rows)
    for row in st_.rows:  # every row in whole kopecks
        assert row.debit.amount == row.debit.amount.quantize(Decimal("0.01"))
        assert row.credit.amount == row.credit.amount.quantize(Decimal("0.01"))
