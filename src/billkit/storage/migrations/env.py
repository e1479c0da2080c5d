"""Alembic environment of billkit's storage schema: runs on the caller's connection."""

from __future__ import annotations

from alembic import context

from billkit.storage._schema import VERSION_TABLE, metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - billkit always passes its connection
    raise RuntimeError("billkit migrations run through billkit.storage.upgrade or `billkit db`")

context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
