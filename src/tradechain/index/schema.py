"""The index's tables (SQLAlchemy Core): one schema for SQLite and PostgreSQL.

Raw logs are kept exactly as the node gave them, keyed by (block hash, log index), so any read the node would
answer with eth_getLogs can be answered from here. The typed tables are derived from those logs by the
indexer (index.derive) and hold what pages and lists query by: orders and their state, anchored documents,
provenance entries, invoice holders, financing events, sensor readings and breaches, product batches.
Every row carries the block it came from, so a reorg rolls it back by block number.

Big integers (amounts, batch ids above 2**64) are stored as decimal text: both databases compare them as
exact values only where we need to (equality), never as floats.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()


def _log_key(*extra: Column) -> list[Column]:
    """The primary key of a row derived from one log (block hash, log index, then `extra` key columns)."""
    return [Column("block_hash", String(66), primary_key=True),
            Column("log_index", Integer, primary_key=True, autoincrement=False), *extra]


def _where(table: str) -> list:
    """The block and transaction a row came from (the rollback deletes by block) and its index."""
    return [Column("block_number", BigInteger, nullable=False), Column("tx_hash", String(66), nullable=False),
            Index(f"{table}_by_block", "block_number")]


def _sensor_value(table: str, value_type) -> list:
    """Which entry of which item a sensor value belongs to, the sensor, its time and value (hundredths)."""
    return [Column("item", String(80), nullable=False), Column("seq", Integer, nullable=False),
            Column("sensor", String(16), nullable=False), Column("at", BigInteger, nullable=False),
            Column("value", value_type, nullable=False), Index(f"{table}_by_item", "item", "seq")]


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
    *_log_key(Column("position", Integer, primary_key=True, autoincrement=False)),  # a batch lists several certificates
    Column("doc_hash", String(66), nullable=False),
    Column("item", String(80), nullable=False),  # order / shipment id, or batch id (decimal)
    Column("role", String(80), nullable=False),
    Column("actor", String(42)),
    *_where("anchors"),
    Index("anchors_by_hash", "doc_hash"),
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
    *_where("entries"),
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

# Financing of invoices, one row per event: listings (InvoiceListed, ListingWithdrawn), sales (InvoiceSold) and
# advances (AdvanceOffered, AdvanceOfferWithdrawn, AdvanceAccepted). `holder` is the invoice's holder who acts
# (lists, withdraws a listing, sells, accepts an advance); `financier` the other side (buyer of the invoice,
# financier offering or paying an advance). Amounts in the invoice's token, as decimal text.
financing = Table(
    "financing", metadata,
    *_log_key(),
    Column("invoice_id", BigInteger, nullable=False),
    Column("event", String(32), nullable=False),
    Column("holder", String(42)),
    Column("financier", String(42)),
    Column("amount", String(80)),  # listing or sale price; advance principal
    Column("bps", Integer),  # listing discount; advance fee (basis points)
    Column("fee", String(80)),  # an accepted advance's fee
    Column("expires_at", BigInteger),  # a listing's or an offer's expiry (0: none)
    *_where("financing"),
    Index("financing_by_invoice", "invoice_id", "block_number"),
    Index("financing_by_financier", "financier"),
)

# Sensor readings of shipments, one row per reading unpacked from a Readings event (9-byte records), marked
# when a LimitBreached event of the same entry names it; values in hundredths (0.01 °C, %RH, g) as on chain.
readings = Table(
    "readings", metadata,
    *_log_key(Column("position", Integer, primary_key=True, autoincrement=False)),
    *_sensor_value("readings", Integer),
    Column("breach", Boolean, nullable=False),
    *_where("readings"),
)

# Limit breaches (LimitBreached), with the limits in force; min is NULL when the shipment has no lower limit.
breaches = Table(
    "breaches", metadata,
    *_log_key(),
    *_sensor_value("breaches", BigInteger),
    Column("min", BigInteger),
    Column("max", BigInteger, nullable=False),
    *_where("breaches"),
)

# Product batches as registered (BatchRegistered): what the consumer's batch page shows of the producer.
batches = Table(
    "batches", metadata,
    Column("id", String(80), primary_key=True),  # the batch's item id (>= BATCH_BASE), decimal
    Column("producer", String(42), nullable=False),
    Column("sku", String(66), nullable=False),
    Column("origin", String(6), nullable=False),  # bytes2, 0x-hex
    Column("quantity", BigInteger, nullable=False),
    Column("certificates", Text, nullable=False),  # the certificate hashes, comma-separated
    Column("registered_at", BigInteger, nullable=False),
    *_where("batches"),
    Index("batches_by_producer", "producer"),
)

# The typed tables whose rows each come from one log (or one entry), deleted by block on a rollback; orders and
# invoices fold many logs into a row and are re-derived instead (indexer._rollback).
EVENT_TABLES = (anchors, entries, financing, readings, breaches, batches)
