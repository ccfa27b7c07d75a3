"""The first index schema: meta, blocks, raw logs, orders, anchors.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("meta", sa.Column("key", sa.String(64), primary_key=True),
                    sa.Column("value", sa.Text, nullable=False))
    op.create_table("blocks", sa.Column("number", sa.BigInteger, primary_key=True, autoincrement=False),
                    sa.Column("hash", sa.String(66), nullable=False),
                    sa.Column("parent_hash", sa.String(66), nullable=False),
                    sa.Column("timestamp", sa.BigInteger, nullable=False))
    op.create_table(
        "logs",
        sa.Column("block_hash", sa.String(66), primary_key=True),
        sa.Column("log_index", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("block_number", sa.BigInteger, nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.Column("tx_index", sa.Integer, nullable=False),
        sa.Column("address", sa.String(42), nullable=False),
        *(sa.Column(f"topic{i}", sa.String(66)) for i in range(4)),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_index("logs_by_topic1", "logs", ["address", "topic1", "block_number"])
    op.create_index("logs_by_topic2", "logs", ["address", "topic2"])
    op.create_index("logs_by_topic3", "logs", ["address", "topic3"])
    op.create_index("logs_by_block", "logs", ["block_number", "log_index"])
    op.create_index("logs_by_tx", "logs", ["tx_hash"])
    op.create_table(
        "orders",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        *(sa.Column(name, sa.String(42), nullable=False) for name in ("buyer", "seller", "token")),
        sa.Column("amount", sa.String(80), nullable=False),
        sa.Column("fee_bps", sa.Integer, nullable=False),
        *(sa.Column(name, sa.BigInteger, nullable=False) for name in ("ship_by", "deliver_by", "inspection_window")),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("carrier", sa.String(42)),
        sa.Column("delivered_at", sa.BigInteger, nullable=False),
        sa.Column("placed_block", sa.BigInteger, nullable=False),
        sa.Column("updated_block", sa.BigInteger, nullable=False),
    )
    op.create_index("orders_by_state", "orders", ["state", "id"])
    op.create_index("orders_by_seller", "orders", ["seller", "id"])
    op.create_index("orders_by_buyer", "orders", ["buyer", "id"])
    op.create_table(
        "anchors",
        sa.Column("block_hash", sa.String(66), primary_key=True),
        sa.Column("log_index", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("doc_hash", sa.String(66), nullable=False),
        sa.Column("item", sa.String(80), nullable=False),
        sa.Column("role", sa.String(80), nullable=False),
        sa.Column("actor", sa.String(42)),
        sa.Column("block_number", sa.BigInteger, nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=False),
    )
    op.create_index("anchors_by_hash", "anchors", ["doc_hash"])
    op.create_index("anchors_by_block", "anchors", ["block_number"])


def downgrade() -> None:
    for table in ("anchors", "orders", "logs", "blocks", "meta"):
        op.drop_table(table)
