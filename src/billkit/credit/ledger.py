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
import itertools
import operator
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any, ClassVar, Final, overload

import attrs
from moneyed import Currency, Money

from billkit import _checks as checks
from billkit import _display
from billkit._frozen import reduce_through_init
from billkit.credit._replay import Emit, _Book, _book_for, _Lot, instant
from billkit.credit.credit_line import CreditState, Statement, end_of, local_date
from billkit.credit.entries import (
    _EARNED,
    _EXPENSES,
    _WHOLE,
    Allocation,
    Clawback,
    CreditKind,
    CreditLot,
    Entry,
    EntryKind,
    Expense,
    HistoryGroup,
    PendingPayment,
    _cash_kind,
    _to_clawback,
    _to_credit_kind,
    _to_entry_kind,
    tag_pairs,
)
from billkit.credit.history import group_entries, tax_by_row
from billkit.credit.streams import allocate_entries, balance_of
from billkit.credit.wallets import (
    DEFAULT_ORDER,
    ConsumptionOrder,
    LotOrder,
    Wallet,
    WalletSplit,
    split_across_wallets,
)
from billkit.errors import (
    CreditError,
    CreditLimitExceededError,
    InsufficientFundsError,
    TransitionError,
    ValidationError,
)
from billkit.money import (
    CONTEXT,
    DEFAULT_ROUNDING,
    RoundingPolicy,
)
from billkit.periods import Period

