"""Bill runs over shards of accounts, on one core, a process pool or a Dask cluster.

A month-end bill run quotes every account and builds its invoice. The work is
cut into shards (ranges of account numbers); a :class:`~billkit.ports.Runner`
maps :func:`bill_shard` over them and each shard answers a
:class:`ShardManifest`: how many invoices, their totals per currency and a
hash of the documents. The same run on any runner gives the same manifests,
so runs can be checked, compared and resumed (:func:`bill_run` skips the
shards whose manifests it is given).

- :class:`SequentialRunner`: every shard in this process, one after another.
- :class:`ProcessRunner`: a local pool of processes (``concurrent.futures``),
  the default: nothing extra to install.
- :class:`DaskRunner`: a Dask cluster (``pip install 'py-billkit[dask]'``),
  for when one machine is not enough. Workers receive the shard (its range
  and the run's settings), never account rows, and read their own inputs.

A shard's accounts come from a Parquet file (columns ``account``, ``plan``
and ``usage``, read through DuckDB: ``py-billkit[duckdb]``) or, without one,
from a synthetic population: account ``n`` has plan ``plans[n % len(plans)]``
and ``(n * 7919) % 3000`` units of the run's metric, a pure function of ``n``.

>>> from datetime import date
>>> from billkit.demo import demo_catalog
>>> from billkit.parties import Address, Party
>>> from billkit.periods import Period
>>> catalog = demo_catalog()
>>> run = BillRun(plans=(catalog["growth-monthly"],), metric="monthly_active_contacts",
...               period=Period(date(2026, 3, 1), date(2026, 4, 1)), issue_date=date(2026, 4, 1),
...               seller=Party(kind="legal_entity", country="IT", name="Chat Srl",
...                            legal_address=Address(country="IT", city="Milano")),
...               locale="it_IT")
>>> result = bill_run(run, accounts=30, shard_size=10, runner=SequentialRunner())
>>> result.count, result.totals
(30, {'EUR': Decimal('8893.80')})
>>> [m.key for m in result.shards]
['000000000000-000000000010', '000000000010-000000000020', '000000000020-000000000030']
>>> bill_run(run, accounts=30, shard_size=10, runner=ProcessRunner(max_workers=2)) == result
True
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import date
from decimal import Decimal
from typing import Any, Final, TypeVar

import attrs

from billkit import _checks as checks
from billkit.errors import MissingDependencyError, ValidationError
from billkit.invoicing._template import Buyers, InvoiceTemplate, compile_invoice
from billkit.invoicing.builders import build_invoice
from billkit.invoicing.documents import Invoice
from billkit.invoicing.items import items_from_quote
from billkit.invoicing.terms import DocumentTerms
from billkit.parties.party import Party
from billkit.periods import Period
from billkit.pricing.plans import Plan
from billkit.pricing.quote import Quote, quote
from billkit.serialize import _Texts
from billkit.tables import Table

__all__ = [
    "BillRun",
    "DaskRunner",
    "ProcessRunner",
    "RunManifest",
    "SequentialRunner",
    "Shard",
    "ShardManifest",
    "bill_account",
    "bill_accounts",
    "bill_run",
    "bill_shard",
    "make_shards",
    "synthetic_accounts",
]

_T = TypeVar("_T")
_R = TypeVar("_R")


# ------------------------------------------------------------------ runners


class SequentialRunner:
    """Runs every shard in this process, in order: the reference the others must equal.

    >>> SequentialRunner().map(abs, [-1, 2, -3])
    [1, 2, 3]
    """

    def map(self, fn: Callable[[_T], _R], shards: Sequence[_T]) -> list[_R]:
        """``[fn(shard) for shard in shards]``."""
        return [fn(shard) for shard in shards]

    def stream(self, fn: Callable[[_T], _R], shards: Sequence[_T]) -> Iterator[tuple[int, _R]]:
        """``(position, result)`` for each shard, as it finishes."""
        for position, shard in enumerate(shards):
            yield position, fn(shard)


@attrs.frozen
class ProcessRunner:
    """Runs shards in a local pool of processes (``concurrent.futures``): the default.

    ``max_workers`` defaults to the number of processors. ``fn`` and the
    shards must pickle (a module-level function such as :func:`bill_shard`).
    A pool lives for one call.

    >>> ProcessRunner(max_workers=2).map(abs, [-1, 2, -3])
    [1, 2, 3]
    """

    max_workers: int | None = None

    def __attrs_post_init__(self) -> None:
        if self.max_workers is not None:
            checks.whole("max_workers", self.max_workers, low=1)

    def map(self, fn: Callable[[_T], _R], shards: Sequence[_T]) -> list[_R]:
        """``[fn(shard) for shard in shards]``, in parallel processes; results in order."""
        with ProcessPoolExecutor(max_workers=self.max_workers) as pool:
            return list(pool.map(fn, shards))

    def stream(self, fn: Callable[[_T], _R], shards: Sequence[_T]) -> Iterator[tuple[int, _R]]:
        """``(position, result)`` for each shard, as each finishes (any order)."""
        with ProcessPoolExecutor(max_workers=self.max_workers) as pool:
            futures = {pool.submit(fn, shard): n for n, shard in enumerate(shards)}
            for future in as_completed(futures):
                yield futures[future], future.result()


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise MissingDependencyError("distributed", "DaskRunner", "dask") from None
    return distributed


class DaskRunner:
    """Runs shards on a Dask cluster (``pip install 'py-billkit[dask]'``).

    ``client`` is a ``distributed.Client``, or a scheduler address to connect
    to. Each shard becomes one task; the tasks carry the shards themselves
    (ranges and settings, a few kilobytes), never account rows, and results
    come back as they finish (:meth:`stream`) or all together in order
    (:meth:`map`). An error in a shard is raised here once the others
    finished or were cancelled.
    """

    def __init__(self, client: Any) -> None:
        distributed = _distributed()
        if isinstance(client, str):
            client = distributed.Client(client)
        self.client = checks.instance("client", client, distributed.Client)

    def map(self, fn: Callable[[_T], _R], shards: Sequence[_T]) -> list[_R]:
        """``[fn(shard) for shard in shards]`` on the cluster; results in order."""
        futures = self.client.map(fn, list(shards), pure=False)
        try:
            return list(self.client.gather(futures))
        finally:
            self.client.cancel(futures)

    def stream(self, fn: Callable[[_T], _R], shards: Sequence[_T]) -> Iterator[tuple[int, _R]]:
        """``(position, result)`` for each shard, as each finishes (any order)."""
        distributed = _distributed()
        futures = self.client.map(fn, list(shards), pure=False)
        positions = {future.key: n for n, future in enumerate(futures)}
        try:
            for future in distributed.as_completed(futures):
                yield positions[future.key], future.result()
        finally:
            self.client.cancel(futures)


# ------------------------------------------------------------------ bill runs


@attrs.frozen(kw_only=True)
class BillRun:
    """What every shard of one month-end bill run shares: small, and it pickles.

    ``plans`` are the plans accounts are on (each must price ``metric``);
    ``period`` the billing period quoted; ``issue_date`` the invoices' date;
    ``seller`` and ``locale`` the invoices' seller and language (buyers are
    named after their account); ``usage`` a Parquet file of accounts
    (``account``, ``plan``, ``usage`` columns), or ``None`` for the
    synthetic population; ``number_prefix`` starts each invoice number,
    followed by the account number.
    """

    plans: tuple[Plan, ...] = attrs.field(converter=tuple)
    metric: str
    period: Period
    issue_date: date
    seller: Party
    locale: str
    usage: str | None = None
    number_prefix: str = "INV-"
    payment_days: int = 10

    def __attrs_post_init__(self) -> None:
        checks.tuple_of("plans", self.plans, Plan)
        if not self.plans:
            raise ValidationError("plans", self.plans, "at least one plan")
        checks.text("metric", self.metric)
        checks.instance("period", self.period, Period)
        checks.day("issue_date", self.issue_date)
        checks.instance("seller", self.seller, Party)
        checks.locale("locale", self.locale)
        if self.usage is not None:
            checks.text("usage", self.usage)
        checks.text("number_prefix", self.number_prefix)
        checks.whole("payment_days", self.payment_days)

    @functools.cached_property
    def _billing(self) -> _Billing:
        # What every account of the run shares, worked out once per process
        # (not pickled with the run: attrs pickles fields only).
        return _Billing(self)

    def plan(self, code: str) -> Plan:
        """The run's plan ``code``."""
        for plan in self.plans:
            if plan.code == code:
                return plan
        raise ValidationError("plan", code, f"one of {[p.code for p in self.plans]}")


