"""Stores for the storage tests: in memory, SQLite files and PostgreSQL schemas.

PostgreSQL tests read ``BILLKIT_TEST_POSTGRES_URL`` (for example
``postgresql+psycopg://postgres@127.0.0.1:5432/test``). Without it they skip,
saying how to enable them; under ``CI=true`` they fail instead, and so they do
when the server cannot be reached. Each test module gets its own schema,
dropped afterwards; each test starts from empty tables.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

POSTGRES_ENV = "BILLKIT_TEST_POSTGRES_URL"
HOW_TO = (
    f"PostgreSQL tests: set {POSTGRES_ENV}=postgresql+psycopg://postgres@127.0.0.1:5432/test "
    "(any database you may create schemas in) to run them"
)
TABLES = (
    "billkit_document_events",
    "billkit_documents",
    "billkit_series",
    "billkit_entries",
    "billkit_accounts",
    "billkit_usage_events",
    "billkit_subscriptions",
    "billkit_plans",
    "billkit_payers",
    "billkit_idempotency",
    "billkit_outbox",
)


def postgres_url() -> str:
    """The test server's URL, after checking it answers; skips (or fails under CI) if not."""
    url = os.environ.get(POSTGRES_ENV, "")
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {POSTGRES_ENV} is not: the PostgreSQL tests must run")
        pytest.skip(HOW_TO)
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        engine.dispose()
    except Exception as error:  # the server is down or the URL is wrong
        message = f"PostgreSQL at {url} is unreachable ({error.__class__.__name__}: {error})"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(f"{message}. {HOW_TO}")
    return url


class PostgresSchema:
    """A fresh schema, migrated, dropped by :meth:`drop`."""

    def __init__(self, url: str) -> None:
        import sqlalchemy as sa

        from billkit.storage import upgrade

        self.url = url
        self.name = f"bk_test_{uuid.uuid4().hex[:12]}"
        self._admin = sa.create_engine(url)
        with self._admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {self.name}")
        upgrade(url, schema=self.name)

    def empty(self) -> None:
        with self._admin.begin() as conn:
            tables = ", ".join(f"{self.name}.{t}" for t in TABLES)
            conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")

    def drop(self) -> None:
        with self._admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {self.name} CASCADE")
        self._admin.dispose()


@pytest.fixture(scope="module", name="postgres_schema")
def _postgres_schema() -> Iterator[PostgresSchema]:
    schema = PostgresSchema(postgres_url())
    try:
        yield schema
    finally:
        schema.drop()


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'billing.db'}"


_MIGRATED: list[Path] = []


def migrated_sqlite(directory: Path) -> str:
    """A migrated SQLite file in ``directory`` (a copy of one migrated once); its URL."""
    if not _MIGRATED:
        from billkit.storage import upgrade

        template = Path(tempfile.mkdtemp(prefix="billkit-migrated-"))
        atexit.register(shutil.rmtree, template, ignore_errors=True)
        upgrade(sqlite_url(template))
        _MIGRATED.append(template / "billing.db")
    shutil.copy(_MIGRATED[0], directory / "billing.db")
    return sqlite_url(directory)


STORE_KINDS = [
    pytest.param("memory", id="memory"),
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=STORE_KINDS, name="store")
def _store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    """Each Store implementation in turn, empty."""
    from billkit.storage import MemoryStore, SqlStore

    kind = request.param
    made: object
    if kind == "memory":
        made = MemoryStore()
    elif kind == "sqlite":
        made = SqlStore(migrated_sqlite(tmp_path))
    else:
        schema: PostgresSchema = request.getfixturevalue("postgres_schema")
        schema.empty()
        made = SqlStore(schema.url, schema=schema.name)
    try:
        yield made
    finally:
        made.close()  # type: ignore[attr-defined]
