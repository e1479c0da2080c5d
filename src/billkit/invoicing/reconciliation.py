"""Reconciliation statements: what the buyer owed, was charged and paid over
a period, seen from the seller's side: from the ledger
(:func:`build_reconciliation`) or from the documents and payments an
accountant reconciles (:func:`reconciliation_from_documents`)."""

from __future__ import annotations

import decimal
from collections.abc import Callable, Sequence
from datetime import date, datetime, timezone, tzinfo
from decimal import Decimal
from typing import Final

import attrs
from moneyed import Currency, Money

from billkit import _checks as checks
from billkit.credit.ledger import Ledger
from billkit.errors import InvoicingError
from billkit.invoicing.documents import (
    Act,
    BuyerFigures,
    CreditNote,
    Invoice,
    Receipt,
    ReconciliationRow,
    ReconciliationStatement,
)
from billkit.invoicing.terms import DocumentTerms, _terms
from billkit.money import CONTEXT, DEFAULT_ROUNDING, RoundingPolicy
from billkit.periods import Period

__all__ = ["build_reconciliation", "reconciliation_from_documents", "whole_rows"]

_ZERO: Final = Decimal(0)
_EPOCH: Final = datetime(
    1970, 1, 1, tzinfo=timezone.utc
)  # a placeholder time: rows keep their order


def build_reconciliation(
    ledger: Ledger,
    wallet: str | Sequence[str],
    terms: DocumentTerms,
    *,
    period: Period,
    issue_date: date,
    number: str | None = None,
    tz: str | tzinfo = "UTC",
    notes: Sequence[str] | str = (),
    rounding: RoundingPolicy = DEFAULT_ROUNDING,
    buyer_figures: BuyerFigures | None = None,
) -> ReconciliationStatement:
    """A reconciliation statement of ``wallet`` (or several wallets of one
    currency) for ``period``, from the seller's side.

    The opening balance is what the buyer owed before the period's first day
    in time zone ``tz`` (a ``tzinfo``, ``'UTC'``, an offset such as
    ``'+03:00'`` or an IANA name such as ``'Europe/Moscow'``). The rows are
    the ledger's entries of the period in time order (a charge, refund,
    expiry or other debit of the wallet is a *debit*: the buyer owes more; a
    payment, bonus or other credit is a *credit*), and the closing balance is
    opening + debits - credits: the negative of the wallet's balance at the
    period's end. A positive balance is a debt of the buyer, a negative one a
    prepayment. ``buyer_figures`` is the buyer's own side
    (:class:`~billkit.invoicing.documents.BuyerFigures`), when it has given
    it. The parties and the locale come from ``terms``. Book due
    expiries (:meth:`~billkit.credit.Ledger.expire`) first to show them.

    Every amount is in whole minor units, as an accountant reconciles them:
    the opening balance and the running balance after each row are rounded
    under ``rounding``, and each row shows the step between two rounded
    balances, so the rows add up to the totals and the closing balance is the
    exact one, rounded (a ledger charge of 22.4137 shows as 22.41 or 22.42).

    >>> from datetime import datetime, timezone
    >>> from billkit.credit import Wallet
    >>> from billkit.parties import Party
    >>> t = lambda m, d: datetime(2024, m, d, 12, tzinfo=timezone.utc)
    >>> ledger = Ledger(wallets=[Wallet(name="main", currency="RUB")])
    >>> ledger = ledger.top_up("main", "500.00", at=t(1, 10), key="p1", reference="pfx/5600")
    >>> ledger = ledger.charge("main", "120.00", at=t(1, 20), key="c1", description="VPS-1")
    >>> ledger = ledger.top_up("main", "100.00", at=t(2, 3), key="p2", reference="pfx/5635")
    >>> ledger = ledger.charge("main", "22.4137", at=t(2, 21), key="4839", description="BACKUP-1000")
    >>> terms = DocumentTerms(seller=Party(kind="legal_entity", country="RU", name="Хостинг"),
    ...                       buyer=Party(kind="individual", country="RU", name="Аня"), rules=None)
    >>> st = build_reconciliation(ledger, "main", terms, issue_date=date(2024, 3, 1),
    ...                           period=Period(date(2024, 2, 1), date(2024, 3, 1)))
    >>> st.opening_balance, st.debit_total, st.credit_total, st.closing_balance
    (Money('-380.00', 'RUB'), Money('22.41', 'RUB'), Money('100.00', 'RUB'), Money('-457.59', 'RUB'))
    >>> ledger.balance("main")   # the prepayment the statement shows, seen from the wallet
    Money('457.5863', 'RUB')
    """
    checks.instance("ledger", ledger, Ledger, error=InvoicingError)
    names = (wallet,) if isinstance(wallet, str) else tuple(wallet)
    if not names:
        raise InvoicingError("wallet", wallet, "a wallet name, or several")
    currencies = {ledger.wallet(name).currency for name in names}
    if len(currencies) != 1:
        raise checks.currency_error(InvoicingError)(
            "wallet", list(names), "wallets of one currency (a statement has one currency)"
        )
    (cur,) = currencies
    checks.instance("period", period, Period, error=InvoicingError)
    _terms(terms)
    zone = checks.tz("tz", tz, error=InvoicingError)
    policy = checks.instance("rounding", rounding, RoundingPolicy, error=InvoicingError)

    def round_to(amount: Decimal) -> Decimal:
        return policy.round_amount(amount, cur)

    opening = _ZERO
    debits = _ZERO
    credits = _ZERO
    rows: list[tuple[datetime, int, ReconciliationRow]] = []
    wanted = set(names)
    with decimal.localcontext(CONTEXT):
        for index, entry in enumerate(ledger.entries):
            if entry.wallet not in wanted:
                continue
            day = entry.at.astimezone(zone).date()
            amount = entry.amount.amount
            if day < period.start:
                opening -= amount
                continue
            if day >= period.end:
                continue
            debit = -amount if amount < 0 else _ZERO
            credit = amount if amount > 0 else _ZERO
            debits += debit
            credits += credit
            rows.append(
                (
                    entry.at,
                    index,
                    ReconciliationRow(
                        on=day,
                        description=entry.description,
                        debit=Money(debit, cur),
                        credit=Money(credit, cur),
                        reference=entry.reference,
                        entry_kind=entry.kind.value,
                        key=entry.key,
                    ),
                )
            )
        rows.sort(key=lambda item: (item[0], item[1]))
        opening, debits, credits, whole = _round_rows(opening, rows, round_to, cur)
        rows = whole
        closing = opening + debits - credits
    return _statement(
        number,
        issue_date,
        terms,
        cur,
        period,
        opening,
        rows,
        debits,
        credits,
        closing,
        notes,
        buyer_figures,
    )