class _Billing:
    """A run's buyers, plans by code and plans' compiled invoices
    (invoicing/_template.py): what each account's bill looks up, found once."""

    __slots__ = ("buyers", "plans", "run", "templates")

    def __init__(self, run: BillRun) -> None:
        self.run = run
        self.buyers = Buyers("individual", run.seller.country)
        terms = DocumentTerms(
            seller=run.seller, buyer=self.buyers("Account 0"), locale=run.locale, rules=None
        )
        self.plans: dict[str, Plan] = {}
        self.templates: dict[str, InvoiceTemplate | None] = {}
        for plan in reversed(run.plans):  # run.plan(code) finds the first of a code
            self.plans[plan.code] = plan
            self.templates[plan.code] = compile_invoice(
                plan,
                terms,
                issue_date=run.issue_date,
                payment_days=run.payment_days,
                invoice_kind="subscription",
                period=run.period,
            )

    def bill(self, account: int, plan_code: str, usage: Decimal) -> tuple[Quote, Invoice]:
        """:func:`bill_account`."""
        run = self.run
        plan = self.plans.get(plan_code)
        if plan is None:
            plan = run.plan(plan_code)  # raises: the run has no such plan
        bill = quote(plan, {run.metric: usage}, run.period)
        buyer = self.buyers(f"Account {account}")
        number = f"{run.number_prefix}{account}"
        template = self.templates.get(plan_code)
        invoice = None if template is None else template.invoice(bill, buyer, number)
        if invoice is None:
            terms = DocumentTerms(seller=run.seller, buyer=buyer, locale=run.locale, rules=None)
            invoice = build_invoice(
                items_from_quote(bill),
                terms,
                issue_date=run.issue_date,
                number=number,
                payment_days=run.payment_days,
                invoice_kind="subscription",
                period=run.period,
            )
        return bill, invoice


