"""The credit ledger: immutable entries, wallets, balances and who paid what.

A :class:`Ledger` is one customer's book: its :class:`Wallet`\\ s (a main
balance, a separate tracking balance, one per currency...) and the
:class:`Entry`\\ s posted to them. It is an immutable value: every operation
returns a new ledger and a refused one raises, leaving the old value as it was.

Each entry is signed: credits (top-ups, bonuses, cashback, positive
adjustments) are positive, debits (charges, refunds, expiries, clawbacks,
credit-limit debt, negative adjustments) negative, so **a wallet's balance is
the sum of its entries**. Entries carry an idempotency key: posting the same
entry twice counts it once, and a different entry under a used key is refused.

Every credit is a *lot* of one :class:`CreditKind` (paid money, bonus,
promotional, refundable). A charge consumes the lots in the wallet's
:class:`ConsumptionOrder` (by default promotional, then bonus, then paid, then
refundable money; within a kind the credit expiring soonest first, otherwise
the oldest first: FIFO). Replaying the entries in that order tells which
payment paid which charge (:meth:`Ledger.expenses`); a charge the wallet
cannot cover is refused, unless the wallet has a credit line, in which case
the uncovered part stays *unpaid* (the debt) until a later credit pays it,
oldest charge first.

Refunds return cash only from a paid (or refundable) lot and never more than
is left of it, so bonus money can never leave as cash; refunding a payment
also claws back the bonus it earned. Bonus credit may expire: an expiry entry
removes what is left of it.

>>> from datetime import datetime, timezone
>>> t = lambda day: datetime(2026, 3, day, 12, tzinfo=timezone.utc)
>>> ledger = Ledger(wallets=[Wallet(name="main", currency="RUB")])
>>> ledger = ledger.top_up("main", "90000.00", at=t(1), key="pay-1", reference="pfx/5635")
>>> ledger = ledger.grant("main", "30000.00", at=t(1), key="pay-1/bonus", source="pay-1")
>>> ledger.balance("main")
Money('120000.00', 'RUB')
>>> ledger = ledger.charge("main", "22.4137", at=t(2), key="exp-4839", description="BACKUP-1000")
>>> [(a.credit, a.amount) for a in ledger.expenses("main")[0].allocations]
[('pay-1/bonus', Money('22.4137', 'RUB'))]
"""

from __future__ import annotations

import bisect
import decimal
import enum
import heapq
import itertools
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any, Final, TypeVar

import attrs
from moneyed import Currency, Money

from billkit._frozen import reduce_through_init
from billkit.credit import _common as c
from billkit.credit.limit import CreditLine, CreditState, Statement, StatementDates, end_of
from billkit.errors import (
    CreditError,
    CreditLimitExceededError,
    CurrencyMismatchError,
    InsufficientFundsError,
    TransitionError,
)
from billkit.money import (
    CONTEXT,
    DEFAULT_ROUNDING,
    RoundingPolicy,
    allocate,
    to_rate,
)
from billkit.periods import Period

__all__ = [
    "DEFAULT_ORDER",
    "Allocation",
    "Clawback",
    "ConsumptionOrder",
    "CreditKind",
    "CreditLot",
    "Entry",
    "EntryKind",
    "Expense",
    "HistoryGroup",
    "Ledger",
    "LotOrder",
    "PendingPayment",
    "Wallet",
    "allocate_entries",
    "balance_of",
    "group_entries",
    "tax_by_row",
]

_ZERO: Final = c.ZERO


class CreditKind(str, enum.Enum):
    """The kind of money a credit is.

    * ``PAID``: money the customer paid (a top-up); refundable as cash.
    * ``REFUNDABLE``: money owed back to the customer that is not a payment
      (an overpayment, a withdrawable compensation); refundable as cash.
    * ``BONUS``: earned by a program (prepayment bonus, cashback); never cash.
    * ``PROMOTIONAL``: granted (a promo code, trial credit); never cash.

    >>> CreditKind.PAID.cash, CreditKind.BONUS.cash
    (True, False)
    """

    PAID = "paid"
    BONUS = "bonus"
    PROMOTIONAL = "promotional"
    REFUNDABLE = "refundable"

    @property
    def cash(self) -> bool:
        """Whether this money may be refunded as cash."""
        return self in (CreditKind.PAID, CreditKind.REFUNDABLE)


class LotOrder(str, enum.Enum):
    """Which lot of one credit kind a charge consumes first.

    ``EXPIRING_FIRST`` (the default) takes the lot expiring soonest, then the
    oldest: plain FIFO when nothing expires. ``FIFO`` takes the oldest,
    ``LIFO`` the newest.

    >>> LotOrder("fifo") is LotOrder.FIFO
    True
    """

    EXPIRING_FIRST = "expiring_first"
    FIFO = "fifo"
    LIFO = "lifo"


class Clawback(str, enum.Enum):
    """How much of the bonus a payment earned is taken back when it is refunded.

    ``ALL`` (the default): any refund forfeits everything the payment earned,
    so bonus money never turns into cash, whatever the program's rules.
    ``PROPORTIONAL``: the share refunded (refunding a third forfeits a third;
    cumulative over several refunds, rounded once), right for a flat-rate
    cashback, generous for a tiered program whose tier the kept part no
    longer reaches.

    >>> Clawback("proportional") is Clawback.PROPORTIONAL
    True
    """

    ALL = "all"
    PROPORTIONAL = "proportional"


class EntryKind(str, enum.Enum):
    """What an entry records, and so the sign of its amount.

    Credits (positive): ``TOP_UP`` (a payment), ``BONUS`` (bonus or
    promotional credit), ``CASHBACK``. Debits (negative): ``CHARGE`` (an
    expense), ``REFUND`` (cash back to the customer from a paid lot),
    ``DEBT`` (credit-limit debt brought into the wallet without a charge: an
    opening balance owed, a debt moved from another system), ``EXPIRY`` (the
    rest of an expired lot), ``CLAWBACK`` (bonus taken back when the payment
    that earned it is refunded; its ``reference`` is that payment).
    ``ADJUSTMENT`` is either: a correction.

    >>> EntryKind("top_up") is EntryKind.TOP_UP
    True
    """

    TOP_UP = "top_up"
    BONUS = "bonus"
    CASHBACK = "cashback"
    CHARGE = "charge"
    REFUND = "refund"
    DEBT = "debt"
    EXPIRY = "expiry"
    CLAWBACK = "clawback"
    ADJUSTMENT = "adjustment"


_CREDITS: Final = frozenset({EntryKind.TOP_UP, EntryKind.BONUS, EntryKind.CASHBACK})
_DEBITS: Final = frozenset(
    {EntryKind.CHARGE, EntryKind.REFUND, EntryKind.DEBT, EntryKind.EXPIRY, EntryKind.CLAWBACK}
)
_TARGETED: Final = frozenset({EntryKind.REFUND, EntryKind.EXPIRY, EntryKind.CLAWBACK})
_NO_SOURCE: Final = frozenset({EntryKind.TOP_UP, EntryKind.CHARGE, EntryKind.DEBT})
_EARNED: Final = frozenset({EntryKind.BONUS, EntryKind.CASHBACK})
_WHOLE: Final = frozenset({EntryKind.TOP_UP, EntryKind.BONUS, EntryKind.CASHBACK, EntryKind.REFUND})
_EXPENSES: Final = (EntryKind.CHARGE, EntryKind.DEBT, EntryKind.ADJUSTMENT)


_E = TypeVar("_E", bound=enum.Enum)
_T = TypeVar("_T")


def _enum(kind: type[_E], field: str, value: object) -> _E:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(repr(m.value) for m in kind)
        raise CreditError(field, value, f"one of {choices}") from None


def _to_credit_kind(value: object) -> CreditKind:
    if type(value) is CreditKind:
        return value
    return _enum(CreditKind, "credit_kind", value)


def _to_entry_kind(value: object) -> EntryKind:
    if type(value) is EntryKind:
        return value
    return _enum(EntryKind, "kind", value)


def _to_lot_order(value: object) -> LotOrder:
    return _enum(LotOrder, "lots", value)


def _to_clawback(value: object) -> Clawback:
    return _enum(Clawback, "clawback", value)


