"""What is still due on each invoice, and account credit (Kill Bill's model).

An issued invoice never changes; what is left to pay on it does. An
:class:`AccountBalances` is one customer's account as a pure value: the
invoices issued, the payments and refunds applied to them, the credit notes
that adjusted them, and the account credit that corrections generate and
later invoices consume. Each operation returns a new value and records one
or more :class:`BalanceEntry` rows, an audit trail in Kill Bill's terms:

* an invoice's *charged amount* is its gross less the credit notes against
  it (Kill Bill's ``ITEM_ADJ`` items);
* its *balance* is ``charged + credit moved - (paid - refunded)``, where the
  credit moved is what it generated for the account (``CBA_ADJ`` above zero)
  less the account credit it consumed (``CBA_ADJ`` below zero)
  (https://docs.killbill.io/latest/invoice_examples.html: ``INVOICE BALANCE
  = CHARGED AMOUNT + SUM(CBA_ADJ) - (AMOUNT PAID + AMOUNT REFUNDED)``);
* a credit note on an invoice already paid leaves it paid beyond what it
  now charges: the excess becomes account credit (``CBA_ADJ``), unless the
  payment is refunded with it (``adjust(..., refund=True)``);
* account credit, added (``add_credit``) or generated, pays the open
  invoices oldest first and then each invoice issued, up to its balance.

A payment may be smaller than the balance: the rest stays due (a wallet that
covers part of an invoice, :meth:`billkit.credit.Ledger.pay_from_balance`).
billkit's builders and the credit ledger do not need this value; it is what
a team coming from Kill Bill (or any system with invoice balances) keeps per
account.

>>> from datetime import date
>>> from billkit.money import Money
>>> from billkit.parties import Party
>>> from billkit.invoicing import DocumentTerms, Item, build_credit_note, build_invoice
>>> terms = DocumentTerms(seller=Party(kind="legal_entity", country="US", name="Cloud LLC"),
...                       buyer=Party(kind="individual", country="US", name="Ann Lee"), rules=None)
>>> usd = lambda a: Money(a, "USD")
>>> def invoice(number, amount):
...     item = Item(description="Plan", unit_price=usd(amount), treatment="not_subject")
...     return build_invoice([item], terms, number=number, issue_date=date(2026, 3, 1))
>>> march = invoice("1", "100.00")
>>> account = AccountBalances(currency="USD").issue(march, on=date(2026, 3, 1))
>>> account = account.pay("1", usd("100.00"), on=date(2026, 3, 2))
>>> note = build_credit_note(march, number="CN-1", issue_date=date(2026, 3, 5), amount=usd("10.00"))
>>> account = account.adjust(note, on=date(2026, 3, 5))
>>> account.invoice("1")   # charged 90, credit moved +10: 90 + 10 - 100 = 0
InvoiceBalance(number='1', charged=Money('90.00', 'USD'), credit=Money('10.00', 'USD'), paid=Money('100.00', 'USD'), refunded=Money('0.00', 'USD'))
>>> account.credit
Money('10.00', 'USD')
>>> account = account.issue(invoice("2", "100.00"), on=date(2026, 4, 1))
>>> account.invoice("2").balance, account.credit   # 100 - 10 of credit
(Money('90.00', 'USD'), Money('0.00', 'USD'))
"""

from __future__ import annotations

import decimal
import enum
from datetime import date
from decimal import Decimal
from typing import ClassVar, Final

import attrs
from moneyed import Currency, Money

from billkit import _checks as checks
from billkit.errors import InvoicingError, ValidationError
from billkit.invoicing.documents import CreditNote, Invoice
from billkit.money import CONTEXT, DEFAULT_ROUNDING

__all__ = ["AccountBalances", "BalanceEntry", "BalanceEntryKind", "InvoiceBalance"]

_ZERO: Final = Decimal(0)


