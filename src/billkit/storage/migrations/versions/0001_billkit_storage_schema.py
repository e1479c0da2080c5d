"""billkit storage schema: every table of SqlStore (the first revision)

Revision ID: 0001
Revises: (none)
Create Date: 2026-12-04 17:37:55.272467
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# The column types are billkit's own (exact decimals, UTC moments): stable names.
from billkit.storage._schema import Exact, Moment

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "billkit_idempotency",
        sa.Column(
            "key",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("at", Moment(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_billkit_idempotency")),
    )
    op.create_table(
        "billkit_outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "key",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "topic",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", Moment(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "claimed_by",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column("lease_until", Moment(), nullable=True),
        sa.Column("acknowledged_at", Moment(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billkit_outbox")),
        sa.UniqueConstraint("key", name=op.f("uq_billkit_outbox_key")),
    )
    op.create_index(
        op.f("ix_billkit_outbox_acknowledged_at_id"),
        "billkit_outbox",
        ["acknowledged_at", "id"],
        unique=False,
    )
    op.create_table(
        "billkit_payers",
        sa.Column(
            "id",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billkit_payers")),
    )
    op.create_table(
        "billkit_plans",
        sa.Column(
            "code",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_billkit_plans")),
    )
    op.create_table(
        "billkit_series",
        sa.Column(
            "name",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("prefix", sa.String(length=200), nullable=False),
        sa.Column("next", sa.BigInteger(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_billkit_series")),
    )
    op.create_table(
        "billkit_accounts",
        sa.Column(
            "id",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "customer",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("credit_limit", Exact(), nullable=False),
        sa.Column("balance", Exact(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer"], ["billkit_payers.id"], name=op.f("fk_billkit_accounts_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billkit_accounts")),
    )
    op.create_table(
        "billkit_documents",
        sa.Column(
            "id",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "customer",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "kind",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("total", Exact(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "number",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "series",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column("issued_at", Moment(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer"], ["billkit_payers.id"], name=op.f("fk_billkit_documents_customer")
        ),
        sa.ForeignKeyConstraint(
            ["series"], ["billkit_series.name"], name=op.f("fk_billkit_documents_series")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billkit_documents")),
        sa.UniqueConstraint("number", name=op.f("uq_billkit_documents_number")),
    )
    op.create_index(
        op.f("ix_billkit_documents_customer_period_start"),
        "billkit_documents",
        ["customer", "period_start"],
        unique=False,
    )
    op.create_index(
        op.f("ix_billkit_documents_period_start"),
        "billkit_documents",
        ["period_start"],
        unique=False,
    )
    op.create_table(
        "billkit_subscriptions",
        sa.Column(
            "id",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "customer",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "plan",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("next_billing", sa.Date(), nullable=True),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer"], ["billkit_payers.id"], name=op.f("fk_billkit_subscriptions_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billkit_subscriptions")),
    )
    op.create_index(
        op.f("ix_billkit_subscriptions_customer"),
        "billkit_subscriptions",
        ["customer"],
        unique=False,
    )
    op.create_index(
        op.f("ix_billkit_subscriptions_next_billing_id"),
        "billkit_subscriptions",
        ["next_billing", "id"],
        unique=False,
    )
    op.create_table(
        "billkit_document_events",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "document",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "event",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("at", Moment(), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["document"], ["billkit_documents.id"], name=op.f("fk_billkit_document_events_document")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_billkit_document_events")),
    )
    op.create_index(
        op.f("ix_billkit_document_events_document"),
        "billkit_document_events",
        ["document"],
        unique=False,
    )
    op.create_table(
        "billkit_entries",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "account",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "key",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("amount", Exact(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("at", Moment(), nullable=False),
        sa.Column(
            "kind",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["account"], ["billkit_accounts.id"], name=op.f("fk_billkit_entries_account")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_billkit_entries")),
        sa.UniqueConstraint("account", "key", name=op.f("uq_billkit_entries_account_key")),
    )
    op.create_index(
        op.f("ix_billkit_entries_account_at"), "billkit_entries", ["account", "at"], unique=False
    )
    op.create_table(
        "billkit_usage_events",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "key",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "subscription",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "metric",
            sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("at", Moment(), nullable=False),
        sa.Column("quantity", Exact(), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["subscription"],
            ["billkit_subscriptions.id"],
            name=op.f("fk_billkit_usage_events_subscription"),
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_billkit_usage_events")),
        sa.UniqueConstraint("key", name=op.f("uq_billkit_usage_events_key")),
    )
    op.create_index(
        op.f("ix_billkit_usage_events_subscription_at"),
        "billkit_usage_events",
        ["subscription", "at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_billkit_usage_events_subscription_at"), table_name="billkit_usage_events"
    )
    op.drop_table("billkit_usage_events")
    op.drop_index(op.f("ix_billkit_entries_account_at"), table_name="billkit_entries")
    op.drop_table("billkit_entries")
    op.drop_index(op.f("ix_billkit_document_events_document"), table_name="billkit_document_events")
    op.drop_table("billkit_document_events")
    op.drop_index(
        op.f("ix_billkit_subscriptions_next_billing_id"), table_name="billkit_subscriptions"
    )
    op.drop_index(op.f("ix_billkit_subscriptions_customer"), table_name="billkit_subscriptions")
    op.drop_table("billkit_subscriptions")
    op.drop_index(op.f("ix_billkit_documents_period_start"), table_name="billkit_documents")
    op.drop_index(
        op.f("ix_billkit_documents_customer_period_start"), table_name="billkit_documents"
    )
    op.drop_table("billkit_documents")
    op.drop_table("billkit_accounts")
    op.drop_table("billkit_series")
    op.drop_table("billkit_plans")
    op.drop_table("billkit_payers")
    op.drop_index(op.f("ix_billkit_outbox_acknowledged_at_id"), table_name="billkit_outbox")
    op.drop_table("billkit_outbox")
    op.drop_table("billkit_idempotency")
