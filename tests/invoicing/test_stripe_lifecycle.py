"""Stripe's invoice lifecycle and its credit notes on paid invoices.

Expected behaviour from Stripe's documentation:

* statuses and moves: https://docs.stripe.com/invoicing/overview ("Invoice
  lifecycle": draft, open, paid, void, uncollectible);
* "Permanently deletes a one-off invoice draft ... Attempts to delete invoices
  that are no longer in a draft state will fail; once an invoice has been
  finalized ... it must be voided" (https://docs.stripe.com/api/invoices/delete);
* credit notes (https://docs.stripe.com/api/credit_notes/create and
  https://docs.stripe.com/invoicing/dashboard/credit-notes): "A credit note will
  first reduce the invoice's amount_remaining (and amount_due), but not below
  zero. This amount is indicated by the credit note's pre_payment_amount. The
  excess amount is indicated by post_payment_amount, and it can result in any
  combination of ... Refunds ... Customer balance credit ... which will be
  automatically applied to their next invoice when it's finalized."
"""

from __future__ import annotations

from datetime import date

import pytest

from billkit.errors import InvoicingError, TransitionError
from billkit.invoicing import DocumentTerms, Item, build_credit_note, build_invoice
from billkit.invoicing.balances import AccountBalances, BalanceEntryKind
from billkit.invoicing.lifecycle import (
    INVOICE_LIFECYCLE,
    STRIPE_INVOICE_LIFECYCLE,
    InvoiceState,
)
from billkit.money import Money
from billkit.parties import Party

S = InvoiceState
DAY = date(2026, 3, 1)
TERMS = DocumentTerms(
    seller=Party(kind="legal_entity", country="US", name="Cloud LLC"),
    buyer=Party(kind="individual", country="US", name="Ann Lee"),
    rules=None,
)


def usd(amount: str) -> Money:
    return Money(amount, "USD")


def invoice(number: str, amount: str):  # type: ignore[no-untyped-def]
    item = Item(description="Plan", unit_price=usd(amount), treatment="not_subject")
    return build_invoice([item], TERMS, number=number, issue_date=DAY)


@pytest.mark.parametrize(
    ("state", "event", "after"),
    [
        (S.DRAFT, "finalize", S.OPEN),
        (S.DRAFT, "delete", S.DELETED),
        (S.OPEN, "pay", S.PAID),
        (S.OPEN, "void", S.VOID),
        (S.OPEN, "mark_uncollectible", S.UNCOLLECTIBLE),
        (S.UNCOLLECTIBLE, "pay", S.PAID),
        (S.UNCOLLECTIBLE, "void", S.VOID),
    ],
)
def test_stripe_moves(state: InvoiceState, event: str, after: InvoiceState) -> None:
    assert STRIPE_INVOICE_LIFECYCLE.apply(state, event) is after


def test_a_draft_is_deleted_not_voided_and_a_finalized_invoice_is_voided_not_deleted() -> None:
    with pytest.raises(TransitionError, match="'delete', 'finalize'"):
        STRIPE_INVOICE_LIFECYCLE.apply(S.DRAFT, "void")
    with pytest.raises(TransitionError, match="cannot 'delete'"):
        STRIPE_INVOICE_LIFECYCLE.apply(S.OPEN, "delete")
    assert STRIPE_INVOICE_LIFECYCLE.is_final(S.DELETED)
    # billkit's own lifecycle keeps its states: no deleting, refunds as states
    assert not INVOICE_LIFECYCLE.can(S.DRAFT, "delete")
    assert INVOICE_LIFECYCLE.can(S.PAID, "refund")


def test_paid_is_final_refunds_are_credit_notes() -> None:
    for event in ("refund", "partially_refund", "void"):
        assert not STRIPE_INVOICE_LIFECYCLE.can(S.PAID, event)
    assert STRIPE_INVOICE_LIFECYCLE.is_final(S.PAID)
    # A paid 100.00 invoice; a 30.00 credit note: nothing was due, so all 30.00 is
    # post-payment: refund 20.00 and credit 10.00 to the customer's balance.
    inv = invoice("1", "100.00")
    state = STRIPE_INVOICE_LIFECYCLE.apply(
        STRIPE_INVOICE_LIFECYCLE.apply(S.DRAFT, "finalize"), "pay"
    )
    account = AccountBalances(currency="USD").issue(inv, on=DAY).pay("1", usd("100.00"), on=DAY)
    note = build_credit_note(inv, number="CN-1", issue_date=DAY, amount=usd("30.00"))
    account = account.adjust(note, on=DAY, refund=usd("20.00"))
    one = account.invoice("1")
    assert (one.charged, one.refunded, one.credit) == (usd("70.00"), usd("20.00"), usd("10.00"))
    assert one.balance == usd("0.00")  # 70 + 10 - (100 - 20)
    assert state is S.PAID  # the invoice stays paid
    # "automatically applied to their next invoice when it's finalized": 25.00 - 10.00
    account = account.issue(invoice("2", "25.00"), on=DAY)
    assert account.invoice("2").balance == usd("15.00")


def test_a_credit_note_first_reduces_what_is_due() -> None:
    # 100.00 open, 60.00 paid (40.00 remaining); a 50.00 credit note: pre-payment 40.00
    # (remaining 40 -> 0), post-payment 10.00, refunded
    inv = invoice("1", "100.00")
    account = AccountBalances(currency="USD").issue(inv, on=DAY).pay("1", usd("60.00"), on=DAY)
    note = build_credit_note(inv, number="CN-1", issue_date=DAY, amount=usd("50.00"))
    with pytest.raises(InvoicingError, match=r"beyond what was due on invoice 1, 10\.00"):
        account.adjust(note, on=DAY, refund=usd("10.01"))
    account = account.adjust(note, on=DAY, refund=usd("10.00"))
    one = account.invoice("1")
    assert (one.charged, one.paid, one.refunded, one.balance) == (
        usd("50.00"),
        usd("60.00"),
        usd("10.00"),
        usd("0.00"),
    )
    assert account.credit == usd("0.00")
    assert [e.kind for e in account.entries][-2:] == [
        BalanceEntryKind.ADJUSTMENT,
        BalanceEntryKind.REFUND,
    ]
    # on an open invoice nothing was paid beyond the balance: all pre-payment
    open_one = invoice("2", "100.00")
    other = AccountBalances(currency="USD").issue(open_one, on=DAY)
    other = other.adjust(
        build_credit_note(open_one, number="CN-2", issue_date=DAY, amount=usd("30.00")), on=DAY
    )
    assert other.invoice("2").balance == usd("70.00")
    assert other.credit == usd("0.00")