def _statement(
    number: str | None,
    issue_date: date,
    terms: DocumentTerms,
    cur: Currency,
    period: Period,
    opening: Decimal,
    rows: Sequence[tuple[object, int, ReconciliationRow]],
    debits: Decimal,
    credits: Decimal,
    closing: Decimal,
    notes: Sequence[str] | str,
    buyer_figures: BuyerFigures | None = None,
) -> ReconciliationStatement:
    """The statement both builders end with: sorted rows, balances in ``cur``."""
    return ReconciliationStatement(
        number=number,
        issue_date=checks.day("issue_date", issue_date, error=InvoicingError),
        seller=terms.seller,
        buyer=terms.buyer,
        currency=cur,
        locale=terms.locale,
        period=period,
        opening_balance=Money(opening, cur),
        rows=[row for _, _, row in rows],
        debit_total=Money(debits, cur),
        credit_total=Money(credits, cur),
        closing_balance=Money(closing, cur),
        notes=notes,
        facsimile=terms.facsimile,
        buyer_figures=buyer_figures,
    )


def _round_rows(
    opening: Decimal,
    rows: Sequence[tuple[datetime, int, ReconciliationRow]],
    round_to: Callable[[Decimal], Decimal],
    cur: Currency,
) -> tuple[Decimal, Decimal, Decimal, list[tuple[datetime, int, ReconciliationRow]]]:
    """Rows in whole minor units: the running balance is rounded after each
    row and each row shows the step between two rounded balances, so the rows
    add up to the totals and the closing balance is the exact one, rounded."""
    exact = opening
    before = round_to(opening)
    start = before
    debits = credits = _ZERO
    whole: list[tuple[datetime, int, ReconciliationRow]] = []
    with decimal.localcontext(CONTEXT):
        for at, index, row in rows:
            exact += row.debit.amount - row.credit.amount
            after = round_to(exact)
            step = after - before
            before = after
            debit = step if row.debit.amount else _ZERO
            credit = -step if row.credit.amount else _ZERO
            debits += debit
            credits += credit
            whole.append(
                (at, index, attrs.evolve(row, debit=Money(debit, cur), credit=Money(credit, cur)))
            )
    return start, debits, credits, whole


