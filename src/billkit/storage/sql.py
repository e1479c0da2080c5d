"""SqlStore: the Store on SQLite (embedded default) or PostgreSQL, via SQLAlchemy Core.

One SQL code path serves both databases; what differs is isolated here:

- SQLite (``SqlStore("sqlite:///billing.db")``): a file in WAL mode; every
  writing transaction starts with ``BEGIN IMMEDIATE`` (through the event hooks
  SQLAlchemy documents for SQLite), so writers queue for the database's one
  write lock instead of failing half-way; lock scopes are implied by it. A
  transaction that names no lock scope begins at its first statement, so the
  checks and rows a batch needs are made before it takes the lock.
  Amounts are kept as decimal text and summed in Python, exactly.
- PostgreSQL (``SqlStore("postgresql+psycopg://user@host/db")``, psycopg 3):
  lock scopes are transaction-level advisory locks; rows that a method reads
  to change (an account's balance, a series' counter, a document) are locked
  with ``SELECT ... FOR UPDATE``; outbox claims skip locked rows. Amounts are
  ``NUMERIC``. A batch write's savepoint, rows and release go to the server
  together, one round trip (psycopg's pipeline mode, :func:`_pipeline`), and
  so do a transaction's ``BEGIN`` and its first locks; the batch's arrays in
  the binary format. The store's sessions compress long values (documents'
  JSON) with lz4 where the server has it (PostgreSQL's default is pglz).

Numbers come from ``UPDATE series SET next = next + 1 ... RETURNING`` in the
transaction that issues the document: the row lock serialises issuers and a
rollback returns the number, so a series never has a gap or a duplicate.

The schema comes from the Alembic migrations: pass ``upgrade=True`` (or run
``billkit db upgrade URL``) once; a store opened on an outdated schema raises
:class:`~billkit.errors.SchemaError`.

Needs ``pip install 'py-billkit[sql]'``; PostgreSQL also ``'py-billkit[postgres]'``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import typing
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, TypeVar

import attrs

from billkit.errors import (
    BillkitError,
    ConflictError,
    CreditError,
    DuplicateRecordError,
    ImmutableRecordError,
    InvoicingError,
    LeaseLostError,
    MissingDependencyError,
    SchemaError,
    StoreError,
    ValidationError,
)

try:
    import sqlalchemy as sa
    from sqlalchemy import event, exc
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.engine import Connection, Engine, Row
except ImportError:  # pragma: no cover - exercised in a subprocess test
    raise MissingDependencyError("SQLAlchemy", "SqlStore", "sql") from None

from moneyed import Money

from billkit.ports import LockScope
from billkit.storage import _common as c
from billkit.storage import _schema as t
from billkit.storage.records import (
    AccountRecord,
    DocumentEvent,
    DocumentRecord,
    EntryRecord,
    IdempotencyRecord,
    JsonData,
    OutboxMessage,
    PayerRecord,
    PlanRecord,
    SeriesRecord,
    SubscriptionRecord,
    UsageRecord,
    _json_text,
    _json_written,
    _stored_data,
    request_hash,
)

__all__ = ["SqlStore"]

_CHUNK = 500  # keys per IN (...) list
_TEXT_ARRAY = postgresql.ARRAY(sa.Text())
_R = TypeVar("_R")  # a record made from a row

# The batched writes, built once: the driver runs them as they are (its own
# executemany on SQLite; arrays through unnest on PostgreSQL, one round trip).
# Values are converted the way the schema's types convert them (Exact, Moment).
# Every array goes to PostgreSQL in the binary format (psycopg's %b): the text
# array format would quote and escape each element (one regular expression
# match each on the client, JSON text's every quote escaped) for the server to
# parse back; binary sends each element's bytes with its length.
_U, _E, _A = t.usage_events.name, t.entries.name, t.accounts.name
_SQLITE_USAGE = (
    f"INSERT INTO {_U} (key, subscription, metric, at, quantity, data) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING"
)
_PG_USAGE = (
    f"INSERT INTO {_U} (key, subscription, metric, at, quantity, data) "
    "SELECT k, s, m, a, q, d::jsonb FROM unnest("
    "%b::text[], %b::text[], %b::text[], %b::timestamptz[], %b::numeric[], %b::text[]"
    ") AS v(k, s, m, a, q, d) ON CONFLICT (key) DO NOTHING"
)
_SQLITE_MAX_SEQ = f"SELECT coalesce(max(seq), 0) FROM {_E}"
_SQLITE_ENTRIES = (
    f"INSERT INTO {_E} (account, key, amount, currency, at, kind, data) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account, key) DO NOTHING"
)
_SQLITE_NEW_SEQS = f"SELECT seq, account, key FROM {_E} WHERE seq > ?"
_PG_ENTRIES = (
    f"INSERT INTO {_E} (account, key, amount, currency, at, kind, data) "
    "SELECT a, k, x, c, t, m, d::jsonb FROM unnest("
    "%b::text[], %b::text[], %b::numeric[], %b::text[], %b::timestamptz[], %b::text[], "
    "%b::text[]) AS v(a, k, x, c, t, m, d) ON CONFLICT (account, key) DO NOTHING "
    "RETURNING seq, account, key"
)
# A billing batch's writes of documents, their events, notices and subscriptions
# (the JSON columns given as text: _json_written); rows with a serial key (events,
# notices) are inserted in the batch's order.
_D, _EV, _O, _S = t.documents.name, t.document_events.name, t.outbox.name, t.subscriptions.name
_SQLITE_DOCUMENTS = (
    f"INSERT INTO {_D} (id, customer, kind, period_start, period_end, total, currency, data, "
    "status, number, series, issued_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_PG_DOCUMENTS = (
    f"INSERT INTO {_D} (id, customer, kind, period_start, period_end, total, currency, data, "
    "status, number, series, issued_at, version) "
    "SELECT i, c, k, ps, pe, x, cu, d::json, st, n, se, a, ve FROM unnest("
    "%b::text[], %b::text[], %b::text[], %b::date[], %b::date[], %b::numeric[], %b::text[], "
    "%b::text[], %b::text[], %b::text[], %b::text[], %b::timestamptz[], %b::integer[]"
    ") AS v(i, c, k, ps, pe, x, cu, d, st, n, se, a, ve)"
)
_SQLITE_EVENTS = f"INSERT INTO {_EV} (document, event, status, at, data) VALUES (?, ?, ?, ?, ?)"
_PG_EVENTS = (
    f"INSERT INTO {_EV} (document, event, status, at, data) "
    "SELECT i, e, s, a, d::jsonb FROM unnest("
    "%b::text[], %b::text[], %b::text[], %b::timestamptz[], %b::text[]"
    ") WITH ORDINALITY AS v(i, e, s, a, d, o) ORDER BY v.o"
)
_SQLITE_OUTBOX = (
    f"INSERT INTO {_O} (key, topic, payload, created_at, attempts) VALUES (?, ?, ?, ?, 0)"
)
_PG_OUTBOX = (
    f"INSERT INTO {_O} (key, topic, payload, created_at, attempts) "
    "SELECT k, t, p::jsonb, a, 0 FROM unnest("
    "%b::text[], %b::text[], %b::text[], %b::timestamptz[]"
    ") WITH ORDINALITY AS v(k, t, p, a, o) ORDER BY v.o"
)
_SQLITE_STATUSES = f"UPDATE {_D} SET status = ?, version = version + 1 WHERE id = ?"
_PG_STATUSES = (
    f"UPDATE {_D} SET status = v.s, version = {_D}.version + 1 "
    f"FROM unnest(%b::text[], %b::text[]) AS v(s, i) WHERE {_D}.id = v.i"
)
_SQLITE_SUBSCRIPTIONS = (
    f"UPDATE {_S} SET plan = ?, status = ?, next_billing = ?, data = ?, version = version + 1 "
    "WHERE id = ? AND version = ? AND customer = ?"
)
_PG_SUBSCRIPTIONS = (
    f"UPDATE {_S} SET plan = v.p, status = v.s, next_billing = v.n, data = v.d::jsonb, "
    f"version = {_S}.version + 1 FROM unnest(%b::text[], %b::text[], %b::date[], %b::text[], "
    "%b::text[], %b::integer[], %b::text[]) AS v(p, s, n, d, i, ve, c) "
    f"WHERE {_S}.id = v.i AND {_S}.version = v.ve AND {_S}.customer = v.c"
)
# The stored entries among a batch's (account, key) pairs, one statement whatever
# the batch size (typed columns: the schema's types read the rows).
_ENTRY_COLUMNS = ", ".join(col.name for col in t.entries.c)
_SQLITE_STORED_ENTRIES = sa.text(
    f"SELECT {_ENTRY_COLUMNS} FROM {_E} WHERE (account, key) IN "
    "(SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(:pairs))"
).columns(*t.entries.c)
_PG_STORED_ENTRIES = sa.text(
    f"SELECT {_ENTRY_COLUMNS} FROM {_E} WHERE (account, key) IN "
    "(SELECT * FROM unnest(CAST(:accounts AS text[]), CAST(:keys AS text[])))"
).columns(*t.entries.c)
_SQLITE_BALANCES = f"UPDATE {_A} SET balance = ? WHERE id = ?"
_PG_BALANCES = (
    f"UPDATE {_A} SET balance = v.b FROM unnest(%b::text[], %b::numeric[]) AS v(i, b) "
    f"WHERE {_A}.id = v.i"
)


# PostgreSQL: a usual batch's writes go in a savepoint, sent with the writes in
# one round trip (SqlTransaction._pipeline); anything refused undoes them
# (_undo) and the one-by-one calls tell what, as before.
_SAVEPOINT = "SAVEPOINT billkit_batch"
_RELEASE = "RELEASE SAVEPOINT billkit_batch"
_ROLLBACK_TO = "ROLLBACK TO SAVEPOINT billkit_batch"
_PG_TAKE = f"UPDATE {t.series.name} SET next = next + %s WHERE name = %s RETURNING name, prefix, next, width"


def _sqlite_moment(at: datetime) -> str:
    """A moment as the schema's Moment type keeps it in SQLite (fixed-width UTC text)."""
    utc = at if at.tzinfo is timezone.utc else at.astimezone(timezone.utc)
    return utc.isoformat(timespec="microseconds")


def _sqlite_day(day: date | None) -> str | None:
    """A day as SQLAlchemy's Date keeps it in SQLite (ISO text)."""
    return None if day is None else day.isoformat()


def _moment_param(at: datetime | None, sqlite: bool) -> Any:
    """A moment as the driver takes it for a Moment column."""
    if at is None:
        return None
    return _sqlite_moment(at) if sqlite else at


def _exact_param(amount: Decimal, sqlite: bool) -> Any:
    """An amount as the driver takes it for an Exact column (its text in SQLite)."""
    return str(amount) if sqlite else amount


def _stored(entry: EntryRecord, seq: int) -> EntryRecord:
    """``entry`` as stored, with its ``seq`` (made by the record's constructor, whose
    checks are cheap for fields taken from a checked record)."""
    return EntryRecord(
        account=entry.account,
        key=entry.key,
        amount=entry.amount,
        at=entry.at,
        kind=entry.kind,
        data=entry.data,
        seq=seq,
    )