@attrs.frozen
class Shard:
    """Accounts ``start`` (included) to ``stop`` (excluded) of ``run``.

    ``key`` names the shard in manifests: both bounds, zero-padded, so keys
    sort like shards.
    """

    run: BillRun = attrs.field(repr=False)
    start: int
    stop: int

    def __attrs_post_init__(self) -> None:
        checks.whole("start", self.start)
        checks.whole("stop", self.stop, low=self.start)

    @property
    def key(self) -> str:
        """``"<start>-<stop>"``, twelve digits each."""
        return f"{self.start:012d}-{self.stop:012d}"


def _totals(totals: Mapping[str, Decimal]) -> dict[str, Decimal]:
    return {str(k): checks.decimal("totals", v) for k, v in sorted(totals.items())}


@attrs.frozen(kw_only=True)
class ShardManifest:
    """What one shard billed: its ``key``, how many invoices (``count``), their gross
    ``totals`` per currency code and ``digest``, the SHA-256 of the invoices
    as :func:`billkit.serialize.dumps` writes them, in account order.
    Two runs of one shard agree on all four, on any runner.
    """

    key: str
    count: int
    totals: dict[str, Decimal] = attrs.field(converter=_totals)
    digest: str


@attrs.frozen(kw_only=True)
class RunManifest:
    """A whole run: its shards' manifests in order, with their sum.

    ``digest`` is the SHA-256 of the shards' keys and digests, so two runs
    that billed the same documents in the same shards have the same digest.
    """

    shards: tuple[ShardManifest, ...]
    count: int
    totals: dict[str, Decimal] = attrs.field(converter=_totals)
    digest: str

    def to_table(self) -> Table:
        """One row per shard and currency: key, count, total (exact), currency,
        digest; a shard that billed nothing has one row with no total.

        >>> from decimal import Decimal
        >>> run = RunManifest.of([
        ...     ShardManifest(key="0-2", count=2, totals={"EUR": Decimal("258.00")}, digest="ab"),
        ...     ShardManifest(key="2-3", count=1, totals={"EUR": Decimal("99.00")}, digest="cd")])
        >>> [(r["key"], r["count"], r["total"]) for r in run.to_table().to_records()]
        [('0-2', 2, Decimal('258.00')), ('2-3', 1, Decimal('99.00'))]
        """
        rows: list[tuple[object, ...]] = []
        for m in self.shards:
            rows.extend((m.key, m.count, total, code, m.digest) for code, total in m.totals.items())
            if not m.totals:
                rows.append((m.key, m.count, None, None, m.digest))
        return Table(
            columns=("key", "count", "total", "currency", "digest"),
            rows=tuple(rows),
            money=("total",),
            currency="currency",
        )

    @classmethod
    def of(cls, shards: Iterable[ShardManifest]) -> RunManifest:
        """The manifest of a run made of ``shards`` (sorted by key)."""
        ordered = tuple(sorted(shards, key=lambda m: m.key))
        totals: dict[str, Decimal] = {}
        digest = hashlib.sha256()
        for manifest in ordered:
            for code, amount in manifest.totals.items():
                totals[code] = totals.get(code, Decimal(0)) + amount
            digest.update(f"{manifest.key}:{manifest.digest}\n".encode())
        return cls(
            shards=ordered,
            count=sum(m.count for m in ordered),
            totals=totals,
            digest=digest.hexdigest(),
        )