def whole_rows(
    opening: Money, rows: Sequence[ReconciliationRow], rounding: RoundingPolicy = DEFAULT_ROUNDING
) -> tuple[Money, list[ReconciliationRow]]:
    """``opening`` and ``rows`` (in time order) in whole minor units, as
    :func:`build_reconciliation` shows them (for statements built by hand).

    >>> rub = lambda a: Money(a, "RUB")
    >>> row = lambda d, c: ReconciliationRow(on=date(2026, 3, 1), description="x",
    ...                                      debit=rub(d), credit=rub(c))
    >>> start, rows = whole_rows(rub("-150"), [row("22.4137", "0"), row("22.4137", "0")])
    >>> start, [r.debit.amount for r in rows]   # -150 + 22.4137 = -127.5863 -> -127.59
    (Money('-150.00', 'RUB'), [Decimal('22.41'), Decimal('22.42')])
    """
    cur = opening.currency

    def round_to(amount: Decimal) -> Decimal:
        return rounding.round_amount(amount, cur)

    start, _, _, whole = _round_rows(
        opening.amount, [(_EPOCH, i, r) for i, r in enumerate(rows)], round_to, cur
    )
    return Money(start, cur), [r for _, _, r in whole]


# How a document reads as a row of the statement, per language: a sale (an act
# or invoice) is a debit, a credit note and a payment (receipt) are credits.
_ROW_TEXT: Final[dict[str, dict[str, str]]] = {
    "ru": {
        "act": "Продажа (акт № {number} от {date})",
        "invoice": "Продажа (счёт № {number} от {date})",
        "credit_note": "Корректировка (№ {number} от {date})",
        "receipt": "Оплата (№ {number} от {date})",
    },
    "uk": {
        "act": "Продаж (акт № {number} від {date})",
        "invoice": "Продаж (рахунок № {number} від {date})",
        "credit_note": "Коригування (№ {number} від {date})",
        "receipt": "Оплата (№ {number} від {date})",
    },
    "it": {
        "act": "Vendita (n. {number} del {date})",
        "invoice": "Fattura n. {number} del {date}",
        "credit_note": "Nota di credito n. {number} del {date}",
        "receipt": "Pagamento (n. {number} del {date})",
    },
    "fa": {
        "act": "فروش (سند {number}، {date})",
        "invoice": "صورتحساب {number}، {date}",
        "credit_note": "اعتبار {number}، {date}",
        "receipt": "پرداخت {number}، {date}",
    },
    "en": {
        "act": "Sale (act {number} of {date})",
        "invoice": "Invoice {number} of {date}",
        "credit_note": "Credit note {number} of {date}",
        "receipt": "Payment (receipt {number} of {date})",
    },
}
_DATE_FORMAT: Final = {"ru": "%d.%m.%Y", "uk": "%d.%m.%Y", "it": "%d/%m/%Y"}


