"""Ledger entries: the kinds of money and of entries, entries, pending payments,
and the rows the ledger reports (allocations, expenses, open lots, history groups).

An :class:`Entry` is one immutable, signed line of a
:class:`~billkit.credit.Ledger`: credits positive, debits negative. Its
:class:`EntryKind` says what it records and so its sign; a credit's
:class:`CreditKind` says what money it is (paid, bonus, promotional,
refundable), which decides whether it may ever leave as cash.

>>> CreditKind.PAID.cash, CreditKind.BONUS.cash
(True, False)
"""

from __future__ import annotations

import enum
from datetime import datetime, timezone
from typing import TYPE_CHECKING, ClassVar, Final

import attrs
from moneyed import Currency, Money

from billkit import _checks as checks
from billkit.credit import _fast as fast
from billkit.errors import CreditError, ValidationError

__all__ = [
    "Allocation",
    "Clawback",
    "CreditKind",
    "CreditLot",
    "Entry",
    "EntryKind",
    "Expense",
    "HistoryGroup",
    "PendingPayment",
]


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

# The keys billkit derives from another key (the ledger's expiries and
# clawbacks, the bonus and cashback a payment earns): only the entry they name
# may use them, so a user's key never collides with a derived one.
_DERIVED: Final = {
    "expiry": "an expiry of lot '{head}' (kind expiry, source '{head}')",
    "clawback": "a clawback of refund '{head}' (kind clawback)",
    "bonus": "the bonus payment '{head}' earned (kind bonus or cashback, source '{head}')",
    "cashback": "the cashback payment '{head}' earned (kind bonus or cashback, source '{head}')",
}


def _check_derived_key(kind: EntryKind, key: str, source: str) -> None:
    """Refuse a key in billkit's derived namespace (``<key>/expiry``,
    ``<key>/clawback[/<n>]``, ``<key>/bonus``, ``<key>/cashback``) on any entry
    but the one billkit derives under it; an expiry's key is always its lot's."""
    head, _, last = key.rpartition("/")
    if last.isdigit() and head.endswith("/clawback"):
        head, last = head[: -len("/clawback")], "clawback"
    if last == "expiry":
        fits = kind is EntryKind.EXPIRY and head == source
    elif last == "clawback":
        fits = kind is EntryKind.CLAWBACK
    elif last in ("bonus", "cashback"):
        fits = kind in _EARNED and head == source
    else:
        fits = kind is not EntryKind.EXPIRY
    if fits:
        return
    if kind is EntryKind.EXPIRY:
        raise CreditError("key", key, f"'{source}/expiry': an expiry is keyed by its lot")
    raise CreditError(
        "key",
        key,
        f"a key outside billkit's derived namespace: '{key}' is reserved for "
        + _DERIVED[last].format(head=head),
    )


_WHOLE: Final = frozenset({EntryKind.TOP_UP, EntryKind.BONUS, EntryKind.CASHBACK, EntryKind.REFUND})
_EXPENSES: Final = (EntryKind.CHARGE, EntryKind.DEBT, EntryKind.ADJUSTMENT)


def _to_credit_kind(value: object) -> CreditKind:
    return checks.member("credit_kind", value, CreditKind, error=CreditError)


def _to_entry_kind(value: object) -> EntryKind:
    return checks.member("kind", value, EntryKind, error=CreditError)


def _to_clawback(value: object) -> Clawback:
    return checks.member("clawback", value, Clawback, error=CreditError)


def tag_pairs(field: str, value: object) -> tuple[tuple[str, str], ...]:
    """Tags as sorted ``(name, value)`` pairs (hashable, for frozen values)."""
    return tuple(checks.tags(field, value, error=CreditError).items())


if TYPE_CHECKING:  # mypy's attrs plugin takes named functions (see billkit._checks)

    def _TAGS(value: object) -> tuple[tuple[str, str], ...]: ...
    def _ENTRY_TAGS(value: object) -> tuple[tuple[str, str], ...]: ...
    def _ENTRY_KIND(value: object) -> EntryKind: ...
    def _CREDIT_KIND(value: object) -> CreditKind | None: ...
    def _NAME(value: object) -> str: ...
    def _TEXT(value: object) -> str: ...
    def _MOMENT(value: object) -> datetime: ...
    def _OPTIONAL_MOMENT(value: object) -> datetime | None: ...