class _Posted(Sequence[EntryRecord]):
    """A batch's entries as stored, in order; each new one is made (by
    :func:`_stored`, so by EntryRecord's constructor) when it is first read.

    Most callers of ``post_all`` do not read what it returns; making every
    returned entry at once was a third of a batch's time on SQLite.
    """

    __slots__ = ("_items",)

    def __init__(self, items: list[EntryRecord | tuple[EntryRecord, int]]) -> None:
        self._items = items

    def __len__(self) -> int:
        return len(self._items)

    @typing.overload
    def __getitem__(self, index: int) -> EntryRecord: ...
    @typing.overload
    def __getitem__(self, index: slice) -> list[EntryRecord]: ...
    def __getitem__(self, index: int | slice) -> EntryRecord | list[EntryRecord]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self._items)))]
        item = self._items[index]
        if isinstance(item, tuple):
            item = self._items[index] = _stored(*item)
        return item

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(other) == len(self) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(list(self))


def make_engine(url: str, *, schema: str | None = None) -> Engine:
    """A SQLAlchemy engine for ``url`` set up the way SqlStore needs (private)."""
    if not isinstance(url, str) or not url:
        raise ValidationError("url", url, "a database URL such as 'sqlite:///billing.db'")
    try:
        parsed = sa.engine.make_url(url)
    except exc.ArgumentError:
        raise ValidationError("url", url, "a database URL such as 'sqlite:///billing.db'") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:") or "mode=memory" in url:
            raise ValidationError(
                "url",
                url,
                "a SQLite file such as 'sqlite:///billing.db' (MemoryStore keeps memory)",
            )
        if schema is not None:
            raise ValidationError("schema", schema, "None for SQLite (schemas are PostgreSQL's)")
        engine = sa.create_engine(parsed, connect_args={"timeout": 60})
        _sqlite_hooks(engine)
        return engine
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        if parsed.drivername != "postgresql+psycopg":
            raise ValidationError("url", url, "a postgresql+psycopg:// URL (psycopg 3)")
        args: dict[str, Any] = {}
        if schema is not None:
            c.arg_id("schema", schema)
            if not schema.replace("_", "").isalnum():
                raise ValidationError("schema", schema, "letters, digits and underscores")
            args["options"] = f"-c search_path={schema}"
        try:
            engine = sa.create_engine(parsed, connect_args=args, pool_pre_ping=True)
        except ImportError:
            raise MissingDependencyError("psycopg", "SqlStore on PostgreSQL", "postgres") from None
        event.listen(engine, "connect", _lz4_session)
        return engine
    raise ValidationError("url", url, "a sqlite:/// or postgresql+psycopg:// URL")


def _sqlite_hooks(engine: Engine) -> None:
    # SQLAlchemy's documented recipe: stop pysqlite's own transaction handling
    # and emit BEGIN ourselves, IMMEDIATE for writers.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, connection_record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("billkit_begin", "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")


# The session's values too long to keep inline (a document's JSON, about 2.5 kB,
# is) compressed with lz4 where the server has it, not pglz (PostgreSQL's
# default): inserting a month end's documents took a third less server time,
# and reading them back decompresses faster. Set per connection, for this
# store's sessions only; a server without lz4 (before 14, or built without it)
# keeps its default. Values stored either way read back the same.
_LZ4 = (
    "SELECT set_config('default_toast_compression', 'lz4', false) FROM pg_settings"
    " WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
)


