"""billkit storage schema: a document's data kept as its JSON text on PostgreSQL

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 15:30:00

A document's data is written once, as its canonical JSON, and read back whole;
nothing queries inside it. PostgreSQL's ``jsonb`` parsed that text into its
binary form on every insert (the largest part of a month end's server time)
and printed it back on every read; ``json`` keeps the text as written. The
column is rewritten once, under an exclusive lock on the table: stop the
workers before upgrading. SQLite keeps JSON as text already: nothing changes
there.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "billkit_documents",
            "data",
            type_=postgresql.JSON(),
            existing_type=postgresql.JSONB(astext_type=None),
            existing_nullable=False,
            postgresql_using="data::json",
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "billkit_documents",
            "data",
            type_=postgresql.JSONB(astext_type=None),
            existing_type=postgresql.JSON(),
            existing_nullable=False,
            postgresql_using="data::jsonb",
        )