else:
    _TAGS = attrs.Converter(
        lambda value, _self, field: tag_pairs(field.name, value), takes_self=True, takes_field=True
    )
    # Entry's fields, with the credit room's fast path (billkit.credit._fast)
    _ENTRY_TAGS = fast.passing(fast.is_empty_tuple, _TAGS)
    _ENTRY_KIND = fast.passing(fast.exactly(EntryKind), checks.MEMBER)
    _CREDIT_KIND = fast.passing(fast.or_none(fast.exactly(CreditKind)), checks.MEMBER)
    _NAME = fast.passing(fast.is_name, checks.TEXT)
    _TEXT = fast.passing(fast.is_text, checks.FREE_TEXT)
    _MOMENT = fast.passing(fast.is_moment, checks.MOMENT)
    _OPTIONAL_MOMENT = fast.passing(fast.or_none(fast.is_moment), checks.MOMENT)


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

    _error_class: ClassVar[type[ValidationError]] = CreditError

    kind: EntryKind = attrs.field(converter=_ENTRY_KIND)
    amount: Money = attrs.field(converter=checks.MONEY)
    wallet: str = attrs.field(converter=_NAME)
    at: datetime = attrs.field(converter=_MOMENT)
    key: str = attrs.field(converter=_NAME)
    reference: str = attrs.field(default="", converter=_TEXT)
    credit_kind: CreditKind | None = attrs.field(converter=_CREDIT_KIND)
    expires_at: datetime | None = attrs.field(default=None, converter=_OPTIONAL_MOMENT)
    source: str = attrs.field(default="", converter=_TEXT)
    description: str = attrs.field(default="", converter=_TEXT)
    tags: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_ENTRY_TAGS)

    @credit_kind.default
    def _default_credit_kind(self) -> CreditKind | None:
        if self.kind is EntryKind.TOP_UP:
            return CreditKind.PAID
        if self.kind in _EARNED:
            return CreditKind.BONUS
        return None

    def __attrs_post_init__(self) -> None:
        kind, amount, credit_kind = self.kind, self.amount.amount, self.credit_kind
        if "/" in self.key or kind is EntryKind.EXPIRY:
            _check_derived_key(kind, self.key, self.source)
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
            # instants, not wall times: in a daylight-saving fold 01:01 (first
            # pass) comes before 01:00 (second pass) of the same zone object
            if self.expires_at.astimezone(timezone.utc) <= self.at.astimezone(timezone.utc):
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


def _cash_kind(value: object) -> CreditKind:
    kind = _to_credit_kind(value)
    if not kind.cash:
        raise CreditError("credit_kind", value, "'paid' or 'refundable': a payment is cash")
    return kind


def _cash(_: object, field: attrs.Attribute[CreditKind], value: CreditKind) -> None:
    if not value.cash:
        raise CreditError(field.name, value, "'paid' or 'refundable': a payment is cash")


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

    _error_class: ClassVar[type[ValidationError]] = CreditError

    key: str = attrs.field(converter=checks.TEXT)
    wallet: str = attrs.field(converter=checks.TEXT)
    amount: Money = attrs.field(converter=checks.MONEY, metadata=checks.options(sign="above_zero"))
    at: datetime = attrs.field(converter=checks.MOMENT)
    reference: str = attrs.field(default="", converter=checks.FREE_TEXT)
    method: str = attrs.field(default="", converter=checks.FREE_TEXT)
    credit_kind: CreditKind = attrs.field(
        default=CreditKind.PAID, converter=checks.MEMBER, validator=_cash
    )
    description: str = attrs.field(default="", converter=checks.FREE_TEXT)
    tags: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_TAGS)

    def __attrs_post_init__(self) -> None:
        if "/" in self.key:  # it becomes a top-up: not under a key billkit derives
            _check_derived_key(EntryKind.TOP_UP, self.key, "")


@attrs.frozen(kw_only=True)
class Allocation:
    """Part of a debit paid by part of a credit: ``amount`` of lot ``credit``
    went to entry ``debit`` at moment ``at``.

    >>> from datetime import datetime, timezone
    >>> from billkit.credit import Ledger, Wallet
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
    >>> from billkit.credit import Ledger, Wallet
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
    >>> from billkit.credit import Ledger, Wallet
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
    >>> from billkit.credit import Ledger, Wallet
    >>> at = datetime(2026, 3, 1, tzinfo=timezone.utc)
    >>> ledger = Ledger(wallets=[Wallet(name="main", currency="EUR")])
    >>> ledger = ledger.top_up("main", "5.00", at=at, key="p1").charge("main", "2.00", at=at, key="c1")
    >>> from billkit.credit.history import group_entries
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
