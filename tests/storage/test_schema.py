"""The storage schema: made by the migrations only, equal to the table definitions;
`billkit db`; missing extras; SQLite's settings; the store reopened."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from moneyed import Money

from billkit.cli import main
from billkit.errors import MissingDependencyError, SchemaError, ValidationError
from billkit.storage import (
    HEAD,
    AccountRecord,
    DocumentRecord,
    EntryRecord,
    PayerRecord,
    SqlStore,
    current_revision,
    upgrade,
)
from billkit.storage._schema import VERSION_TABLE, metadata
from billkit.storage.migrate import _config
from tests.storage.support import _postgres_schema, sqlite_url  # noqa: F401 (fixture)


def schema_differences(engine: sa.Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "version_table": VERSION_TABLE}
        )
        return list(compare_metadata(context, metadata))


def test_head_is_the_newest_migration(tmp_path: Path) -> None:
    engine = sa.create_engine(sqlite_url(tmp_path))
    with engine.connect() as conn:
        script = ScriptDirectory.from_config(_config(conn))
        assert script.get_heads() == [HEAD]
    engine.dispose()


def test_the_migrated_sqlite_schema_is_the_table_definitions(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    assert current_revision(url) is None
    assert upgrade(url) == HEAD
    engine = sa.create_engine(url)
    assert schema_differences(engine) == []
    engine.dispose()


@pytest.mark.postgres
def test_the_migrated_postgres_schema_is_the_table_definitions(postgres_schema: object) -> None:
    engine = sa.create_engine(
        postgres_schema.url,  # type: ignore[attr-defined]
        connect_args={"options": f"-c search_path={postgres_schema.name}"},  # type: ignore[attr-defined]
    )
    assert schema_differences(engine) == []
    with engine.connect() as conn:
        types = dict(
            conn.exec_driver_sql(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = 'billkit_entries'"
            ).all()
        )
    engine.dispose()
    # money exact, moments with their zone, serialised values as JSONB
    assert types["amount"] == "numeric"
    assert types["at"] == "timestamp with time zone"
    assert types["data"] == "jsonb"
    # but a document's data as JSON, its text kept as written (revision 0003)
    assert _column_type(postgres_schema.url, postgres_schema.name, "billkit_documents") == "json"  # type: ignore[attr-defined]


def _column_type(url: str, schema: str, table: str, column: str = "data") -> str:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        found = conn.exec_driver_sql(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s AND column_name = %s",
            (schema, table, column),
        ).scalar_one()
    engine.dispose()
    return str(found)


@pytest.mark.postgres
def test_documents_stored_before_revision_0003_keep_their_data() -> None:
    # A PostgreSQL schema at revision 0002 (documents' data as jsonb) holding a
    # document, upgraded: the column becomes json, the document reads back the
    # same, and a document written afterwards keeps its text as written (jsonb
    # would have put "b" before "aa": shorter keys first).
    from tests.storage.support import postgres_url

    url = postgres_url()
    schema = f"bk_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        assert upgrade(url, schema=schema, revision="0002") == "0002"
        assert _column_type(url, schema, "billkit_documents") == "jsonb"
        with admin.begin() as conn:
            conn.exec_driver_sql(
                f"INSERT INTO {schema}.billkit_payers (id, data) VALUES ('acme', '{{}}')"
            )
            conn.exec_driver_sql(
                f"INSERT INTO {schema}.billkit_documents (id, customer, kind, data, status, version)"
                " VALUES ('d1', 'acme', 'invoice', '{\"lines\": [1, 2], \"total\": \"9.50\"}',"
                " 'draft', 1)"
            )
        assert upgrade(url, schema=schema) == HEAD
        assert _column_type(url, schema, "billkit_documents") == "json"
        store = SqlStore(url, schema=schema)
        with store.transaction() as tx:
            assert tx.document("d1").data == {"lines": [1, 2], "total": "9.50"}
            tx.save_draft(
                DocumentRecord(id="d2", customer="acme", kind="invoice", data={"aa": 1, "b": 2})
            )
        with store.transaction(readonly=True) as tx:
            assert list(tx.document("d2").data) == ["aa", "b"]
        store.close()
        with admin.connect() as conn:
            text = conn.exec_driver_sql(
                f"SELECT data::text FROM {schema}.billkit_documents WHERE id = 'd2'"
            ).scalar_one()
        assert text.index('"aa"') < text.index('"b"')  # as written: jsonb prints "b" first
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def test_sqlite_keeps_amounts_as_text_and_runs_in_wal_mode(tmp_path: Path) -> None:
    store = SqlStore(sqlite_url(tmp_path), upgrade=True)
    at = datetime(2026, 3, 1, tzinfo=timezone.utc)
    with store.transaction() as tx:
        tx.save_payer(PayerRecord(id="p"))
        tx.open_account(
            AccountRecord(
                id="a", customer="p", credit_limit=Money("0", "IRR"), balance=Money("0", "IRR")
            )
        )
        tx.post(
            EntryRecord(account="a", key="k", amount=Money("0.10", "IRR"), at=at, kind="top_up")
        )
    store.close()
    engine = sa.create_engine(sqlite_url(tmp_path))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        row = conn.exec_driver_sql("SELECT amount, typeof(amount), at FROM billkit_entries").one()
        columns = {r[1]: r[2] for r in conn.exec_driver_sql("PRAGMA table_info(billkit_entries)")}
    engine.dispose()
    assert tuple(row) == ("0.10", "text", "2026-03-01T00:00:00.000000+00:00")
    assert "REAL" not in columns.values()


def test_an_unmigrated_database_is_refused_with_the_command_to_run(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    with pytest.raises(SchemaError, match=r"no billkit schema.*billkit db upgrade"):
        SqlStore(url)


@pytest.mark.parametrize(
    "url",
    ["", "sqlite://", "sqlite:///:memory:", "mysql://x/y", "not a url", "postgresql+asyncpg://h/d"],
)
def test_urls_are_checked(url: str) -> None:
    with pytest.raises(ValidationError, match="url"):
        SqlStore(url)


def test_schemas_are_for_postgres_only(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="schema"):
        SqlStore(sqlite_url(tmp_path), schema="billing")


def test_billkit_db_upgrade_and_current(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = sqlite_url(tmp_path)
    assert main(["db", "current", url]) == 1
    assert "no billkit schema" in capsys.readouterr().out
    assert main(["db", "upgrade", url]) == 0
    assert f"upgraded from an empty database to revision {HEAD}" in capsys.readouterr().out
    assert main(["db", "upgrade", url]) == 0
    assert "already at revision" in capsys.readouterr().out
    assert main(["db", "current", url]) == 0
    assert f"revision {HEAD} (up to date)" in capsys.readouterr().out
    assert main(["db", "current", "mysql://x/y"]) == 2
    assert "url" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("blocked", "extra", "code"),
    [
        ("sqlalchemy", "sql", "from billkit.storage import SqlStore"),
        (
            "psycopg",
            "postgres",
            "from billkit.storage import SqlStore; SqlStore('postgresql://x@127.0.0.1:1/y')",
        ),
    ],
)
def test_a_missing_extra_names_what_to_install(blocked: str, extra: str, code: str) -> None:
    # a meta-path finder that pretends the package is not installed
    script = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name == {blocked!r} or name.startswith({blocked!r} + '.'):\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from billkit.errors import MissingDependencyError\n"
        "try:\n"
        f"    {code}\n"
        "except MissingDependencyError as error:\n"
        "    print(error)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert f"pip install 'py-billkit[{extra}]'" in done.stdout
    assert issubclass(MissingDependencyError, ImportError)


def _writable(path: Path) -> bool:
    """Whether another connection can take SQLite's write lock right now
    (``BEGIN IMMEDIATE`` with no busy wait fails with "database is locked"
    while a writer holds it, per SQLite's documentation of BEGIN IMMEDIATE)."""
    import sqlite3

    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        if "locked" not in str(error):
            raise
        return False
    else:
        other.execute("ROLLBACK")
        return True
    finally:
        other.close()


def test_sqlite_takes_the_write_lock_at_the_first_statement_or_for_a_scope(
    tmp_path: Path,
) -> None:
    url = sqlite_url(tmp_path)
    path = Path(sa.make_url(url).database or "")
    store = SqlStore(url, upgrade=True)
    at = datetime(2026, 3, 1, tzinfo=timezone.utc)
    with store.transaction() as tx:
        tx.save_payer(PayerRecord(id="p"))
        tx.open_account(
            AccountRecord(
                id="a", customer="p", credit_limit=Money("0", "IRR"), balance=Money("0", "IRR")
            )
        )
    # No scope: nothing is locked until the unit of work's first statement,
    # then the write lock is held until the block ends.
    with store.transaction() as tx:
        assert _writable(path)
        tx.post_all(
            [EntryRecord(account="a", key="k1", amount=Money("5", "IRR"), at=at, kind="top_up")]
        )
        assert not _writable(path)
    assert _writable(path)
    # A lock scope is held from the start of the transaction (ports.Store).
    with store.transaction(lock="account:a") as tx:
        assert not _writable(path)
        tx.post_all(
            [EntryRecord(account="a", key="k2", amount=Money("2", "IRR"), at=at, kind="top_up")]
        )
    assert _writable(path)

    # A unit of work that raises after its first statement leaves nothing.
    def post_then_fail() -> None:
        with store.transaction() as tx:
            tx.post_all(
                [EntryRecord(account="a", key="k3", amount=Money("9", "IRR"), at=at, kind="top_up")]
            )
            _ = 1 / 0

    with pytest.raises(ZeroDivisionError):
        post_then_fail()
    assert _writable(path)
    with store.transaction(readonly=True) as tx:
        # 5 + 2 (k3 rolled back)
        assert tx.balance("a") == Money("7", "IRR")
        assert [e.key for e in tx.entries("a")] == ["k1", "k2"]
        assert _writable(path)  # a reader does not take the write lock
    store.close()


def test_payers_stored_before_revision_0002_start_at_version_1(tmp_path: Path) -> None:
    # A database at the first revision with a payer, upgraded: the payer keeps
    # its data and gets version 1; its next save makes it 2.
    url = sqlite_url(tmp_path)
    assert upgrade(url, revision="0001") == "0001"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO billkit_payers (id, data) VALUES ('acme', '{\"name\": \"Acme\"}')"
        )
    engine.dispose()
    assert upgrade(url) == HEAD
    store = SqlStore(url)
    with store.transaction() as tx:
        assert tx.payer("acme").data == {"name": "Acme"}
        assert tx.payer_versions(["acme"]) == {"acme": 1}
        tx.save_payer(PayerRecord(id="acme", data={"name": "Acme S.p.A."}))
        assert tx.payer_versions(["acme"]) == {"acme": 2}
    store.close()
