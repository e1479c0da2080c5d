"""Top-ups: suggestions for N months with their bonus, and receiving a payment.

:func:`suggest_top_ups` answers the analytics SaaS's "Enter an amount" box:
for the current tariff, what 1, 3, 5, 9 or 15 months cost, the bonus each
earns, the balance it leaves and how many months that covers (the
analytics SaaS: 9 months at 10 000 RUB is 90 000, earns 30 000 of bonus, and
leaves a balance of 120 000: 12 months).

>>> from billkit.money import Money
>>> from billkit.credit import BonusProgram
>>> options = suggest_top_ups(Money("10000.00", "RUB"), program=BonusProgram.months({5: 1, 9: 3, 15: 9}))
>>> for o in options:
...     print(o.months, o.amount.amount, o.bonus.amount, o.balance_after.amount, o.months_covered)
1 10000.00 0.00 10000.00 1.00
3 30000.00 0.00 30000.00 3.00
5 50000.00 10000.00 60000.00 6.00
9 90000.00 30000.00 120000.00 12.00
15 150000.00 90000.00 240000.00 24.00

:func:`receive_payment` books a payment with what it earns: the top-up, its
bonus and its cashback, as separate entries under keys derived from the
payment's (``'<key>/bonus'``, ``'<key>/cashback'``), all or none, so a retried
payment is counted once.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Final

import attrs
from moneyed import Currency, Money

from billkit import _checks as checks
from billkit.credit.bonus import BonusProgram
from billkit.credit.commission import PaymentMethod, PaymentQuote
from billkit.credit.entries import CreditKind, Entry, EntryKind
from billkit.credit.ledger import Ledger
from billkit.errors import CreditError
from billkit.money import CONTEXT, DEFAULT_ROUNDING, to_decimal

__all__ = [
    "DEFAULT_MONTHS",
    "TopUpOption",
    "receive_payment",
    "reward_payment",
    "suggest_top_ups",
    "top_up_option",
]

DEFAULT_MONTHS: Final = (1, 3, 5, 9, 15)
"""The month counts suggested by default: the analytics SaaS's bonus steps.