def _kinds(value: object) -> tuple[CreditKind, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise CreditError("kinds", value, "a sequence of every CreditKind, in the order to use")
    kinds = tuple(_to_credit_kind(v) for v in value)
    if sorted(k.value for k in kinds) != sorted(k.value for k in CreditKind):
        raise CreditError(
            "kinds",
            value,
            "each of 'paid', 'bonus', 'promotional', 'refundable' exactly once "
            "(every credit must be spendable in some order)",
        )
    return kinds


@attrs.frozen(kw_only=True)
class ConsumptionOrder:
    """The order in which a charge consumes a wallet's credit.

    ``kinds`` lists every :class:`CreditKind`, first used first; ``lots``
    orders the lots of one kind. The default spends promotional money, then
    bonus, then paid, then refundable money (what the customer could take
    back is kept longest), and within a kind the lot expiring soonest first,
    otherwise the oldest.

    >>> ConsumptionOrder(kinds=["paid", "bonus", "promotional", "refundable"], lots="fifo").kinds[0]
    <CreditKind.PAID: 'paid'>
    """

    kinds: tuple[CreditKind, ...] = attrs.field(
        default=(
            CreditKind.PROMOTIONAL,
            CreditKind.BONUS,
            CreditKind.PAID,
            CreditKind.REFUNDABLE,
        ),
        converter=_kinds,
    )
    lots: LotOrder = attrs.field(default=LotOrder.EXPIRING_FIRST, converter=_to_lot_order)


DEFAULT_ORDER: Final = ConsumptionOrder()
"""Promotional, bonus, paid, refundable; the lot expiring soonest, then the oldest.

>>> Wallet(name="main", currency="RUB").order == DEFAULT_ORDER
True
"""


def _name(value: object) -> str:
    return c.text("name", value, required=True)


def _wallet_currency(value: object) -> Currency:
    return c.currency("currency", value)


def _credit_line(value: object) -> CreditLine | None:
    if value is not None and not isinstance(value, CreditLine):
        raise CreditError("credit", value, "a CreditLine or None")
    return value


def _order(value: object) -> ConsumptionOrder:
    if not isinstance(value, ConsumptionOrder):
        raise CreditError("order", value, "a ConsumptionOrder")
    return value


@attrs.frozen(kw_only=True)
class Wallet:
    """One balance of a customer, in one currency.

    ``credit`` is an optional :class:`~billkit.credit.CreditLine` that lets the
    wallet buy on credit up to its limit; ``order`` is how charges consume the
    wallet's credit.

    >>> Wallet(name="tracking", currency="RUB").currency.code
    'RUB'
    """

    name: str = attrs.field(converter=_name)
    currency: Currency = attrs.field(converter=_wallet_currency)
    credit: CreditLine | None = attrs.field(default=None, converter=_credit_line)
    order: ConsumptionOrder = attrs.field(default=DEFAULT_ORDER, converter=_order)

    def __attrs_post_init__(self) -> None:
        if self.credit is not None and self.credit.currency != self.currency:
            raise CurrencyMismatchError(
                "credit.limit", self.credit.limit, f"an amount in {self.currency.code}"
            )

    @property
    def credit_limit(self) -> Money:
        """The credit limit, or zero without a credit line."""
        return self.credit.limit if self.credit is not None else Money(_ZERO, self.currency)


# Entry's converters take a fast path for values already of the right type:
# ledgers are loaded from storage by the million.


def _amount(value: object) -> Money:
    return c.money_in("amount", value, None)


def _required_text(field: str, value: object) -> str:
    if type(value) is str and value and value[0] > " " and value[-1] > " ":
        return value
    return c.text(field, value, required=True)


def _wallet_name(value: object) -> str:
    return _required_text("wallet", value)


def _at(value: object) -> datetime:
    if type(value) is datetime and value.utcoffset() is not None:
        return value
    return c.aware("at", value)


def _key(value: object) -> str:
    return _required_text("key", value)


def _reference(value: object) -> str:
    return value if type(value) is str else c.text("reference", value)


def _source(value: object) -> str:
    return value if type(value) is str else c.text("source", value)


def _description(value: object) -> str:
    return value if type(value) is str else c.text("description", value)


def _optional_credit_kind(value: object) -> CreditKind | None:
    return None if value is None else _to_credit_kind(value)


def _expires(value: object) -> datetime | None:
    return None if value is None else c.aware("expires_at", value)


def _entry_tags(value: object) -> tuple[tuple[str, str], ...]:
    if value == ():
        return ()
    return c.tags(value)


@attrs.frozen(kw_only=True)
class Entry:
    """One immutable, signed ledger entry.

    ``amount`` is signed: positive for credits, negative for debits (see
    :class:`EntryKind`); its currency must be the wallet's. ``at`` is when it
    takes effect (timezone-aware). ``key`` is the idempotency key, unique in
    the ledger; ``reference`` the payment or document it belongs to.

    Credits have a ``credit_kind`` (paid money for a top-up, bonus for bonus
    and cashback unless told otherwise; a positive adjustment must say) and may
    ``expire_at`` a later moment. ``source`` names the entry this one derives
    from: the lot a refund, expiry or clawback takes from (required), the
    payment that earned a bonus or cashback, or the lot a negative adjustment
    corrects. ``tags`` are free labels to filter and group by (the channel, the
    payment method).

    >>> from datetime import datetime, timezone
    >>> e = Entry(kind="charge", amount=Money("-22.4137", "RUB"), wallet="main",
    ...           at=datetime(2024, 2, 21, tzinfo=timezone.utc), key="4839")
    >>> e.kind, e.credit_kind, e.is_credit
    (<EntryKind.CHARGE: 'charge'>, None, False)
    >>> Entry(kind="charge", amount=Money("22.41", "RUB"), wallet="main",
    ...       at=datetime(2024, 2, 21, tzinfo=timezone.utc), key="4839")
    Traceback (most recent call last):
    ...
    billkit.errors.CreditError: amount = Money('22.41', 'RUB'): expected a negative amount: a charge takes money from the wallet
    """

    kind: EntryKind = attrs.field(converter=_to_entry_kind)
    amount: Money = attrs.field(converter=_amount)
    wallet: str = attrs.field(converter=_wallet_name)
    at: datetime = attrs.field(converter=_at)
    key: str = attrs.field(converter=_key)
    reference: str = attrs.field(default="", converter=_reference)
    credit_kind: CreditKind | None = attrs.field(converter=_optional_credit_kind)
    expires_at: datetime | None = attrs.field(default=None, converter=_expires)
    source: str = attrs.field(default="", converter=_source)
    description: str = attrs.field(default="", converter=_description)
    tags: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_entry_tags)

    @credit_kind.default
    def _default_credit_kind(self) -> CreditKind | None:
        if self.kind is EntryKind.TOP_UP:
            return CreditKind.PAID
        if self.kind in _EARNED:
            return CreditKind.BONUS
        return None

    def __attrs_post_init__(self) -> None:
        kind, amount, credit_kind = self.kind, self.amount.amount, self.credit_kind
        if kind is EntryKind.CHARGE and amount < 0 and credit_kind is None and not self.source:
            if self.expires_at is not None:
                raise CreditError("expires_at", self.expires_at, "None: only credits expire")
            return  # the common case, fully checked
        word = kind.value.replace("_", "-")
        if amount == 0:
            raise CreditError(
                "amount", self.amount, "a non-zero amount: a zero entry changes nothing"
            )
        if kind in _CREDITS and amount < 0:
            raise CreditError(
                "amount", self.amount, f"a positive amount: a {word} adds money to the wallet"
            )
        if kind in _DEBITS and amount > 0:
            raise CreditError(
                "amount", self.amount, f"a negative amount: a {word} takes money from the wallet"
            )
        credit = amount > 0
        if credit and credit_kind is None:
            raise CreditError(
                "credit_kind", None, "a CreditKind for a positive adjustment (what money it adds)"
            )
        if not credit and credit_kind is not None:
            raise CreditError("credit_kind", credit_kind, "None: only credits have a kind")
        if kind is EntryKind.TOP_UP and credit_kind is not None and not credit_kind.cash:
            raise CreditError(
                "credit_kind", credit_kind, "'paid' or 'refundable': a top-up is cash"
            )
        if kind in _EARNED and credit_kind is not None and credit_kind.cash:
            raise CreditError(
                "credit_kind", credit_kind, f"'bonus' or 'promotional': {word} money is never cash"
            )
        if self.expires_at is not None:
            if not credit:
                raise CreditError("expires_at", self.expires_at, "None: only credits expire")
            if self.expires_at <= self.at:
                raise CreditError("expires_at", self.expires_at, f"a moment after at ({self.at})")
        if kind in _TARGETED and not self.source:
            raise CreditError("source", self.source, f"the key of the lot the {word} takes from")
        if kind in _NO_SOURCE and self.source:
            raise CreditError("source", self.source, f"'' (a {word} has no source)")

    @property
    def currency(self) -> Currency:
        """The currency of :attr:`amount`."""
        return self.amount.currency

    @property
    def is_credit(self) -> bool:
        """Whether the entry adds money to the wallet."""
        return self.amount.amount > 0

    def tag(self, name: str, default: str = "") -> str:
        """The value of tag ``name``, or ``default``."""
        for tag_name, value in self.tags:
            if tag_name == name:
                return value
        return default


def _positive_amount(value: object) -> Money:
    return c.positive("amount", value)


def _pending_at(value: object) -> datetime:
    return c.aware("at", value)


def _method(value: object) -> str:
    return c.text("method", value)


def _cash_kind(value: object) -> CreditKind:
    kind = _to_credit_kind(value)
    if not kind.cash:
        raise CreditError("credit_kind", value, "'paid' or 'refundable': a payment is cash")
    return kind


@attrs.frozen(kw_only=True)
class PendingPayment:
    """A payment announced but not yet confirmed (a bank transfer on its way).

    It does not count in any balance until :meth:`Ledger.confirm` books it;
    :meth:`Ledger.cancel` drops it.

    >>> from datetime import datetime, timezone
    >>> PendingPayment(key="bank-77", wallet="main", amount=Money("5000.00", "UAH"),
    ...                at=datetime(2026, 3, 2, 9, tzinfo=timezone.utc), method="bank_transfer").method
    'bank_transfer'
    """

    key: str = attrs.field(converter=_key)
    wallet: str = attrs.field(converter=_wallet_name)
    amount: Money = attrs.field(converter=_positive_amount)
    at: datetime = attrs.field(converter=_pending_at)
    reference: str = attrs.field(default="", converter=_reference)
    method: str = attrs.field(default="", converter=_method)
    credit_kind: CreditKind = attrs.field(default=CreditKind.PAID, converter=_cash_kind)
    description: str = attrs.field(default="", converter=_description)
    tags: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=c.tags)


@attrs.frozen(kw_only=True)
class Allocation:
    """Part of a debit paid by part of a credit: ``amount`` of lot ``credit``
    went to entry ``debit`` at moment ``at``.

    >>> from datetime import datetime, timezone
    >>> at = datetime(2026, 3, 1, tzinfo=timezone.utc)
    >>> ledger = Ledger(wallets=[Wallet(name="main", currency="EUR")])
    >>> ledger = ledger.top_up("main", "5.00", at=at, key="p1").charge("main", "2.00", at=at, key="c1")
    >>> part: Allocation = ledger.allocations("main")[0]
    >>> part.debit, part.credit, part.credit_kind.value, part.amount
    ('c1', 'p1', 'paid', Money('2.00', 'EUR'))
    """

    wallet: str
    debit: str
    credit: str
    credit_kind: CreditKind
    amount: Money
    at: datetime


@attrs.frozen(kw_only=True)
class Expense:
    """One row of the expense history: a debit, how much of it is paid, and by what.

    ``paid_by`` lists the references (or keys, where there is no reference)
    of the credits that paid it, in order; ``allocations`` the exact parts.

    >>> from datetime import datetime, timezone
    >>> at = datetime(2026, 3, 1, tzinfo=timezone.utc)
    >>> ledger = Ledger(wallets=[Wallet(name="main", currency="EUR")])
    >>> ledger = ledger.top_up("main", "5.00", at=at, key="p1", reference="bank/17")
    >>> row: Expense = ledger.charge("main", "2.00", at=at, key="c1").expenses("main")[0]
    >>> row.amount, row.unpaid, row.paid_by
    (Money('2.00', 'EUR'), Money('0.00', 'EUR'), ('bank/17',))
    """

    key: str
    wallet: str
    kind: EntryKind
    at: datetime
    description: str
    reference: str
    amount: Money
    paid: Money
    unpaid: Money
    paid_by: tuple[str, ...]
    allocations: tuple[Allocation, ...]
    tags: tuple[tuple[str, str], ...]


@attrs.frozen(kw_only=True)
class CreditLot:
    """What is left of one credit: its kind, expiry and remaining amount.

    >>> from datetime import datetime, timezone
    >>> at = datetime(2026, 3, 1, tzinfo=timezone.utc)
    >>> ledger = Ledger(wallets=[Wallet(name="main", currency="EUR")])
    >>> ledger = ledger.top_up("main", "5.00", at=at, key="p1").charge("main", "2.00", at=at, key="c1")
    >>> lot: CreditLot = ledger.credits("main")[0]
    >>> lot.key, lot.amount, lot.remaining
    ('p1', Money('5.00', 'EUR'), Money('3.00', 'EUR'))
    """

    key: str
    wallet: str
    kind: CreditKind
    at: datetime
    amount: Money
    remaining: Money
    expires_at: datetime | None
    reference: str
    source: str


