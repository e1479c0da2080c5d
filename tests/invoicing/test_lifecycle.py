"""Lifecycles: the messaging SaaS's invoice states, the attribution SaaS's
proforma -> approved -> sent -> paid flow with its 10-day deadline, payment
statuses (new / being paid -> credited, failed with a reason) and
credit-limit statements (to pay -> partially paid -> paid)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from billkit.credit import CreditLine, Ledger, Wallet
from billkit.errors import CurrencyMismatchError, InvoicingError, TransitionError
from billkit.invoicing.lifecycle import (
    INVOICE_LIFECYCLE,
    OFFICIAL_INVOICE_LIFECYCLE,
    PAYMENT_LIFECYCLE,
    STATEMENT_LIFECYCLE,
    InvoiceState,
    OfficialInvoiceFlow,
    OfficialInvoiceState,
    PaymentFailure,
    PaymentState,
    PaymentStatus,
    StatementState,
    refund_event,
    statement_event,
)
from billkit.money import Money

S = InvoiceState


@pytest.mark.parametrize(
    ("state", "event", "after"),
    [
        (S.DRAFT, "finalize", S.OPEN),
        (S.OPEN, "pay", S.PAID),
        (S.OPEN, "void", S.VOID),
        (S.OPEN, "mark_uncollectible", S.UNCOLLECTIBLE),
        (S.UNCOLLECTIBLE, "pay", S.PAID),
        (S.UNCOLLECTIBLE, "void", S.VOID),
        (S.PAID, "refund", S.REFUNDED),
        (S.PAID, "partially_refund", S.PARTIALLY_REFUNDED),
        (S.PARTIALLY_REFUNDED, "partially_refund", S.PARTIALLY_REFUNDED),
        (S.PARTIALLY_REFUNDED, "refund", S.REFUNDED),
    ],
)
def test_invoice_transitions(state: InvoiceState, event: str, after: InvoiceState) -> None:
    assert INVOICE_LIFECYCLE.apply(state, event) is after
    assert INVOICE_LIFECYCLE.apply(state.value, event) is after


def test_invoice_refusals_name_the_state_and_the_allowed_moves() -> None:
    with pytest.raises(TransitionError) as error:
        INVOICE_LIFECYCLE.apply(S.DRAFT, "pay")
    assert (error.value.subject, error.value.state, error.value.event) == (
        "invoice",
        "draft",
        "pay",
    )
    assert error.value.allowed == ("finalize",)
    with pytest.raises(TransitionError, match="allowed: nothing"):
        INVOICE_LIFECYCLE.apply(S.VOID, "pay")
    with pytest.raises(TransitionError, match="'partially_refund', 'refund'"):
        INVOICE_LIFECYCLE.apply(S.PAID, "void")
    assert INVOICE_LIFECYCLE.is_final(S.REFUNDED)
    assert INVOICE_LIFECYCLE.can(S.OPEN, "void")
    assert not INVOICE_LIFECYCLE.can(S.DRAFT, "void")
    with pytest.raises(InvoicingError, match="state = 'archived': expected one of 'draft', 'open'"):
        INVOICE_LIFECYCLE.apply("archived", "pay")


def test_refund_event_from_the_amounts() -> None:
    total = Money("59.78", "EUR")
    assert refund_event(total, Money("10.00", "EUR")) == "partially_refund"
    assert refund_event(total, total) == "refund"
    with pytest.raises(InvoicingError, match="above zero and at most the total"):
        refund_event(total, Money("0", "EUR"))
    with pytest.raises(CurrencyMismatchError, match="an amount in EUR"):
        refund_event(total, Money("1", "USD"))
    state = INVOICE_LIFECYCLE.apply(S.PAID, refund_event(total, Money("20.00", "EUR")))
    state = INVOICE_LIFECYCLE.apply(state, refund_event(total, total))
    assert state is S.REFUNDED


# --------------------------------------------------------------------------- attribution SaaS


def test_official_invoice_flow_with_gateway_payment() -> None:
    flow = OfficialInvoiceFlow(proforma="PF-1403-01")
    assert flow.state is OfficialInvoiceState.PROFORMA_ISSUED
    flow = flow.approve()
    assert flow.state is OfficialInvoiceState.APPROVED_BY_CUSTOMER
    flow = flow.send(number="F-1403-17", on=date(2024, 4, 20), scan="scans/F-1403-17.pdf")
    assert flow.state is OfficialInvoiceState.SENT_TO_CUSTOMER
    # 10 days to pay after issue: 20 April + 10 = 30 April; blocked from 1 May
    assert flow.due_on == date(2024, 4, 30)
    assert not flow.is_blocked(date(2024, 4, 30))
    assert flow.is_blocked(date(2024, 5, 1))
    paid = flow.pay(on=date(2024, 5, 2))
    assert paid.state is OfficialInvoiceState.PAID
    assert paid.paid_on == date(2024, 5, 2)
    assert not paid.is_blocked(date(2024, 6, 1))
    assert paid.scan == "scans/F-1403-17.pdf"


def test_official_invoice_flow_with_an_uploaded_receipt() -> None:
    flow = OfficialInvoiceFlow(proforma="PF-1").approve()
    flow = flow.send(number="F-1", on=date(2024, 4, 20), scan="s.pdf")
    uploaded = flow.upload_receipt("receipts/bank.jpg", on=date(2024, 4, 29))
    assert uploaded.state is OfficialInvoiceState.RECEIPT_UPLOADED
    assert not uploaded.is_blocked(date(2024, 5, 5))  # a receipt uploaded in time stops the block
    refused = uploaded.reject_receipt()
    assert refused.state is OfficialInvoiceState.SENT_TO_CUSTOMER
    assert refused.receipt == ""
    assert refused.is_blocked(date(2024, 5, 5))
    done = uploaded.confirm_payment(on=date(2024, 4, 30))
    assert done.state is OfficialInvoiceState.PAID


def test_official_invoice_refusals() -> None:
    flow = OfficialInvoiceFlow(proforma="PF-1")
    with pytest.raises(TransitionError) as error:
        flow.send(number="F-1", on=date(2024, 4, 20), scan="s.pdf")
    assert error.value.state == "proforma_issued"
    assert error.value.allowed == ("approve", "reject")
    rejected = flow.reject()
    assert OFFICIAL_INVOICE_LIFECYCLE.is_final(rejected.state)
    with pytest.raises(InvoicingError, match="non-empty"):
        flow.approve().send(number="F-1", on=date(2024, 4, 20), scan="")
    sent = flow.approve().send(number="F-1", on=date(2024, 4, 20), scan="s.pdf")
    with pytest.raises(InvoicingError, match="on or after the invoice's issue"):
        sent.pay(on=date(2024, 4, 19))
    with pytest.raises(TransitionError, match="cannot 'confirm_payment'"):
        sent.confirm_payment(on=date(2024, 4, 25))


# --------------------------------------------------------------------------- payments


def test_payment_statuses() -> None:
    card = PaymentStatus().credit()  # a card is credited at once
    assert card.state is PaymentState.CREDITED
    transfer = PaymentStatus().start()  # a bank transfer waits for the bank
    assert transfer.state is PaymentState.BEING_PAID
    assert transfer.credit().state is PaymentState.CREDITED
    declined = PaymentStatus().fail(PaymentFailure.DECLINED)
    assert declined.reason is PaymentFailure.DECLINED
    assert declined.reason.message == "The card was declined by the issuing bank"
    secure = transfer.fail("3ds_failed", detail="issuer ACS timeout")
    assert (secure.state, secure.reason, secure.detail) == (
        PaymentState.FAILED,
        PaymentFailure.THREE_DS_FAILED,
        "issuer ACS timeout",
    )
    with pytest.raises(TransitionError, match="payment in state 'credited' cannot 'fail'"):
        card.fail("declined")
    with pytest.raises(InvoicingError, match="one of 'declined'"):
        PaymentStatus().fail("bad luck")
    with pytest.raises(InvoicingError, match="a failed payment says why"):
        PaymentStatus(state="failed")
    with pytest.raises(InvoicingError, match="only a failed payment"):
        PaymentStatus(state="credited", reason="declined")
    assert PAYMENT_LIFECYCLE.allowed("new") == ("credit", "fail", "start")


# --------------------------------------------------------------------------- statements


def test_statement_states_follow_the_ledger() -> None:
    line = CreditLine(limit=Money("5000.00", "RUB"))
    ledger = Ledger(wallets=[Wallet(name="main", currency="RUB", credit=line)])
    ledger = ledger.charge(
        "main", "1200.00", at=datetime(2025, 12, 10, tzinfo=timezone.utc), key="vps"
    )
    (st,) = ledger.statements("main", date(2026, 1, 1))
    state = st.state
    assert state is StatementState.TO_PAY
    payment = Money("500.00", "RUB")
    state = STATEMENT_LIFECYCLE.apply(state, statement_event(st.remaining, payment))
    ledger = ledger.top_up("main", "500.00", at=datetime(2026, 1, 5, tzinfo=timezone.utc), key="p1")
    (st,) = ledger.statements("main", date(2026, 1, 5))
    assert state is st.state is StatementState.PARTIALLY_PAID
    # 1200 - 500 = 700 left; paying 800 settles it (the extra stays on the balance)
    state = STATEMENT_LIFECYCLE.apply(state, statement_event(st.remaining, Money("800.00", "RUB")))
    ledger = ledger.top_up("main", "800.00", at=datetime(2026, 1, 6, tzinfo=timezone.utc), key="p2")
    (st,) = ledger.statements("main", date(2026, 1, 6))
    assert state is st.state is StatementState.PAID
    with pytest.raises(TransitionError, match="credit-limit statement in state 'paid'"):
        STATEMENT_LIFECYCLE.apply(state, "pay_part")
    with pytest.raises(InvoicingError, match="the statement is paid"):
        statement_event(st.remaining, Money("1.00", "RUB"))
