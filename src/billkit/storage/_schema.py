"""The SQL tables of SqlStore and the column types that keep values exact (private).

One definition serves SQLite and PostgreSQL; the dialect differences live in
the column types:

- :class:`Exact` amounts and quantities: ``NUMERIC`` in PostgreSQL (returned
  as ``Decimal``), the decimal's text in SQLite (which has no exact number
  type and would compute in floats). Never REAL.
- :class:`Moment` timestamps: ``TIMESTAMP WITH TIME ZONE`` in PostgreSQL;
  in SQLite fixed-width ISO 8601 text in UTC, so text order is time order.
- :data:`ID` ids compare as bytes: collation "C" in PostgreSQL, SQLite's
  default BINARY collation.
- JSON for serialised values (JSONB in PostgreSQL; a document's data, written
  once and read back whole, is ``json`` there: its text kept as written).

The schema is created by the Alembic migrations only (``migrations/``); a
test checks the migrated schema matches these definitions.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

PREFIX = "billkit_"
VERSION_TABLE = "billkit_alembic_version"


class Exact(sa.types.TypeDecorator[Decimal]):
    """An exact decimal: NUMERIC in PostgreSQL, text in SQLite."""

    impl = sa.types.String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.types.String(64))
        return dialect.type_descriptor(sa.types.Numeric(asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal) or not value.is_finite():
            raise TypeError(f"an exact amount must be a finite Decimal, not {value!r}")
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(str(value))


class Moment(sa.types.TypeDecorator[datetime]):
    """A timezone-aware moment, returned in UTC."""

    impl = sa.types.DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.types.String(32))
        return dialect.type_descriptor(sa.types.DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.utcoffset() is None:
            raise TypeError(f"a moment must be a timezone-aware datetime, not {value!r}")
        utc = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return utc.isoformat(timespec="microseconds")  # fixed width: text order = time order
        return utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            return datetime.fromisoformat(value).astimezone(timezone.utc)
        assert isinstance(value, datetime)
        return value.astimezone(timezone.utc)


def _id() -> sa.types.TypeEngine[str]:
    return sa.String(200).with_variant(sa.String(200, collation="C"), "postgresql")


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _json_text() -> sa.types.TypeEngine[Any]:
    # A document's data: written once as its canonical JSON and read back whole,
    # never queried inside: PostgreSQL's ``json`` keeps that text as written
    # (``jsonb`` would parse it into its binary form on every insert and print
    # it back on every read; revision 0003).
    return sa.JSON().with_variant(postgresql.JSON(), "postgresql")


def _serial() -> sa.types.TypeEngine[int]:
    # SQLite gives rowids (autoincrement) to INTEGER PRIMARY KEY only.
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

payers = sa.Table(
    f"{PREFIX}payers",
    metadata,
    sa.Column("id", _id(), primary_key=True),
    sa.Column("data", _json(), nullable=False),
    # Raised by every save (revision 0002; a payer stored before it starts at 1).
    sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")),
)

plans = sa.Table(
    f"{PREFIX}plans",
    metadata,
    sa.Column("code", _id(), primary_key=True),
    sa.Column("data", _json(), nullable=False),
)

subscriptions = sa.Table(
    f"{PREFIX}subscriptions",
    metadata,
    sa.Column("id", _id(), primary_key=True),
    sa.Column("customer", _id(), sa.ForeignKey(payers.c.id), nullable=False),
    sa.Column("plan", _id(), nullable=False),
    sa.Column("status", _id(), nullable=False),
    sa.Column("next_billing", sa.Date(), nullable=True),
    sa.Column("data", _json(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Index(None, "next_billing", "id"),
    sa.Index(None, "customer"),
)

usage_events = sa.Table(
    f"{PREFIX}usage_events",
    metadata,
    sa.Column("seq", _serial(), primary_key=True, autoincrement=True),
    sa.Column("key", _id(), nullable=False, unique=True),
    sa.Column("subscription", _id(), sa.ForeignKey(subscriptions.c.id), nullable=False),
    sa.Column("metric", _id(), nullable=False),
    sa.Column("at", Moment(), nullable=False),
    sa.Column("quantity", Exact(), nullable=False),
    sa.Column("data", _json(), nullable=False),
    sa.Index(None, "subscription", "at"),
)

accounts = sa.Table(
    f"{PREFIX}accounts",
    metadata,
    sa.Column("id", _id(), primary_key=True),
    sa.Column("customer", _id(), sa.ForeignKey(payers.c.id), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("credit_limit", Exact(), nullable=False),
    sa.Column("balance", Exact(), nullable=False),
)

entries = sa.Table(
    f"{PREFIX}entries",
    metadata,
    sa.Column("seq", _serial(), primary_key=True, autoincrement=True),
    sa.Column("account", _id(), sa.ForeignKey(accounts.c.id), nullable=False),
    sa.Column("key", _id(), nullable=False),
    sa.Column("amount", Exact(), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("at", Moment(), nullable=False),
    sa.Column("kind", _id(), nullable=False),
    sa.Column("data", _json(), nullable=False),
    sa.UniqueConstraint("account", "key"),
    sa.Index(None, "account", "at"),
)

series = sa.Table(
    f"{PREFIX}series",
    metadata,
    sa.Column("name", _id(), primary_key=True),
    sa.Column("prefix", sa.String(200), nullable=False),
    sa.Column("next", sa.BigInteger(), nullable=False),
    sa.Column("width", sa.Integer(), nullable=False),
)

documents = sa.Table(
    f"{PREFIX}documents",
    metadata,
    sa.Column("id", _id(), primary_key=True),
    sa.Column("customer", _id(), sa.ForeignKey(payers.c.id), nullable=False),
    sa.Column("kind", _id(), nullable=False),
    sa.Column("period_start", sa.Date(), nullable=True),
    sa.Column("period_end", sa.Date(), nullable=True),
    sa.Column("total", Exact(), nullable=True),
    sa.Column("currency", sa.String(3), nullable=True),
    sa.Column("data", _json_text(), nullable=False),
    sa.Column("status", _id(), nullable=False),
    sa.Column("number", _id(), nullable=True, unique=True),
    sa.Column("series", _id(), sa.ForeignKey(series.c.name), nullable=True),
    sa.Column("issued_at", Moment(), nullable=True),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Index(None, "customer", "period_start"),
    sa.Index(None, "period_start"),
)

document_events = sa.Table(
    f"{PREFIX}document_events",
    metadata,
    sa.Column("seq", _serial(), primary_key=True, autoincrement=True),
    sa.Column("document", _id(), sa.ForeignKey(documents.c.id), nullable=False),
    sa.Column("event", _id(), nullable=False),
    sa.Column("status", _id(), nullable=False),
    sa.Column("at", Moment(), nullable=False),
    sa.Column("data", _json(), nullable=False),
    sa.Index(None, "document"),
)

idempotency = sa.Table(
    f"{PREFIX}idempotency",
    metadata,
    sa.Column("key", _id(), primary_key=True),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("result", _json(), nullable=False),
    sa.Column("at", Moment(), nullable=False),
)

outbox = sa.Table(
    f"{PREFIX}outbox",
    metadata,
    sa.Column("id", _serial(), primary_key=True, autoincrement=True),
    sa.Column("key", _id(), nullable=False, unique=True),
    sa.Column("topic", _id(), nullable=False),
    sa.Column("payload", _json(), nullable=False),
    sa.Column("created_at", Moment(), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("claimed_by", _id(), nullable=True),
    sa.Column("lease_until", Moment(), nullable=True),
    sa.Column("acknowledged_at", Moment(), nullable=True),
    sa.Index(None, "acknowledged_at", "id"),
)