def synthetic_accounts(run: BillRun, start: int, stop: int) -> Iterator[tuple[int, str, Decimal]]:
    """``(account, plan code, usage)`` for accounts ``start..stop-1`` of the synthetic
    population: plan ``run.plans[n % len(plans)]``, usage ``(n * 7919) % 3000``.

    >>> from datetime import date
    >>> from billkit.demo import demo_catalog
    >>> from billkit.parties import Party
    >>> run = BillRun(plans=(demo_catalog()["growth-monthly"],), metric="contacts",
    ...               period=Period(date(2026, 3, 1), date(2026, 4, 1)),
    ...               issue_date=date(2026, 4, 1), locale="it_IT",
    ...               seller=Party(kind="individual", country="IT", name="Chat"))
    >>> list(synthetic_accounts(run, 1, 3))
    [(1, 'growth-monthly', Decimal('1919')), (2, 'growth-monthly', Decimal('838'))]
    """
    codes = [plan.code for plan in run.plans]
    for account in range(start, stop):
        yield account, codes[account % len(codes)], Decimal(account * 7919 % 3000)


def _parquet_accounts(path: str, start: int, stop: int) -> list[tuple[int, str, Decimal]]:
    try:
        import duckdb
    except ImportError:
        raise MissingDependencyError("duckdb", "bill runs from Parquet", "duckdb") from None
    # One query, fetched whole; the usage as the text of its exact decimal (the
    # database's own decimal objects cost more to make than Decimal(text)).
    with duckdb.connect() as db:
        rows = db.execute(
            "SELECT CAST(account AS BIGINT), CAST(plan AS VARCHAR),"
            " CAST(CAST(usage AS DECIMAL(38, 9)) AS VARCHAR) FROM read_parquet(?)"
            " WHERE account >= ? AND account < ? ORDER BY account",
            [path, start, stop],
        ).fetchall()
    return [(a, p, Decimal(u).normalize()) for a, p, u in rows]


def bill_account(
    run: BillRun, account: int, plan_code: str, usage: Decimal
) -> tuple[Quote, Invoice]:
    """The quote and the invoice of one account: pure.

    The buyer is an individual in the seller's country named ``Account <n>``;
    the invoice is numbered ``number_prefix`` + the account number. The
    invoice is the one ``build_invoice(items_from_quote(bill), terms, ...)``
    makes; each plan's invoice is compiled once per run and process
    (``invoicing/_template.py``), and the general path is taken where the
    compiled one does not apply.
    """
    return run._billing.bill(account, plan_code, usage)