def _lz4_session(dbapi_connection: Any, connection_record: Any) -> None:
    """A new PostgreSQL connection compresses long values with lz4 if the server can."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(_LZ4)
    finally:
        cursor.close()
    dbapi_connection.commit()  # a session setting, kept past this transaction


def _lock_all(keys: Sequence[int]) -> str:
    """One statement that takes the advisory locks of ``keys`` one after another, in
    the order given (the order every transaction takes them in: no deadlock).

    A ``SELECT pg_advisory_xact_lock(k) FROM ... ORDER BY ...`` leaves it to
    the planner: PostgreSQL 15's SELECT page computes the output expressions
    before the rows are sorted ("Description"), and its note on the SELECT
    list says only that PostgreSQL will "effectively" evaluate them after
    sorting when ``ORDER BY`` does not name them, a description of the
    executor, not a promise about the order of side effects. A PL/pgSQL
    ``FOREACH`` visits an array's elements "in storage order" (PostgreSQL 15,
    43.6.7 "Looping through Arrays") and runs its body for each in turn, so
    the locks are taken in the array's order. ``DO`` takes no parameters: the
    keys, integers made by :func:`lock_key`, are written in as ``int``
    literals.
    """
    array = ",".join(str(int(key)) for key in keys)
    return (
        "DO $$DECLARE k bigint; BEGIN"
        f" FOREACH k IN ARRAY ARRAY[{array}]::bigint[] LOOP PERFORM pg_advisory_xact_lock(k);"
        " END LOOP; END$$"
    )


def _pipeline(conn: Connection, steps: Sequence[tuple[str, Any]]) -> list[list[Any] | None]:
    """PostgreSQL: run the driver statements ``steps`` (SQL, parameters) in
    order, in one round trip (psycopg's pipeline mode: sent together, one
    synchronisation at the end; a transaction's implicit ``BEGIN`` goes with
    them); each one's rows (``None``: it returns none).

    A failure stops the statements after it and is raised as SQLAlchemy
    raises the driver's errors (an :class:`sqlalchemy.exc.IntegrityError`
    for a refused row...), so callers tell them apart as before; the
    transaction is then failed until rolled back (to a savepoint:
    ``_SqlTransaction._undo``).
    """
    import psycopg

    driver = conn.connection.driver_connection
    assert driver is not None
    events = conn.dispatch  # each statement told to listeners, as SQLAlchemy does
    cursors = []
    try:
        with driver.pipeline():
            for sql, params in steps:
                cursor = driver.cursor()
                events.before_cursor_execute(conn, cursor, sql, params, None, False)
                cursor.execute(sql, params)
                cursors.append(cursor)
    except psycopg.Error as error:
        raise exc.DBAPIError.instance(
            "; ".join(sql for sql, _ in steps), None, error, psycopg.Error
        ) from error
    for cursor, (sql, params) in zip(cursors, steps, strict=True):
        events.after_cursor_execute(conn, cursor, sql, params, None, False)
    return [c.fetchall() if c.description is not None else None for c in cursors]


def lock_key(scope: str, schema: str | None = None) -> int:
    """The signed 64-bit advisory lock key of a lock scope (private).

    PostgreSQL's advisory locks are the database's, shared by every schema:
    a store kept in a ``schema`` of its own names its scopes with it, so that
    stores in two schemas of one database (two tenants, or a test's scratch
    schema beside another's) do not wait for each other's same-named scopes
    (``series:INV``). A store on the search path (``schema=None``) keeps the
    keys it always had.
    """
    name = f"billkit:{scope}" if schema is None else f"billkit@{schema}:{scope}"
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _translate(error: exc.DBAPIError) -> StoreError:
    if isinstance(error, exc.IntegrityError):
        return ConflictError(f"the database refused a write: {error.orig}")
    return StoreError(f"the database failed: {error.orig}")


class SqlStore:
    """The :class:`~billkit.ports.Store` on SQLite or PostgreSQL (see the module docstring).

    ``url``: ``sqlite:///path/to/file.db`` or ``postgresql+psycopg://...``;
    ``schema``: a PostgreSQL schema to keep the tables in (default: the
    search path); ``upgrade=True`` runs the migrations first.
    """

    def __init__(self, url: str, *, schema: str | None = None, upgrade: bool = False) -> None:
        self._engine = make_engine(url, schema=schema)
        self._sqlite = self._engine.dialect.name == "sqlite"
        self._schema = schema
        self._nesting = c.NoNesting()
        self.url = self._engine.url.render_as_string(hide_password=True)
        try:
            if upgrade:
                from billkit.storage.migrate import upgrade_engine

                upgrade_engine(self._engine)
            self._check_revision()
        except BaseException:
            self._engine.dispose()
            raise

    def _check_revision(self) -> None:
        from billkit.storage.migrate import HEAD, revision_of

        try:
            with self._engine.connect() as conn:
                revision = revision_of(conn)
        except exc.DBAPIError as error:
            raise SchemaError(f"cannot open {self.url}: {error.orig}") from None
        if revision != HEAD:
            found = "no billkit schema" if revision is None else f"revision {revision!r}"
            raise SchemaError(
                f"{self.url} has {found}, this billkit needs {HEAD!r}: "
                f"run `billkit db upgrade {self.url}` (or SqlStore(url, upgrade=True))"
            )

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return str(self._engine.dialect.name)

    @contextmanager
    def transaction(
        self, *, lock: LockScope = None, readonly: bool = False
    ) -> Iterator[_SqlTransaction]:
        """Open a unit of work; see :class:`~billkit.ports.Store`."""
        scopes = c.lock_scopes(lock)
        self._nesting.enter()
        try:
            with self._engine.connect() as conn:
                if self._sqlite:
                    conn.execution_options(billkit_begin="DEFERRED" if readonly else "IMMEDIATE")
                if self._sqlite and not scopes:
                    # No scope to hold from the start: SQLAlchemy begins the
                    # transaction (our BEGIN IMMEDIATE, so SQLite's write lock)
                    # at its first statement, so a batch's checks and rows are
                    # made before the lock (post_all, add_usage), and other
                    # writers wait only for its statements. Leaving the block
                    # commits; an exception closes the connection, which rolls
                    # back.
                    tx = _SqlTransaction(conn, readonly=bool(readonly), sqlite=True)
                    try:
                        yield tx
                    finally:
                        tx._closed = True
                    conn.commit()
                    return
                with conn.begin():
                    if not self._sqlite:
                        # With the driver's BEGIN, in one round trip (_pipeline).
                        start: list[tuple[str, Any]] = []
                        if readonly:
                            start.append(("SET TRANSACTION READ ONLY", None))
                        if len(scopes) == 1:
                            key = lock_key(scopes[0], self._schema)
                            start.append(("SELECT pg_advisory_xact_lock(%s)", (key,)))
                        elif scopes:
                            # A batch's scopes in one statement, in the scopes' sorted
                            # order (the order every transaction takes them in).
                            keys = [lock_key(s, self._schema) for s in scopes]
                            start.append((_lock_all(keys), None))
                        if start:
                            _pipeline(conn, start)
                    tx = _SqlTransaction(
                        conn,
                        readonly=bool(readonly),
                        sqlite=self._sqlite,
                        held=scopes,
                        schema=self._schema,
                    )
                    try:
                        yield tx
                    finally:
                        tx._closed = True
        except exc.DBAPIError as error:
            raise _translate(error) from error
        finally:
            self._nesting.leave()

    def close(self) -> None:
        """Close the store's connections."""
        self._engine.dispose()

    def __repr__(self) -> str:
        return f"SqlStore({self.url!r})"


# ---------------------------------------------------------------- row -> record


def _subscription(row: Row[Any]) -> SubscriptionRecord:
    return SubscriptionRecord(
        id=row.id,
        customer=row.customer,
        plan=row.plan,
        status=row.status,
        next_billing=row.next_billing,
        data=_stored_data(row.data),
        version=row.version,
    )


def _usage(row: Row[Any]) -> UsageRecord:
    return UsageRecord(
        subscription=row.subscription,
        metric=row.metric,
        at=row.at,
        quantity=row.quantity,
        key=row.key,
        data=_stored_data(row.data),
    )


def _account(row: Row[Any]) -> AccountRecord:
    return AccountRecord(
        id=row.id,
        customer=row.customer,
        credit_limit=Money(row.credit_limit, row.currency),
        balance=Money(row.balance, row.currency),
    )


def _entry(row: Row[Any]) -> EntryRecord:
    return EntryRecord(
        account=row.account,
        key=row.key,
        amount=Money(row.amount, row.currency),
        at=row.at,
        kind=row.kind,
        data=_stored_data(row.data),
        seq=row.seq,
    )


def _series(row: Row[Any]) -> SeriesRecord:
    return SeriesRecord(name=row.name, prefix=row.prefix, next=row.next, width=row.width)


def _document(row: Row[Any]) -> DocumentRecord:
    return DocumentRecord(
        id=row.id,
        customer=row.customer,
        kind=row.kind,
        period_start=row.period_start,
        period_end=row.period_end,
        total=None if row.total is None else Money(row.total, row.currency),
        data=_stored_data(row.data),
        status=row.status,
        number=row.number,
        series=row.series,
        issued_at=row.issued_at,
        version=row.version,
    )


def _message(row: Row[Any]) -> OutboxMessage:
    return OutboxMessage(
        id=row.id,
        key=row.key,
        topic=row.topic,
        payload=_stored_data(row.payload),
        created_at=row.created_at,
        attempts=row.attempts,
        claimed_by=row.claimed_by,
        lease_until=row.lease_until,
        acknowledged_at=row.acknowledged_at,
    )


def _document_values(doc: DocumentRecord) -> dict[str, Any]:
    return {
        "customer": doc.customer,
        "kind": doc.kind,
        "period_start": doc.period_start,
        "period_end": doc.period_end,
        "total": None if doc.total is None else doc.total.amount,
        "currency": None if doc.total is None else str(doc.total.currency),
        "data": dict(doc.data),
        "status": doc.status,
        "number": doc.number,
        "series": doc.series,
        "issued_at": doc.issued_at,
        "version": doc.version,
    }


def _document_params(doc: DocumentRecord) -> dict[str, Any]:
    """The ``p_`` parameters of the statement that inserts a new draft
    (``draft_new``): :func:`_document_values` and the id, its data as JSON text."""
    values = {"id": doc.id, **_document_values(doc), "data": _json_written(doc.data)}
    return {f"p_{name}": value for name, value in values.items()}


def _bind(name: str, column: sa.Column[Any]) -> Any:
    return sa.bindparam(name, type_=column.type)


def _json_bind(name: str, sqlite: bool, pg_type: type[sa.JSON] = postgresql.JSONB) -> Any:
    """A parameter for a JSON column that takes the JSON text itself
    (:func:`_json_written`), not a value for SQLAlchemy to serialise: SQLite
    keeps the text as it is, PostgreSQL casts it to the column's ``pg_type``
    (``jsonb``; a document's data is ``json``: :func:`_schema._json_text`)."""
    text = sa.bindparam(name, type_=sa.Text())
    return text if sqlite else sa.cast(text, pg_type())


@functools.cache
def _read(table: sa.Table, sqlite: bool) -> tuple[Any, ...]:
    """The columns of ``table`` as its records are read: each JSON column as
    its stored text, under its own name (``json``/``jsonb`` cast to text on PostgreSQL),
    for :func:`_stored_data` to keep undecoded until the record's data is first
    looked into; the other columns as they are."""
    return tuple(
        (sa.type_coerce(col, sa.Text()) if sqlite else sa.cast(col, sa.Text())).label(col.name)
        if isinstance(col.type, sa.JSON)
        else col
        for col in table.c
    )


@functools.cache
def _stmt(name: str, sqlite: bool) -> Any:
    """The statements a month end runs per account, built once per dialect (a
    statement built per call cost more than running it); run with the ``p_``
    parameters they name."""
    d, a, s, p, o, en, ev, sr = (
        t.documents,
        t.accounts,
        t.subscriptions,
        t.payers,
        t.outbox,
        t.entries,
        t.document_events,
        t.series,
    )
    from sqlalchemy.dialects import sqlite as lite

    upsert: Any = lite.insert if sqlite else postgresql.insert
    if name == "payer":
        return sa.select(p).where(p.c.id == _bind("p_id", p.c.id))
    if name == "document":
        return sa.select(d).where(d.c.id == _bind("p_id", d.c.id))
    if name == "document_for_update":
        return sa.select(d).where(d.c.id == _bind("p_id", d.c.id)).with_for_update()
    if name == "subscription":
        return sa.select(s).where(s.c.id == _bind("p_id", s.c.id))
    if name == "account_for_update":
        return sa.select(a).where(a.c.id == _bind("p_id", a.c.id)).with_for_update()
    if name == "event":
        return sa.insert(ev).values(
            document=_bind("p_document", ev.c.document),
            event=_bind("p_event", ev.c.event),
            status=_bind("p_status", ev.c.status),
            at=_bind("p_at", ev.c.at),
            data=_json_bind("p_data", sqlite),
        )
    if name == "outbox_new":
        return upsert(o).on_conflict_do_nothing(index_elements=["key"]).returning(o.c.id)
    if name == "entry_new":
        return (
            upsert(en).on_conflict_do_nothing(index_elements=["account", "key"]).returning(en.c.seq)
        )
    if name == "balance":
        return (
            sa.update(a)
            .where(a.c.id == _bind("p_id", a.c.id))
            .values(balance=_bind("p_balance", a.c.balance))
        )
    if name == "status":
        return (
            sa.update(d)
            .where(d.c.id == _bind("p_id", d.c.id), d.c.number.is_not(None))
            .values(status=_bind("p_status", d.c.status), version=d.c.version + 1)
            .returning(*d.c)
        )
    if name == "take":
        return (
            sa.update(sr)
            .where(sr.c.name == _bind("p_name", sr.c.name))
            .values(next=sr.c.next + 1)
            .returning(sr.c.name, sr.c.prefix, sr.c.next, sr.c.width)
        )
    if name == "number":
        number = _bind("p_number", d.c.number)
        clash = sa.select(d.c.id).where(d.c.number == number).exists()
        return (
            sa.update(d)
            .where(d.c.id == _bind("p_id", d.c.id), d.c.number.is_(None), ~clash)
            .values(
                status="issued",
                number=number,
                series=_bind("p_series", d.c.series),
                issued_at=_bind("p_at", d.c.issued_at),
                version=d.c.version + 1,
            )
            .returning(*d.c)
        )
    if name == "subscription_update":
        return (
            sa.update(s)
            .where(
                s.c.id == _bind("p_id", s.c.id),
                s.c.version == _bind("p_version", s.c.version),
                s.c.customer == _bind("p_customer", s.c.customer),
            )
            .values(
                plan=_bind("p_plan", s.c.plan),
                status=_bind("p_status", s.c.status),
                next_billing=_bind("p_next_billing", s.c.next_billing),
                data=_json_bind("p_data", sqlite),
                version=s.c.version + 1,
            )
        )
    if name == "draft_new":
        # A new draft, inserted only when its payer exists and its id is free
        # (SQLite parses the upsert after a SELECT only with a WHERE clause).
        columns = [col.name for col in d.c]
        source = sa.select(
            *(
                _json_bind("p_data", sqlite, postgresql.JSON).label("data")
                if col is d.c.data
                else _bind(f"p_{col.name}", col)
                for col in d.c
            )
        )
        source = source.where(sa.exists().where(p.c.id == _bind("p_customer", p.c.id)))
        insert = upsert(d).from_select(columns, source)
        return insert.on_conflict_do_nothing(index_elements=["id"]).returning(d.c.id)
    if name == "usage_totals":
        u = t.usage_events
        where = (
            u.c.subscription.in_(sa.bindparam("p_subs", expanding=True)),
            u.c.at >= _bind("p_since", u.c.at),
            u.c.at < _bind("p_until", u.c.at),
        )
        if sqlite:  # decimal text, summed in Python
            return sa.select(u.c.subscription, u.c.metric, u.c.quantity).where(*where)
        return (
            sa.select(u.c.subscription, u.c.metric, sa.func.sum(u.c.quantity))
            .where(*where)
            .group_by(u.c.subscription, u.c.metric)
        )
    raise KeyError(name)  # pragma: no cover - a name of this module


def _utf8(id: str) -> bytes:
    """Ids order as UTF-8 bytes, as the databases compare them."""
    return id.encode("utf-8")


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


@attrs.frozen
class _Account:
    """What posting needs of a locked account: its currency, its balance and
    how low the balance may go (minus the credit limit)."""

    currency: str
    balance: Decimal
    floor: Decimal


@attrs.frozen
class _Plan:
    """What posting a batch does: the new entries (by (account, key)), every
    entry's pair in the batch's order, the moved balances."""

    new: dict[tuple[str, str], EntryRecord]
    order: list[tuple[str, str]]
    balances: dict[str, Decimal]


def _plan(
    batch: Sequence[EntryRecord],
    accounts: Mapping[str, _Account],
    stored: Mapping[tuple[str, str], EntryRecord],
) -> _Plan:
    """Post each entry in order against the accounts and the stored entries, as
    post() would: a stored (or earlier) pair replays or conflicts; a new entry
    must be in the account's currency and within its credit limit."""
    # Balances move as exact decimals; c.check_entry (which builds Money and
    # the error) runs only for an entry in another currency or beyond the limit.
    balances = {id: acc.balance for id, acc in accounts.items()}
    new: dict[tuple[str, str], EntryRecord] = {}
    order: list[tuple[str, str]] = []
    for e in batch:
        pair = (e.account, e.key)
        acc = accounts.get(e.account)
        if acc is None:
            raise c.not_found("account", e.account)
        known = stored.get(pair) or new.get(pair)
        if known is not None:
            if not known.same_as(e):
                raise c.conflict_entry(e.account, e.key)
            order.append(pair)
            continue
        amount = e.amount.amount
        after = c.add(balances[e.account], amount)
        if e.amount.currency.code != acc.currency or (amount < 0 and after < acc.floor):
            c.check_entry(
                e,
                acc.currency,
                Money(balances[e.account], acc.currency),
                Money(acc.floor.copy_negate(), acc.currency),
            )
            raise AssertionError("check_entry refuses this entry")  # pragma: no cover
        balances[e.account] = after
        new[pair] = e
        order.append(pair)
    return _Plan(new, order, balances)


_ZERO = Decimal(0)


@attrs.frozen
class _Moves:
    """What a batch of distinct (account, key) pairs does if every entry is new,
    made before the transaction's first statement: the plan's entries and
    order, and per account the currency, the total and the lowest running
    total just after a debit (``None``: no debit)."""

    new: dict[tuple[str, str], EntryRecord]
    codes: dict[str, str]
    totals: dict[str, Decimal]
    lows: dict[str, Decimal | None]


def _moves(batch: Sequence[EntryRecord]) -> _Moves | None:
    """The batch's :class:`_Moves`; ``None`` if a pair repeats or an account's
    entries are in two currencies (:func:`_plan` then decides, entry by entry)."""
    new: dict[tuple[str, str], EntryRecord] = {}
    codes: dict[str, str] = {}
    totals: dict[str, Decimal] = {}
    lows: dict[str, Decimal | None] = {}
    for e in batch:
        pair = (e.account, e.key)
        if pair in new:
            return None
        new[pair] = e
        amount, code = e.amount.amount, e.amount.currency.code
        known = codes.setdefault(e.account, code)
        if known != code:
            return None
        running = c.add(totals.get(e.account, _ZERO), amount)
        totals[e.account] = running
        if amount < 0:
            low = lows.get(e.account)
            lows[e.account] = running if low is None or running < low else low
        else:
            lows.setdefault(e.account, None)
    return _Moves(new, codes, totals, lows)


def _quick_plan(moves: _Moves, accounts: Mapping[str, _Account]) -> _Plan | None:
    """:func:`_plan`'s answer for an all-new batch, from its :class:`_Moves` in
    a step per account: each entry is in its account's currency and no debit
    takes a balance below its floor (balance + running total, exactly, as
    posting one by one gives); ``None`` if not, for :func:`_plan` to say why."""
    balances: dict[str, Decimal] = {}
    for id, code in moves.codes.items():
        acc = accounts.get(id)
        if acc is None or code != acc.currency:
            return None
        low = moves.lows[id]
        if low is not None and c.add(acc.balance, low) < acc.floor:
            return None
        balances[id] = c.add(acc.balance, moves.totals[id])
    return _Plan(moves.new, list(moves.new), balances)


def _first_rows(batch: Sequence[EntryRecord], rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The rows of the first entry of each (account, key) pair, in order."""
    seen: set[tuple[str, str]] = set()
    first = []
    for e, row in zip(batch, rows, strict=True):
        if (e.account, e.key) not in seen:
            seen.add((e.account, e.key))
            first.append(row)
    return first


def _numbered(
    batch: Sequence[tuple[DocumentRecord, str]],
    moment: datetime,
    first: Mapping[str, tuple[SeriesRecord, int]],
    counts: Mapping[str, int],
) -> list[DocumentRecord]:
    """The drafts of ``batch`` issued at ``moment``, numbered in their series in
    order from each series' ``first`` number (its record and that number)."""
    out: list[DocumentRecord] = []
    taken = dict.fromkeys(counts, 0)
    for doc, name in batch:
        series, start = first[name]
        number = series.format(start + taken[name])
        taken[name] += 1
        out.append(
            DocumentRecord(
                **{
                    **_fields(doc),
                    "status": "issued",
                    "number": number,
                    "series": name,
                    "issued_at": moment,
                    "version": 2,  # saved (1), then issued (2)
                }
            )
        )
    return out


def _entry_columns(entries: Sequence[EntryRecord]) -> tuple[list[Any], ...]:
    """New entries as PostgreSQL's batch insert takes them, one list per column."""
    return (
        [e.account for e in entries],
        [e.key for e in entries],
        [e.amount.amount for e in entries],
        [e.amount.currency.code for e in entries],
        [e.at for e in entries],
        [e.kind for e in entries],
        [_json_text(e.data) for e in entries],
    )


def _new_draft(doc: DocumentRecord) -> bool:
    return (
        doc.version == 0
        and doc.status == "draft"
        and not (doc.issued or doc.issued_at is not None or doc.series)
    )


class _SqlTransaction:
    def __init__(
        self,
        conn: Connection,
        *,
        readonly: bool,
        sqlite: bool,
        held: tuple[str, ...] = (),
        schema: str | None = None,
    ) -> None:
        self._conn = conn
        self._readonly = readonly
        self._sqlite = sqlite
        self._closed = False
        self._held = held  # the lock scopes held (sorted): lock() takes only later ones
        self._schema = schema

    def lock(self, lock: LockScope) -> None:
        if self._closed:
            raise StoreError("this transaction has ended")
        scopes = c.more_scopes(lock, self._held)
        if not scopes:
            return
        if self._sqlite:
            # SQLite's one write lock stands for every scope: taken by the
            # transaction's first statement (BEGIN IMMEDIATE), made now if not yet.
            self._conn.exec_driver_sql("SELECT 1")
        else:
            try:
                self._conn.exec_driver_sql(_lock_all([lock_key(s, self._schema) for s in scopes]))
            except exc.DBAPIError as error:
                raise _translate(error) from error
        self._held += scopes

    # ------------------------------------------------------------ helpers
    def _write(self) -> None:
        if self._closed:
            raise StoreError("this transaction has ended")
        if self._readonly:
            raise c.readonly()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        if self._closed:
            raise StoreError("this transaction has ended")
        try:
            nested = self._conn.begin_nested()
        except exc.DBAPIError as error:
            raise _translate(error) from error
        try:
            yield None
        except exc.DBAPIError as error:
            nested.rollback()
            raise _translate(error) from error
        except BaseException:
            nested.rollback()
            raise
        try:
            nested.commit()
        except exc.DBAPIError as error:
            raise _translate(error) from error

    def _run(self, name: str, params: Mapping[str, Any]) -> Any:
        """Run the prebuilt statement ``name`` (:func:`_stmt`) with ``params``."""
        return self._conn.execute(_stmt(name, self._sqlite), params)

    def _run_one(self, name: str, params: Mapping[str, Any], kind: str, id: object) -> Row[Any]:
        row: Row[Any] | None = self._run(name, params).first()
        if row is None:
            raise c.not_found(kind, id)
        return row

    def _one(self, query: Any, kind: str, id: object) -> Row[Any]:
        row = self._conn.execute(query).first()
        if row is None:
            raise c.not_found(kind, id)
        return row

    def _insert_new(self, table: sa.Table, values: dict[str, Any], *keys: str) -> Any:
        """``INSERT ... ON CONFLICT (keys) DO NOTHING``: one statement for a row
        that is usually new; add ``RETURNING`` to tell whether it went in (the
        rowcount is not reliable for it on every driver)."""
        if self._sqlite:
            from sqlalchemy.dialects import sqlite

            return sqlite.insert(table).values(values).on_conflict_do_nothing(index_elements=keys)
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table).values(values).on_conflict_do_nothing(index_elements=keys)

    def _among(self, column: sa.Column[Any], ids: Sequence[str]) -> Any:
        """``column IN (ids)``: a parameter per id on SQLite; on PostgreSQL
        ``column = ANY(array)``, one parameter, so the statement's text is the
        same whatever the number of ids (psycopg parses and prepares it once,
        and PostgreSQL plans it once)."""
        if self._sqlite:
            return column.in_(ids)
        return column == sa.any_(sa.bindparam(None, list(ids), type_=_TEXT_ARRAY))

    def _exists(self, table: sa.Table, column: sa.Column[Any], id: str) -> bool:
        return self._conn.execute(sa.select(column).where(column == id)).first() is not None

    def _need_payer(self, id: str) -> None:
        if not self._exists(t.payers, t.payers.c.id, id):
            raise c.not_found("payer", id)

    def _sum(self, column: sa.Column[Any], *where: Any) -> Decimal:
        # SQLite keeps decimals as text and would sum them in floats: sum in Python.
        if self._sqlite:
            values = self._conn.execute(sa.select(column).where(*where)).scalars()
            return c.total(values)
        total = self._conn.execute(sa.select(sa.func.sum(column)).where(*where)).scalar()
        return Decimal(0) if total is None else Decimal(total)

    # ------------------------------------------------------ payers, plans
    def save_payer(self, payer: PayerRecord) -> PayerRecord:
        c.arg_record("payer", payer, PayerRecord)
        self._write()
        p = t.payers
        data = dict(payer.data)
        # Every save raises the payer's version (payer_versions); a new payer starts at 1.
        done = self._conn.execute(
            sa.update(p).where(p.c.id == payer.id).values(data=data, version=p.c.version + 1)
        )
        if done.rowcount == 0:
            self._conn.execute(sa.insert(p).values(id=payer.id, data=data, version=1))
        return payer

    def _upsert(
        self, table: sa.Table, key: sa.Column[Any], id: str, values: dict[str, Any]
    ) -> None:
        done = self._conn.execute(sa.update(table).where(key == id).values(**values))
        if done.rowcount == 0:
            self._conn.execute(sa.insert(table).values({key.name: id, **values}))

    def payer(self, id: str) -> PayerRecord:
        key = c.arg_id("id", id)
        row = self._run_one("payer", {"p_id": key}, "payer", key)
        return PayerRecord(id=row.id, data=_stored_data(row.data))

    def save_plan(self, plan: PlanRecord) -> PlanRecord:
        c.arg_record("plan", plan, PlanRecord)
        self._write()
        self._upsert(t.plans, t.plans.c.code, plan.code, {"data": dict(plan.data)})
        return plan

    def plan(self, code: str) -> PlanRecord:
        key = c.arg_id("code", code)
        row = self._one(sa.select(t.plans).where(t.plans.c.code == key), "plan", key)
        return PlanRecord(code=row.code, data=_stored_data(row.data))

    # ------------------------------------------------------ subscriptions
    def add_subscription(self, subscription: SubscriptionRecord) -> SubscriptionRecord:
        sub = c.arg_record("subscription", subscription, SubscriptionRecord)
        self._write()
        s = t.subscriptions
        if self._exists(s, s.c.id, sub.id):
            raise DuplicateRecordError(f"subscription {sub.id!r} already exists")
        if sub.version != 0:
            raise c.stale("subscription", sub.id, 0, sub.version)
        self._need_payer(sub.customer)
        self._conn.execute(sa.insert(s).values(self._subscription_values(sub, 1)))
        return SubscriptionRecord(**{**_fields(sub), "version": 1})

    @staticmethod
    def _subscription_values(sub: SubscriptionRecord, version: int) -> dict[str, Any]:
        return {
            "id": sub.id,
            "customer": sub.customer,
            "plan": sub.plan,
            "status": sub.status,
            "next_billing": sub.next_billing,
            "data": dict(sub.data),
            "version": version,
        }

    def update_subscriptions(self, subscriptions: Iterable[SubscriptionRecord]) -> None:
        batch = [c.arg_record("subscription", s, SubscriptionRecord) for s in subscriptions]
        self._write()
        if not batch:
            return
        ids = [sub.id for sub in batch]
        if len(set(ids)) == len(ids):
            # The usual batch: the stored versions and customers read (and
            # locked) in one statement; if all are the ones the changes were
            # based on, the updates are sent together.
            s = t.subscriptions
            stored = {
                id: (row.version, row.customer)
                for id, row in self._locked_rows(s, ids, s.c.version, s.c.customer).items()
            }
            if all(stored.get(sub.id) == (sub.version, sub.customer) for sub in batch):
                sqlite = self._sqlite
                rows = [
                    (
                        sub.plan,
                        sub.status,
                        _sqlite_day(sub.next_billing) if sqlite else sub.next_billing,
                        _json_written(sub.data),
                        sub.id,
                        sub.version,
                        sub.customer,
                    )
                    for sub in batch
                ]
                self._write_many(_SQLITE_SUBSCRIPTIONS, _PG_SUBSCRIPTIONS, rows)
                return  # the records not made again (their version + 1): none asked for them
        with self.savepoint():
            for sub in batch:
                self.update_subscription(sub)

    def update_subscription(self, subscription: SubscriptionRecord) -> SubscriptionRecord:
        sub = c.arg_record("subscription", subscription, SubscriptionRecord)
        self._write()
        s = t.subscriptions
        values = self._subscription_values(sub, sub.version + 1)
        # The usual update keeps the customer: one statement, guarded by the
        # version (the row lock it takes serialises updaters).
        done = self._run(
            "subscription_update",
            {
                "p_id": sub.id,
                "p_version": sub.version,
                "p_customer": sub.customer,
                "p_plan": sub.plan,
                "p_status": sub.status,
                "p_next_billing": sub.next_billing,
                "p_data": _json_written(sub.data),
            },
        )
        if done.rowcount == 1:
            return SubscriptionRecord(**{**_fields(sub), "version": sub.version + 1})
        row = self._one(
            sa.select(s.c.version).where(s.c.id == sub.id).with_for_update(),
            "subscription",
            sub.id,
        )
        if row.version != sub.version:
            raise c.stale("subscription", sub.id, row.version, sub.version)
        self._need_payer(sub.customer)
        self._conn.execute(sa.update(s).where(s.c.id == sub.id).values(values))
        return SubscriptionRecord(**{**_fields(sub), "version": sub.version + 1})

    def subscription(self, id: str) -> SubscriptionRecord:
        key = c.arg_id("id", id)
        return _subscription(self._run_one("subscription", {"p_id": key}, "subscription", key))

    def subscriptions_due(
        self, on: date, *, id_from: str | None = None, id_to: str | None = None
    ) -> list[SubscriptionRecord]:
        day = c.arg_day("on", on)
        low, high = c.arg_optional_id("id_from", id_from), c.arg_optional_id("id_to", id_to)
        s = t.subscriptions
        query = sa.select(*_read(s, self._sqlite)).where(
            s.c.next_billing.is_not(None), s.c.next_billing <= day
        )
        if low is not None:
            query = query.where(s.c.id >= low)
        if high is not None:
            query = query.where(s.c.id < high)
        return [_subscription(r) for r in self._conn.execute(query.order_by(s.c.id)).all()]

    # -------------------------------------------------------------- usage
    def _stored_usage(self, keys: Sequence[str]) -> dict[str, UsageRecord]:
        u = t.usage_events
        found: dict[str, UsageRecord] = {}
        for chunk in _chunks(keys):
            for row in self._conn.execute(sa.select(u).where(u.c.key.in_(chunk))):
                found[row.key] = _usage(row)
        return found

    def add_usage(self, events: Iterable[UsageRecord]) -> int:
        batch = c.usage_batch(events)
        self._write()
        if not batch:
            return 0
        unique = {e.key: e for e in batch}
        events = list(unique.values())
        rows = self._usage_rows(events)  # before the first statement (see transaction())
        subs = sorted({e.subscription for e in events})
        s = t.subscriptions
        known: set[str] = set()
        for chunk in _chunks(subs):
            known.update(self._conn.execute(sa.select(s.c.id).where(s.c.id.in_(chunk))).scalars())
        for event in unique.values():
            if event.subscription not in known:
                raise c.not_found("subscription", event.subscription)
        # One statement per batch, built once (module level), no per-row work
        # in SQLAlchemy: the driver's executemany on SQLite, unnest on PostgreSQL.
        # Keys already stored (or stored meanwhile by a concurrent transaction)
        # are skipped by the insert; if any was, the batch is compared with what
        # is stored and another event refuses it (rolled back to the savepoint).
        with self._conn.begin_nested() as savepoint:
            inserted = self._insert_usage(rows)
            if inserted != len(unique):
                stored = self._stored_usage(list(unique))
                for key, event in unique.items():
                    if stored.get(key) != event:
                        savepoint.rollback()
                        raise c.conflict_usage(key)
        return inserted

    def _usage_rows(self, events: Sequence[UsageRecord]) -> Any:
        """The parameters that insert ``events``: rows for SQLite, columns for PostgreSQL."""
        if self._sqlite:
            return [
                (
                    e.key,
                    e.subscription,
                    e.metric,
                    _sqlite_moment(e.at),
                    str(e.quantity),
                    _json_text(e.data),
                )
                for e in events
            ]
        return (
            [e.key for e in events],
            [e.subscription for e in events],
            [e.metric for e in events],
            [e.at for e in events],
            [e.quantity for e in events],
            [_json_text(e.data) for e in events],
        )

    def _insert_usage(self, rows: Any) -> int:
        """Insert the events (as :meth:`_usage_rows` made them) whose keys are new,
        in one round trip; how many were."""
        sql = _SQLITE_USAGE if self._sqlite else _PG_USAGE
        return int(self._conn.exec_driver_sql(sql, rows).rowcount)

    @staticmethod
    def _entry_row(e: EntryRecord) -> tuple[Any, ...]:
        """An entry as SQLite's insert takes it (amount and moment as text)."""
        return (
            e.account,
            e.key,
            str(e.amount.amount),
            e.amount.currency.code,
            _sqlite_moment(e.at),
            e.kind,
            _json_text(e.data),
        )

    def _insert_entries(
        self, entries: Sequence[EntryRecord], rows: Sequence[tuple[Any, ...]] | None = None
    ) -> dict[tuple[str, str], int] | None:
        """Insert new entries in one round trip, skipping stored (account, key)
        pairs: their seqs by (account, key), or ``None`` if some were stored.
        ``rows``: the entries' SQLite rows if already made (:meth:`_entry_row`)."""
        found: Iterable[Any]
        if self._sqlite:
            if rows is None:
                rows = [self._entry_row(e) for e in entries]
            # The transaction holds SQLite's write lock (BEGIN IMMEDIATE): the
            # rows above the highest seq before the insert are ours.
            before = self._conn.exec_driver_sql(_SQLITE_MAX_SEQ).scalar_one()
            if self._conn.exec_driver_sql(_SQLITE_ENTRIES, rows).rowcount != len(entries):
                return None
            after = self._conn.exec_driver_sql(_SQLITE_MAX_SEQ).scalar_one()
            if after - before == len(entries):
                # Each insert took the highest seq + 1: ours are before+1..after, in order.
                found = [(before + 1 + i, e.account, e.key) for i, e in enumerate(entries)]
            else:  # pragma: no cover - seqs not contiguous: read them
                found = list(self._conn.exec_driver_sql(_SQLITE_NEW_SEQS, (before,)))
        else:
            found = self._conn.exec_driver_sql(_PG_ENTRIES, _entry_columns(entries)).all()
            if len(found) != len(entries):
                return None
        return {(account, key): int(seq) for seq, account, key in found}

    def _set_balances(self, balances: Sequence[tuple[str, Decimal]]) -> None:
        """Store the accounts' new balances in one round trip."""
        if self._sqlite:
            rows = [(str(amount), id) for id, amount in balances]
            self._conn.exec_driver_sql(_SQLITE_BALANCES, rows)
        else:
            columns = ([id for id, _ in balances], [amount for _, amount in balances])
            self._conn.exec_driver_sql(_PG_BALANCES, columns)

    def _write_many(self, sqlite_sql: str, pg_sql: str, rows: Sequence[tuple[Any, ...]]) -> int:
        """Run a batch statement made for the driver, in one round trip: SQLite's
        executemany of ``rows``; on PostgreSQL, ``rows`` as one array per column
        (through unnest). How many rows it changed."""
        if self._sqlite:
            return int(self._conn.exec_driver_sql(sqlite_sql, list(rows)).rowcount)
        columns = tuple(list(column) for column in zip(*rows, strict=True))
        return int(self._conn.exec_driver_sql(pg_sql, columns).rowcount)

    def _pipeline(self, steps: Sequence[tuple[str, Any]]) -> list[list[Any] | None]:
        """PostgreSQL: the driver statements ``steps`` in one round trip (:func:`_pipeline`)."""
        return _pipeline(self._conn, steps)

    def _undo(self) -> None:
        """PostgreSQL: roll back to the savepoint :data:`_SAVEPOINT` and release it
        (after a refused statement of :meth:`_pipeline`), in one round trip."""
        self._pipeline([(_ROLLBACK_TO, None), (_RELEASE, None)])

    @staticmethod
    def _columns(rows: Sequence[tuple[Any, ...]]) -> tuple[list[Any], ...]:
        """Rows as one list per column: the arrays of a PostgreSQL batch statement."""
        return tuple(list(column) for column in zip(*rows, strict=True))

    def _insert_documents(self, docs: Sequence[DocumentRecord]) -> None:
        """Insert whole documents (new ids), in one round trip."""
        self._write_many(_SQLITE_DOCUMENTS, _PG_DOCUMENTS, self._document_rows(docs))

    def _document_rows(self, docs: Sequence[DocumentRecord]) -> list[tuple[Any, ...]]:
        """Whole documents as the batch insert takes them."""
        sqlite = self._sqlite
        return [
            (
                d.id,
                d.customer,
                d.kind,
                _sqlite_day(d.period_start) if sqlite else d.period_start,
                _sqlite_day(d.period_end) if sqlite else d.period_end,
                None if d.total is None else _exact_param(d.total.amount, sqlite),
                None if d.total is None else d.total.currency.code,
                _json_written(d.data),
                d.status,
                d.number,
                d.series,
                _moment_param(d.issued_at, sqlite),
                d.version,
            )
            for d in docs
        ]

    def _insert_events(self, events: Sequence[DocumentEvent]) -> None:
        """Insert documents' events, in order, in one round trip."""
        self._write_many(_SQLITE_EVENTS, _PG_EVENTS, self._event_rows(events))

    def _event_rows(self, events: Sequence[DocumentEvent]) -> list[tuple[Any, ...]]:
        """Documents' events as the batch insert takes them."""
        sqlite = self._sqlite
        return [
            (e.document, e.event, e.status, _moment_param(e.at, sqlite), _json_written(e.data))
            for e in events
        ]

    def _insert(self, table: sa.Table) -> Any:
        """The dialect's INSERT, which knows ON CONFLICT (SQLite 3.24+, PostgreSQL)."""
        if self._sqlite:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            return sqlite_insert(table)
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)

    def usage_events(
        self, subscription: str, since: datetime, until: datetime, metric: str | None = None
    ) -> list[UsageRecord]:
        sub = c.arg_id("subscription", subscription)
        start, end = c.arg_moment("since", since), c.arg_moment("until", until)
        name = c.arg_optional_id("metric", metric)
        self.subscription(sub)
        u = t.usage_events
        query = sa.select(u).where(u.c.subscription == sub, u.c.at >= start, u.c.at < end)
        if name is not None:
            query = query.where(u.c.metric == name)
        return [_usage(r) for r in self._conn.execute(query.order_by(u.c.at, u.c.seq))]

    def usage_totals(
        self, subscription: str, since: datetime, until: datetime
    ) -> dict[str, Decimal]:
        sub = c.arg_id("subscription", subscription)
        start, end = c.arg_moment("since", since), c.arg_moment("until", until)
        self.subscription(sub)
        u = t.usage_events
        where = (u.c.subscription == sub, u.c.at >= start, u.c.at < end)
        totals: dict[str, Decimal] = {}
        if self._sqlite:
            for metric, quantity in self._conn.execute(
                sa.select(u.c.metric, u.c.quantity).where(*where)
            ):
                totals[metric] = c.add(totals.get(metric, Decimal(0)), quantity)
        else:
            query = (
                sa.select(u.c.metric, sa.func.sum(u.c.quantity)).where(*where).group_by(u.c.metric)
            )
            totals = {metric: Decimal(total) for metric, total in self._conn.execute(query)}
        return dict(sorted(totals.items()))

    def usage_totals_for(
        self, subscriptions: Iterable[str], since: datetime, until: datetime
    ) -> dict[str, dict[str, Decimal]]:
        subs = sorted({c.arg_id("subscriptions", s) for s in subscriptions}, key=_utf8)
        start, end = c.arg_moment("since", since), c.arg_moment("until", until)
        found: dict[str, dict[str, Decimal]] = {sub: {} for sub in subs}
        for chunk in _chunks(subs):
            params = {"p_subs": list(chunk), "p_since": start, "p_until": end}
            if self._sqlite:
                for sub, metric, quantity in self._run("usage_totals", params).all():
                    totals = found[sub]
                    totals[metric] = c.add(totals.get(metric, Decimal(0)), quantity)
            else:
                for sub, metric, total in self._run("usage_totals", params).all():
                    found[sub][metric] = Decimal(total)
        return {sub: dict(sorted(totals.items())) for sub, totals in found.items()}

    # ------------------------------------------------------------- ledger
    def open_account(self, account: AccountRecord) -> AccountRecord:
        acc = c.arg_record("account", account, AccountRecord)
        self._write()
        if self._exists(t.accounts, t.accounts.c.id, acc.id):
            raise DuplicateRecordError(f"account {acc.id!r} already exists")
        if acc.balance.amount != 0:
            raise CreditError("balance", acc.balance, "zero: a balance comes from entries")
        self._need_payer(acc.customer)
        self._conn.execute(
            sa.insert(t.accounts).values(
                id=acc.id,
                customer=acc.customer,
                currency=acc.currency,
                credit_limit=acc.credit_limit.amount,
                balance=acc.balance.amount,
            )
        )
        return acc

    def _account_row(self, id: str, *, for_update: bool = False) -> Row[Any]:
        if for_update:
            return self._run_one("account_for_update", {"p_id": id}, "account", id)
        a = t.accounts
        return self._one(sa.select(a).where(a.c.id == id), "account", id)

    def account(self, id: str) -> AccountRecord:
        return _account(self._account_row(c.arg_id("id", id)))

    def set_credit_limit(self, id: str, limit: Money) -> AccountRecord:
        key = c.arg_id("id", id)
        acc = _account(self._account_row(key, for_update=not self._readonly))
        new = c.check_limit(limit, acc.currency)
        self._write()
        a = t.accounts
        self._conn.execute(sa.update(a).where(a.c.id == key).values(credit_limit=new.amount))
        return AccountRecord(
            id=acc.id, customer=acc.customer, credit_limit=new, balance=acc.balance
        )

    def post(self, entry: EntryRecord) -> EntryRecord:
        e = c.arg_record("entry", entry, EntryRecord)
        self._write()
        acc = _account(self._account_row(e.account, for_update=True))
        en = t.entries
        # A new entry (the usual case) is one insert that skips a stored key;
        # a stored one (a replay) is read back and compared.
        try:
            after = c.check_entry(e, acc.currency, acc.balance, acc.credit_limit)
        except BillkitError:
            after = None  # refused, unless it is a replay of a stored entry
        seq = None
        if after is not None:
            values = {
                "account": e.account,
                "key": e.key,
                "amount": e.amount.amount,
                "currency": acc.currency,
                "at": e.at,
                "kind": e.kind,
                "data": dict(e.data),
            }
            seq = self._run("entry_new", values).scalar()
        if seq is None:
            row = self._conn.execute(
                sa.select(en).where(en.c.account == e.account, en.c.key == e.key)
            ).first()
            if row is not None:
                stored = _entry(row)
                if not stored.same_as(e):
                    raise c.conflict_entry(e.account, e.key)
                return stored
            c.check_entry(e, acc.currency, acc.balance, acc.credit_limit)  # raises: refused
            raise StoreError(f"entry {e.key!r} was neither posted nor found")  # pragma: no cover
        assert after is not None  # posted: it was checked
        self._run("balance", {"p_id": e.account, "p_balance": after.amount})
        return _stored(e, seq)

    def post_all(self, entries: Iterable[EntryRecord]) -> Sequence[EntryRecord]:
        batch = c.entry_batch(entries)
        self._write()
        if not batch:
            return []
        # SQLite rows of the batch, made before the first statement (which,
        # without a lock scope, is when the transaction takes the write lock).
        rows = [self._entry_row(e) for e in batch] if self._sqlite else None
        moves = _moves(batch)
        accounts = self._locked_accounts(sorted({e.account for e in batch}))
        # The usual batch is all new. Plan it so and insert it, stored keys
        # skipped, under a savepoint: if every row went in, no key of the batch
        # was stored, so the plan (balances, limits) is the right one. Otherwise,
        # or if the plan refuses an entry, undo and plan again with the stored
        # entries read (one statement), which gives post()'s answer exactly.
        plan = _quick_plan(moves, accounts) if moves is not None else None
        if plan is None:
            try:
                plan = _plan(batch, accounts, {})
            except BillkitError:
                plan = None
        if plan is not None:
            new = list(plan.new.values())
            if not self._sqlite:  # in two round trips (_post_new_pipelined)
                posted = self._post_new_pipelined(plan, new)
                if posted is not None:
                    return posted
            else:
                if rows is not None and len(new) != len(batch):
                    # A pair repeats in the batch: plan.new holds its first entry.
                    rows = _first_rows(batch, rows)
                with self._conn.begin_nested() as savepoint:
                    seqs = self._insert_entries(new, rows)
                    if seqs is None:
                        savepoint.rollback()
                if seqs is not None:
                    return self._posted(plan, seqs, {})
        stored = self._stored_entries(batch)
        plan = _plan(batch, accounts, stored)
        seqs = self._insert_entries(list(plan.new.values())) if plan.new else {}
        if seqs is None:  # pragma: no cover - the accounts are locked: nobody posts meanwhile
            raise StoreError("entries of locked accounts were posted meanwhile")
        return self._posted(plan, seqs, stored)

    def _post_new_pipelined(self, plan: _Plan, new: Sequence[EntryRecord]) -> _Posted | None:
        """PostgreSQL: post the planned all-new entries ``new`` in two round trips:
        a savepoint and the insert (stored pairs skipped); then, if every entry
        went in (no pair was stored, so the plan is right), the release and the
        moved balances. ``None`` (the insert undone) if some pair was stored."""
        try:
            found = self._pipeline([(_SAVEPOINT, None), (_PG_ENTRIES, _entry_columns(new))])[1]
        except exc.DBAPIError:
            self._undo()
            raise
        assert found is not None
        if len(found) != len(new):
            self._undo()
            return None
        moved = sorted({e.account for e in new})
        balances = ([id for id in moved], [plan.balances[id] for id in moved])
        self._pipeline([(_RELEASE, None), (_PG_BALANCES, balances)])
        seqs = {(account, key): int(seq) for seq, account, key in found}
        return _Posted([(plan.new[pair], seqs[pair]) for pair in plan.order])

    def _locked_accounts(self, ids: Sequence[str]) -> dict[str, _Account]:
        """The accounts, locked in id order (no deadlock between batches)."""
        a = t.accounts
        rows = self._locked_rows(a, ids, a.c.currency, a.c.balance, a.c.credit_limit)
        return {
            id: _Account(row.currency, row.balance, row.credit_limit.copy_negate())
            for id, row in rows.items()
        }

    def _stored_entries(self, batch: Sequence[EntryRecord]) -> dict[tuple[str, str], EntryRecord]:
        """The stored entries among the batch's (account, key) pairs, in one statement."""
        wanted = sorted({(e.account, e.key) for e in batch})
        if self._sqlite:
            found = self._conn.execute(_SQLITE_STORED_ENTRIES, {"pairs": json.dumps(wanted)})
        else:
            accounts, keys = [p[0] for p in wanted], [p[1] for p in wanted]
            found = self._conn.execute(_PG_STORED_ENTRIES, {"accounts": accounts, "keys": keys})
        return {(row.account, row.key): _entry(row) for row in found}

    def _posted(
        self,
        plan: _Plan,
        seqs: Mapping[tuple[str, str], int],
        stored: Mapping[tuple[str, str], EntryRecord],
    ) -> _Posted:
        """Store the moved balances; the batch's entries as stored, in order."""
        if plan.new:
            moved = sorted({e.account for e in plan.new.values()})
            self._set_balances([(id, plan.balances[id]) for id in moved])
        return _Posted(
            [
                (plan.new[pair], seqs[pair]) if pair in plan.new else stored[pair]
                for pair in plan.order
            ]
        )

    def balance(self, account: str) -> Money:
        return self.account(account).balance

    def balance_at(self, account: str, moment: datetime) -> Money:
        acc = self.account(account)
        until = c.arg_moment("moment", moment)
        en = t.entries
        total = self._sum(en.c.amount, en.c.account == acc.id, en.c.at < until)
        return Money(total, acc.currency)

    def entries(
        self, account: str, since: datetime | None = None, until: datetime | None = None
    ) -> list[EntryRecord]:
        acc = self.account(account)
        start = c.arg_optional_moment("since", since)
        end = c.arg_optional_moment("until", until)
        en = t.entries
        query = sa.select(en).where(en.c.account == acc.id)
        if start is not None:
            query = query.where(en.c.at >= start)
        if end is not None:
            query = query.where(en.c.at < end)
        return [_entry(r) for r in self._conn.execute(query.order_by(en.c.at, en.c.seq))]

    # ------------------------------------------------ series and documents
    def create_series(self, series: SeriesRecord) -> SeriesRecord:
        s = c.arg_record("series", series, SeriesRecord)
        self._write()
        if self._exists(t.series, t.series.c.name, s.name):
            raise DuplicateRecordError(f"number series {s.name!r} already exists")
        self._conn.execute(
            sa.insert(t.series).values(name=s.name, prefix=s.prefix, next=s.next, width=s.width)
        )
        return s

    def series(self, name: str) -> SeriesRecord:
        key = c.arg_id("name", name)
        return _series(
            self._one(sa.select(t.series).where(t.series.c.name == key), "number series", key)
        )

    def _take(self, name: str) -> tuple[int, SeriesRecord]:
        s = t.series
        row = self._conn.execute(
            sa.update(s)
            .where(s.c.name == name)
            .values(next=s.c.next + 1)
            .returning(s.c.name, s.c.prefix, s.c.next, s.c.width)
        ).first()
        if row is None:
            raise c.not_found("number series", name)
        return row.next - 1, _series(row)

    def take_number(self, series: str) -> int:
        key = c.arg_id("series", series)
        self._write()
        return self._take(key)[0]

    def _document_row(self, id: str, *, for_update: bool = False) -> Row[Any]:
        name = "document_for_update" if for_update else "document"
        return self._run_one(name, {"p_id": id}, "document", id)

    def save_draft(self, document: DocumentRecord) -> DocumentRecord:
        doc = c.arg_record("document", document, DocumentRecord)
        self._write()
        d = t.documents
        new = doc.version == 0 and doc.status == "draft"
        if new and not (doc.issued or doc.issued_at is not None or doc.series):
            # A new draft (the usual case): one insert, made only when the
            # payer exists and the id is free; anything else is told below.
            stored = DocumentRecord(**{**_fields(doc), "version": 1})
            if self._run("draft_new", _document_params(stored)).first():
                return stored
        row = self._conn.execute(sa.select(d).where(d.c.id == doc.id).with_for_update()).first()
        old = None if row is None else _document(row)
        if old is not None and old.issued:
            raise c.immutable(old)
        if doc.issued or doc.issued_at is not None or doc.series is not None:
            raise InvoicingError("number", doc.number, "None: a draft is numbered by issue()")
        if doc.status != "draft":
            raise InvoicingError("status", doc.status, "'draft' (issue() issues a document)")
        stored_version = 0 if old is None else old.version
        if doc.version != stored_version:
            raise c.stale("document", doc.id, stored_version, doc.version)
        self._need_payer(doc.customer)
        stored = DocumentRecord(**{**_fields(doc), "version": doc.version + 1})
        values = _document_values(stored)
        if old is None:
            self._conn.execute(sa.insert(d).values(id=doc.id, **values))
        else:
            self._conn.execute(sa.update(d).where(d.c.id == doc.id).values(values))
        return stored

    def issue(self, id: str, *, series: str, at: datetime) -> DocumentRecord:
        key = c.arg_id("id", id)
        if self._readonly:
            self._document_row(key)  # an unknown document is not found, even read-only
        moment = c.arg_moment("at", at)
        name = c.arg_id("series", series)
        self._write()
        sr = t.series
        # The usual issue is three statements: take the number (the counter's
        # row lock serialises issuers), number the draft, record the event.
        # Anything unusual (no such document or series, an issued document, a
        # number taken outside the series) gives the number back and is told
        # apart after, in the order the checks have always had.
        taken = self._run("take", {"p_name": name}).first()
        row = None
        if taken is not None:
            number = _series(taken).format(taken.next - 1)
            params = {"p_id": key, "p_number": number, "p_series": name, "p_at": moment}
            row = self._run("number", params).first()
        if row is None:
            if taken is not None:
                self._conn.execute(
                    sa.update(sr).where(sr.c.name == name).values(next=sr.c.next - 1)
                )
            doc = _document(self._document_row(key))
            if doc.issued:
                raise c.immutable(doc)
            if taken is None:
                raise c.not_found("number series", name)
            raise DuplicateRecordError(f"document number {number!r} is already taken")
        self._add_event(DocumentEvent(document=key, event="issue", status="issued", at=moment))
        return _document(row)

    def issue_all(
        self, drafts: Iterable[tuple[DocumentRecord, str]], *, at: datetime
    ) -> list[DocumentRecord]:
        batch = [
            (c.arg_record("document", d, DocumentRecord), c.arg_id("series", s)) for d, s in drafts
        ]
        moment = c.arg_moment("at", at)
        self._write()
        if not batch:
            return []
        if all(_new_draft(d) for d, _ in batch):
            # The usual batch (new drafts of known payers, free ids and
            # numbers): one counter update per series, then the documents and
            # their events inserted together, under a savepoint. Anything
            # unusual undoes it, and the one-by-one calls tell what.
            if not self._sqlite:  # in two round trips (_issue_all_pipelined)
                issued = self._issue_all_pipelined(batch, moment)
                if issued is not None:
                    return issued
            else:
                try:
                    with self._conn.begin_nested() as savepoint:
                        issued = self._issue_all(batch, moment)
                        if issued is None:  # no such series
                            savepoint.rollback()
                    if issued is not None:
                        return issued
                except exc.IntegrityError:
                    pass
        with self.savepoint():
            out = []
            for doc, series in batch:
                self.save_draft(doc)
                out.append(self.issue(doc.id, series=series, at=moment))
            return out

    def _issue_all_pipelined(
        self, batch: Sequence[tuple[DocumentRecord, str]], moment: datetime
    ) -> list[DocumentRecord] | None:
        """PostgreSQL: :meth:`_issue_all` in two round trips, under a savepoint:
        the savepoint and the counters' updates, then the documents, their
        events and the release. ``None`` (all undone) if a series is unknown
        or the database refused a row (a taken id or number, an unknown
        payer): the one-by-one calls tell what."""
        counts: dict[str, int] = {}
        for _, name in batch:
            counts[name] = counts.get(name, 0) + 1
        names = sorted(counts)
        try:
            taken = self._pipeline(
                [(_SAVEPOINT, None), *((_PG_TAKE, (counts[n], n)) for n in names)]
            )
        except exc.DBAPIError:
            self._undo()
            raise
        first: dict[str, tuple[SeriesRecord, int]] = {}
        for name, rows in zip(names, taken[1:], strict=True):
            if not rows:  # no such series
                self._undo()
                return None
            ((_, prefix, after, width),) = rows
            series = SeriesRecord(name=name, prefix=prefix, next=after, width=width)
            first[name] = (series, after - counts[name])
        out = _numbered(batch, moment, first, counts)
        events = [
            DocumentEvent(document=d.id, event="issue", status="issued", at=moment) for d in out
        ]
        try:
            self._pipeline(
                [
                    (_PG_DOCUMENTS, self._columns(self._document_rows(out))),
                    (_PG_EVENTS, self._columns(self._event_rows(events))),
                    (_RELEASE, None),
                ]
            )
        except exc.IntegrityError:
            self._undo()
            return None
        except exc.DBAPIError:
            self._undo()
            raise
        return out

    def _issue_all(
        self, batch: Sequence[tuple[DocumentRecord, str]], moment: datetime
    ) -> list[DocumentRecord] | None:
        sr = t.series
        counts: dict[str, int] = {}
        for _, name in batch:
            counts[name] = counts.get(name, 0) + 1
        first: dict[str, tuple[SeriesRecord, int]] = {}
        for name in sorted(counts):
            row = self._conn.execute(
                sa.update(sr)
                .where(sr.c.name == name)
                .values(next=sr.c.next + counts[name])
                .returning(sr.c.name, sr.c.prefix, sr.c.next, sr.c.width)
            ).first()
            if row is None:
                return None
            first[name] = (_series(row), row.next - counts[name])
        out = _numbered(batch, moment, first, counts)
        self._insert_documents(out)
        self._insert_events(
            [DocumentEvent(document=d.id, event="issue", status="issued", at=moment) for d in out]
        )
        return out

    def _add_event(self, record: DocumentEvent) -> None:
        self._run(
            "event",
            {
                "p_document": record.document,
                "p_event": record.event,
                "p_status": record.status,
                "p_at": record.at,
                "p_data": _json_written(record.data),
            },
        )

    def change_status(
        self,
        id: str,
        *,
        event: str,
        status: str,
        at: datetime,
        data: JsonData | None = None,
    ) -> DocumentRecord:
        key = c.arg_id("id", id)
        record = DocumentEvent(
            document=key, event=event, status=status, at=at, data={} if data is None else data
        )
        if self._readonly:
            self._document_row(key)  # an unknown document is not found, even read-only
        self._write()
        # An issued document changes in one statement (the row lock it takes
        # serialises changers); a draft or an unknown id is told apart after.
        row = self._run("status", {"p_id": key, "p_status": record.status}).first()
        if row is None:
            doc = _document(self._document_row(key))
            raise ImmutableRecordError(
                f"document {doc.id!r} is a draft: issue it before recording lifecycle changes"
            )
        self._add_event(record)
        return _document(row)

    def change_status_all(self, changes: Iterable[DocumentEvent]) -> None:
        batch = [c.arg_record("change", e, DocumentEvent) for e in changes]
        for e in batch:
            c.arg_id("id", e.document)
        self._write()
        if not batch:
            return
        ids = [e.document for e in batch]
        if len(set(ids)) == len(ids):
            # The usual batch (distinct issued documents): their numbers read
            # and the rows locked in one statement, then the changes and their
            # events sent together.
            d = t.documents
            numbers = {id: r.number for id, r in self._locked_rows(d, ids, d.c.number).items()}
            if all(numbers.get(id) is not None for id in ids):
                statuses = [(e.status, e.document) for e in batch]
                if self._sqlite:
                    self._write_many(_SQLITE_STATUSES, _PG_STATUSES, statuses)
                    self._insert_events(batch)
                else:  # in one round trip
                    self._pipeline(
                        [
                            (_PG_STATUSES, self._columns(statuses)),
                            (_PG_EVENTS, self._columns(self._event_rows(batch))),
                        ]
                    )
                return
        with self.savepoint():
            for e in batch:
                self.change_status(e.document, event=e.event, status=e.status, at=e.at, data=e.data)

    def document(self, id: str) -> DocumentRecord:
        return _document(self._document_row(c.arg_id("id", id)))

    def documents(
        self,
        *,
        customer: str | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> list[DocumentRecord]:
        who = c.arg_optional_id("customer", customer)
        start, end = c.arg_optional_day("since", since), c.arg_optional_day("until", until)
        d = t.documents
        query = sa.select(*_read(d, self._sqlite))
        if who is not None:
            query = query.where(d.c.customer == who)
        if start is not None:
            query = query.where(d.c.period_start >= start)
        if end is not None:
            query = query.where(d.c.period_start < end)
        return [_document(r) for r in self._conn.execute(query.order_by(d.c.id)).all()]

    def document_events(self, id: str) -> list[DocumentEvent]:
        key = c.arg_id("id", id)
        self._document_row(key)
        ev = t.document_events
        rows = self._conn.execute(sa.select(ev).where(ev.c.document == key).order_by(ev.c.seq))
        return [
            DocumentEvent(
                document=r.document,
                event=r.event,
                status=r.status,
                at=r.at,
                data=_stored_data(r.data),
            )
            for r in rows
        ]

    def unpaid_invoices(
        self, *, id_from: str | None = None, id_to: str | None = None
    ) -> list[DocumentRecord]:
        low, high = c.arg_optional_id("id_from", id_from), c.arg_optional_id("id_to", id_to)
        d = t.documents
        query = sa.select(*_read(d, self._sqlite)).where(
            d.c.kind.in_(("invoice", "proforma")), d.c.status.in_(("issued", "pending"))
        )
        if low is not None:
            query = query.where(d.c.id >= low)
        if high is not None:
            query = query.where(d.c.id < high)
        return [_document(r) for r in self._conn.execute(query.order_by(d.c.id)).all()]

    def documents_in_status(
        self,
        kind: str,
        statuses: Collection[str],
        *,
        id_from: str | None = None,
        id_to: str | None = None,
    ) -> list[DocumentRecord]:
        which = c.arg_id("kind", kind)
        wanted = c.arg_event_kinds("statuses", statuses) or frozenset()
        low, high = c.arg_optional_id("id_from", id_from), c.arg_optional_id("id_to", id_to)
        if not wanted:
            return []
        d = t.documents
        query = sa.select(*_read(d, self._sqlite)).where(
            d.c.kind == which, d.c.status.in_(sorted(wanted))
        )
        if low is not None:
            query = query.where(d.c.id >= low)
        if high is not None:
            query = query.where(d.c.id < high)
        return [_document(r) for r in self._conn.execute(query.order_by(d.c.id))]

    def document_events_of(
        self, ids: Iterable[str], *, events: Collection[str] | None = None
    ) -> dict[str, list[DocumentEvent]]:
        keys = sorted({c.arg_id("ids", id) for id in ids}, key=_utf8)
        kinds = c.arg_event_kinds("events", events)
        ev = t.document_events
        found: dict[str, list[DocumentEvent]] = {id: [] for id in keys}
        if kinds is not None and not kinds:
            return found
        for chunk in _chunks(keys):
            query = (
                sa.select(*_read(ev, self._sqlite))
                .where(self._among(ev.c.document, chunk))
                .order_by(ev.c.seq)
            )
            if kinds is not None:
                query = query.where(ev.c.event.in_(sorted(kinds)))
            for r in self._conn.execute(query).all():
                found[r.document].append(
                    DocumentEvent(
                        document=r.document,
                        event=r.event,
                        status=r.status,
                        at=r.at,
                        data=_stored_data(r.data),
                    )
                )
        return found

    def _locked_rows(
        self, table: sa.Table, ids: Sequence[str], *columns: sa.Column[Any]
    ) -> dict[str, Row[Any]]:
        """The rows of ``table`` with these (distinct) ids, read and locked for
        update in id order: ``columns`` and the id, or the whole row; unknown
        ids are left out. The start of a batch that changes rows it has read.

        Read in chunks of ids in UTF-8 byte order (the ids' order in both
        databases: SQLite's binary collation, collation ``"C"`` on PostgreSQL),
        each ``SELECT ... WHERE id IN (...) ORDER BY id FOR UPDATE`` (``id =
        ANY(...)`` on PostgreSQL: :meth:`_among`). With
        ``ORDER BY`` before the locking clause, PostgreSQL sorts the rows first
        and then locks them as it returns them (PostgreSQL 15, SELECT, "The
        Locking Clause": "ORDER BY is applied first. The command sorts the
        result, but might then block trying to obtain a lock on one or more of
        the rows"), so every batch locks its rows in one global order and two
        batches cannot deadlock on them. SQLite ignores ``FOR UPDATE``: its
        writers already hold the database's one write lock.
        """
        chosen = (table.c.id, *columns) if columns else (table,)
        found: dict[str, Row[Any]] = {}
        for chunk in _chunks(sorted(ids, key=_utf8)):
            query = sa.select(*chosen).where(self._among(table.c.id, chunk)).order_by(table.c.id)
            for row in self._conn.execute(query.with_for_update()).all():
                found[row.id] = row
        return found

    def _by_id(
        self, table: sa.Table, ids: Iterable[str], make: Callable[[Any], _R]
    ) -> dict[str, _R]:
        """The rows of ``table`` with these ids, made by ``make``, in id order
        (UTF-8 byte order, as the store sorts ids); unknown ids are left out.
        Read in chunks of ids, one ``SELECT ... WHERE id IN (...)`` each."""
        keys = sorted({c.arg_id("ids", id) for id in ids}, key=_utf8)
        found: dict[str, _R] = {}
        for chunk in _chunks(keys):
            query = sa.select(*_read(table, self._sqlite)).where(self._among(table.c.id, chunk))
            for r in self._conn.execute(query).all():
                found[r.id] = make(r)
        return {id: found[id] for id in keys if id in found}

    def payers_of(self, ids: Iterable[str]) -> dict[str, PayerRecord]:
        return self._by_id(t.payers, ids, lambda r: PayerRecord(id=r.id, data=_stored_data(r.data)))

    def payer_versions(self, ids: Iterable[str]) -> dict[str, int]:
        keys = sorted({c.arg_id("ids", id) for id in ids}, key=_utf8)
        p = t.payers
        found: dict[str, int] = {}
        for chunk in _chunks(keys):
            query = sa.select(p.c.id, p.c.version).where(self._among(p.c.id, chunk))
            for r in self._conn.execute(query).all():
                found[r.id] = r.version
        return {id: found[id] for id in keys if id in found}

    def payers_paying_with(
        self, methods: Iterable[str], *, business: str | None
    ) -> dict[str, PayerRecord]:
        names = sorted({c.arg_id("methods", name) for name in methods}, key=_utf8)
        mine = None if business is None else c.arg_id("business", business)
        p = t.payers
        found: dict[str, PayerRecord] = {}
        for chunk in _chunks(names):
            query = sa.select(*_read(p, self._sqlite)).where(
                self._among(p.c.data["pays_with"].as_string(), chunk)
            )
            for r in self._conn.execute(query).all():
                data = _stored_data(r.data)
                if c.of_business(data, mine):  # in Python: JSON null and a missing key differ
                    found[r.id] = PayerRecord(id=r.id, data=data)
        return {id: found[id] for id in sorted(found, key=_utf8)}

    def accounts_of(self, ids: Iterable[str]) -> dict[str, AccountRecord]:
        return self._by_id(t.accounts, ids, _account)

    def subscriptions_of(self, ids: Iterable[str]) -> dict[str, SubscriptionRecord]:
        return self._by_id(t.subscriptions, ids, _subscription)

    def documents_by_id(self, ids: Iterable[str]) -> dict[str, DocumentRecord]:
        return self._by_id(t.documents, ids, _document)

    def document_versions(self, ids: Iterable[str]) -> dict[str, int]:
        keys = sorted({c.arg_id("ids", id) for id in ids}, key=_utf8)
        d = t.documents
        found: dict[str, int] = {}
        for chunk in _chunks(keys):
            query = sa.select(d.c.id, d.c.version).where(self._among(d.c.id, chunk))
            for r in self._conn.execute(query).all():
                found[r.id] = r.version
        return {id: found[id] for id in keys if id in found}

    def documents_of(self, customers: Iterable[str]) -> dict[str, list[DocumentRecord]]:
        keys = sorted({c.arg_id("customers", id) for id in customers}, key=_utf8)
        d = t.documents
        found: dict[str, list[DocumentRecord]] = {id: [] for id in keys}
        for chunk in _chunks(keys):
            query = sa.select(*_read(d, self._sqlite)).where(self._among(d.c.customer, chunk))
            for r in self._conn.execute(query).all():
                found[r.customer].append(_document(r))
        return {id: sorted(docs, key=lambda doc: _utf8(doc.id)) for id, docs in found.items()}

    # -------------------------------------------------------- idempotency
    def _idempotency(self, key: str) -> IdempotencyRecord | None:
        i = t.idempotency
        row = self._conn.execute(sa.select(i).where(i.c.key == key)).first()
        if row is None:
            return None
        return IdempotencyRecord(
            key=row.key, request_hash=row.request_hash, result=row.result, at=row.at
        )

    def recall(self, key: str, request: JsonData) -> JsonData | None:
        k = c.arg_id("key", key)
        digest = request_hash(c.arg_data("request", request))
        stored = self._idempotency(k)
        if stored is None:
            return None
        if stored.request_hash != digest:
            raise c.conflict_request(k)
        return stored.result

    def remember(
        self, key: str, request: JsonData, result: JsonData, *, at: datetime
    ) -> IdempotencyRecord:
        record = c.idempotency_record(key, request, result, at)
        self._write()
        values = {
            "key": record.key,
            "request_hash": record.request_hash,
            "result": dict(record.result),
            "at": record.at,
        }
        query = self._insert_new(t.idempotency, values, "key").returning(t.idempotency.c.key)
        if self._conn.execute(query).first() is not None:
            return record
        stored = c.replayed(self._idempotency(record.key), record)
        assert stored is not None  # the insert found the key stored
        return stored

    # ------------------------------------------------------------- outbox
    def enqueue(self, *, key: str, topic: str, payload: JsonData, at: datetime) -> OutboxMessage:
        c.arg_id("key", key)
        draft = OutboxMessage(id=0, key=key, topic=topic, payload=payload, created_at=at)
        self._write()
        o = t.outbox
        values = {
            "key": draft.key,
            "topic": draft.topic,
            "payload": dict(draft.payload),
            "created_at": draft.created_at,
            "attempts": 0,
        }
        new_id = self._run("outbox_new", values).scalar()
        if new_id is not None:
            return attrs.evolve(draft, id=new_id)
        stored = _message(self._one(sa.select(o).where(o.c.key == draft.key), "message", key))
        if stored.topic != draft.topic or not c.same_data(stored.payload, draft.payload):
            raise c.conflict_message(draft.key)
        return stored

    def enqueue_all(self, messages: Iterable[OutboxMessage]) -> None:
        batch = [c.arg_record("message", m, OutboxMessage) for m in messages]
        for m in batch:
            c.arg_id("key", m.key)
        self._write()
        if not batch:
            return
        if len({m.key for m in batch}) == len(batch):
            # The usual batch is all new: inserted together, under a savepoint;
            # a stored key undoes it, and the one-by-one calls tell what.
            sqlite = self._sqlite
            rows = [
                (m.key, m.topic, _json_written(m.payload), _moment_param(m.created_at, sqlite))
                for m in batch
            ]
            if not self._sqlite:  # the savepoint, the rows and the release in one round trip
                try:
                    steps = [(_PG_OUTBOX, self._columns(rows)), (_RELEASE, None)]
                    self._pipeline([(_SAVEPOINT, None), *steps])
                    return
                except exc.IntegrityError:
                    self._undo()
                except exc.DBAPIError:
                    self._undo()
                    raise
            else:
                try:
                    with self._conn.begin_nested():
                        self._write_many(_SQLITE_OUTBOX, _PG_OUTBOX, rows)
                    return
                except exc.IntegrityError:
                    pass
        with self.savepoint():
            for m in batch:
                self.enqueue(key=m.key, topic=m.topic, payload=m.payload, at=m.created_at)

    def claim(
        self, worker: str, *, now: datetime, lease: timedelta, limit: int = 10
    ) -> list[OutboxMessage]:
        who = c.arg_id("worker", worker)
        moment = c.arg_moment("now", now)
        until = moment + c.arg_lease(lease)
        count = c.arg_limit(limit)
        self._write()
        o = t.outbox
        ids = list(
            self._conn.execute(
                sa.select(o.c.id)
                .where(
                    o.c.acknowledged_at.is_(None),
                    sa.or_(o.c.lease_until.is_(None), o.c.lease_until <= moment),
                )
                .order_by(o.c.id)
                .limit(count)
                .with_for_update(skip_locked=True)
            ).scalars()
        )
        if not ids:
            return []
        self._conn.execute(
            sa.update(o)
            .where(o.c.id.in_(ids))
            .values(claimed_by=who, lease_until=until, attempts=o.c.attempts + 1)
        )
        rows = self._conn.execute(sa.select(o).where(o.c.id.in_(ids)).order_by(o.c.id))
        return [_message(r) for r in rows]

    def acknowledge(self, id: int, worker: str, *, now: datetime) -> OutboxMessage:
        number = c.arg_message_id(id)
        o = t.outbox
        message = _message(
            self._one(
                sa.select(o).where(o.c.id == number).with_for_update(),
                "outbox message",
                number,
            )
        )
        who = c.arg_id("worker", worker)
        moment = c.arg_moment("now", now)
        self._write()
        if message.claimed_by != who:
            raise LeaseLostError(
                f"outbox message {message.id} is leased to {message.claimed_by!r}, not {who!r}"
            )
        if message.acknowledged_at is not None:
            return message
        self._conn.execute(sa.update(o).where(o.c.id == number).values(acknowledged_at=moment))
        return self.message(number)

    def message(self, id: int) -> OutboxMessage:
        number = c.arg_message_id(id)
        o = t.outbox
        return _message(self._one(sa.select(o).where(o.c.id == number), "outbox message", number))


def _fields(record: Any) -> Mapping[str, Any]:
    import attrs

    return attrs.asdict(record, recurse=False)