def reconciliation_from_documents(
    documents: Sequence[Invoice | Act | CreditNote | Receipt],
    terms: DocumentTerms,
    *,
    period: Period,
    issue_date: date,
    payments: Sequence[ReconciliationRow] = (),
    opening_balance: Money | None = None,
    number: str | None = None,
    notes: Sequence[str] | str = (),
    rounding: RoundingPolicy = DEFAULT_ROUNDING,
    buyer_figures: BuyerFigures | None = None,
) -> ReconciliationStatement:
    """A reconciliation statement from the documents and payments between
    the parties, as an accountant reconciles them: one row per act or invoice
    (a debit: what the buyer came to owe, its gross total), per credit note
    and per payment (credits), not per ledger charge.

    ``documents`` are issued acts or invoices (pass one of the two kinds for
    the same sales, not both), credit notes and receipts, dated by their
    issue date (a receipt by ``paid_on``). ``payments`` are payments without
    a receipt, as :class:`~billkit.invoicing.documents.ReconciliationRow`
    credits (a refund paid out is a debit), such as a bank transfer with its
    reference. Those dated before the period make the opening balance (added
    to ``opening_balance``, what the buyer owed before the earliest of them;
    zero by default); those after it are left out. Rows are in date order
    (on one day, in the order given, documents first), each described in the
    document's language with its number and date, and everything is in whole
    minor units as :func:`build_reconciliation` shows it. The parties, locale
    and currency come from ``terms`` and the documents, which must all be in
    one currency. ``buyer_figures`` is the buyer's own side
    (:class:`~billkit.invoicing.documents.BuyerFigures`), when it has given it:
    the statement then shows both sides and how far they differ.

    The hosting provider's January and February with a client company, in
    roubles: acts of 12 000.00 (31.01) and 12 500.00 (29.02), a payment of
    12 000.00 on 05.02 and a credit note of 500.00 on 29.02. From 01.02 the
    opening balance is the January act, 12 000.00; then 12 000.00 - 12 000.00
    + 12 500.00 - 500.00 = 12 000.00 owed to the seller:

    >>> from billkit.parties import Party
    >>> from billkit.invoicing import DocumentTerms, Item, build_act, build_credit_note
    >>> terms = DocumentTerms(seller=Party(kind="legal_entity", country="RU", name="ООО Хостинг"),
    ...                       buyer=Party(kind="legal_entity", country="RU", name="ООО Клиент"),
    ...                       locale="ru_RU", prices_include_tax=True, rules=None)
    >>> act = lambda n, d, a: build_act([Item(description="VPS", unit_price=Money(a, "RUB"))],
    ...                                 terms, number=n, issue_date=d)
    >>> january = act("1", date(2024, 1, 31), "12000.00")
    >>> february = act("2", date(2024, 2, 29), "12500.00")
    >>> refund = build_credit_note(february, number="К-1", issue_date=date(2024, 2, 29),
    ...                            amount=Money("500.00", "RUB"))
    >>> paid = ReconciliationRow(on=date(2024, 2, 5), description="Оплата", reference="п/п № 56",
    ...                          debit=Money("0", "RUB"), credit=Money("12000.00", "RUB"))
    >>> st = reconciliation_from_documents([january, february, refund], terms, payments=[paid],
    ...                                    period=Period(date(2024, 2, 1), date(2024, 3, 1)),
    ...                                    issue_date=date(2024, 3, 1))
    >>> for r in st.rows:
    ...     print(r.on, r.description, r.reference, r.debit.amount, r.credit.amount)
    2024-02-05 Оплата п/п № 56 0 12000.00
    2024-02-29 Продажа (акт № 2 от 29.02.2024)  12500.00 0
    2024-02-29 Корректировка (№ К-1 от 29.02.2024)  0 500.00
    >>> st.opening_balance, st.closing_balance, st.in_favour_of
    (Money('12000.00', 'RUB'), Money('12000.00', 'RUB'), 'seller')

    The buyer's books, as it sent them back, lack the credit note: from the
    same 12 000.00, its payment (a debit in its books) and the act (a
    credit) leave 12 000.00 - 12 000.00 + 12 500.00 = 12 500.00, so the two
    sides differ by 12 000.00 - 12 500.00 = -500.00:

    >>> from billkit.invoicing.documents import BuyerFigures
    >>> rub = lambda a: Money(a, "RUB")
    >>> theirs = BuyerFigures(opening_balance=rub("12000.00"), rows=[
    ...     ReconciliationRow(on=date(2024, 2, 5), description="п/п № 56",
    ...                       debit=rub("12000.00"), credit=rub("0")),
    ...     ReconciliationRow(on=date(2024, 2, 29), description="Акт № 2",
    ...                       debit=rub("0"), credit=rub("12500.00"))])
    >>> both = reconciliation_from_documents(
    ...     [january, february, refund], terms, payments=[paid], buyer_figures=theirs,
    ...     period=Period(date(2024, 2, 1), date(2024, 3, 1)), issue_date=date(2024, 3, 1))
    >>> both.buyer_figures.closing_balance, both.discrepancy
    (Money('12500.00', 'RUB'), Money('-500.00', 'RUB'))
    """
    _terms(terms)
    checks.instance("period", period, Period, error=InvoicingError)
    policy = checks.instance("rounding", rounding, RoundingPolicy, error=InvoicingError)
    if isinstance(documents, (str, bytes)) or not isinstance(documents, Sequence):
        raise InvoicingError(
            "documents", documents, "a list of acts, invoices, credit notes, receipts"
        )
    if isinstance(payments, (str, bytes)) or not isinstance(payments, Sequence):
        raise InvoicingError("payments", payments, "a list of ReconciliationRow")
    language = terms.locale.split("_")[0]
    texts = _ROW_TEXT.get(language, _ROW_TEXT["en"])
    fmt = _DATE_FORMAT.get(language, "%Y-%m-%d")
    cur: Currency | None = opening_balance.currency if isinstance(opening_balance, Money) else None
    dated: list[tuple[date, int, ReconciliationRow]] = []
    for i, doc in enumerate(documents):
        if not isinstance(doc, (Invoice, Act, CreditNote, Receipt)):
            raise InvoicingError(
                f"documents[{i}]", type(doc).__name__, "an Invoice, Act, CreditNote or Receipt"
            )
        if doc.number is None:
            raise InvoicingError(f"documents[{i}].number", None, "an issued document")
        cur = cur or doc.currency
        checks.same_currency(
            f"documents[{i}].currency", doc.totals.gross, cur, error=InvoicingError
        )
        on = doc.paid_on if isinstance(doc, Receipt) else doc.issue_date
        gross = doc.totals.gross.amount
        zero = Money(_ZERO, cur)
        debit = isinstance(doc, (Invoice, Act))
        text = texts[doc.kind.value].format(number=doc.number, date=doc.issue_date.strftime(fmt))
        row = ReconciliationRow(
            on=on,
            description=text,
            debit=Money(gross, cur) if debit else zero,
            credit=zero if debit else Money(gross, cur),
            entry_kind=doc.kind.value,
            key=doc.number,
        )
        dated.append((on, i, row))
    for j, payment in enumerate(payments):
        checks.instance(f"payments[{j}]", payment, ReconciliationRow, error=InvoicingError)
        cur = cur or payment.debit.currency
        checks.same_currency(f"payments[{j}].credit", payment.credit, cur, error=InvoicingError)
        dated.append((payment.on, len(documents) + j, payment))
    if cur is None:
        raise InvoicingError(
            "documents", documents, "at least one document, payment or an opening_balance"
        )
    opening = _ZERO
    if opening_balance is not None:
        opening = checks.money("opening_balance", opening_balance, cur, error=InvoicingError).amount
    dated.sort(key=lambda item: (item[0], item[1]))
    rows: list[tuple[datetime, int, ReconciliationRow]] = []
    with decimal.localcontext(CONTEXT):
        for on, index, row in dated:
            if on < period.start:
                opening += row.debit.amount - row.credit.amount
            elif on < period.end:
                rows.append((_EPOCH, index, row))

        def round_to(amount: Decimal) -> Decimal:
            return policy.round_amount(amount, cur)

        start, debits, credits, whole = _round_rows(opening, rows, round_to, cur)
        closing = start + debits - credits
    return _statement(
        number,
        issue_date,
        terms,
        cur,
        period,
        start,
        whole,
        debits,
        credits,
        closing,
        notes,
        buyer_figures,
    )