def bill_accounts(
    run: BillRun, key: str, accounts: Iterable[tuple[int, str, Decimal]]
) -> ShardManifest:
    """Bill ``(account, plan code, usage)`` rows and summarise them: pure.

    Each invoice is written (as :func:`billkit.serialize.dumps` writes it) and
    hashed as soon as it is built, a batch of texts per update of the hash, so
    memory stays flat in the number of accounts.
    """
    bill = run._billing.bill
    digest = hashlib.sha256()
    totals: dict[str, Decimal] = {}
    count = 0
    texts = _Texts()  # dumps' text, written faster (serialize._Texts)
    batch: list[str] = []
    for account, plan_code, usage in accounts:
        _, invoice = bill(account, plan_code, usage)
        batch.append(texts.dumps(invoice))
        if len(batch) == _BATCH:
            batch.append("")  # each text followed by a newline
            digest.update("\n".join(batch).encode())
            batch.clear()
        gross = invoice.totals.gross
        code = gross.currency.code
        totals[code] = totals.get(code, _ZERO) + gross.amount
        count += 1
    if batch:
        batch.append("")
        digest.update("\n".join(batch).encode())
    return ShardManifest(key=key, count=count, totals=totals, digest=digest.hexdigest())


# How many invoices' texts go into the hash at once (sha256 of the texts joined
# is the sha256 of the texts one by one).
_BATCH: Final = 64
_ZERO: Final = Decimal(0)


def bill_shard(shard: Shard) -> ShardManifest:
    """Bill one shard: read its accounts (Parquet, or the synthetic population), quote
    and invoice each, and return the manifest. Module-level, so it pickles."""
    run = shard.run
    if run.usage is None:
        accounts: Iterable[tuple[int, str, Decimal]] = synthetic_accounts(
            run, shard.start, shard.stop
        )
    else:
        accounts = _parquet_accounts(run.usage, shard.start, shard.stop)
    return bill_accounts(run, shard.key, accounts)


def make_shards(run: BillRun, accounts: int, shard_size: int) -> list[Shard]:
    """Accounts ``0..accounts-1`` of ``run`` in shards of ``shard_size`` (the last may be short).

    >>> from datetime import date
    >>> from billkit.demo import demo_catalog
    >>> from billkit.parties import Party
    >>> run = BillRun(plans=(demo_catalog()["growth-monthly"],), metric="contacts",
    ...               period=Period(date(2026, 3, 1), date(2026, 4, 1)),
    ...               issue_date=date(2026, 4, 1), locale="it_IT",
    ...               seller=Party(kind="individual", country="IT", name="Chat"))
    >>> [(s.start, s.stop) for s in make_shards(run, 25, 10)]
    [(0, 10), (10, 20), (20, 25)]
    """
    checks.whole("accounts", accounts)
    checks.whole("shard_size", shard_size, low=1)
    return [Shard(run, n, min(n + shard_size, accounts)) for n in range(0, accounts, shard_size)]


def bill_run(
    run: BillRun,
    *,
    accounts: int,
    shard_size: int,
    runner: Any = None,
    done: Iterable[ShardManifest] = (),
    on_shard: Callable[[ShardManifest], None] | None = None,
) -> RunManifest:
    """Bill accounts ``0..accounts-1`` through ``runner`` and return the run's manifest.

    ``runner`` is any :class:`~billkit.ports.Runner` (a :class:`ProcessRunner`
    when ``None``). To resume a run that stopped, pass the manifests already
    received as ``done``: their shards are not billed again. ``on_shard`` is
    called with each manifest as it arrives (on runners that can
    ``stream``), for example to save it.
    """
    chosen = ProcessRunner() if runner is None else runner
    finished = {m.key: m for m in done}
    todo = [s for s in make_shards(run, accounts, shard_size) if s.key not in finished]
    results: list[ShardManifest] = list(finished.values())
    stream = getattr(chosen, "stream", None)
    if stream is not None:
        for _, manifest in stream(bill_shard, todo):
            if on_shard is not None:
                on_shard(manifest)
            results.append(manifest)
    else:
        for manifest in chosen.map(bill_shard, todo):
            if on_shard is not None:
                on_shard(manifest)
            results.append(manifest)
    return RunManifest.of(results)
