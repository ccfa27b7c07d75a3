"""Typed provenance entries and invoice holders.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "entries",
        sa.Column("item", sa.String(80), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("actor", sa.String(42), nullable=False),
        sa.Column("location", sa.String(18), nullable=False),
        sa.Column("evidence_hash", sa.String(66), nullable=False),
        sa.Column("head", sa.String(66), nullable=False),
        sa.Column("block_number", sa.BigInteger, nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=False),
    )
    op.create_index("entries_by_block", "entries", ["block_number"])
    op.create_index("entries_by_actor", "entries", ["actor"])
    op.create_table(
        "invoices",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("holder", sa.String(42), nullable=False),
        sa.Column("minted_block", sa.BigInteger, nullable=False),
        sa.Column("updated_block", sa.BigInteger, nullable=False),
    )
    op.create_index("invoices_by_holder", "invoices", ["holder"])
    # an index made by 0001 holds the logs these tables come from: re-read them on the next pass
    op.execute("DELETE FROM logs")
    op.execute("DELETE FROM anchors")
    op.execute("DELETE FROM orders")
    op.execute("DELETE FROM blocks")
    op.execute("UPDATE meta SET value = '' WHERE key = 'cursor_hash'")
    op.execute("DELETE FROM meta WHERE key = 'cursor'")


def downgrade() -> None:
    op.drop_table("invoices")
    op.drop_table("entries")
