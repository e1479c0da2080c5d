"""The replay engine: one wallet's entries replayed into open lots, debts and statements.

Private. A :class:`~billkit.credit.Ledger` keeps one :class:`_Book` per wallet
and copies it before posting; the streaming helpers of
:mod:`billkit.credit.streams` keep one per wallet of a stream.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Final

from moneyed import Currency

from billkit.credit.credit_line import CreditLine, StatementDates, local_date
from billkit.credit.entries import CreditKind, Entry, EntryKind
from billkit.credit.wallets import ConsumptionOrder, LotOrder, Wallet
from billkit.errors import (
    CreditError,
)
from billkit.money import (
    RoundingPolicy,
)

_ZERO: Final = Decimal(0)
_NEVER: Final = datetime.max.replace(tzinfo=timezone.utc)
"""Sorts after every real expiry: the expiry of credit that never expires."""


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

_UTC: Final = timezone.utc


def instant(moment: datetime) -> datetime:
    """``moment`` in UTC: the instant it names, for comparing moments.

    Two aware datetimes of the same zone object compare by wall time, ignoring
    ``fold``: in a daylight-saving fold 01:30 (second pass, 06:30Z) would sort
    before 01:45 (first pass, 05:45Z). The ledger compares instants only.
    """
    return moment if moment.tzinfo is _UTC else moment.astimezone(_UTC)


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
        "last_instant",
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
        self.last_instant: datetime = _NEVER
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
            self.lot_key = lambda lot: lot.expires_at or _NEVER

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
        moment = instant(moment)
        while (
            line is not None and self.next_issue is not None and instant(self.next_issue) <= moment
        ):
            issued_at = self.next_issue
            open_keys = list(self.debts)[self.dassigned :]
            exact = _ZERO
            for key in open_keys:
                exact += self.drem[key]
            amount = self.policy.round_amount(exact, self.currency)
            if amount > 0:
                index = len(self.stmts)
                day = local_date(issued_at, line.tz)
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
        today = local_date(moment, line.tz)
        rnd = self.policy.round_amount
        return any(
            stmt.dates.blocked_from <= today and rnd(rem, self.currency) > 0
            for stmt, rem in zip(self.stmts, self.srem, strict=True)
        )

    # -- entries ------------------------------------------------------------

    def due_expiries(self, moment: datetime) -> list[_Lot]:
        """Open lots whose expiry is at or before ``moment``, soonest first."""
        due = []
        moment = instant(moment)
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
        moment = instant(at)
        if self.last_at is not None and moment < self.last_instant:
            raise CreditError(
                "at",
                at,
                f"a moment at or after the wallet's last entry ({self.last_at.isoformat()}): "
                "entries are appended in time order; correct the past with a new entry",
            )
        if self.credit is not None:
            self.issue_until(moment)
        if self.expiring:
            self._check_expired(moment, e.kind is not EntryKind.EXPIRY)
        amount = e.amount.amount
        if amount > 0:
            self._credit(e, amount, emit)
        elif e.source:
            self._targeted(e, -amount, emit)
        else:
            self._consume(e, -amount, emit)
        self.balance += amount
        self.last_at = at
        self.last_instant = moment
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
                heapq.heappush(self.expiring, (instant(lot.expires_at), lot.seq, key))

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
        if e.kind is EntryKind.EXPIRY and (
            lot.expires_at is None or instant(lot.expires_at) != instant(e.at) or need != have
        ):
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
