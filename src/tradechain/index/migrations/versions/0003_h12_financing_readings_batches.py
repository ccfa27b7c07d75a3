"""Typed financing events, sensor readings, limit breaches and product batches (issue 12).

Revision ID: 0003_h12
Revises: 0002

A frozen copy of these tables as they were at this revision (alembic's rule: a migration does not follow later
changes of schema.py). The logs an older index holds are re-read on the next pass, which fills the new tables.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_h12"
down_revision = "0002"
branch_labels = None
depends_on = None

NEW = ("financing", "readings", "breaches", "batches")


def _from_log(*extra):
    return [sa.Column("block_hash", sa.String(66), primary_key=True),
            sa.Column("log_index", sa.Integer, primary_key=True, autoincrement=False), *extra]


def _where():
    return [sa.Column("block_number", sa.BigInteger, nullable=False), sa.Column("tx_hash", sa.String(66), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "financing", *_from_log(),
        sa.Column("invoice_id", sa.BigInteger, nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        *(sa.Column(name, sa.String(42)) for name in ("holder", "financier")),
        sa.Column("amount", sa.String(80)), sa.Column("bps", sa.Integer), sa.Column("fee", sa.String(80)),
        sa.Column("expires_at", sa.BigInteger), *_where())
    op.create_index("financing_by_invoice", "financing", ["invoice_id", "block_number"])
    op.create_index("financing_by_financier", "financing", ["financier"])
    op.create_table(
        "readings", *_from_log(sa.Column("position", sa.Integer, primary_key=True, autoincrement=False)),
        sa.Column("item", sa.String(80), nullable=False), sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("sensor", sa.String(16), nullable=False), sa.Column("at", sa.BigInteger, nullable=False),
        sa.Column("value", sa.Integer, nullable=False), sa.Column("breach", sa.Boolean, nullable=False), *_where())
    op.create_index("readings_by_item", "readings", ["item", "seq"])
    op.create_table(
        "breaches", *_from_log(),
        sa.Column("item", sa.String(80), nullable=False), sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("sensor", sa.String(16), nullable=False), sa.Column("at", sa.BigInteger, nullable=False),
        sa.Column("value", sa.BigInteger, nullable=False), sa.Column("min", sa.BigInteger),
        sa.Column("max", sa.BigInteger, nullable=False), *_where())
    op.create_index("breaches_by_item", "breaches", ["item", "seq"])
    op.create_table(
        "batches", sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("producer", sa.String(42), nullable=False), sa.Column("sku", sa.String(66), nullable=False),
        sa.Column("origin", sa.String(6), nullable=False), sa.Column("quantity", sa.BigInteger, nullable=False),
        sa.Column("certificates", sa.Text, nullable=False), sa.Column("registered_at", sa.BigInteger, nullable=False),
        *_where())
    op.create_index("batches_by_producer", "batches", ["producer"])
    for table in NEW:
        op.create_index(f"{table}_by_block", table, ["block_number"])
    # the logs an older index holds carry these rows too: re-read everything on the next pass
    for table in ("logs", "anchors", "entries", "invoices", "orders", "blocks"):
        op.execute(f"DELETE FROM {table}")
    op.execute("UPDATE meta SET value = '' WHERE key = 'cursor_hash'")
    op.execute("DELETE FROM meta WHERE key = 'cursor'")


def downgrade() -> None:
    for table in NEW:
        op.drop_table(table)
