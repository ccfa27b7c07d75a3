"""The index's tables (SQLAlchemy Core): one schema for SQLite and PostgreSQL.

Raw logs are kept exactly as the node gave them, keyed by (block hash, log index), so any read the node would
answer with eth_getLogs can be answered from here. The typed tables are derived from those logs by the
indexer (index.derive) and hold what pages and lists query by: orders and their state, anchored documents.
Every row carries the block it came from, so a reorg rolls it back by block number.

Big integers (amounts, batch ids above 2**64) are stored as decimal text: both databases compare them as
exact values only where we need to (equality), never as floats.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

# One row per key: chain id, suite addresses, the cursor (last block fully indexed) and its hash.
meta = Table(
    "meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# Blocks the index has seen: every block holding a log of the suite, and the last REORG_WINDOW blocks scanned,
# whose hashes are re-checked on each pass to find a reorg and its fork point.
blocks = Table(
    "blocks", metadata,
    Column("number", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", String(66), nullable=False),
    Column("parent_hash", String(66), nullable=False),
    Column("timestamp", BigInteger, nullable=False),
)

logs = Table(
    "logs", metadata,
    Column("block_hash", String(66), primary_key=True),
    Column("log_index", Integer, primary_key=True, autoincrement=False),
    Column("block_number", BigInteger, nullable=False),
    Column("tx_hash", String(66), nullable=False),
    Column("tx_index", Integer, nullable=False),
    Column("address", String(42), nullable=False),
    Column("topic0", String(66)),
    Column("topic1", String(66)),
    Column("topic2", String(66)),
    Column("topic3", String(66)),
    Column("data", Text, nullable=False),
    Index("logs_by_topic1", "address", "topic1", "block_number"),
    Index("logs_by_topic2", "address", "topic2"),
    Index("logs_by_topic3", "address", "topic3"),
    Index("logs_by_block", "block_number", "log_index"),
    Index("logs_by_tx", "tx_hash"),
)

# An order as the escrow holds it (stored state; the effective Delivered state is derived on read exactly as
# TradeEscrow.getOrder derives it), with the deadlines the keeper's due query needs.
orders = Table(
    "orders", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("buyer", String(42), nullable=False),
    Column("seller", String(42), nullable=False),
    Column("token", String(42), nullable=False),
    Column("amount", String(80), nullable=False),
    Column("fee_bps", Integer, nullable=False),
    Column("ship_by", BigInteger, nullable=False),
    Column("deliver_by", BigInteger, nullable=False),
    Column("inspection_window", BigInteger, nullable=False),
    Column("state", String(16), nullable=False),
    Column("carrier", String(42)),
    Column("delivered_at", BigInteger, nullable=False, default=0),
    Column("accept_by", BigInteger, nullable=False, default=0),  # while Offered: the seller's deadline to accept
    Column("placed_block", BigInteger, nullable=False),
    Column("updated_block", BigInteger, nullable=False),
    Index("orders_by_state", "state", "id"),
    Index("orders_by_seller", "seller", "id"),
    Index("orders_by_buyer", "buyer", "id"),
)

# Every place the suite anchors a document hash: order terms, bill of lading, dispute and ruling evidence,
# checkpoint and handover evidence, provenance documents, batch certificates.
anchors = Table(
    "anchors", metadata,
    Column("block_hash", String(66), primary_key=True),
    Column("log_index", Integer, primary_key=True, autoincrement=False),
    Column("position", Integer, primary_key=True, autoincrement=False),  # a batch lists several certificates
    Column("doc_hash", String(66), nullable=False),
    Column("item", String(80), nullable=False),  # order / shipment id, or batch id (decimal)
    Column("role", String(80), nullable=False),
    Column("actor", String(42)),
    Column("block_number", BigInteger, nullable=False),
    Column("tx_hash", String(66), nullable=False),
    Index("anchors_by_hash", "doc_hash"),
    Index("anchors_by_block", "block_number"),
)

# Provenance entries of every item (shipments and batches): the hash-chain links, one row per Checkpoint event.
entries = Table(
    "entries", metadata,
    Column("item", String(80), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(24), nullable=False),
    Column("actor", String(42), nullable=False),
    Column("location", String(18), nullable=False),
    Column("evidence_hash", String(66), nullable=False),
    Column("head", String(66), nullable=False),
    Column("block_number", BigInteger, nullable=False),
    Column("tx_hash", String(66), nullable=False),
    Index("entries_by_block", "block_number"),
    Index("entries_by_actor", "actor"),
)

# Invoice tokens and who holds them now (ERC-721 Transfer events of the InvoiceToken).
invoices = Table(
    "invoices", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("holder", String(42), nullable=False),
    Column("minted_block", BigInteger, nullable=False),
    Column("updated_block", BigInteger, nullable=False),
    Index("invoices_by_holder", "holder"),
)