@attrs.frozen(kw_only=True)
class HistoryGroup:
    """Entries grouped by a key: how many, money in, money out, and the net.

    >>> from datetime import datetime, timezone
    >>> at = datetime(2026, 3, 1, tzinfo=timezone.utc)
    >>> ledger = Ledger(wallets=[Wallet(name="main", currency="EUR")])
    >>> ledger = ledger.top_up("main", "5.00", at=at, key="p1").charge("main", "2.00", at=at, key="c1")
    >>> (group,) = group_entries(ledger.entries, "month")
    >>> isinstance(group, HistoryGroup), group.key, group.credits, group.debits, group.net
    (True, ('2026-03',), Money('5.00', 'EUR'), Money('2.00', 'EUR'), Money('3.00', 'EUR'))
    """

    key: tuple[str, ...]
    currency: Currency
    count: int
    credits: Money
    debits: Money
    net: Money


# --------------------------------------------------------------------------- replay


class _Lot:
    """The fixed facts of one open lot (its remaining amount lives in ``_Book.rem``)."""

    __slots__ = ("amount", "at", "expires_at", "key", "kind", "reference", "seq", "source")

    def __init__(self, entry: Entry, seq: int) -> None:
        self.key = entry.key
        self.kind: CreditKind = entry.credit_kind  # type: ignore[assignment]
        self.expires_at = entry.expires_at
        self.reference = entry.reference
        self.source = entry.source
        self.seq = seq
        self.at = entry.at
        self.amount = entry.amount.amount


class _Stmt:
    """One issued statement: fixed facts; its remaining amount is in ``_Book.srem``."""

    __slots__ = ("amount", "charges", "dates", "issued_at", "number")

    def __init__(
        self,
        number: int,
        issued_at: datetime,
        dates: StatementDates,
        amount: Decimal,
        charges: tuple[str, ...],
    ) -> None:
        self.number = number
        self.issued_at = issued_at
        self.dates = dates
        self.amount = amount
        self.charges = charges


Emit = Callable[[str, str, CreditKind, Decimal, datetime], None]


class _Book:
    """The replay of one wallet's entries: open lots, open debts and statements.

    Mutable, private and only ever used by one owner: a ledger keeps a book per
    wallet and copies it before posting (:meth:`copy`), so published ledgers
    never see a book change.
    """

    __slots__ = (
        "balance",
        "credit",
        "currency",
        "dassigned",
        "debts",
        "drem",
        "dstmt",
        "expiring",
        "heaps",
        "last_at",
        "lot_key",
        "lots",
        "next_issue",
        "order",
        "paid_at",
        "policy",
        "rem",
        "seq",
        "srem",
        "stmts",
        "wallet",
    )

    def __init__(
        self,
        wallet: str,
        currency: Currency,
        order: ConsumptionOrder,
        credit: CreditLine | None,
        policy: RoundingPolicy,
    ) -> None:
        self.wallet = wallet
        self.currency = currency
        self.order = order
        self.credit = credit
        self.policy = policy
        self.balance = _ZERO
        self.last_at: datetime | None = None
        self.seq = 0
        self.lots: dict[str, _Lot] = {}
        self.rem: dict[str, Decimal] = {}
        self.heaps: dict[CreditKind, list[tuple[Any, int, str]]] = {k: [] for k in order.kinds}
        self.expiring: list[tuple[datetime, int, str]] = []
        self.debts: deque[str] = deque()
        self.drem: dict[str, Decimal] = {}
        self.dstmt: dict[str, int] = {}
        self.dassigned = 0  # how many debts at the head of ``debts`` are on a statement
        self.stmts: list[_Stmt] = []
        self.srem: list[Decimal] = []
        self.paid_at: list[datetime | None] = []
        self.next_issue: datetime | None = None
        lots = order.lots
        if lots is LotOrder.FIFO:
            self.lot_key: Callable[[_Lot], Any] = lambda lot: 0
        elif lots is LotOrder.LIFO:
            self.lot_key = lambda lot: -lot.seq
        else:
            self.lot_key = lambda lot: lot.expires_at or c.NEVER

    def copy(self) -> _Book:
        new = object.__new__(_Book)
        for name in _Book.__slots__:
            object.__setattr__(new, name, getattr(self, name))
        new.lots = dict(self.lots)
        new.rem = dict(self.rem)
        new.heaps = {k: list(v) for k, v in self.heaps.items()}
        new.expiring = list(self.expiring)
        new.debts = deque(self.debts)
        new.drem = dict(self.drem)
        new.dstmt = dict(self.dstmt)
        new.stmts = list(self.stmts)
        new.srem = list(self.srem)
        new.paid_at = list(self.paid_at)
        return new

    # -- statements ---------------------------------------------------------

    def issue_until(self, moment: datetime) -> None:
        """Issue every statement due at or before ``moment``."""
        line = self.credit
        while line is not None and self.next_issue is not None and self.next_issue <= moment:
            issued_at = self.next_issue
            open_keys = list(self.debts)[self.dassigned :]
            exact = _ZERO
            for key in open_keys:
                exact += self.drem[key]
            amount = self.policy.round_amount(exact, self.currency)
            if amount > 0:
                index = len(self.stmts)
                day = c.local_date(issued_at, line.tz)
                self.stmts.append(
                    _Stmt(
                        index + 1,
                        issued_at,
                        line.dates(day.year, day.month),
                        amount,
                        tuple(open_keys),
                    )
                )
                self.srem.append(exact)
                self.paid_at.append(None)
                for key in open_keys:
                    self.dstmt[key] = index
                self.dassigned = len(self.debts)
            self.next_issue = (
                line.next_issue(issued_at) if len(self.debts) > self.dassigned else None
            )

    def blocked(self, moment: datetime) -> bool:
        line = self.credit
        if line is None:
            return False
        today = c.local_date(moment, line.tz)
        rnd = self.policy.round_amount
        return any(
            stmt.dates.blocked_from <= today and rnd(rem, self.currency) > 0
            for stmt, rem in zip(self.stmts, self.srem, strict=True)
        )

    # -- entries ------------------------------------------------------------

    def due_expiries(self, moment: datetime) -> list[_Lot]:
        """Open lots whose expiry is at or before ``moment``, soonest first."""
        due = []
        for expires, _, key in sorted(self.expiring):
            if expires > moment:
                break
            if self.rem.get(key):
                due.append(self.lots[key])
        return due

    def _check_expired(self, at: datetime, strict: bool) -> None:
        heap = self.expiring
        while heap and (heap[0][0] <= at if strict else heap[0][0] < at):
            expires, _, key = heap[0]
            if self.rem.get(key):
                raise CreditError(
                    "entries",
                    key,
                    f"an expiry entry for lot {key!r} at {expires.isoformat()} before any "
                    f"later entry (it expired and still holds {self.rem[key]})",
                )
            heapq.heappop(heap)

    def apply(self, e: Entry, emit: Emit | None) -> None:
        """Replay entry ``e``; ``emit`` receives each allocation."""
        at = e.at
        if self.last_at is not None and at < self.last_at:
            raise CreditError(
                "at",
                at,
                f"a moment at or after the wallet's last entry ({self.last_at.isoformat()}): "
                "entries are appended in time order; correct the past with a new entry",
            )
        if self.credit is not None:
            self.issue_until(at)
        if self.expiring:
            self._check_expired(at, e.kind is not EntryKind.EXPIRY)
        amount = e.amount.amount
        if amount > 0:
            self._credit(e, amount, emit)
        elif e.source:
            self._targeted(e, -amount, emit)
        else:
            self._consume(e, -amount, emit)
        self.balance += amount
        self.last_at = at
        self.seq += 1

    def _credit(self, e: Entry, amount: Decimal, emit: Emit | None) -> None:
        key = e.key
        kind: CreditKind = e.credit_kind  # type: ignore[assignment]
        left = amount
        debts, drem = self.debts, self.drem
        while left and debts:
            debt = debts[0]
            owed = drem[debt]
            part = owed if owed <= left else left
            if emit is not None:
                emit(debt, key, kind, part, e.at)
            left -= part
            self._settle(debt, owed - part, part, e.at)
        if left:
            lot = _Lot(e, self.seq)
            self.lots[key] = lot
            self.rem[key] = left
            heapq.heappush(self.heaps[kind], (self.lot_key(lot), lot.seq, key))
            if lot.expires_at is not None:
                heapq.heappush(self.expiring, (lot.expires_at, lot.seq, key))

    def _settle(self, debt: str, owed: Decimal, part: Decimal, at: datetime) -> None:
        if owed:
            self.drem[debt] = owed
        else:
            del self.drem[debt]
            self.debts.popleft()
            if self.dassigned:
                self.dassigned -= 1
        index = self.dstmt.get(debt)
        if index is not None:
            left = self.srem[index] - part
            self.srem[index] = left
            if self.paid_at[index] is None and not self.policy.round_amount(left, self.currency):
                self.paid_at[index] = at
            if not owed:
                del self.dstmt[debt]

    def _take(self, key: str, left: Decimal) -> None:
        if left:
            self.rem[key] = left
        else:
            del self.rem[key]
            del self.lots[key]

    def _consume(self, e: Entry, need: Decimal, emit: Emit | None) -> None:
        rem = self.rem
        heaps = self.heaps
        for kind in self.order.kinds:
            heap = heaps[kind]
            if not heap:
                continue
            while need and heap:
                key = heap[0][2]
                have = rem.get(key)
                if not have:  # emptied by a refund, expiry or clawback
                    heapq.heappop(heap)
                    continue
                part = have if have <= need else need
                if emit is not None:
                    emit(e.key, key, kind, part, e.at)
                need -= part
                if part == have:
                    heapq.heappop(heap)
                    del rem[key]
                    del self.lots[key]
                else:
                    rem[key] = have - part
            if not need:
                return
        self.debts.append(e.key)
        self.drem[e.key] = need
        if self.credit is not None and self.next_issue is None:
            self.next_issue = self.credit.next_issue(e.at)

    def _targeted(self, e: Entry, need: Decimal, emit: Emit | None) -> None:
        source = e.source
        lot = self.lots.get(source)
        word = e.kind.value
        if lot is None:
            raise CreditError(
                "source",
                source,
                f"an open credit of wallet {self.wallet!r} (the {word} takes from it; "
                "it is unknown, spent or expired)",
            )
        have = self.rem[source]
        if e.kind is EntryKind.REFUND and not lot.kind.cash:
            raise CreditError(
                "source",
                source,
                f"a paid or refundable credit: {lot.kind.value} money is never refunded as cash",
            )
        if e.kind is EntryKind.EXPIRY and (lot.expires_at != e.at or need != have):
            raise CreditError(
                "amount",
                e.amount,
                f"-{have} at {lot.expires_at}: an expiry removes all that is left of the lot "
                "when it expires",
            )
        if need > have:
            raise CreditError(
                "amount",
                e.amount,
                f"at most {have} {self.currency.code}: what is left of {source!r}",
            )
        if emit is not None:
            emit(e.key, source, lot.kind, need, e.at)
        self._take(source, have - need)

    # -- views --------------------------------------------------------------

    def debt(self) -> Decimal:
        total = _ZERO
        for owed in self.drem.values():
            total += owed
        return total


