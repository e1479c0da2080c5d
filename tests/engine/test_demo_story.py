"""The month ``billkit demo`` tells: the five example businesses on the engine.

Expected values come from docs/examples-businesses.md and the demo catalog's
prices, with the arithmetic shown; taxes are each seller country's standard
VAT: Russia 22 % (from 1 January 2026), Ukraine 20 %, Italy 22 %, Iran 10 %.
The story runs on every store (memory, SQLite, and PostgreSQL when
BILLKIT_TEST_POSTGRES_URL is set).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from billkit._demo_story import MONTH, START, tell
from billkit.money import Money
from billkit.ports import Store
from tests.storage.support import _postgres_schema, _store  # noqa: F401 (fixtures)

# Every invoice of the story, by subscription: one per period, each the same month's figures.
EXPECTED = {
    # 10 000.00 tariff + 22 % = 12 200.00
    "1-metrika-web": (2, Money("12200.00", "RUB")),
    # 690.00 (4 200 contacts: the 1 000-5 000 step) + (12 500 - 2 500) x 0.09 = 900.00
    # + 300 SMS x 1.45 = 435.00 -> 2 025.00; + 20 % = 2 430.00
    "2-olena-mail": (2, Money("2430.00", "UAH")),
    # 250.00 + (25.5 - 10) GB x 2.50 = 38.75 + (1 800 - 1 000) GB x 0.90 = 720.00
    # -> 1 008.75; + 22 % = 1 230.675 -> 1 230.68
    "3-ivan-vps": (2, Money("1230.68", "RUB")),
    # 250.00 (400 GB of traffic: within the free 1 000); + 22 % = 305.00
    "3-olga-vps": (2, Money("305.00", "RUB")),
    # 99.00 + 250 contacts over 1 000 -> 3 blocks of 100 x 20.00 = 159.00; + 22 % = 193.98
    "4-acme-growth": (2, Money("193.98", "EUR")),
    # from 1 April: one period by 31 May; 99.00 + 22 % = 120.78
    "4-bolt-growth": (1, Money("120.78", "EUR")),
    # every 30 days from 21 March: 21 Mar-20 Apr and 20 Apr-20 May.
    # 375 a day x 30 = 11 250 attributions (9 200 + 1 400 + 650);
    # 450 000 000 + (11 250 - 10 000) x 52 000 = 65 000 000 + 10 % and 15 % of the fee
    # (45 000 000 + 67 500 000) = 627 500 000; + 10 % = 690 250 000
    "5-parsian-attr": (2, Money("690250000", "IRR")),
}


def _story(store: Store) -> tuple[Any, list[str]]:
    lines: list[str] = []
    story = tell(store, write=lines.append)
    return story, lines


def test_a_month_of_the_five_businesses(store: Store) -> None:
    story, lines = _story(store)
    assert story.failures == []
    assert (START.isoformat(), MONTH[1].isoformat()) == ("2026-03-01", "2026-05-31")
    with store.transaction(readonly=True) as tx:
        documents = list(tx.documents())
        invoices = [d for d in documents if d.kind == "invoice"]
        # Every subscription period billed exactly once, each at the month's figures.
        periods = Counter((d.id.split("|")[0], d.period_start) for d in invoices)
        assert set(periods.values()) == {1}
        by_sub = Counter(d.id.split("|")[0] for d in invoices)
        assert {sub: (n, expected) for sub, (n, expected) in EXPECTED.items()} == {
            sub: (by_sub[sub], next(d.total for d in invoices if d.id.startswith(sub + "|")))
            for sub in EXPECTED
        }
        assert {d.total for d in invoices if d.id.startswith("4-acme")} == {Money("193.98", "EUR")}
        # No corrections: all usage arrived in its period.
        assert {d.kind for d in documents} == {"invoice"}

        # Balances equal the sums of their entries.
        for customer in ("1-metrika", "2-olena", "3-ivan", "3-olga", "4-acme", "4-bolt"):
            entries = tx.entries(f"{customer}/main")
            total = sum((e.amount.amount for e in entries), Decimal(0))
            assert tx.balance(f"{customer}/main").amount == total, customer

        # 1: 90 000.00 paid for 9 months earns 3 months of the 10 000.00 tariff, 30 000.00:
        # 120 000.00, less March's and April's 12 200.00 = 95 600.00.
        kinds = [(e.kind, e.amount) for e in tx.entries("1-metrika/main")][:2]
        assert kinds == [("payment", Money("90000.00", "RUB")), ("bonus", Money("30000.00", "RUB"))]
        assert tx.balance("1-metrika/main") == Money("95600.00", "RUB")

        # 2: each bank transfer (pending 3 days) is booked once, though sent twice.
        payments = [e for e in tx.entries("2-olena/main") if e.kind == "payment"]
        assert len(payments) == 2 == len({e.data["reference"] for e in payments})
        assert [e.at.date().isoformat() for e in payments] == ["2026-04-04", "2026-05-04"]
        assert story.replays > 0
        assert tx.balance("2-olena/main") == Money("0.00", "UAH")

        # 3: Ivan's April statement (March's 1 230.68, due 15 May) unpaid: blocked on
        # 30 May; he pays on 31 May and is unblocked. He owes 2 x 1 230.68 - 1 230.68.
        assert tx.payer("3-ivan").data["credit_events"] == [
            ["2026-05-30", "blocked"],
            ["2026-05-31", "unblocked"],
        ]
        assert tx.balance("3-ivan/main") == Money("-1230.68", "RUB")
        # Olga's card: 20.00 + 5 % (1.00) + 10.00 = 31.00 charged; 10 % cashback of the
        # 31.00 paid: 3.10. Her invoices were paid by card (23.10 does not cover 305.00).
        olga = [(e.kind, e.amount.amount) for e in tx.entries("3-olga/main")][-2:]
        assert olga == [("payment", Decimal("20.00")), ("cashback", Decimal("3.10"))]
        assert (
            next(
                e for e in tx.entries("3-olga/main") if e.kind == "payment" and "fee" in e.data
            ).data["gross"]
            == "31.00"
        )
        assert tx.balance("3-olga/main") == Money("23.10", "RUB")

        # 4: Bolt's card is declined on 1, 2 and 3 May: the third failure freezes.
        assert tx.subscription("4-bolt-growth").status == "frozen"
        assert tx.document("4-bolt-growth|2026-04-01|2026-05-01|invoice|0").status == "issued"

        # Numbers are gap-free in every business's series.
        numbers: dict[str, list[int]] = {}
        for d in documents:
            assert d.number is not None
            prefix, _, count = d.number.rpartition("-")
            numbers.setdefault(prefix, []).append(int(count))
        assert {p: sorted(n) for p, n in numbers.items()} == {
            p: list(range(1, len(n) + 1)) for p, n in numbers.items()
        }
        assert set(numbers) == {"A", "RP", "H", "CHAT", "AT"}

    failed = [m for m in story.inbox.messages if m.topic == "payment.failed"]
    assert [m.payload["attempt"] for m in failed] == [1, 2, 3]
    text = "\n".join(lines)
    for event in ("Credit limit blocked", "Credit limit unblocked", "Subscription frozen"):
        assert event in text
    # Amounts as the customer's locale writes them, as the documents do: CLDR gives
    # Iranian rials no decimals; Persian writes Persian digits (0-9 -> ۰-۹) grouped by
    # thousands with the Arabic thousands separator U+066C, then the currency.
    persian = str.maketrans("0123456789,", "۰۱۲۳۴۵۶۷۸۹\u066c")
    assert f"Invoice AT-000002 issued: {'690,250,000'.translate(persian)}\xa0ریال" in text
    assert "690250000" not in text
    assert "690,250,000" not in text
    # The summary: two invoices of 690 250 000 rials = 1 380 500 000, in Persian digits;
    # Bolt's balance is a zero amount in euros (0,00 €), never a bare "0 EUR".
    (parsian,) = [line for line in text.splitlines() if "5-parsian  " in line and "SaaS" in line]
    assert f"{'1,380,500,000'.translate(persian)}\xa0ریال" in parsian
    assert parsian.endswith(f"{'0'.translate(persian)}\xa0ریال")
    (bolt,) = [line for line in text.splitlines() if "4-bolt  " in line and "SaaS" in line]
    assert bolt.endswith("0,00\xa0€")
    assert "0 EUR" not in text
    assert "1380500000" not in text
    # Russian groups with a no-break space and writes a decimal comma.
    assert "12\xa0200,00\xa0₽" in text
    # Notices by their human names; an invoice bought on the credit line is not a payment.
    assert "due_soon" not in text
    assert "payment due soon" in text
    ivan = [line for line in text.splitlines() if line.strip().startswith("3-ivan")]
    assert any("Charged to your credit line" in line for line in ivan)
    assert not any("Payment received" in line and "H-" in line for line in ivan)