# The names below lived here before the split; they stay importable from here.
__all__ = [
    "DEFAULT_ORDER",
    "Allocation",
    "BalancePayment",
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

_ZERO: Final = Decimal(0)


def _wallets(value: object) -> tuple[Wallet, ...]:
    wallets = checks.tuple_of("wallets", value, Wallet, error=CreditError)
    names: set[str] = set()
    for i, wallet in enumerate(wallets):
        if wallet.name in names:
            raise CreditError(
                f"wallets[{i}].name", wallet.name, "a name not used by another wallet"
            )
        names.add(wallet.name)
    return wallets


class _Log:
    """The entries of a line of ledger versions: append-only and shared.

    Private. Every :class:`Ledger` derived from another by posting shares its
    log and knows how many of its entries are its own (``_n``): posting to the
    newest version appends in place (amortised O(1)); posting to an older
    version, once a newer one has appended, first copies the older version's
    part of the log (copy-on-write on divergence), so every version keeps
    exactly its own entries. Per wallet it keeps the wallet's entries, their
    instants and running balances, for ``balance(at)`` by bisection.
    """

    __slots__ = ("by_wallet", "entries", "instants", "keys", "lock", "totals")

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.keys: dict[str, int] = {}
        self.lock = threading.Lock()
        self.by_wallet: dict[str, list[Entry]] = {}
        self.instants: dict[str, list[datetime]] = {}
        self.totals: dict[str, list[Decimal]] = {}

    def append(self, entry: Entry) -> None:
        self.keys[entry.key] = len(self.entries)
        self.entries.append(entry)
        name = entry.wallet
        mine = self.by_wallet.get(name)
        if mine is None:
            mine = self.by_wallet[name] = []
            self.instants[name] = []
            self.totals[name] = []
        mine.append(entry)
        self.instants[name].append(instant(entry.at))
        totals = self.totals[name]
        amount = entry.amount.amount
        totals.append(CONTEXT.add(totals[-1], amount) if totals else amount)

    def fork(self, n: int, counts: Mapping[str, int]) -> _Log:
        """A new log holding the first ``n`` entries (``counts`` of each wallet)."""
        new = _Log()
        new.entries = self.entries[:n]
        new.keys = {key: i for key, i in self.keys.items() if i < n}
        for name, count in counts.items():
            if count:
                new.by_wallet[name] = self.by_wallet[name][:count]
                new.instants[name] = self.instants[name][:count]
                new.totals[name] = self.totals[name][:count]
        return new


class _EntryView(Sequence[Entry]):
    """A ledger's entries: its first ``n`` entries of a shared :class:`_Log`.

    Private. It reads like a tuple (index, slice, iterate, compare with a
    tuple, hash) and pickles as one; it costs nothing to make, so posting
    does not copy the entries.
    """

    __slots__ = ("_log", "_n")

    def __init__(self, log: _Log, n: int) -> None:
        self._log = log
        self._n = n

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, index: int) -> Entry: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Entry, ...]: ...

    def __getitem__(self, index: int | slice) -> Entry | tuple[Entry, ...]:
        if isinstance(index, slice):
            return tuple(self)[index]
        i = operator.index(index)
        n = self._n
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("tuple index out of range")
        return self._log.entries[i]

    def __iter__(self) -> Iterator[Entry]:
        return itertools.islice(self._log.entries, self._n)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _EntryView):
            if other._log is self._log:
                return other._n == self._n
            return len(other) == len(self) and tuple(self) == tuple(other)
        if isinstance(other, tuple):
            return tuple(self) == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __add__(self, other: tuple[Entry, ...]) -> tuple[Entry, ...]:
        return tuple(self) + other

    def __radd__(self, other: tuple[Entry, ...]) -> tuple[Entry, ...]:
        return other + tuple(self)

    def __repr__(self) -> str:
        return repr(tuple(self))

    def __reduce__(self) -> tuple[Any, ...]:
        return (tuple, (tuple(self),))


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

    Posting is amortised O(1) whatever the ledger's size: versions derived
    one from another share their entries, and an older version posted to
    again copies only its own part first, so every version keeps exactly its
    entries. ``balance()`` is O(1) and ``balance(at)`` O(log n). For
    allocations over millions of entries, stream them through
    :func:`balance_of` and :func:`allocate_entries`.

    >>> from datetime import datetime, timezone
    >>> ledger = Ledger(wallets=[Wallet(name="main", currency="RUB")])
    >>> ledger.charge("main", "10.00", at=datetime(2026, 3, 1, tzinfo=timezone.utc), key="c1")
    Traceback (most recent call last):
    ...
    billkit.errors.InsufficientFundsError: amount = Money('10.00', 'RUB'): expected at most 0 RUB: the balance of wallet 'main' (it has no credit line)
    """

    _error_class: ClassVar[type[ValidationError]] = CreditError

    wallets: tuple[Wallet, ...] = attrs.field(converter=_wallets)
    # Read as a tuple; held as an _EntryView (tuple-like, shared by versions).
    entries: tuple[Entry, ...] = attrs.field(default=(), converter=checks.TUPLE)
    pending: tuple[PendingPayment, ...] = attrs.field(default=(), converter=checks.TUPLE)
    rounding: RoundingPolicy = attrs.field(default=DEFAULT_ROUNDING, converter=checks.INSTANCE)
    _books: dict[str, _Book] = attrs.field(init=False, eq=False, repr=False, hash=False)
    _log: _Log = attrs.field(init=False, eq=False, repr=False, hash=False)
    _n: int = attrs.field(init=False, eq=False, repr=False, hash=False)
    _counts: dict[str, int] = attrs.field(init=False, eq=False, repr=False, hash=False)
    _cache: dict[str, Any] = attrs.field(init=False, eq=False, repr=False, hash=False)

    def __repr__(self) -> str:
        return _display.ledger_repr(self)

    def _repr_html_(self) -> str:
        """Tables for notebooks: each wallet's balance, then the latest entries;
        every text is escaped."""
        return _display.ledger_html(self)

    # Pickled as its constructor arguments: the replayed books are rebuilt.
    __reduce__ = reduce_through_init

    def __attrs_post_init__(self) -> None:
        by_name = {w.name: w for w in self.wallets}
        books = {w.name: _book_for(w, self.rounding) for w in self.wallets}
        log = _Log()
        keys = log.keys
        counts = dict.fromkeys(by_name, 0)
        with decimal.localcontext(CONTEXT):
            for i, entry in enumerate(self.entries):
                wallet = self._check_entry(entry, by_name, f"entries[{i}]")
                if entry.key in keys:
                    raise CreditError(
                        f"entries[{i}].key", entry.key, "a key used by one entry only"
                    )
                log.append(entry)
                counts[wallet.name] += 1
                try:
                    books[wallet.name].apply(entry, None)
                except CreditError as error:
                    raise CreditError(
                        f"entries[{i}].{error.field}", error.value, error.expected
                    ) from None
        seen: set[str] = set()
        for i, payment in enumerate(self.pending):
            wallet = self._wallet_of(payment.wallet, by_name, f"pending[{i}].wallet")
            checks.same_currency(
                f"pending[{i}].amount", payment.amount, wallet.currency, error=CreditError
            )
            checks.whole_minor_units(
                f"pending[{i}].amount", payment.amount, self.rounding, error=CreditError
            )
            if payment.key in keys or payment.key in seen:
                raise CreditError(f"pending[{i}].key", payment.key, "a key not used elsewhere")
            seen.add(payment.key)
        object.__setattr__(self, "entries", _EntryView(log, len(log.entries)))
        object.__setattr__(self, "_books", books)
        object.__setattr__(self, "_log", log)
        object.__setattr__(self, "_n", len(log.entries))
        object.__setattr__(self, "_counts", counts)
        object.__setattr__(self, "_cache", {})

    def _index(self, key: str) -> int | None:
        """The position of the entry posted under ``key`` in this version, if any."""
        index = self._log.keys.get(key)
        return index if index is not None and index < self._n else None

    def _at(self, index: int) -> Entry:
        return self._log.entries[index]

    def _book(self, wallet: str) -> _Book:
        """This version's replay of ``wallet``. Books are shared by versions and
        the newest one advances them in place; an older version whose book has
        moved on replays its own entries once (cached)."""
        book = self._books[wallet]
        if book.seq == self._counts[wallet]:
            return book
        key = f"book:{wallet}"
        mine: _Book | None = self._cache.get(key)
        if mine is None or mine.seq != self._counts[wallet]:
            mine = self._cache[key] = self._replay(wallet, None, None)
        return mine

    def _post_in_place(self, entry: Entry, wallet: Wallet) -> Ledger | None:
        """Post one entry by advancing the shared book and log in place: the
        amortised O(1) path. ``None`` when it does not apply (this version is
        not the newest, a lot is due to expire, a credit line); nothing is
        changed then, nor when the entry is refused (every check runs first)."""
        if wallet.credit is not None or entry.kind is EntryKind.EXPIRY:
            return None
        name = wallet.name
        log = self._log
        with log.lock:
            book = self._books[name]
            if len(log.entries) != self._n or book.seq != self._counts[name]:
                return None
            due = book.expiring
            if due and due[0][0] <= instant(entry.at):
                return None
            with decimal.localcontext(CONTEXT):
                self._check_funds(wallet, book, entry)
                book.apply(entry, None)  # refuses before changing anything
                log.append(entry)
        counts = dict(self._counts)
        counts[name] += 1
        new = object.__new__(Ledger)
        set_ = object.__setattr__
        set_(new, "wallets", self.wallets)
        set_(new, "entries", _EntryView(log, self._n + 1))
        set_(new, "pending", self.pending)
        set_(new, "rounding", self.rounding)
        set_(new, "_books", self._books)
        set_(new, "_log", log)
        set_(new, "_n", self._n + 1)
        set_(new, "_counts", counts)
        set_(new, "_cache", {})
        return new

    # -- construction helpers ----------------------------------------------

    def _wallet_of(self, name: str, by_name: Mapping[str, Wallet], field: str) -> Wallet:
        wallet = by_name.get(name)
        if wallet is None:
            known = ", ".join(repr(n) for n in by_name) or "none"
            raise CreditError(field, name, f"a wallet of this ledger ({known})")
        return wallet

    def _check_entry(self, entry: Entry, by_name: Mapping[str, Wallet], field: str) -> Wallet:
        wallet = self._wallet_of(entry.wallet, by_name, f"{field}.wallet")
        checks.same_currency(f"{field}.amount", entry.amount, wallet.currency, error=CreditError)
        if entry.kind in _WHOLE:
            checks.whole_minor_units(
                f"{field}.amount", entry.amount, self.rounding, error=CreditError
            )
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
        log = self._log
        n = self._n
        counts = self._counts
        if wallets is not None:
            counts = {w.name: counts.get(w.name, 0) for w in wallets}
        if added:
            counts = dict(counts)
            with log.lock:
                if len(log.entries) != n:  # a newer version appended: copy ours first
                    log = log.fork(n, self._counts)
                with decimal.localcontext(CONTEXT):
                    for entry in added:
                        log.append(entry)
                        counts[entry.wallet] += 1
            n += len(added)
        set_ = object.__setattr__
        set_(new, "wallets", self.wallets if wallets is None else wallets)
        set_(new, "entries", self.entries if not added else _EntryView(log, n))
        set_(new, "pending", self.pending if pending is None else pending)
        set_(new, "rounding", self.rounding)
        set_(new, "_books", {**self._books, **books})
        set_(new, "_log", log)
        set_(new, "_n", n)
        set_(new, "_counts", counts)
        set_(new, "_cache", {})
        return new

    def _existing(self, entry: Entry) -> bool:
        """Whether ``entry`` is already posted (True), or new (False); a
        different entry under its key is refused."""
        index = self._index(entry.key)
        if index is None:
            if any(p.key == entry.key for p in self.pending):
                raise CreditError(
                    "key", entry.key, "a key not used by a pending payment (confirm it instead)"
                )
            return False
        found = self._at(index)
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
        if checked and len(new) == 1 and isinstance(new[0], Entry):
            entry = new[0]
            if self._existing(entry):
                return self
            wallet = self._check_entry(entry, by_name, "entry")
            fast = self._post_in_place(entry, wallet)
            if fast is not None:
                return fast
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
                    book = books[wallet.name] = self._book(wallet.name).copy()
                if entry.kind is not EntryKind.EXPIRY:
                    for lot in book.due_expiries(entry.at):
                        expiry = _expiry_entry(wallet.name, lot, book.rem[lot.key], wallet.currency)
                        if self._index(expiry.key) is not None or expiry.key in seen:
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
        money = checks.money(
            "amount", amount, self.wallet(wallet).currency, sign="above_zero", error=CreditError
        )
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
        money = checks.money(
            "amount", amount, self.wallet(wallet).currency, sign="above_zero", error=CreditError
        )
        source_index = self._index(source) if source else None
        if source and source_index is None:
            raise CreditError("source", source, "the key of a payment in this ledger, or ''")
        if source_index is not None and self._index(key) is None:
            # a retried grant is matched by post() as before
            paid = self._at(source_index).amount.amount
            with decimal.localcontext(CONTEXT):
                refunded = self._earned(source)[1]
            if paid > 0 and refunded >= paid:
                raise CreditError(
                    "source",
                    source,
                    "a payment not refunded in full: a refunded payment earns nothing",
                )
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
        money = checks.money(
            "amount", amount, self.wallet(wallet).currency, sign="above_zero", error=CreditError
        )
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

    def pay_from_balance(
        self,
        wallet: str,
        due: object,
        *,
        at: datetime,
        key: str,
        reference: str = "",
        description: str = "",
        tags: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    ) -> tuple[Ledger, BalancePayment]:
        """Pay what the wallet's balance covers of ``due`` and leave the rest due.

        :meth:`charge` refuses an amount above the balance (or the credit
        line); this pays a document partly: it charges ``min(due, balance at
        at)`` and reports what was applied and what remains for another
        payment, as Lago applies a wallet to an invoice (its spec "with active
        wallet": a 10.00 wallet against a 120.00 invoice applies 10.00 and
        leaves 110.00 due) and Kill Bill its account credit. Only credit the
        wallet holds is used, never a credit line; when the balance falls
        short the part applied is whole minor units (the rest due is an amount
        that can be paid). Nothing to apply posts nothing.

        The charge is posted under ``key``; asked again with the same key
        (a retry), it returns the ledger as it is and the payment made then.

        >>> from datetime import datetime, timezone
        >>> at = datetime(2026, 3, 1, tzinfo=timezone.utc)
        >>> ledger = Ledger(wallets=[Wallet(name="main", currency="EUR")])
        >>> ledger = ledger.top_up("main", "10.00", at=at, key="p1")
        >>> ledger, paid = ledger.pay_from_balance("main", "120.00", at=at, key="inv-1")
        >>> paid.applied, paid.remaining, ledger.balance("main")
        (Money('10.00', 'EUR'), Money('110.00', 'EUR'), Money('0.00', 'EUR'))
        """
        w = self.wallet(wallet)
        owed = checks.money("due", due, w.currency, sign="above_zero", error=CreditError)
        checks.moment("at", at, error=CreditError)
        checks.text("key", key, error=CreditError)
        index = self._index(key)
        if index is not None:  # a retry: the charge made then
            done = self._at(index)
            if done.kind is not EntryKind.CHARGE or done.wallet != wallet or -done.amount > owed:
                raise CreditError(
                    "key", key, f"a new key, or the key of a charge of at most {owed} to {wallet!r}"
                )
            applied = -done.amount
            with decimal.localcontext(CONTEXT):
                return self, BalancePayment(
                    wallet=wallet,
                    key=key,
                    due=owed,
                    applied=applied,
                    remaining=Money(owed.amount - applied.amount, w.currency),
                )
        with decimal.localcontext(CONTEXT):
            spendable = max(self.balance(wallet, at).amount, _ZERO)
            if spendable < owed.amount:
                quantum = self.rounding.quantum(w.currency)
                spendable = spendable.quantize(quantum, rounding=decimal.ROUND_DOWN)
            applied_amount = min(owed.amount, spendable)
            remaining = owed.amount - applied_amount
        ledger = self
        if applied_amount > 0:
            ledger = self.charge(
                wallet,
                Money(applied_amount, w.currency),
                at=at,
                key=key,
                reference=reference,
                description=description,
                tags=tags,
            )
        return ledger, BalancePayment(
            wallet=wallet,
            key=key,
            due=owed,
            applied=Money(applied_amount, w.currency),
            remaining=Money(remaining, w.currency),
        )

    def split_charge(
        self,
        fees: Mapping[str, Money] | Iterable[tuple[str, Money]],
        *,
        at: datetime,
        key: str,
        reference: str = "",
        description: str = "",
        tags: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    ) -> tuple[Ledger, WalletSplit]:
        """Pay ``fees`` (amount due by fee type) from this ledger's wallets by
        priority and fee type (:func:`~billkit.credit.wallets.split_across_wallets`,
        each wallet spending its balance at ``at``, never a credit line), one
        charge per paying wallet under ``key/<wallet>``; what no wallet may or
        can pay stays due in the split's ``remaining``.

        >>> from datetime import datetime, timezone
        >>> at = datetime(2026, 3, 1, tzinfo=timezone.utc)
        >>> eur = lambda amount: Money(amount, "EUR")
        >>> ledger = Ledger(wallets=[
        ...     Wallet(name="main", currency="EUR"),
        ...     Wallet(name="usage", currency="EUR", priority=10, fee_types=["usage"]),
        ... ])
        >>> ledger = ledger.top_up("main", "25.00", at=at, key="p1").top_up("usage", "20.00", at=at, key="p2")
        >>> ledger, split = ledger.split_charge({"subscription": eur("36.00"), "usage": eur("15.50")},
        ...                                     at=at, key="inv-9")
        >>> ledger.balances(), split.due
        ({'main': Money('0.00', 'EUR'), 'usage': Money('4.50', 'EUR')}, Money('11.00', 'EUR'))
        >>> ledger.entry("inv-9/usage").amount
        Money('-15.50', 'EUR')
        """
        checks.moment("at", at, error=CreditError)
        checks.text("key", key, error=CreditError)
        for w in self.wallets:
            if self._index(f"{key}/{w.name}") is not None:
                raise CreditError("key", key, "a key not used for a split of this ledger yet")
        with decimal.localcontext(CONTEXT):
            spendable = [
                (w, Money(max(self.balance(w.name, at).amount, _ZERO), w.currency))
                for w in self.wallets
            ]
        split = split_across_wallets(fees, spendable)
        ledger = self
        for name, amount in split.by_wallet().items():
            ledger = ledger.charge(
                name,
                amount,
                at=at,
                key=f"{key}/{name}",
                reference=reference,
                description=description,
                tags=tags,
            )
        return ledger, split

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
        money = checks.money("amount", amount, self.wallet(wallet).currency, error=CreditError)
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
        money = checks.money(
            "amount", amount, self.wallet(wallet).currency, sign="above_zero", error=CreditError
        )
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
        money = checks.whole_minor_units(
            "amount",
            checks.money("amount", amount, w.currency, sign="above_zero", error=CreditError),
            self.rounding,
            error=CreditError,
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
        forced = (
            None
            if forfeit is None
            else checks.money(
                "forfeit", forfeit, w.currency, sign="zero_or_more", error=CreditError
            )
        )
        ledger = self.expire(refund.at)  # what expired by then is not refundable
        with decimal.localcontext(CONTEXT):
            book = ledger._book(w.name)
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
        index = self._index(payment)
        if index is None or self._at(index).wallet != w.name:
            raise CreditError("payment", payment, f"the key of a payment in wallet {w.name!r}")
        entry = self._at(index)
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
            book = self._book(w.name)
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
        checks.moment("at", at, error=CreditError)
        books: dict[str, _Book] = {}
        added: list[Entry] = []
        with decimal.localcontext(CONTEXT):
            for w in self.wallets:
                due = self._book(w.name).due_expiries(at)
                if not due:
                    continue
                book = books[w.name] = self._book(w.name).copy()
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
        checks.same_currency("amount", payment.amount, w.currency, error=CreditError)
        checks.whole_minor_units("amount", payment.amount, self.rounding, error=CreditError)
        for p in self.pending:
            if p.key == payment.key:
                if p == payment:
                    return self
                raise CreditError(
                    "key", payment.key, "a new key: a different payment is pending under it"
                )
        index = self._index(payment.key)
        if index is not None:
            booked = self._at(index)
            if booked == _confirmed(payment, booked.at):
                return self  # already confirmed: a retried announcement
            raise CreditError("key", payment.key, f"a new key: it is used by {_describe(booked)}")
        return self._derive([], {}, pending=(*self.pending, payment))

    def confirm(self, key: str, *, at: datetime) -> Ledger:
        """Book pending payment ``key`` as a top-up effective ``at`` (when the
        bank confirmed it). Confirming it again changes nothing."""
        checks.moment("at", at, error=CreditError)
        for p in self.pending:
            if p.key == key:
                if instant(at) < instant(p.at):
                    raise CreditError(
                        "at", at, f"a moment at or after the payment was announced ({p.at})"
                    )
                rest = tuple(q for q in self.pending if q.key != key)
                without = self._derive([], {}, pending=rest)
                return without._post([_confirmed(p, at)])
        index = self._index(key)
        if index is not None and self._at(index).kind is EntryKind.TOP_UP:
            return self
        raise CreditError("key", key, "the key of a pending payment")

    def cancel(self, key: str) -> Ledger:
        """Drop pending payment ``key`` (the transfer never arrived)."""
        rest = tuple(p for p in self.pending if p.key != key)
        if len(rest) == len(self.pending):
            if self._index(key) is not None:
                raise TransitionError(f"payment {key!r}", "credited", "cancel", [])
            raise CreditError("key", key, "the key of a pending payment")
        return self._derive([], {}, pending=rest)

    def pending_total(self, wallet: str) -> Money:
        """The sum of the wallet's pending payments (not in its balance)."""
        w = self.wallet(wallet)
        total = _ZERO
        for p in self.pending:
            if p.wallet == wallet:
                total = CONTEXT.add(total, p.amount.amount)
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
        book = self._book(wallet.name)
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
        index = self._index(key)
        if index is None:
            raise CreditError("key", key, "the key of an entry of this ledger")
        return self._at(index)

    def _wallet_entries(self, wallet: str) -> Iterator[Entry]:
        count = self._counts.get(wallet, 0)
        return itertools.islice(self._log.by_wallet.get(wallet, ()), count)

    def balance(self, wallet: str, at: datetime | None = None) -> Money:
        """The wallet's balance: the sum of its entries (up to ``at``).

        With ``at``, lots that expired by then count as expired even if their
        expiry is not booked yet (:meth:`expire` books it; the balance is then
        the plain sum again). A negative balance is money owed on credit.
        """
        w = self.wallet(wallet)
        count = self._counts[wallet]
        if at is None:
            return Money(self._log.totals[wallet][count - 1] if count else _ZERO, w.currency)
        book = self._book(wallet)
        checks.moment("at", at, error=CreditError)
        count = self._counts.get(wallet, 0)
        i = bisect.bisect_right(self._log.instants.get(wallet, []), instant(at), 0, count)
        total = self._log.totals[wallet][i - 1] if i else _ZERO
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
            return Money(self._book(wallet).debt(), w.currency)

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
        return Money(max(CONTEXT.add(balance, w.credit.limit.amount), _ZERO), w.currency)

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
        book = self._book(wallet)
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
            end = None if until is None else instant(until)
            for entry in self._wallet_entries(wallet):
                if end is not None and instant(entry.at) > end:
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

        self._replay(
            wallet, None if at is None else checks.moment("at", at, error=CreditError), emit
        )
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

        until = None if at is None else checks.moment("at", at, error=CreditError)
        self._replay(wallet, until, emit)
        rows: list[Expense] = []
        with decimal.localcontext(CONTEXT):
            end = None if until is None else instant(until)
            for entry in self._wallet_entries(wallet):
                if end is not None and instant(entry.at) > end:
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
                    credit = self.entry(a.credit)
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
        today = local_date(moment, line.tz)
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
        tz: tzinfo | str = "UTC",
        wallet: str | None = None,
        kinds: Iterable[EntryKind | str] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> tuple[Entry, ...]:
        """Entries in time order, filtered: days of ``period`` (in
        time zone ``tz``), one ``wallet``, some ``kinds``, matching every tag of ``tags``.

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
        zone = checks.tz("tz", tz, error=CreditError)
        if wallet is not None:
            self.wallet(wallet)
        wanted = None if kinds is None else {_to_entry_kind(k) for k in kinds}
        wanted_tags = () if tags is None else tag_pairs("tags", tags)
        if period is not None and not isinstance(period, Period):
            raise CreditError("period", period, "a Period of days")
        found = []
        for index, entry in enumerate(self.entries):
            if wallet is not None and entry.wallet != wallet:
                continue
            if wanted is not None and entry.kind not in wanted:
                continue
            if period is not None and local_date(entry.at, zone) not in period:
                continue
            if any(entry.tag(name, "\x00") != value for name, value in wanted_tags):
                continue
            found.append((instant(entry.at), index, entry))
        found.sort(key=lambda item: (item[0], item[1]))
        return tuple(entry for _, _, entry in found)


@attrs.frozen(kw_only=True)
class BalancePayment:
    """What :meth:`Ledger.pay_from_balance` did: of ``due``, ``applied`` was
    charged to ``wallet`` under ``key`` and ``remaining`` is still due
    (``applied + remaining == due``).

    >>> eur = lambda amount: Money(amount, "EUR")
    >>> paid = BalancePayment(wallet="main", key="inv-1", due=eur("120.00"),
    ...                       applied=eur("10.00"), remaining=eur("110.00"))
    >>> paid.paid_in_full
    False
    """

    _error_class: ClassVar[type[ValidationError]] = CreditError

    wallet: str = attrs.field(converter=checks.TEXT)
    key: str = attrs.field(converter=checks.TEXT)
    due: Money = attrs.field(converter=checks.MONEY, metadata=checks.options(sign="above_zero"))
    applied: Money = attrs.field(
        converter=checks.MONEY, metadata=checks.options(sign="zero_or_more")
    )
    remaining: Money = attrs.field(
        converter=checks.MONEY, metadata=checks.options(sign="zero_or_more")
    )

    def __attrs_post_init__(self) -> None:
        checks.same_currency("applied", self.applied, self.due.currency, error=CreditError)
        checks.same_currency("remaining", self.remaining, self.due.currency, error=CreditError)
        with decimal.localcontext(CONTEXT):
            total = self.applied.amount + self.remaining.amount
        if total != self.due.amount:
            raise CreditError(
                "remaining",
                self.remaining,
                f"due - applied ({self.due.amount} - {self.applied.amount})",
            )

    @property
    def paid_in_full(self) -> bool:
        """Whether nothing remains due."""
        return self.remaining.amount == 0


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
