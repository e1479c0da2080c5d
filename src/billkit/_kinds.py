"""Kinds that more than one room names: the shared vocabulary, kept low in the house.

Private: each room re-exports what its users need, so
``billkit.invoicing.InvoiceKind`` and ``billkit.credit.StatementState`` are the
public spellings. A name two rooms need moves down here rather than one room
importing the other sideways.

* :class:`InvoiceKind`: what an invoice bills (invoicing builds the
  documents; subscriptions track the invoices they issue);
* :class:`StatementState`: a credit-limit statement's payment state (credit
  computes it; invoicing's statement lifecycle moves it).

>>> InvoiceKind("usage") is InvoiceKind.USAGE, StatementState("paid") is StatementState.PAID
(True, True)
"""

from __future__ import annotations

import enum

__all__ = ["InvoiceKind", "StatementState"]


class InvoiceKind(str, enum.Enum):
    """What an invoice bills.

    * ``SUBSCRIPTION``: a plan's fee for a billing period;
    * ``USAGE``: on-demand usage (the messaging SaaS's extra contacts);
    * ``ADVANCE_PAYMENT``: an amount the customer types, to top up a balance;
    * ``CREDIT_LIMIT_STATEMENT``: the month's unpaid expenses bought on credit;
    * ``ONE_OFF``: anything else (an order paid directly).

    >>> InvoiceKind("advance_payment") is InvoiceKind.ADVANCE_PAYMENT
    True
    """

    SUBSCRIPTION = "subscription"
    USAGE = "usage"
    ADVANCE_PAYMENT = "advance_payment"
    CREDIT_LIMIT_STATEMENT = "credit_limit_statement"
    ONE_OFF = "one_off"


class StatementState(str, enum.Enum):
    """A statement's payment state: to pay, partially paid, or paid.

    >>> StatementState("partially_paid") is StatementState.PARTIALLY_PAID
    True
    """

    TO_PAY = "to_pay"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
