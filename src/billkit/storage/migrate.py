"""The SqlStore schema's Alembic migrations, run from Python or ``billkit db``.

>>> import tempfile, pathlib
>>> from billkit.storage import HEAD, current_revision, upgrade
>>> url = f"sqlite:///{pathlib.Path(tempfile.mkdtemp()) / 'billing.db'}"
>>> current_revision(url) is None   # a new file: no billkit schema yet
True
>>> upgrade(url) == HEAD == current_revision(url)
True
"""

from __future__ import annotations

from typing import Any

from billkit.errors import MissingDependencyError, SchemaError

try:
    import sqlalchemy as sa
    from sqlalchemy.engine import Connection, Engine
except ImportError:  # pragma: no cover - exercised in a subprocess test
    raise MissingDependencyError("SQLAlchemy", "the storage migrations", "sql") from None

from billkit.storage._schema import VERSION_TABLE

__all__ = ["HEAD", "current_revision", "upgrade"]

#: The newest schema revision this billkit ships (a test checks it is Alembic's head).
HEAD = "0003"


def _config(connection: Connection) -> Any:
    try:
        from alembic.config import Config
    except ImportError:  # pragma: no cover
        raise MissingDependencyError("alembic", "the storage migrations", "sql") from None
    config = Config()
    config.set_main_option("script_location", "billkit.storage:migrations")
    config.attributes["connection"] = connection
    return config


def revision_of(connection: Connection) -> str | None:
    """The billkit schema revision stored in the database, or ``None`` (private)."""
    if not sa.inspect(connection).has_table(VERSION_TABLE):
        return None
    rows = connection.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").scalars().all()
    if len(rows) > 1:
        raise SchemaError(f"{VERSION_TABLE} holds several revisions: {rows}")
    return str(rows[0]) if rows else None


def upgrade_engine(engine: Engine, revision: str = "head") -> str | None:
    """Run the migrations up to ``revision`` on an engine (private)."""
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(_config(connection), revision)
    with engine.connect() as connection:
        return revision_of(connection)


def upgrade(url: str, *, schema: str | None = None, revision: str = "head") -> str | None:
    """Bring the database at ``url`` up to ``revision`` (the newest by default).

    Returns the revision the database is then at. ``schema``: a PostgreSQL
    schema to keep the tables in. Safe to run again: a current database is
    left as it is.
    """
    from billkit.storage.sql import make_engine

    engine = make_engine(url, schema=schema)
    try:
        return upgrade_engine(engine, revision)
    finally:
        engine.dispose()


def current_revision(url: str, *, schema: str | None = None) -> str | None:
    """The schema revision of the database at ``url``; ``None`` if it has no billkit schema."""
    from billkit.storage.sql import make_engine

    engine = make_engine(url, schema=schema)
    try:
        with engine.connect() as connection:
            return revision_of(connection)
    finally:
        engine.dispose()
