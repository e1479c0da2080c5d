"""Invoice balances and account credit, reproducing Kill Bill's worked examples.

Every scenario below is one of Kill Bill's "Invoice Examples"
(https://docs.killbill.io/latest/invoice_examples.html, source
killbill-docs userguide/tutorials/invoice_examples.adoc), whose rule is

    INVOICE BALANCE = CHARGED AMOUNT + SUM(CBA_ADJ) - (AMOUNT PAID + AMOUNT REFUNDED)

(its refunds are negative amounts; billkit keeps them positive and subtracts
them from what was paid). The arithmetic is repeated in each test.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.errors import CurrencyMismatchError, InvoicingError
from billkit.invoicing import DocumentTerms, Item, build_credit_note, build_invoice
from billkit.invoicing.balances import AccountBalances, BalanceEntryKind
from billkit.money import Money
from billkit.parties import Party

TERMS = DocumentTerms(
    seller=Party(kind="legal_entity", country="US", name="Cloud LLC"),
    buyer=Party(kind="individual", country="US", name="Ann Lee"),
    rules=None,
)
DAY = date(2026, 3, 1)


def usd(amount: str) -> Money:
    return Money(amount, "USD")


def invoice(number: str, amount: str):  # type: ignore[no-untyped-def]
    # no tax: Kill Bill's examples are untaxed amounts
    item = Item(description="Plan", unit_price=usd(amount), treatment="not_subject")
    return build_invoice([item], TERMS, number=number, issue_date=DAY)


def note(original, amount: str, number: str = "CN-1"):  # type: ignore[no-untyped-def]
    return build_credit_note(original, number=number, issue_date=DAY, amount=usd(amount))


def empty() -> AccountBalances:
    return AccountBalances(currency="USD")


def test_recurring_subscription_paid() -> None:
    # CHARGED AMOUNT = 24.95; BALANCE = 24.95 + 0 - (24.95 + 0) = 0
    account = empty().issue(invoice("1", "24.95"), on=DAY).pay("1", usd("24.95"), on=DAY)
    assert account.invoice("1").charged == usd("24.95")
    assert account.invoice("1").balance == usd("0.00")
    assert account.invoice("1").settled


def test_add_account_credit_then_an_external_charge() -> None:
    # Add credit 20 (no invoice open): the account holds 20
    account = empty().add_credit(usd("20.00"), on=DAY)
    assert account.credit == usd("20.00")
    # External charge 100: CBA_ADJ -20; BALANCE = 100 + (-20) - (0 + 0) = 80
    account = account.issue(invoice("2", "100.00"), on=DAY)
    two = account.invoice("2")
    assert two.charged == usd("100.00")
    assert two.credit == usd("-20.00")
    assert two.balance == usd("80.00")
    assert account.credit == usd("0.00")
    assert [e.kind for e in account.entries] == [
        BalanceEntryKind.CREDIT_ADDED,
        BalanceEntryKind.CHARGE,
        BalanceEntryKind.CREDIT_APPLIED,
    ]


def test_item_adjustment_when_the_invoice_is_not_paid() -> None:
    # RECURRING 100, ITEM_ADJ -10: CHARGED = 100 + (-10) = 90; BALANCE = 90 + 0 - 0 = 90
    inv = invoice("1", "100.00")
    account = empty().issue(inv, on=DAY).adjust(note(inv, "10.00"), on=DAY)
    assert account.invoice("1").charged == usd("90.00")
    assert account.invoice("1").balance == usd("90.00")
    assert account.credit == usd("0.00")


def test_item_adjustment_when_the_invoice_is_paid_makes_account_credit() -> None:
    # paid 100; ITEM_ADJ -10 and CBA_ADJ +10: CHARGED = 90; BALANCE = 90 + 10 - (100 + 0) = 0
    inv = invoice("1", "100.00")
    account = empty().issue(inv, on=DAY).pay("1", usd("100.00"), on=DAY)
    account = account.adjust(note(inv, "10.00"), on=DAY)
    one = account.invoice("1")
    assert (one.charged, one.credit, one.balance) == (usd("90.00"), usd("10.00"), usd("0.00"))
    # "so that the credit can be adjusted in future invoices": the next 30.00 owes 20.00
    account = account.issue(invoice("2", "30.00"), on=DAY)
    assert account.invoice("2").balance == usd("20.00")
    assert account.credit == usd("0.00")


def test_refund_with_invoice_item_adjustment() -> None:
    # paid 100; ITEM_ADJ -10 with a refund of 10, no CBA_ADJ:
    # BALANCE = 90 + 0 - (100 + (-10)) = 0
    inv = invoice("1", "100.00")
    account = empty().issue(inv, on=DAY).pay("1", usd("100.00"), on=DAY)
    account = account.adjust(note(inv, "10.00"), on=DAY, refund=True)
    one = account.invoice("1")
    assert (one.charged, one.credit, one.refunded) == (usd("90.00"), usd("0.00"), usd("10.00"))
    assert one.balance == usd("0.00")
    assert account.credit == usd("0.00")


def test_refund_without_invoice_item_adjustment() -> None:
    # paid 100, refund 10: BALANCE = 100 + 0 - (100 + (-10)) = 10
    account = empty().issue(invoice("1", "100.00"), on=DAY).pay("1", usd("100.00"), on=DAY)
    account = account.refund("1", usd("10.00"), on=DAY)
    assert account.invoice("1").balance == usd("10.00")


def test_a_refund_reopens_the_invoice_and_account_credit_pays_it() -> None:
    # paid 100, then 50 of credit waits; a refund of 10 reopens 10, which the credit pays
    account = empty().issue(invoice("1", "100.00"), on=DAY).pay("1", usd("100.00"), on=DAY)
    account = account.add_credit(usd("50.00"), on=DAY).refund("1", usd("10.00"), on=DAY)
    assert account.invoice("1").balance == usd("0.00")
    assert account.credit == usd("40.00")


def test_a_partial_payment_leaves_the_rest_due() -> None:
    # Lago's wallet spec ("with active wallet"): 10.00 applied to a 120.00 invoice, 110.00 due
    account = empty().issue(invoice("1", "120.00"), on=DAY).pay("1", usd("10.00"), on=DAY)
    assert account.invoice("1").balance == usd("110.00")
    assert account.due == usd("110.00")
    account = account.pay("1", usd("110.00"), on=DAY)
    assert account.invoice("1").settled
    with pytest.raises(InvoicingError, match="at most the balance of invoice 1"):
        account.pay("1", usd("0.01"), on=DAY)


def test_generated_credit_pays_older_open_invoices_first() -> None:
    # 1: 100 paid; 2: 50 open, 3: 40 open. A 30.00 credit note on 1 makes 30 of credit:
    # 2 takes 30 (50 -> 20), 3 keeps 40. Account balance = 20 + 40 - 0 = 60.
    first = invoice("1", "100.00")
    account = empty().issue(first, on=DAY).pay("1", usd("100.00"), on=DAY)
    account = account.issue(invoice("2", "50.00"), on=DAY).issue(invoice("3", "40.00"), on=DAY)
    account = account.adjust(note(first, "30.00"), on=DAY)
    assert [i.balance for i in account.invoices] == [usd("0.00"), usd("20.00"), usd("40.00")]
    assert account.account_balance == usd("60.00")
    # partly paid, then credited beyond what is left: 100, paid 30, credit 80 ->
    # charged 20, paid 30: 10 moves to the account
    inv = invoice("9", "100.00")
    other = empty().issue(inv, on=DAY).pay("9", usd("30.00"), on=DAY)
    other = other.adjust(note(inv, "80.00"), on=DAY)
    assert other.invoice("9").balance == usd("0.00")
    assert other.credit == usd("10.00")
    assert other.account_balance == usd("-10.00")


def test_refusals() -> None:
    inv = invoice("1", "100.00")
    account = empty().issue(inv, on=DAY)
    with pytest.raises(InvoicingError, match="an invoice not issued here yet"):
        account.issue(inv, on=DAY)
    with pytest.raises(InvoicingError, match="a draft has no balance"):
        account.issue(
            build_invoice(
                [Item(description="x", unit_price=usd("1.00"), treatment="not_subject")],
                TERMS,
                issue_date=DAY,
            ),
            on=DAY,
        )
    with pytest.raises(InvoicingError, match="an invoice issued here"):
        account.pay("2", usd("1.00"), on=DAY)
    with pytest.raises(InvoicingError, match="above zero"):
        account.pay("1", usd("0.00"), on=DAY)
    with pytest.raises(InvoicingError, match="at most what was paid"):
        account.refund("1", usd("1.00"), on=DAY)
    with pytest.raises(CurrencyMismatchError):
        account.pay("1", Money("1.00", "EUR"), on=DAY)
    with pytest.raises(InvoicingError, match="at most what invoice 1 charges"):
        account.adjust(note(inv, "60.00"), on=DAY).adjust(note(inv, "50.00", number="CN-2"), on=DAY)


@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["issue", "pay", "refund", "adjust", "credit"]),
            st.integers(min_value=1, max_value=50_000),
            st.integers(min_value=0, max_value=5),
            st.booleans(),
        ),
        max_size=25,
    )
)
def test_balances_never_go_below_zero_and_money_is_conserved(
    steps: list[tuple[str, int, int, bool]],
) -> None:
    account = empty()
    docs = {}
    for kind, cents, which, flag in steps:
        amount = usd(f"{cents / 100:.2f}")
        numbers = account.numbers
        number = numbers[which % len(numbers)] if numbers else ""
        try:
            if kind == "issue":
                number = str(len(numbers) + 1)
                docs[number] = invoice(number, f"{cents / 100:.2f}")
                account = account.issue(docs[number], on=DAY)
            elif kind == "credit":
                account = account.add_credit(amount, on=DAY)
            elif not number:
                continue
            elif kind == "pay":
                account = account.pay(number, amount, on=DAY)
            elif kind == "refund":
                account = account.refund(number, amount, on=DAY)
            elif amount.amount <= account.invoice(number).charged.amount:
                cn = build_credit_note(
                    docs[number], number=f"CN-{len(account.entries)}", issue_date=DAY, amount=amount
                )
                account = account.adjust(cn, on=DAY, refund=flag)
        except InvoicingError:
            continue
        # every invoice owes zero or more; credit is zero or more
        assert all(i.balance.amount >= 0 for i in account.invoices)
        assert account.credit.amount >= 0
        # open invoices and credit never coexist: credit pays what is open
        assert not (account.credit.amount and account.due.amount)
        # conservation: charged - kept payments - credit added = due - credit
        k = BalanceEntryKind
        total = {
            kind: sum(e.amount.amount for e in account.entries if e.kind is kind) for kind in k
        }
        owed = (
            total[k.CHARGE]
            - total[k.ADJUSTMENT]
            - (total[k.PAYMENT] - total[k.REFUND])
            - total[k.CREDIT_ADDED]
        )
        assert owed == account.account_balance.amount