class BalanceEntryKind(str, enum.Enum):
    """What a :class:`BalanceEntry` records (Kill Bill's item type in brackets).

    >>> [kind.value for kind in BalanceEntryKind]   # doctest: +NORMALIZE_WHITESPACE
    ['charge', 'adjustment', 'payment', 'refund', 'credit_added', 'credit_generated',
     'credit_applied']
    """

    CHARGE = "charge"
    """An invoice issued: its gross (the invoice's items)."""
    ADJUSTMENT = "adjustment"
    """A credit note against an invoice (``ITEM_ADJ``): the charged amount goes down."""
    PAYMENT = "payment"
    """A payment applied to an invoice."""
    REFUND = "refund"
    """A payment given back."""
    CREDIT_ADDED = "credit_added"
    """Account credit given to the customer (``CREDIT_ADJ``)."""
    CREDIT_GENERATED = "credit_generated"
    """An invoice's excess payment moved to the account (``CBA_ADJ`` above zero)."""
    CREDIT_APPLIED = "credit_applied"
    """Account credit used on an invoice (``CBA_ADJ`` below zero)."""


_PLUS: Final = checks.options(sign="zero_or_more")


@attrs.frozen(kw_only=True, field_transformer=checks.prepare_fields)
class BalanceEntry:
    """One row of an account's trail: ``kind``, the ``invoice`` it concerns
    (``''`` for account credit added), the ``amount`` (zero or more: the kind
    gives the direction), the day ``on`` and a free ``reference`` (a payment's
    id, a credit note's number).

    >>> BalanceEntry(kind="payment", invoice="1", amount=Money("30.00", "USD"),
    ...              on=date(2026, 3, 2)).kind
    <BalanceEntryKind.PAYMENT: 'payment'>
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError

    kind: BalanceEntryKind = attrs.field(converter=checks.MEMBER)
    invoice: str = attrs.field(converter=checks.FREE_TEXT)
    amount: Money = attrs.field(converter=checks.MONEY, metadata=_PLUS)
    on: date = attrs.field(converter=checks.DAY)
    reference: str = attrs.field(default="", converter=checks.FREE_TEXT)


@attrs.frozen(kw_only=True)
class InvoiceBalance:
    """What one invoice charged, moved, was paid and refunded, and its ``balance``.

    ``charged`` is its gross less the credit notes against it; ``credit`` the
    account credit it generated less the account credit it consumed (Kill
    Bill's ``SUM(CBA_ADJ)``); ``paid`` and ``refunded`` the payments applied
    and given back.

    >>> usd = lambda a: Money(a, "USD")
    >>> InvoiceBalance(number="7", charged=usd("100.00"), credit=usd("-20.00"),
    ...                paid=usd("0.00"), refunded=usd("0.00")).balance   # 100 - 20 - 0
    Money('80.00', 'USD')
    """

    number: str
    charged: Money
    credit: Money
    paid: Money
    refunded: Money

    @property
    def balance(self) -> Money:
        """What is still due: ``charged + credit - (paid - refunded)``, zero or more."""
        with decimal.localcontext(CONTEXT):
            amount = (
                self.charged.amount + self.credit.amount - (self.paid.amount - self.refunded.amount)
            )
        return Money(amount, self.charged.currency)

    @property
    def settled(self) -> bool:
        """Whether nothing is due on it."""
        return not self.balance.amount


@attrs.frozen(kw_only=True)
class AccountBalances:
    """One customer's invoices with their balances, and the account credit.

    Build it empty for a ``currency`` and apply what happens, in order:
    :meth:`issue`, :meth:`pay`, :meth:`refund`, :meth:`adjust`,
    :meth:`add_credit`; each returns a new value. ``entries`` is the trail.
    See the module's documentation for the rules.
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError

    currency: Currency = attrs.field(converter=checks.CURRENCY)
    entries: tuple[BalanceEntry, ...] = attrs.field(default=(), converter=checks.TUPLE)

    # ------------------------------------------------------------ reading

    def _zero(self) -> Decimal:
        # zero in the currency's minor unit (0.00), as the amounts it adds to
        return DEFAULT_ROUNDING.round_amount(_ZERO, self.currency)

    @property
    def numbers(self) -> tuple[str, ...]:
        """The invoices' numbers, in the order they were issued."""
        return tuple(e.invoice for e in self.entries if e.kind is BalanceEntryKind.CHARGE)

    def invoice(self, number: str) -> InvoiceBalance:
        """The balance of invoice ``number`` (refused if it was not issued here)."""
        if number not in self.numbers:
            raise InvoicingError("number", number, f"an invoice issued here: {list(self.numbers)}")
        sums = dict.fromkeys(BalanceEntryKind, self._zero())
        with decimal.localcontext(CONTEXT):
            for e in self.entries:
                if e.invoice == number:
                    sums[e.kind] += e.amount.amount
            k = BalanceEntryKind
            return InvoiceBalance(
                number=number,
                charged=Money(sums[k.CHARGE] - sums[k.ADJUSTMENT], self.currency),
                credit=Money(sums[k.CREDIT_GENERATED] - sums[k.CREDIT_APPLIED], self.currency),
                paid=Money(sums[k.PAYMENT], self.currency),
                refunded=Money(sums[k.REFUND], self.currency),
            )

    @property
    def invoices(self) -> tuple[InvoiceBalance, ...]:
        """Every invoice's balance, in the order they were issued."""
        return tuple(self.invoice(n) for n in self.numbers)

    @property
    def credit(self) -> Money:
        """The account credit not yet used (Kill Bill's CBA)."""
        k = BalanceEntryKind
        with decimal.localcontext(CONTEXT):
            total = self._zero()
            for e in self.entries:
                if e.kind in (k.CREDIT_ADDED, k.CREDIT_GENERATED):
                    total += e.amount.amount
                elif e.kind is k.CREDIT_APPLIED:
                    total -= e.amount.amount
        return Money(total, self.currency)

    @property
    def due(self) -> Money:
        """What the invoices' balances add up to."""
        with decimal.localcontext(CONTEXT):
            total = sum((i.balance.amount for i in self.invoices), self._zero())
        return Money(total, self.currency)

    @property
    def account_balance(self) -> Money:
        """What the customer owes in all: ``due - credit`` (below zero: the account is in credit)."""
        return Money(self.due.amount - self.credit.amount, self.currency)

    # ------------------------------------------------------------ changing

    def _amount(self, field: str, amount: object) -> Money:
        money = checks.money(field, amount, self.currency, error=InvoicingError)
        if money.amount <= 0:
            raise InvoicingError(field, money, "an amount above zero")
        return money

    def _with(self, *entries: BalanceEntry) -> AccountBalances:
        return attrs.evolve(self, entries=(*self.entries, *entries))

    def _use_credit(self, on: date, numbers: tuple[str, ...]) -> AccountBalances:
        """Account credit pays the open invoices ``numbers``, in order."""
        account = self
        for number in numbers:
            left = account.credit.amount
            if left <= 0:
                break
            owed = account.invoice(number).balance.amount
            if owed > 0:
                used = min(left, owed)
                account = account._with(
                    BalanceEntry(
                        kind=BalanceEntryKind.CREDIT_APPLIED,
                        invoice=number,
                        amount=Money(used, self.currency),
                        on=on,
                    )
                )
        return account

    def issue(self, invoice: Invoice, *, on: date) -> AccountBalances:
        """Add an issued ``invoice``; the account credit pays what it can of it.

        >>> from billkit.money import Money
        >>> account = AccountBalances(currency="USD").add_credit(Money("20.00", "USD"), on=date(2026, 3, 1))
        >>> account.credit   # Kill Bill's "Add Credit": no invoice yet, the credit waits
        Money('20.00', 'USD')
        """
        if not isinstance(invoice, Invoice):
            raise InvoicingError("invoice", invoice, "an Invoice")
        if invoice.number is None:
            raise InvoicingError(
                "invoice.number", None, "an issued invoice (a draft has no balance)"
            )
        if invoice.number in self.numbers:
            raise InvoicingError("invoice.number", invoice.number, "an invoice not issued here yet")
        checks.same_currency("invoice", invoice.totals.gross, self.currency, error=InvoicingError)
        day = checks.day("on", on, error=InvoicingError)
        account = self._with(
            BalanceEntry(
                kind=BalanceEntryKind.CHARGE,
                invoice=invoice.number,
                amount=invoice.totals.gross,
                on=day,
                reference=invoice.number,
            )
        )
        return account._use_credit(day, (invoice.number,))

    def pay(self, number: str, amount: Money, *, on: date, reference: str = "") -> AccountBalances:
        """A payment of ``amount`` on invoice ``number``: all of its balance or part
        of it (the rest stays due); more than the balance is refused."""
        money = self._amount("amount", amount)
        owed = self.invoice(number).balance
        if money.amount > owed.amount:
            raise InvoicingError(
                "amount", money, f"at most the balance of invoice {number}, {owed.amount}"
            )
        day = checks.day("on", on, error=InvoicingError)
        return self._with(
            BalanceEntry(
                kind=BalanceEntryKind.PAYMENT,
                invoice=number,
                amount=money,
                on=day,
                reference=reference,
            )
        )

    def refund(
        self, number: str, amount: Money, *, on: date, reference: str = ""
    ) -> AccountBalances:
        """Give back ``amount`` of what was paid on invoice ``number``, without a
        credit note: the invoice is due again by that much (Kill Bill's refund
        without invoice item adjustment), and account credit, if any, pays it."""
        money = self._amount("amount", amount)
        current = self.invoice(number)
        kept = current.paid.amount - current.refunded.amount
        if money.amount > kept:
            raise InvoicingError(
                "amount", money, f"at most what was paid on invoice {number} and kept, {kept}"
            )
        day = checks.day("on", on, error=InvoicingError)
        account = self._with(
            BalanceEntry(
                kind=BalanceEntryKind.REFUND,
                invoice=number,
                amount=money,
                on=day,
                reference=reference,
            )
        )
        return account._use_credit(day, (number,))

    def adjust(
        self, note: CreditNote, *, on: date, refund: bool | Money = False
    ) -> AccountBalances:
        """Apply credit note ``note`` to the invoice it corrects.

        What the invoice charges goes down by the note's gross: first what is
        still due on it (Stripe's ``pre_payment_amount``), and the rest, what
        was already paid (``post_payment_amount``), is refunded or becomes
        account credit: ``refund=True`` refunds all of it (Kill Bill's refund
        with invoice item adjustment), an amount refunds that much of it and
        credits the account with the rest (Stripe's ``refund_amount`` and
        ``credit_amount``), ``False`` (the default) credits the account with
        all of it. Account credit then pays the other open invoices, oldest
        first, and the next ones issued.
        """
        if not isinstance(note, CreditNote):
            raise InvoicingError("note", note, "a CreditNote")
        number = note.corrects.number
        current = self.invoice(number)
        gross = checks.money("note", note.totals.gross, self.currency, error=InvoicingError)
        if isinstance(refund, Money):
            wanted = checks.money("refund", refund, self.currency, error=InvoicingError).amount
            if wanted < 0:
                raise InvoicingError("refund", refund, "an amount of zero or more, or a flag")
        else:
            wanted = None
            checks.flag("refund", refund, error=InvoicingError)
        day = checks.day("on", on, error=InvoicingError)
        if gross.amount > current.charged.amount:
            raise InvoicingError(
                "note",
                note.number,
                f"at most what invoice {number} charges, {current.charged.amount}",
            )
        with decimal.localcontext(CONTEXT):
            excess = max(gross.amount - current.balance.amount, self._zero())
        if wanted is not None and wanted > excess:
            raise InvoicingError(
                "refund",
                refund,
                f"at most the part of {note.number} beyond what was due on invoice {number}, "
                f"{excess}",
            )
        reference = note.number or ""
        account = self._with(
            BalanceEntry(
                kind=BalanceEntryKind.ADJUSTMENT,
                invoice=number,
                amount=gross,
                on=day,
                reference=reference,
            )
        )
        if excess <= 0:
            return account
        back = excess if refund is True else (wanted or self._zero())
        if back > 0:
            account = account._with(
                BalanceEntry(
                    kind=BalanceEntryKind.REFUND,
                    invoice=number,
                    amount=Money(back, self.currency),
                    on=day,
                    reference=reference,
                )
            )
        if excess - back <= 0:
            return account
        account = account._with(
            BalanceEntry(
                kind=BalanceEntryKind.CREDIT_GENERATED,
                invoice=number,
                amount=Money(excess - back, self.currency),
                on=day,
                reference=reference,
            )
        )
        return account._use_credit(day, account.numbers)

    def add_credit(self, amount: Money, *, on: date, reference: str = "") -> AccountBalances:
        """Give the account ``amount`` of credit; it pays the open invoices, oldest
        first, and what is left waits for the next invoices."""
        money = self._amount("amount", amount)
        day = checks.day("on", on, error=InvoicingError)
        account = self._with(
            BalanceEntry(
                kind=BalanceEntryKind.CREDIT_ADDED,
                invoice="",
                amount=money,
                on=day,
                reference=reference,
            )
        )
        return account._use_credit(day, account.numbers)