>>> DEFAULT_MONTHS
(1, 3, 5, 9, 15)
"""

_ZERO: Final = Decimal(0)
_HUNDREDTH: Final = Decimal("0.01")


@attrs.frozen(kw_only=True)
class TopUpOption:
    """One suggested top-up.

    ``amount`` is credited to the balance; the payer pays ``pay`` (``amount``
    plus the method's ``fee``, when a method is given); ``bonus`` is what the
    program adds; ``balance_after`` the balance then; ``months_covered`` how
    many months of the tariff that balance pays for, rounded down to
    hundredths (never overstated). ``months`` is None for a typed amount.

    >>> option: TopUpOption = top_up_option(Money("25000.00", "RUB"), tariff=Money("10000.00", "RUB"))
    >>> option.months, option.balance_after, option.months_covered
    (None, Money('25000.00', 'RUB'), Decimal('2.50'))
    """

    months: Decimal | None
    amount: Money
    bonus: Money
    balance_after: Money
    months_covered: Decimal
    pay: Money
    fee: Money
    cashback: Money


def _program(value: object) -> BonusProgram | None:
    return (
        None
        if value is None
        else checks.instance("program", value, BonusProgram, error=CreditError)
    )


def _method(value: object) -> PaymentMethod | None:
    return (
        None
        if value is None
        else checks.instance("method", value, PaymentMethod, error=CreditError)
    )


def top_up_option(
    amount: Money,
    *,
    tariff: Money,
    program: BonusProgram | None = None,
    balance: Money | None = None,
    method: PaymentMethod | None = None,
    months: Decimal | int | None = None,
) -> TopUpOption:
    """What topping up ``amount`` gives: the bonus, the balance after, the
    months covered and, with a ``method``, what the payer pays (refused
    outside the method's limits).

    The individual paying through a provider taking 3.9 % sees the amount
    with the commission included:

    >>> from billkit.credit import Commission, PaymentMethod
    >>> robokassa = PaymentMethod(name="robokassa", mode="gross_up",
    ...                           commission=Commission(rate="3.9%", currency="RUB"))
    >>> option = top_up_option(Money("90000.00", "RUB"), tariff=Money("10000.00", "RUB"),
    ...                        method=robokassa)
    >>> option.pay, option.fee
    (Money('93652.45', 'RUB'), Money('3652.45', 'RUB'))
    """
    money = checks.money("amount", amount, sign="above_zero", error=CreditError)
    cur = money.currency
    monthly = checks.same_currency(
        "tariff",
        checks.money("tariff", tariff, sign="above_zero", error=CreditError),
        cur,
        error=CreditError,
    )
    checks.whole_minor_units("amount", money, DEFAULT_ROUNDING, error=CreditError)
    start = (
        checks.same_currency("balance", balance, cur, error=CreditError)
        if balance is not None
        else Money(_ZERO, cur)
    )
    program = _program(program)
    method = _method(method)
    bonus = program.bonus(money, monthly) if program is not None else _zero(cur)
    if method is not None:
        quote: PaymentQuote = method.quote(
            checks.same_currency("amount", money, method.currency, error=CreditError)
        )
        pay, fee, cashback = quote.gross, quote.fee, quote.cashback
    else:
        pay, fee, cashback = money, _zero(cur), _zero(cur)
    with decimal.localcontext(CONTEXT):
        after = start.amount + money.amount + bonus.amount + cashback.amount
        covered = (after / monthly.amount).quantize(_HUNDREDTH, rounding=ROUND_FLOOR)
    return TopUpOption(
        months=None if months is None else to_decimal(months, "months"),
        amount=money,
        bonus=bonus,
        balance_after=Money(after, cur),
        months_covered=covered,
        pay=pay,
        fee=fee,
        cashback=cashback,
    )


def suggest_top_ups(
    tariff: Money,
    *,
    program: BonusProgram | None = None,
    balance: Money | None = None,
    method: PaymentMethod | None = None,
    months: Sequence[int | Decimal] = DEFAULT_MONTHS,
) -> tuple[TopUpOption, ...]:
    """Top-ups of ``months`` x ``tariff`` (1, 3, 5, 9 and 15 months by
    default), each with its bonus, the balance it leaves and the months
    covered. With a ``method``, options outside the method's limits are left
    out (a top-up must be payable in one payment).

    >>> [o.amount.amount for o in suggest_top_ups(Money("990.00", "UAH"), months=[1, 12])]
    [Decimal('990.00'), Decimal('11880.00')]
    """
    monthly = checks.money("tariff", tariff, sign="above_zero", error=CreditError)
    options = []
    for i, count in enumerate(months):
        n = checks.decimal(f"months[{i}]", count, above=0, error=CreditError)
        with decimal.localcontext(CONTEXT):
            amount = DEFAULT_ROUNDING.round(Money(n * monthly.amount, monthly.currency))
        if method is not None and not method.within_limits(method.price(amount).gross):
            continue
        options.append(
            top_up_option(
                amount, tariff=monthly, program=program, balance=balance, method=method, months=n
            )
        )
    return tuple(options)


def _zero(cur: Currency) -> Money:
    return Money(DEFAULT_ROUNDING.round_amount(_ZERO, cur), cur)


def _entries_for(
    payment: Entry,
    program: BonusProgram | None,
    tariff: Money | None,
    quote: PaymentQuote | None,
    method: PaymentMethod | None,
) -> list[Entry]:
    earned: list[Entry] = []
    if program is not None:
        bonus = program.bonus(payment.amount, tariff)
        if bonus.amount:
            earned.append(
                Entry(
                    kind=EntryKind.BONUS,
                    amount=bonus,
                    wallet=payment.wallet,
                    at=payment.at,
                    key=f"{payment.key}/bonus",
                    credit_kind=program.kind,
                    expires_at=program.expires_at(payment.at),
                    source=payment.key,
                    description="prepayment bonus",
                    tags=payment.tags,
                )
            )
    if method is not None and method.cashback is not None and quote is not None:
        cashback = quote.cashback
        if cashback.amount:
            earned.append(
                Entry(
                    kind=EntryKind.CASHBACK,
                    amount=cashback,
                    wallet=payment.wallet,
                    at=payment.at,
                    key=f"{payment.key}/cashback",
                    credit_kind=method.cashback.kind,
                    expires_at=method.cashback.expires_at(payment.at),
                    source=payment.key,
                    description=f"cashback {method.name}",
                    tags=payment.tags,
                )
            )
    return earned


def receive_payment(
    ledger: Ledger,
    wallet: str,
    amount: Money | str,
    *,
    at: datetime,
    key: str,
    reference: str = "",
    method: PaymentMethod | None = None,
    program: BonusProgram | None = None,
    tariff: Money | None = None,
    kind: CreditKind | str = CreditKind.PAID,
    description: str = "",
    tags: Mapping[str, str] | Iterable[tuple[str, str]] = (),
) -> Ledger:
    """Book a payment that credits ``amount``, with its bonus and cashback.

    ``method`` (checked against its limits) gives the cashback and a
    ``'method'`` tag; ``program`` and ``tariff`` the bonus. All entries are
    posted together, or none.

    The analytics SaaS: 90 000 paid at a 10 000 tariff, 30 000 of bonus,
    balance 120 000:

    >>> from datetime import datetime, timezone
    >>> from billkit.credit import BonusProgram, Ledger, Wallet
    >>> ledger = Ledger(wallets=[Wallet(name="main", currency="RUB")])
    >>> ledger = receive_payment(ledger, "main", Money("90000.00", "RUB"),
    ...     at=datetime(2026, 3, 1, tzinfo=timezone.utc), key="pay-1",
    ...     program=BonusProgram.months({5: 1, 9: 3, 15: 9}), tariff=Money("10000.00", "RUB"))
    >>> ledger.balance("main"), [e.kind.value for e in ledger.entries]
    (Money('120000.00', 'RUB'), ['top_up', 'bonus'])
    """
    checks.instance("ledger", ledger, Ledger, error=CreditError)
    w = ledger.wallet(wallet)
    money = checks.money("amount", amount, w.currency, sign="above_zero", error=CreditError)
    method = _method(method)
    quote = (
        method.quote(checks.same_currency("amount", money, method.currency, error=CreditError))
        if method
        else None
    )
    labels = dict(checks.tags("tags", tags, error=CreditError))
    if method is not None:
        labels.setdefault("method", method.name)
    payment = Entry(
        kind=EntryKind.TOP_UP,
        amount=money,
        wallet=wallet,
        at=at,
        key=key,
        reference=reference,
        credit_kind=kind,
        description=description,
        tags=labels,
    )
    return ledger.post_all(
        [payment, *_entries_for(payment, _program(program), tariff, quote, method)]
    )


def reward_payment(
    ledger: Ledger,
    payment: str,
    *,
    method: PaymentMethod | None = None,
    program: BonusProgram | None = None,
    tariff: Money | None = None,
) -> Ledger:
    """Book the bonus and cashback of a payment already in the ledger (a bank
    transfer that was pending and is now confirmed). Posting them again
    changes nothing.

    >>> from datetime import datetime, timezone
    >>> from billkit.credit import BonusProgram, Ledger, Wallet
    >>> from billkit.credit.entries import PendingPayment
    >>> ledger = Ledger(wallets=[Wallet(name="main", currency="RUB")])
    >>> ledger = ledger.expect(PendingPayment(key="bank-9", wallet="main",
    ...     amount=Money("50000.00", "RUB"), at=datetime(2026, 3, 1, 9, tzinfo=timezone.utc)))
    >>> ledger = ledger.confirm("bank-9", at=datetime(2026, 3, 3, 10, tzinfo=timezone.utc))
    >>> ledger = reward_payment(ledger, "bank-9", program=BonusProgram.months({5: 1}),
    ...                         tariff=Money("10000.00", "RUB"))
    >>> ledger.balance("main")
    Money('60000.00', 'RUB')
    """
    checks.instance("ledger", ledger, Ledger, error=CreditError)
    entry = ledger.entry(payment)
    if entry.kind is not EntryKind.TOP_UP:
        raise CreditError("payment", payment, "the key of a top-up")
    method = _method(method)
    quote = None
    if method is not None:
        # The payment credited ``entry.amount``; the method's quote for it gives the cashback.
        quote = method.price(
            checks.same_currency("amount", entry.amount, method.currency, error=CreditError)
        )
    return ledger.post_all(_entries_for(entry, _program(program), tariff, quote, method))