def _book_for(wallet: Wallet, policy: RoundingPolicy) -> _Book:
    return _Book(wallet.name, wallet.currency, wallet.order, wallet.credit, policy)


# --------------------------------------------------------------------------- the ledger


def _sequence_of(field: str, value: object, kind: type[_T], article: str) -> tuple[_T, ...]:
    """``value`` as a tuple of ``kind``; a CreditError naming the item otherwise."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise CreditError(field, value, f"a sequence of {kind.__name__}")
    items = tuple(value)
    for i, item in enumerate(items):
        if not isinstance(item, kind):
            raise CreditError(f"{field}[{i}]", item, f"{article} {kind.__name__}")
    return items


def _wallets(value: object) -> tuple[Wallet, ...]:
    wallets = _sequence_of("wallets", value, Wallet, "a")
    names: set[str] = set()
    for i, wallet in enumerate(wallets):
        if wallet.name in names:
            raise CreditError(
                f"wallets[{i}].name", wallet.name, "a name not used by another wallet"
            )
        names.add(wallet.name)
    return wallets


def _entries(value: object) -> tuple[Entry, ...]:
    return _sequence_of("entries", value, Entry, "an")


def _pendings(value: object) -> tuple[PendingPayment, ...]:
    return _sequence_of("pending", value, PendingPayment, "a")


def _rounding(value: object) -> RoundingPolicy:
    if not isinstance(value, RoundingPolicy):
        raise CreditError("rounding", value, "a RoundingPolicy")
    return value


def _describe(entry: Entry) -> str:
    return f"{entry.kind.value} of {entry.amount.amount} {entry.currency.code} at {entry.at.isoformat()}"


@attrs.frozen(kw_only=True)
class Ledger:
    """One customer's wallets and entries: an immutable, append-only book.

    Build it with its wallets (and, when loading from storage, its entries and
    pending payments: they are replayed and checked). Every operation returns
    a new ledger; a refused one raises and changes nothing.

    ``rounding`` is where amounts that real money must match are rounded (a
    statement total, a clawback) and which amounts must already be whole minor
    units (top-ups, refunds, bonuses, cashback). Charges may be finer (the
    hosting provider bills 22.4137 RUB).

    The credit limit and a blocked credit line are checked when an entry is
    posted; a ledger loaded from storage is trusted to have been checked then
    (the limit in force at the time may differ from today's).

    Posting copies the entries and their key index, so it costs time in
    proportion to the ledger's size (a fraction of a millisecond for tens of
    thousands of entries); load stored entries in one go, and post a batch
    with :meth:`post_all`. For millions of entries, stream them through
    :func:`balance_of` and :func:`allocate_entries`.

    >>> from datetime import datetime, timezone
    >>> ledger = Ledger(wallets=[Wallet(name="main", currency="RUB")])
    >>> ledger.charge("main", "10.00", at=datetime(2026, 3, 1, tzinfo=timezone.utc), key="c1")
    Traceback (most recent call last):
    ...
    billkit.errors.InsufficientFundsError: amount = Money('10.00', 'RUB'): expected at most 0 RUB: the balance of wallet 'main' (it has no credit line)
    """

    wallets: tuple[Wallet, ...] = attrs.field(converter=_wallets)
    entries: tuple[Entry, ...] = attrs.field(default=(), converter=_entries)
    pending: tuple[PendingPayment, ...] = attrs.field(default=(), converter=_pendings)
    rounding: RoundingPolicy = attrs.field(default=DEFAULT_ROUNDING, converter=_rounding)
    _books: dict[str, _Book] = attrs.field(init=False, eq=False, repr=False, hash=False)
    _keys: dict[str, int] = attrs.field(init=False, eq=False, repr=False, hash=False)
    _cache: dict[str, Any] = attrs.field(init=False, eq=False, repr=False, hash=False)

    # Pickled as its constructor arguments: the replayed books are rebuilt.
    __reduce__ = reduce_through_init

    def __attrs_post_init__(self) -> None:
        by_name = {w.name: w for w in self.wallets}
        books = {w.name: _book_for(w, self.rounding) for w in self.wallets}
        keys: dict[str, int] = {}
        with decimal.localcontext(CONTEXT):
            for i, entry in enumerate(self.entries):
                wallet = self._check_entry(entry, by_name, f"entries[{i}]")
                if entry.key in keys:
                    raise CreditError(
                        f"entries[{i}].key", entry.key, "a key used by one entry only"
                    )
                keys[entry.key] = i
                try:
                    books[wallet.name].apply(entry, None)
                except CreditError as error:
                    raise CreditError(
                        f"entries[{i}].{error.field}", error.value, error.expected
                    ) from None
        seen: set[str] = set()
        for i, payment in enumerate(self.pending):
            wallet = self._wallet_of(payment.wallet, by_name, f"pending[{i}].wallet")
            c.same_currency(f"pending[{i}].amount", payment.amount, wallet.currency)
            c.whole_minor_units(f"pending[{i}].amount", payment.amount, self.rounding)
            if payment.key in keys or payment.key in seen:
                raise CreditError(f"pending[{i}].key", payment.key, "a key not used elsewhere")
            seen.add(payment.key)
        object.__setattr__(self, "_books", books)
        object.__setattr__(self, "_keys", keys)
        object.__setattr__(self, "_cache", {})

    # -- construction helpers ----------------------------------------------

    def _wallet_of(self, name: str, by_name: Mapping[str, Wallet], field: str) -> Wallet:
        wallet = by_name.get(name)
        if wallet is None:
            known = ", ".join(repr(n) for n in by_name) or "none"
            raise CreditError(field, name, f"a wallet of this ledger ({known})")
        return wallet

    def _check_entry(self, entry: Entry, by_name: Mapping[str, Wallet], field: str) -> Wallet:
        wallet = self._wallet_of(entry.wallet, by_name, f"{field}.wallet")
        c.same_currency(f"{field}.amount", entry.amount, wallet.currency)
        if entry.kind in _WHOLE:
            c.whole_minor_units(f"{field}.amount", entry.amount, self.rounding)
        return wallet

    def _derive(
        self,
        added: Sequence[Entry],
        books: Mapping[str, _Book],
        pending: tuple[PendingPayment, ...] | None = None,
        wallets: tuple[Wallet, ...] | None = None,
    ) -> Ledger:
        """A new ledger with ``added`` appended, already replayed into ``books``."""
        new = object.__new__(Ledger)
        keys = self._keys
        if added:
            keys = dict(keys)
            start = len(self.entries)
            for i, entry in enumerate(added):
                keys[entry.key] = start + i
        object.__setattr__(new, "wallets", self.wallets if wallets is None else wallets)
        object.__setattr__(new, "entries", self.entries + tuple(added))
        object.__setattr__(new, "pending", self.pending if pending is None else pending)
        object.__setattr__(new, "rounding", self.rounding)
        object.__setattr__(new, "_books", {**self._books, **books})
        object.__setattr__(new, "_keys", keys)
        object.__setattr__(new, "_cache", {})
        return new

    def _existing(self, entry: Entry) -> bool:
        """Whether ``entry`` is already posted (True), or new (False); a
        different entry under its key is refused."""
        index = self._keys.get(entry.key)
        if index is None:
            if any(p.key == entry.key for p in self.pending):
                raise CreditError(
                    "key", entry.key, "a key not used by a pending payment (confirm it instead)"
                )
            return False
        found = self.entries[index]
        if found != entry:
            raise CreditError(
                "key",
                entry.key,
                f"a new idempotency key: it is used by a different entry ({_describe(found)})",
            )
        return True

    def _post(self, new: Sequence[Entry], *, checked: bool = True) -> Ledger:
        """Post ``new`` atomically: book due expiries first, check limits."""
        by_name = {w.name: w for w in self.wallets}
        books: dict[str, _Book] = {}
        added: list[Entry] = []
        seen: dict[str, Entry] = {}
        with decimal.localcontext(CONTEXT):
            for entry in new:
                if not isinstance(entry, Entry):
                    raise CreditError("entry", entry, "an Entry")
                if entry.key in seen:
                    if seen[entry.key] != entry:
                        raise CreditError(
                            "key", entry.key, "a key used by one entry of the batch only"
                        )
                    continue
                if self._existing(entry):
                    continue
                wallet = self._check_entry(entry, by_name, "entry")
                book = books.get(wallet.name)
                if book is None:
                    book = books[wallet.name] = self._books[wallet.name].copy()
                if entry.kind is not EntryKind.EXPIRY:
                    for lot in book.due_expiries(entry.at):
                        expiry = _expiry_entry(wallet.name, lot, book.rem[lot.key], wallet.currency)
                        if expiry.key in self._keys or expiry.key in seen:
                            raise CreditError("key", expiry.key, "a key not reserved for expiries")
                        book.apply(expiry, None)
                        added.append(expiry)
                        seen[expiry.key] = expiry
                if checked:
                    self._check_funds(wallet, book, entry)
                book.apply(entry, None)
                added.append(entry)
                seen[entry.key] = entry
        if not added:
            return self
        return self._derive(added, books)

    def _check_funds(self, wallet: Wallet, book: _Book, entry: Entry) -> None:
        consumes = entry.amount.amount < 0 and not entry.source
        if not consumes:
            return
        line = wallet.credit
        if line is not None and entry.kind is EntryKind.CHARGE:
            book.issue_until(entry.at)
            if book.blocked(entry.at):
                raise TransitionError(
                    f"credit line of wallet {wallet.name!r}",
                    "blocked",
                    "pay_from_account",
                    ["top_up", "auto_renew_from_saved_method"],
                )
        limit = line.limit.amount if line is not None else _ZERO
        spendable = book.balance + limit
        need = -entry.amount.amount
        if need > spendable:
            code = wallet.currency.code
            shown = spendable if spendable > 0 else _ZERO
            amount = Money(need, wallet.currency)
            if line is None:
                raise InsufficientFundsError(
                    "amount",
                    amount,
                    f"at most {shown} {code}: the balance of wallet {wallet.name!r} "
                    "(it has no credit line)",
                )
            raise CreditLimitExceededError(
                "amount",
                amount,
                f"at most {shown} {code}: balance {book.balance} plus credit limit "
                f"{line.limit.amount} of wallet {wallet.name!r}",
            )

    # -- posting ------------------------------------------------------------

    def post(self, entry: Entry) -> Ledger:
        """The ledger with ``entry`` posted (unchanged if it is already there).

        Lots that expired by ``entry.at`` are booked first (an ``EXPIRY``
        entry each, keyed ``'<lot key>/expiry'``). A debit that takes money by
        the consumption order is refused beyond the balance plus any available
        credit limit, and a charge while the credit line is blocked.

        >>> from datetime import datetime, timezone
        >>> at = datetime(2026, 3, 1, tzinfo=timezone.utc)
        >>> ledger = Ledger(wallets=[Wallet(name="main", currency="EUR")])
        >>> entry = Entry(kind="top_up", amount=Money("50.00", "EUR"), wallet="main", at=at, key="p1")
        >>> ledger.post(entry).post(entry).balance("main")   # the same key: counted once
        Money('50.00', 'EUR')
        """
        return self._post([entry])

    def post_all(self, entries: Iterable[Entry]) -> Ledger:
        """The ledger with every entry posted, all or none.

        >>> from datetime import datetime, timezone
        >>> at = datetime(2026, 3, 1, tzinfo=timezone.utc)
        >>> ledger = Ledger(wallets=[Wallet(name="main", currency="EUR")])
        >>> ledger.post_all([
        ...     Entry(kind="top_up", amount=Money("50.00", "EUR"), wallet="main", at=at, key="p1"),
        ...     Entry(kind="charge", amount=Money("-20.00", "EUR"), wallet="main", at=at, key="c1"),
        ... ]).balance("main")
        Money('30.00', 'EUR')
        """
        if isinstance(entries, (str, bytes)) or not isinstance(entries, Iterable):
            raise CreditError("entries", entries, "an iterable of Entry")
        return self._post(list(entries))

    def top_up(
        self,
        wallet: str,
        amount: object,
        *,
        at: datetime,
        key: str,
        reference: str = "",
        kind: CreditKind | str = CreditKind.PAID,
        description: str = "",
        tags: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    ) -> Ledger:
        """Credit a confirmed payment of ``amount`` (paid money by default).

        >>> from datetime import datetime, timezone
        >>> ledger = Ledger(wallets=[Wallet(name="main", currency="RUB")])
        >>> ledger.top_up("main", "-5.00", at=datetime(2026, 3, 1, tzinfo=timezone.utc), key="p1")
        Traceback (most recent call last):
        ...
        billkit.errors.CreditError: amount = '-5.00': expected an amount above zero
        """
        money = c.positive("amount", amount, self.wallet(wallet).currency)
        return self.post(
            Entry(
                kind=EntryKind.TOP_UP,
                amount=money,
                wallet=wallet,
                at=at,
                key=key,
                reference=reference,
                credit_kind=_cash_kind(kind),
                description=description,
                tags=tags,
            )
        )

    def grant(
        self,
        wallet: str,
        amount: object,
        *,
        at: datetime,
        key: str,
        kind: CreditKind | str = CreditKind.BONUS,
        expires_at: datetime | None = None,
        source: str = "",
        reference: str = "",
        description: str = "",
        tags: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    ) -> Ledger:
        """Credit bonus or promotional money, optionally expiring at ``expires_at``.

        ``source`` is the payment that earned it, if any: refunding that
        payment claws the bonus back.

        >>> from datetime import datetime, timezone
        >>> at = datetime(2026, 3, 1, tzinfo=timezone.utc)
        >>> ledger = Ledger(wallets=[Wallet(name="main", currency="UAH")])
        >>> ledger = ledger.grant("main", "100.00", at=at, key="promo-SPRING", kind="promotional",
        ...                       expires_at=datetime(2026, 4, 1, tzinfo=timezone.utc))
        >>> ledger.balance("main", at=datetime(2026, 4, 1, tzinfo=timezone.utc))   # expired
        Money('0.00', 'UAH')
        """
        money = c.positive("amount", amount, self.wallet(wallet).currency)
        if source and source not in self._keys:
            raise CreditError("source", source, "the key of a payment in this ledger, or ''")
        return self.post(
            Entry(
                kind=EntryKind.BONUS,
                amount=money,
                wallet=wallet,
                at=at,
                key=key,
                reference=reference,
                credit_kind=_to_credit_kind(kind),
                expires_at=expires_at,
                source=source,
                description=description,
                tags=tags,
            )
        )

    def charge(
        self,
        wallet: str,
        amount: object,
        *,
        at: datetime,
        key: str,
        reference: str = "",
        description: str = "",
        tags: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    ) -> Ledger:
        """Debit an expense of ``amount`` (positive; it may have more decimals
        than the currency, 22.4137 RUB), paid from the wallet's credit in its
        consumption order, the rest on credit if the wallet has a credit line.

        >>> from datetime import datetime, timezone
        >>> at = datetime(2026, 3, 1, tzinfo=timezone.utc)
        >>> ledger = Ledger(wallets=[Wallet(name="main", currency="RUB")])
        >>> ledger = ledger.top_up("main", "100.00", at=at, key="p1")
        >>> ledger.charge("main", "34.4827", at=at, key="4837").balance("main")
        Money('65.5173', 'RUB')
        """
        money = c.positive("amount", amount, self.wallet(wallet).currency)
        return self.post(
            Entry(
                kind=EntryKind.CHARGE,
                amount=-money,
                wallet=wallet,
                at=at,
                key=key,
                reference=reference,
                description=description,
                tags=tags,
            )
        )

    def adjust(
        self,
        wallet: str,
        amount: object,
        *,
        at: datetime,
        key: str,
        kind: CreditKind | str | None = None,
        source: str = "",
        reference: str = "",
        description: str = "",
        tags: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    ) -> Ledger:
        """Post a correction: a signed ``amount``; a positive one says what
        ``kind`` of money it adds, a negative one may name the ``source`` lot
        it takes from (otherwise the consumption order applies).

        >>> from datetime import datetime, timezone
        >>> at = datetime(2026, 3, 1, tzinfo=timezone.utc)
        >>> ledger = Ledger(wallets=[Wallet(name="main", currency="RUB")])
        >>> ledger.adjust("main", "15.00", at=at, key="fix-1", kind="refundable").balance("main")
        Money('15.00', 'RUB')
        """
        money = c.money_in("amount", amount, self.wallet(wallet).currency)
        credit_kind = None if kind is None else _to_credit_kind(kind)
        return self.post(
            Entry(
                kind=EntryKind.ADJUSTMENT,
                amount=money,
                wallet=wallet,
                at=at,
                key=key,
                credit_kind=credit_kind,
                source=source,
                reference=reference,
                description=description,
                tags=tags,
            )
        )

    def add_debt(
        self,
        wallet: str,
        amount: object,
        *,
        at: datetime,
        key: str,
        reference: str = "",
        description: str = "",
    ) -> Ledger:
        """Book credit-limit debt that is not a charge (an opening balance owed,
        a debt moved in from another system). It counts against the credit
        limit and is paid by later credits like an unpaid charge.

        >>> from datetime import datetime, timezone
        >>> from billkit.credit import CreditLine
        >>> line = CreditLine(limit=Money("1000.00", "RUB"))
        >>> ledger = Ledger(wallets=[Wallet(name="main", currency="RUB", credit=line)])
        >>> ledger = ledger.add_debt("main", "300.00", at=datetime(2026, 3, 1, tzinfo=timezone.utc),
        ...                          key="opening")
        >>> ledger.balance("main"), ledger.debt("main")
        (Money('-300.00', 'RUB'), Money('300.00', 'RUB'))
        """
        money = c.positive("amount", amount, self.wallet(wallet).currency)
        return self.post(
            Entry(
                kind=EntryKind.DEBT,
                amount=-money,
                wallet=wallet,
                at=at,
                key=key,
                reference=reference,
                description=description,
            )
        )

    def refund(
        self,
        wallet: str,
        payment: str,
        amount: object,
        *,
        at: datetime,
        key: str,
        reference: str = "",
        clawback: Clawback | str = Clawback.ALL,
        forfeit: object = None,
        description: str = "",
    ) -> Ledger:
        """Return ``amount`` of cash from payment ``payment`` to the customer.

        Only a paid or refundable lot can be refunded, and never more than is
        left of it: bonus money never leaves as cash. The bonus and cashback
        the payment earned (entries whose ``source`` is the payment) are
        clawed back as ``clawback`` says (all of it by default); ``forfeit``
        sets the amount to take back with this refund instead (say, after
        re-evaluating the bonus tier for what the customer keeps). Whatever
        part of it was already spent is kept from the payment, so the cash
        refunded is less: :meth:`refundable` gives the most that can be
        refunded.

        >>> from datetime import datetime, timezone
        >>> t = lambda day: datetime(2026, 3, day, tzinfo=timezone.utc)
        >>> ledger = Ledger(wallets=[Wallet(name="main", currency="RUB")])
        >>> ledger = ledger.top_up("main", "90000.00", at=t(1), key="p1")
        >>> ledger = ledger.grant("main", "30000.00", at=t(1), key="p1/bonus", source="p1")
        >>> ledger = ledger.charge("main", "30000.00", at=t(2), key="c1")   # all bonus money
        >>> ledger.refundable("main", "p1")   # 90 000 - the 30 000 bonus already spent
        Money('60000.00', 'RUB')
        >>> ledger.refundable("main", "p1", clawback="proportional")   # keeps 7 500 of bonus
        Money('67500.00', 'RUB')
        >>> ledger.refund("main", "p1", "60000.00", at=t(3), key="r1").balance("main")
        Money('0.00', 'RUB')
        """
        w = self.wallet(wallet)
        money = c.whole_minor_units(
            "amount", c.positive("amount", amount, w.currency), self.rounding
        )
        refund = Entry(
            kind=EntryKind.REFUND,
            amount=-money,
            wallet=wallet,
            at=at,
            key=key,
            reference=reference,
            source=payment,
            description=description,
        )
        if self._existing(refund):
            return self
        rule = _to_clawback(clawback)
        forced = None if forfeit is None else c.non_negative("forfeit", forfeit, w.currency)
        ledger = self.expire(refund.at)  # what expired by then is not refundable
        with decimal.localcontext(CONTEXT):
            book = ledger._books[w.name]
            lot = ledger._refund_lot(w, book, payment)
            if lot is None:
                raise CreditError(
                    "amount",
                    money,
                    f"at most 0 {w.currency.code}: payment {payment!r} is all spent",
                )
            taken, kept = ledger._clawback(w, book, lot, money.amount, rule, forced)
            have = book.rem[payment]
            if money.amount + kept > have:
                most = ledger._refundable(w, book, lot, rule, forced)
                raise CreditError(
                    "amount",
                    money,
                    f"at most {most} {w.currency.code}: what is left of payment {payment!r}"
                    + (f" less {kept} of its bonus already spent" if kept else ""),
                )
        entries = [
            Entry(
                kind=EntryKind.CLAWBACK,
                amount=Money(-part, w.currency),
                wallet=wallet,
                at=at,
                key=f"{key}/clawback/{i + 1}",
                reference=payment,
                source=lot_key,
                description=f"bonus of refunded payment {payment}",
            )
            for i, (lot_key, part) in enumerate(taken)
        ]
        if kept:
            entries.append(
                Entry(
                    kind=EntryKind.CLAWBACK,
                    amount=Money(-kept, w.currency),
                    wallet=wallet,
                    at=at,
                    key=f"{key}/clawback",
                    reference=payment,
                    source=payment,
                    description=f"bonus of refunded payment {payment} already spent",
                )
            )
        entries.append(refund)
        return ledger._post(entries)

    def _refund_lot(self, w: Wallet, book: _Book, payment: str) -> _Lot | None:
        """The open lot of cash payment ``payment`` (None: all spent); other keys are refused."""
        index = self._keys.get(payment)
        if index is None or self.entries[index].wallet != w.name:
            raise CreditError("payment", payment, f"the key of a payment in wallet {w.name!r}")
        entry = self.entries[index]
        if not entry.is_credit or entry.credit_kind is None or not entry.credit_kind.cash:
            kind = entry.credit_kind.value if entry.credit_kind else entry.kind.value
            raise CreditError(
                "payment",
                payment,
                f"a paid or refundable credit: {kind} money is never refunded as cash",
            )
        return book.lots.get(payment)

    def _earned(self, payment: str) -> tuple[Decimal, Decimal, Decimal, list[str]]:
        """What ``payment`` earned, was refunded and clawed back so far, and its bonus lots."""
        earned = refunded = clawed = _ZERO
        lots: list[str] = []
        for entry in self.entries:
            if entry.source == payment and entry.kind in _EARNED:
                earned += entry.amount.amount
                lots.append(entry.key)
            elif entry.source == payment and entry.kind is EntryKind.REFUND:
                refunded -= entry.amount.amount
            elif entry.reference == payment and entry.kind is EntryKind.CLAWBACK:
                clawed -= entry.amount.amount
        return earned, refunded, clawed, lots

    def _clawback(
        self,
        w: Wallet,
        book: _Book,
        lot: _Lot,
        cash: Decimal,
        rule: Clawback,
        forced: Money | None,
    ) -> tuple[list[tuple[str, Decimal]], Decimal]:
        """The bonus to take back for refunding ``cash`` of ``lot``: parts taken
        from its bonus lots, and the part already spent (kept from the payment)."""
        earned, refunded, clawed, bonus_lots = self._earned(lot.key)
        if forced is not None:
            due = forced.amount
        elif rule is Clawback.ALL:
            due = max(earned - clawed, _ZERO)
        elif earned:
            target = self.rounding.round_amount(earned * (refunded + cash) / lot.amount, w.currency)
            due = max(target - clawed, _ZERO)
        else:
            due = _ZERO
        taken: list[tuple[str, Decimal]] = []
        for key in bonus_lots:
            have = book.rem.get(key, _ZERO)
            part = min(have, due)
            if part:
                taken.append((key, part))
                due -= part
        return taken, due

    def _refundable(
        self, w: Wallet, book: _Book, lot: _Lot, rule: Clawback, forced: Money | None
    ) -> Decimal:
        have = book.rem.get(lot.key, _ZERO)
        quantum = self.rounding.quantum(w.currency)
        low, high = 0, int(have / quantum)
        while low < high:  # the most whole minor units whose refund plus clawback fits
            mid = (low + high + 1) // 2
            cash = mid * quantum
            if cash + self._clawback(w, book, lot, cash, rule, forced)[1] <= have:
                low = mid
            else:
                high = mid - 1
        return low * quantum

    def refundable(
        self, wallet: str, payment: str, clawback: Clawback | str = Clawback.ALL
    ) -> Money:
        """The most cash :meth:`refund` can return from ``payment`` now.

        >>> from datetime import datetime, timezone
        >>> at = datetime(2026, 3, 1, tzinfo=timezone.utc)
        >>> ledger = Ledger(wallets=[Wallet(name="main", currency="RUB")])
        >>> ledger = ledger.top_up("main", "100.00", at=at, key="p1")
        >>> ledger.charge("main", "22.4137", at=at, key="c1").refundable("main", "p1")
        Money('77.58', 'RUB')
        """
        w = self.wallet(wallet)
        with decimal.localcontext(CONTEXT):
            book = self._books[w.name]
            if book.last_at is None:
                raise CreditError("payment", payment, f"the key of a payment in wallet {w.name!r}")
            lot = self._refund_lot(w, book, payment)
            if lot is None:
                return Money(self.rounding.round_amount(_ZERO, w.currency), w.currency)
            rule = _to_clawback(clawback)
            return Money(self._refundable(w, book, lot, rule, None), w.currency)

    def expire(self, at: datetime) -> Ledger:
        """The ledger with every lot that expired by ``at`` booked as expired.

        Posting books them anyway; call this to show them (a daily job).
        """
        c.aware("at", at)
        books: dict[str, _Book] = {}
        added: list[Entry] = []
        with decimal.localcontext(CONTEXT):
            for w in self.wallets:
                due = self._books[w.name].due_expiries(at)
                if not due:
                    continue
                book = books[w.name] = self._books[w.name].copy()
                for lot in due:
                    entry = _expiry_entry(w.name, lot, book.rem[lot.key], w.currency)
                    book.apply(entry, None)
                    added.append(entry)
        return self._derive(added, books) if added else self

    # -- pending payments --------------------------------------------------

    def expect(self, payment: PendingPayment) -> Ledger:
        """The ledger with ``payment`` pending: it counts nowhere until confirmed.

        >>> from datetime import datetime, timezone
        >>> ledger = Ledger(wallets=[Wallet(name="main", currency="UAH")])
        >>> ledger = ledger.expect(PendingPayment(key="bank-1", wallet="main",
        ...     amount=Money("5000.00", "UAH"), at=datetime(2026, 3, 2, 9, tzinfo=timezone.utc)))
        >>> ledger.balance("main"), ledger.pending_total("main")
        (Money('0', 'UAH'), Money('5000.00', 'UAH'))
        >>> ledger = ledger.confirm("bank-1", at=datetime(2026, 3, 2, 13, tzinfo=timezone.utc))
        >>> ledger.balance("main"), ledger.pending_total("main")
        (Money('5000.00', 'UAH'), Money('0', 'UAH'))
        """
        if not isinstance(payment, PendingPayment):
            raise CreditError("payment", payment, "a PendingPayment")
        w = self.wallet(payment.wallet)
        c.same_currency("amount", payment.amount, w.currency)
        c.whole_minor_units("amount", payment.amount, self.rounding)
        for p in self.pending:
            if p.key == payment.key:
                if p == payment:
                    return self
                raise CreditError(
                    "key", payment.key, "a new key: a different payment is pending under it"
                )
        index = self._keys.get(payment.key)
        if index is not None:
            booked = self.entries[index]
            if booked == _confirmed(payment, booked.at):
                return self  # already confirmed: a retried announcement
            raise CreditError("key", payment.key, f"a new key: it is used by {_describe(booked)}")
        return self._derive([], {}, pending=(*self.pending, payment))

    def confirm(self, key: str, *, at: datetime) -> Ledger:
        """Book pending payment ``key`` as a top-up effective ``at`` (when the
        bank confirmed it). Confirming it again changes nothing."""
        c.aware("at", at)
        for p in self.pending:
            if p.key == key:
                if at < p.at:
                    raise CreditError(
                        "at", at, f"a moment at or after the payment was announced ({p.at})"
                    )
                rest = tuple(q for q in self.pending if q.key != key)
                without = self._derive([], {}, pending=rest)
                return without._post([_confirmed(p, at)])
        index = self._keys.get(key)
        if index is not None and self.entries[index].kind is EntryKind.TOP_UP:
            return self
        raise CreditError("key", key, "the key of a pending payment")

    def cancel(self, key: str) -> Ledger:
        """Drop pending payment ``key`` (the transfer never arrived)."""
        rest = tuple(p for p in self.pending if p.key != key)
        if len(rest) == len(self.pending):
            if key in self._keys:
                raise TransitionError(f"payment {key!r}", "credited", "cancel", [])
            raise CreditError("key", key, "the key of a pending payment")
        return self._derive([], {}, pending=rest)

    def pending_total(self, wallet: str) -> Money:
        """The sum of the wallet's pending payments (not in its balance)."""
        w = self.wallet(wallet)
        total = _ZERO
        for p in self.pending:
            if p.wallet == wallet:
                total = c.add(total, p.amount.amount)
        return Money(total, w.currency)

    # -- wallets ------------------------------------------------------------

    def wallet(self, name: str) -> Wallet:
        """The wallet called ``name``; an unknown name is refused."""
        for w in self.wallets:
            if w.name == name:
                return w
        known = ", ".join(repr(w.name) for w in self.wallets) or "none"
        raise CreditError("wallet", name, f"a wallet of this ledger ({known})")

    def with_wallet(self, wallet: Wallet) -> Ledger:
        """The ledger with ``wallet`` added, or replacing the wallet of its name.

        A wallet with entries keeps its currency, consumption order and
        statement calendar (changing them would rewrite who paid what); its
        credit limit and notices may change.

        >>> ledger = Ledger(wallets=[Wallet(name="main", currency="RUB")])
        >>> [w.name for w in ledger.with_wallet(Wallet(name="tracking", currency="RUB")).wallets]
        ['main', 'tracking']
        """
        if not isinstance(wallet, Wallet):
            raise CreditError("wallet", wallet, "a Wallet")
        old = next((w for w in self.wallets if w.name == wallet.name), None)
        if old is None:
            book = _book_for(wallet, self.rounding)
            return self._derive([], {wallet.name: book}, wallets=(*self.wallets, wallet))
        book = self._books[wallet.name]
        if book.seq:
            if wallet.currency != old.currency:
                raise CreditError(
                    "wallet.currency", wallet.currency.code, f"{old.currency.code}, as before"
                )
            if wallet.order != old.order:
                raise CreditError(
                    "wallet.order", wallet.order, "the order the wallet has entries under"
                )
            if (wallet.credit is None) != (old.credit is None) or (
                wallet.credit is not None
                and old.credit is not None
                and attrs.evolve(wallet.credit, limit=old.credit.limit, notices=old.credit.notices)
                != old.credit
            ):
                raise CreditError(
                    "wallet.credit",
                    wallet.credit,
                    "the same statement calendar (only the limit and notices may change)",
                )
        wallets = tuple(wallet if w.name == wallet.name else w for w in self.wallets)
        new_book = book.copy()
        new_book.credit = wallet.credit
        return self._derive([], {wallet.name: new_book}, wallets=wallets)

    # -- queries ------------------------------------------------------------

    def entry(self, key: str) -> Entry:
        """The entry posted under ``key``."""
        index = self._keys.get(key)
        if index is None:
            raise CreditError("key", key, "the key of an entry of this ledger")
        return self.entries[index]

    def _wallet_entries(self, wallet: str) -> list[Entry]:
        cached = self._cache.get("by_wallet")
        if cached is None:
            cached = {w.name: [] for w in self.wallets}
            for entry in self.entries:
                cached[entry.wallet].append(entry)
            self._cache["by_wallet"] = cached
        result: list[Entry] = cached[wallet]
        return result

    def _running(self, wallet: str) -> tuple[list[datetime], list[Decimal]]:
        key = f"running:{wallet}"
        cached = self._cache.get(key)
        if cached is None:
            times: list[datetime] = []
            totals: list[Decimal] = []
            total = _ZERO
            for entry in self._wallet_entries(wallet):
                total = c.add(total, entry.amount.amount)
                times.append(entry.at)
                totals.append(total)
            cached = self._cache[key] = (times, totals)
        return cached

    def balance(self, wallet: str, at: datetime | None = None) -> Money:
        """The wallet's balance: the sum of its entries (up to ``at``).

        With ``at``, lots that expired by then count as expired even if their
        expiry is not booked yet (:meth:`expire` books it; the balance is then
        the plain sum again). A negative balance is money owed on credit.
        """
        w = self.wallet(wallet)
        book = self._books[wallet]
        if at is None:
            return Money(book.balance, w.currency)
        c.aware("at", at)
        times, totals = self._running(wallet)
        i = bisect.bisect_right(times, at)
        total = totals[i - 1] if i else _ZERO
        with decimal.localcontext(CONTEXT):
            for lot in book.due_expiries(at):
                total -= book.rem[lot.key]
        return Money(total, w.currency)

    def balances(self, at: datetime | None = None) -> dict[str, Money]:
        """Every wallet's balance, by wallet name."""
        return {w.name: self.balance(w.name, at) for w in self.wallets}

    def debt(self, wallet: str) -> Money:
        """What the wallet owes on credit now: the unpaid part of its debits."""
        w = self.wallet(wallet)
        with decimal.localcontext(CONTEXT):
            return Money(self._books[wallet].debt(), w.currency)

    def available(self, wallet: str, at: datetime) -> Money:
        """What the wallet can spend at ``at``: its balance (expiries counted)
        plus the credit limit not yet used, none of it while blocked."""
        w = self.wallet(wallet)
        balance = self.balance(wallet, at).amount
        if w.credit is None:
            return Money(max(balance, _ZERO), w.currency)
        state = self._credit_state(wallet, at)
        if state.blocked:
            return Money(max(balance, _ZERO), w.currency)
        return Money(max(c.add(balance, w.credit.limit.amount), _ZERO), w.currency)

    def credits(self, wallet: str) -> tuple[CreditLot, ...]:
        """The wallet's open credit now, lot by lot, in the order charges use it.

        >>> from datetime import datetime, timezone
        >>> at = datetime(2026, 3, 1, tzinfo=timezone.utc)
        >>> ledger = Ledger(wallets=[Wallet(name="main", currency="RUB")])
        >>> ledger = ledger.top_up("main", "100.00", at=at, key="p1")
        >>> ledger = ledger.grant("main", "10.00", at=at, key="b1")
        >>> [(lot.key, lot.kind.value) for lot in ledger.credits("main")]
        [('b1', 'bonus'), ('p1', 'paid')]
        """
        w = self.wallet(wallet)
        book = self._books[wallet]
        lots: list[CreditLot] = []
        for kind in w.order.kinds:
            for _, _, key in sorted(book.heaps[kind]):
                have = book.rem.get(key)
                if not have:
                    continue
                lot = book.lots[key]
                lots.append(
                    CreditLot(
                        key=key,
                        wallet=wallet,
                        kind=lot.kind,
                        at=lot.at,
                        amount=Money(lot.amount, w.currency),
                        remaining=Money(have, w.currency),
                        expires_at=lot.expires_at,
                        reference=lot.reference,
                        source=lot.source,
                    )
                )
        return tuple(lots)

    def _replay(self, wallet: str, until: datetime | None, emit: Emit | None) -> _Book:
        w = self.wallet(wallet)
        book = _book_for(w, self.rounding)
        with decimal.localcontext(CONTEXT):
            for entry in self._wallet_entries(wallet):
                if until is not None and entry.at > until:
                    break
                book.apply(entry, emit)
            if until is not None and book.credit is not None:
                book.issue_until(until)
        return book

    def allocations(self, wallet: str, at: datetime | None = None) -> tuple[Allocation, ...]:
        """Which credit paid which debit, and how much, in the order it happened."""
        w = self.wallet(wallet)
        found: list[Allocation] = []

        def emit(debit: str, credit: str, kind: CreditKind, part: Decimal, when: datetime) -> None:
            found.append(
                Allocation(
                    wallet=wallet,
                    debit=debit,
                    credit=credit,
                    credit_kind=kind,
                    amount=Money(part, w.currency),
                    at=when,
                )
            )

        self._replay(wallet, None if at is None else c.aware("at", at), emit)
        return tuple(found)

    def expenses(
        self,
        wallet: str,
        at: datetime | None = None,
        kinds: Iterable[EntryKind | str] = _EXPENSES,
    ) -> tuple[Expense, ...]:
        """The expense history: each debit of ``kinds`` (charges, debt, negative
        adjustments) with its paid and unpaid parts and what paid it, as of ``at``.

        >>> from datetime import datetime, timezone
        >>> from billkit.credit import CreditLine
        >>> t = lambda day: datetime(2024, 2, day, tzinfo=timezone.utc)
        >>> line = CreditLine(limit=Money("1000.00", "RUB"))
        >>> ledger = Ledger(wallets=[Wallet(name="main", currency="RUB", credit=line)])
        >>> ledger = ledger.charge("main", "22.4137", at=t(21), key="4839")
        >>> ledger = ledger.top_up("main", "10.00", at=t(22), key="5635", reference="pfx/5635")
        >>> row = ledger.expenses("main")[0]
        >>> row.amount, row.paid, row.unpaid, row.paid_by
        (Money('22.4137', 'RUB'), Money('10.00', 'RUB'), Money('12.4137', 'RUB'), ('pfx/5635',))
        """
        w = self.wallet(wallet)
        wanted = {_to_entry_kind(k) for k in kinds}
        parts: dict[str, list[Allocation]] = {}

        def emit(debit: str, credit: str, kind: CreditKind, part: Decimal, when: datetime) -> None:
            parts.setdefault(debit, []).append(
                Allocation(
                    wallet=wallet,
                    debit=debit,
                    credit=credit,
                    credit_kind=kind,
                    amount=Money(part, w.currency),
                    at=when,
                )
            )

        until = None if at is None else c.aware("at", at)
        self._replay(wallet, until, emit)
        rows: list[Expense] = []
        with decimal.localcontext(CONTEXT):
            for entry in self._wallet_entries(wallet):
                if until is not None and entry.at > until:
                    break
                if entry.kind not in wanted or entry.is_credit:
                    continue
                allocs = tuple(parts.get(entry.key, ()))
                paid = _ZERO
                for a in allocs:
                    paid += a.amount.amount
                amount = -entry.amount.amount
                refs: list[str] = []
                for a in allocs:
                    credit = self.entries[self._keys[a.credit]]
                    ref = credit.reference or credit.key
                    if ref not in refs:
                        refs.append(ref)
                rows.append(
                    Expense(
                        key=entry.key,
                        wallet=wallet,
                        kind=entry.kind,
                        at=entry.at,
                        description=entry.description,
                        reference=entry.reference,
                        amount=Money(amount, w.currency),
                        paid=Money(paid, w.currency),
                        unpaid=Money(amount - paid, w.currency),
                        paid_by=tuple(refs),
                        allocations=allocs,
                        tags=entry.tags,
                    )
                )
        return tuple(rows)

    def statements(self, wallet: str, at: datetime | date) -> tuple[Statement, ...]:
        """The credit-limit statements issued to ``wallet`` by ``at`` (a date
        means its end), each with what remained to pay then."""
        return self._credit_state(wallet, at).statements

    def _credit_state(self, wallet: str, at: datetime | date) -> CreditState:
        w = self.wallet(wallet)
        line = w.credit
        if line is None:
            raise CreditError("wallet", wallet, "a wallet with a credit line")
        moment = end_of(at, line.tz)
        book = self._replay(wallet, moment, None)
        cur = w.currency
        rnd = self.rounding.round_amount
        today = c.local_date(moment, line.tz)
        statements = []
        overdue = _ZERO
        blocked = False
        with decimal.localcontext(CONTEXT):
            for stmt, exact, paid_at in zip(book.stmts, book.srem, book.paid_at, strict=True):
                remaining = rnd(exact, cur)
                d = stmt.dates
                if d.overdue_from <= today:
                    overdue += remaining
                if d.blocked_from <= today and remaining:
                    blocked = True
                statements.append(
                    Statement(
                        wallet=wallet,
                        number=stmt.number,
                        issued_at=stmt.issued_at,
                        issued_on=d.issued_on,
                        due_on=d.due_on,
                        overdue_from=d.overdue_from,
                        blocked_from=d.blocked_from,
                        amount=Money(stmt.amount, cur),
                        remaining=Money(remaining, cur),
                        as_of=moment,
                        paid_at=paid_at,
                        charges=stmt.charges,
                    )
                )
            debt = book.debt()
            since = _ZERO
            for key in list(book.debts)[book.dassigned :]:
                since += book.drem[key]
            zero = rnd(_ZERO, cur)
            available = zero if blocked else max(line.limit.amount - debt, zero)
            overdue = rnd(overdue, cur)  # a sum of rounded amounts: only the zero's scale changes
        return CreditState(
            wallet=wallet,
            at=moment,
            limit=line.limit,
            debt=Money(debt, cur),
            available=Money(available, cur),
            overdue=Money(overdue, cur),
            unpaid_since_statement=Money(since, cur),
            blocked=blocked,
            statements=tuple(statements),
        )

    def history(
        self,
        *,
        period: Period | None = None,
        timezone: str = "UTC",
        wallet: str | None = None,
        kinds: Iterable[EntryKind | str] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> tuple[Entry, ...]:
        """Entries in time order, filtered: days of ``period`` (in
        ``timezone``), one ``wallet``, some ``kinds``, matching every tag of ``tags``.

        >>> from datetime import datetime, timezone
        >>> from billkit.periods import Period
        >>> at = datetime(2026, 3, 1, 10, tzinfo=timezone.utc)
        >>> ledger = Ledger(wallets=[Wallet(name="main", currency="UAH")])
        >>> ledger = ledger.top_up("main", "500.00", at=at, key="p1")
        >>> ledger = ledger.charge("main", "12.00", at=at, key="c1", tags={"channel": "sms"})
        >>> [e.key for e in ledger.history(period=Period(date(2026, 3, 1), date(2026, 4, 1)),
        ...                                tags={"channel": "sms"})]
        ['c1']
        """
        tz = c.zone("timezone", timezone)
        if wallet is not None:
            self.wallet(wallet)
        wanted = None if kinds is None else {_to_entry_kind(k) for k in kinds}
        wanted_tags = () if tags is None else c.tags(tags)
        if period is not None and not isinstance(period, Period):
            raise CreditError("period", period, "a Period of days")
        found = []
        for index, entry in enumerate(self.entries):
            if wallet is not None and entry.wallet != wallet:
                continue
            if wanted is not None and entry.kind not in wanted:
                continue
            if period is not None and c.local_date(entry.at, tz) not in period:
                continue
            if any(entry.tag(name, "\x00") != value for name, value in wanted_tags):
                continue
            found.append((entry.at, index, entry))
        found.sort(key=lambda item: (item[0], item[1]))
        return tuple(entry for _, _, entry in found)


def _confirmed(payment: PendingPayment, at: datetime) -> Entry:
    return Entry(
        kind=EntryKind.TOP_UP,
        amount=payment.amount,
        wallet=payment.wallet,
        at=at,
        key=payment.key,
        reference=payment.reference,
        credit_kind=payment.credit_kind,
        description=payment.description,
        tags=payment.tags,
    )


def _expiry_entry(wallet: str, lot: _Lot, remaining: Decimal, currency: Currency) -> Entry:
    assert lot.expires_at is not None
    return Entry(
        kind=EntryKind.EXPIRY,
        amount=Money(-remaining, currency),
        wallet=wallet,
        at=lot.expires_at,
        key=f"{lot.key}/expiry",
        reference=lot.reference,
        source=lot.key,
        description="expired",
    )


# --------------------------------------------------------------------------- streams


def balance_of(entries: Iterable[Entry], *, at: datetime | None = None) -> dict[str, Money]:
    """Each wallet's balance from a stream of entries: the sum of their
    amounts (up to ``at``), in constant memory per wallet.

    >>> from datetime import datetime, timezone
    >>> at = datetime(2026, 3, 1, tzinfo=timezone.utc)
    >>> balance_of(
    ...     Entry(kind="top_up", amount=Money("10.00", "EUR"), wallet="main", at=at, key=str(i))
    ...     for i in range(3)
    ... )
    {'main': Money('30.00', 'EUR')}
    """
    if at is not None:
        c.aware("at", at)
    totals: dict[str, Decimal] = {}
    currencies: dict[str, Currency] = {}
    name: str | None = None  # the wallet being summed: runs of one wallet stay in locals
    total = _ZERO
    currency: Currency | None = None
    with decimal.localcontext(CONTEXT):
        for entry in entries:
            if at is not None and entry.at > at:
                continue
            amount = entry.amount
            if entry.wallet != name:
                if name is not None:
                    totals[name] = total
                name = entry.wallet
                known = totals.get(name)
                if known is None:
                    currencies[name] = amount.currency
                    known = _ZERO
                total, currency = known, currencies[name]
            cur = amount.currency
            if cur is not currency and cur != currency:
                raise CurrencyMismatchError(
                    "amount", amount, f"an amount in {currencies[name].code} (wallet {name!r})"
                )
            total += amount.amount
        if name is not None:
            totals[name] = total
    return {name: Money(total, currencies[name]) for name, total in totals.items()}


def allocate_entries(
    entries: Iterable[Entry],
    *,
    order: ConsumptionOrder | Mapping[str, ConsumptionOrder] = DEFAULT_ORDER,
) -> Iterator[Allocation]:
    """Which credit paid which debit, from a stream of entries, as it happens.

    The entries are replayed wallet by wallet in the order given (each
    wallet's entries in time order); ``order`` is the consumption order, one
    for all wallets or one per wallet name. Memory holds only the open credit
    and the unpaid debits, so a stream of millions of entries runs in flat
    memory. The entries are checked as a ledger would (refunds, expiries,
    time order) except for limits.

    >>> from datetime import datetime, timezone
    >>> at = datetime(2026, 3, 1, tzinfo=timezone.utc)
    >>> stream = [
    ...     Entry(kind="top_up", amount=Money("10.00", "EUR"), wallet="main", at=at, key="p1"),
    ...     Entry(kind="top_up", amount=Money("10.00", "EUR"), wallet="main", at=at, key="p2"),
    ...     Entry(kind="charge", amount=Money("-15.00", "EUR"), wallet="main", at=at, key="c1"),
    ... ]
    >>> [(a.credit, a.amount) for a in allocate_entries(stream)]
    [('p1', Money('10.00', 'EUR')), ('p2', Money('5.00', 'EUR'))]
    """
    books: dict[str, _Book] = {}
    out: deque[Allocation] = deque()
    currencies: dict[str, Currency] = {}

    def emitter(wallet: str) -> Emit:
        currency = currencies[wallet]

        def emit(debit: str, credit: str, kind: CreditKind, part: Decimal, when: datetime) -> None:
            out.append(
                Allocation(
                    wallet=wallet,
                    debit=debit,
                    credit=credit,
                    credit_kind=kind,
                    amount=Money(part, currency),
                    at=when,
                )
            )

        return emit

    emits: dict[str, Emit] = {}
    stream = iter(entries)
    while True:
        # In chunks, so the caller's code (the stream's generator, the loop
        # consuming allocations) never runs under billkit's decimal context.
        chunk = list(itertools.islice(stream, 256))
        if not chunk:
            return
        with decimal.localcontext(CONTEXT):
            for entry in chunk:
                if not isinstance(entry, Entry):
                    raise CreditError("entries", entry, "Entry values")
                name = entry.wallet
                book = books.get(name)
                if book is None:
                    chosen = order if isinstance(order, ConsumptionOrder) else order.get(name)
                    if not isinstance(chosen, ConsumptionOrder):
                        raise CreditError("order", order, f"a ConsumptionOrder for wallet {name!r}")
                    currencies[name] = entry.currency
                    book = books[name] = _Book(name, entry.currency, chosen, None, DEFAULT_ROUNDING)
                    emits[name] = emitter(name)
                elif (cur := entry.amount.currency) is not book.currency and cur != book.currency:
                    raise CurrencyMismatchError(
                        "amount",
                        entry.amount,
                        f"an amount in {book.currency.code} (wallet {name!r})",
                    )
                book.apply(entry, emits[name])
        while out:
            yield out.popleft()


# --------------------------------------------------------------------------- grouping


_BUILTIN_KEYS: Final = ("day", "month", "kind", "wallet", "reference")


def group_entries(
    entries: Iterable[Entry], by: str | Sequence[str], *, timezone: str = "UTC"
) -> tuple[HistoryGroup, ...]:
    """Entries grouped by ``by``: ``'day'``, ``'month'`` (in ``timezone``),
    ``'kind'``, ``'wallet'``, ``'reference'`` or a tag name (``'tag:day'`` for a
    tag that shadows one of those). Each group sums money in and out, in one
    currency (entries in several currencies give a group per currency).

    The marketing SaaS's billing history by day and media channel:

    >>> from datetime import datetime, timezone
    >>> t = lambda day, hour: datetime(2026, 3, day, hour, tzinfo=timezone.utc)
    >>> ledger = Ledger(wallets=[Wallet(name="main", currency="UAH")])
    >>> ledger = ledger.top_up("main", "1000.00", at=t(1, 9), key="p1")
    >>> for key, day, hour, channel, amount in [
    ...     ("c1", 1, 10, "email", "120.00"), ("c2", 1, 11, "sms", "35.50"),
    ...     ("c3", 1, 23, "email", "5.00"), ("c4", 2, 9, "email", "80.00"),
    ... ]:
    ...     ledger = ledger.charge("main", amount, at=t(day, hour), key=key,
    ...                            tags={"channel": channel})
    >>> for g in group_entries(ledger.history(kinds=["charge"]), ["day", "channel"]):
    ...     print(g.key, g.count, g.debits.amount)
    ('2026-03-01', 'email') 2 125.00
    ('2026-03-01', 'sms') 1 35.50
    ('2026-03-02', 'email') 1 80.00
    """
    keys = (by,) if isinstance(by, str) else tuple(by)
    if not keys:
        raise CreditError("by", by, "at least one key to group by")
    tz = c.zone("timezone", timezone)
    getters = [_getter(c.text("by", k, required=True), tz) for k in keys]
    groups: dict[tuple[Any, ...], list[Any]] = {}
    with decimal.localcontext(CONTEXT):
        for entry in entries:
            if not isinstance(entry, Entry):
                raise CreditError("entries", entry, "Entry values")
            key = (*(get(entry) for get in getters), entry.currency.code)
            group = groups.get(key)
            if group is None:
                group = groups[key] = [0, _ZERO, _ZERO, entry.currency]
            amount = entry.amount.amount
            group[0] += 1
            if amount > 0:
                group[1] += amount
            else:
                group[2] -= amount
    return tuple(
        HistoryGroup(
            key=key[:-1],
            currency=cur,
            count=count,
            credits=Money(credits, cur),
            debits=Money(debits, cur),
            net=Money(c.add(credits, -debits), cur),
        )
        for key, (count, credits, debits, cur) in sorted(groups.items())
    )


def _getter(name: str, tz: tzinfo) -> Callable[[Entry], str]:
    if name == "day":
        return lambda e: c.local_date(e.at, tz).isoformat()
    if name == "month":
        return lambda e: c.local_date(e.at, tz).isoformat()[:7]
    if name == "kind":
        return lambda e: e.kind.value
    if name == "wallet":
        return lambda e: e.wallet
    if name == "reference":
        return lambda e: e.reference
    tag = name[4:] if name.startswith("tag:") else name
    return lambda e: e.tag(tag)


def tax_by_row(
    amounts: Sequence[Money], rate: object, policy: RoundingPolicy = DEFAULT_ROUNDING
) -> list[Money]:
    """The tax included in each row of one document, adding up to the
    document's tax.

    The tax is computed once on the rows' total (``total x rate / (1 +
    rate)``, rounded) and split over the rows in proportion to their amounts
    by the largest remainder method (:func:`billkit.money.allocate`; on a tie
    the earlier row first). Rounding each row on its own can miss the total
    by a minor unit or more.

    The hosting provider's expense rows, newest first, 20 % VAT included
    (total 100.6565, tax 100.6565 / 6 = 16.776 -> 16.78): row by row,
    22.4137 / 6 = 3.7356 and 34.4827 / 6 = 5.7471 give 3.74 and 5.75, but the
    second 22.4137 gets 3.73 so that the rows add up to 16.78, exactly as the
    provider shows:

    >>> rub = lambda a: Money(a, "RUB")
    >>> tax_by_row([rub("22.4137"), rub("34.4827"), rub("22.4137"), rub("21.3464")], "20%")
    [Money('3.74', 'RUB'), Money('5.75', 'RUB'), Money('3.73', 'RUB'), Money('3.56', 'RUB')]
    """
    rows = list(amounts)
    if not rows:
        return []
    r = to_rate(rate)
    currency = rows[0].currency
    with decimal.localcontext(CONTEXT):
        total = _ZERO
        for i, row in enumerate(rows):
            if not isinstance(row, Money):
                raise CreditError(f"amounts[{i}]", row, "a Money")
            c.same_currency(f"amounts[{i}]", row, currency)
            if row.amount < 0:
                raise CreditError(f"amounts[{i}]", row, "an amount of zero or more")
            total += row.amount
        tax = policy.round_amount(total * r / (1 + r), currency)
        if not total:
            return [Money(policy.round_amount(_ZERO, currency), currency) for _ in rows]
        return allocate(Money(tax, currency), [row.amount for row in rows], policy)
