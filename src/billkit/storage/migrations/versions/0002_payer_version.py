"""billkit storage schema: a version per payer, raised by every save

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05 11:00:00

The engine's collect step re-takes a payment decision under the customer's
lock on the payer it read before, outside it, and reads only the payers'
versions there (``Transaction.payer_versions``): a payer stored before this
revision starts at version 1.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("billkit_payers") as batch:
        batch.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )


def downgrade() -> None:
    with op.batch_alter_table("billkit_payers") as batch:
        batch.drop_column("version")
