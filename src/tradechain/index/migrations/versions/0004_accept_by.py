"""Orders waiting for the seller's acceptance: their acceptance deadline (0 for orders that bind at once).

Revision ID: 0004_accept_by
Revises: 0003_h12
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_accept_by"
down_revision = "0003_h12"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("accept_by", sa.BigInteger, nullable=False, server_default="0"))
    # the rows of an older index never saw AcceptanceRequested: re-read the logs they come from on the next pass
    op.execute("DELETE FROM logs")
    op.execute("DELETE FROM anchors")
    op.execute("DELETE FROM entries")
    op.execute("DELETE FROM invoices")
    op.execute("DELETE FROM orders")
    op.execute("DELETE FROM blocks")
    op.execute("UPDATE meta SET value = '' WHERE key = 'cursor_hash'")
    op.execute("DELETE FROM meta WHERE key = 'cursor'")


def downgrade() -> None:
    op.drop_column("orders", "accept_by")
