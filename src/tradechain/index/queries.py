"""One query function per page: the explorer's HTML view, its JSON API and the CLI's --json all call these, so
the three show the same data in the same shape.

A `Site` is what every query reads: the client (whose log and block-time reads the index serves, see
index.reader) and the index's engine for the typed tables (order lists, due orders, document anchors). With no
index (engine None) the same functions read everything from the node.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tradechain import timeline
from tradechain.errors import NotFound
from tradechain.vocabulary import BATCH_BASE, SENSOR_UNITS, item_label

if TYPE_CHECKING:  # SQLAlchemy is imported where an index is read: a read without one never loads it (0.4 s)
    from sqlalchemy.engine import Engine


@dataclass
class Site:
    client: Any
    engine: Engine | None = None
    _tokens: dict = field(default_factory=dict)

    @property
    def names(self) -> dict[str, str]:
        """address -> name of the suite's contracts and named accounts (Deployment.label's names)."""
        return self.client.deployment.names

    def label(self, address: str | None) -> str:
        return self.client.deployment.label(address) if address else "—"

    def money(self, token: str):
        from tradechain.units import format_amount

        if token not in self._tokens:
            self._tokens[token] = self.client.tokens.info(token)
        symbol, decimals = self._tokens[token]
        return lambda amount: format_amount(int(amount), decimals, symbol)


def _order_or_404(site: Site, oid: int):
    from tradechain.errors import ContractRevert

    try:
        return site.client.escrow.get_order(oid)
    except ContractRevert as exc:
        raise NotFound(f"there is no order {oid} on this chain") from exc


# ---------------------------------------------------------------------------------------------- orders
def order_view(site: Site, oid: int) -> dict:
    """An order: parties, amounts, deadlines, state and its timeline (what `order show --json` prints)."""
    c = site.client
    o = _order_or_404(site, oid)
    money = site.money(o.token)
    rows = timeline.rows(c.timeline(oid), site.label, money)
    return {
        "id": o.id, "state": o.state, "buyer": o.buyer, "seller": o.seller, "carrier": o.carrier,
        "token": o.token, "amount": o.amount, "amountText": money(o.amount), "feeBps": o.fee_bps,
        "shipBy": o.ship_by, "deliverBy": o.deliver_by, "inspectionWindow": o.inspection_window,
        "deliveredAt": o.delivered_at or None, "inspectionEndsAt": o.inspection_ends_at or None,
        "rulingDeadline": o.ruling_deadline or None, "invoiceHolder": c.invoices.owner(oid),
        "settlement": _settlement(c, oid) if o.state == "Disputed" else None,
        "tranches": tranches_of(c, o, money),
        "title": title_of(c, oid),
        "timeline": rows,
    }


def tranches_of(c, o, money) -> list[dict] | None:
    """A scheduled order's tranches with their amounts and status; None for a plain order."""
    schedule = c.escrow.schedule(o.id)
    if schedule is None:
        return None
    rows, paid = [], 0
    for i, t in enumerate(schedule.tranches):
        last = i == len(schedule.tranches) - 1
        gross = o.amount - paid if last else o.amount * t.share_bps // 10_000  # the End tranche takes the rest
        paid += gross
        rows.append({"number": i + 1, "shareBps": t.share_bps, "trigger": t.trigger, "triggerText": t.words,
                     "gross": gross, "grossText": money(gross), "documents": schedule.documents == i + 1,
                     "status": schedule.status(i, o)})
    return rows


def title_of(c, oid: int) -> dict | None:
    """The order's eBL title (holder, beneficiary, DCSA status); None when none was issued."""
    t = c.titles.get(oid)
    if t is None:
        return None
    return {"billOfLadingHash": t.bill_of_lading_hash, "holder": t.holder, "beneficiary": t.beneficiary,
            "offeredTo": t.offered_to, "status": t.status, "statusText": t.status_words}


def _settlement(c, oid: int) -> dict | None:
    """The standing settlement offer of a disputed order: who stands on each side, who has agreed, who may still
    accept (read live from the escrow: consent changes without an order state change)."""
    offer = c.escrow.settlement(oid)
    if offer is None:
        return None
    return {"refundBps": offer.refund_bps, "parties": offer.parties, "agreed": offer.agreed, "mayAccept": offer.waiting}


def effective_state(row) -> str:
    """TradeEscrow.getOrder's state: a Shipped order whose delivery came by its deadline shows as Delivered."""
    if row.state == "Shipped" and row.delivered_at and row.delivered_at <= row.deliver_by:
        return "Delivered"
    return row.state


def order_list(site: Site, *, limit: int | None = None, offset: int = 0) -> dict:
    """Orders by id with state, parties and amount (what `order list --json` prints)."""
    if site.engine is None:  # ids are 1..orderCount: read only the page asked for
        total = site.client.escrow.order_count()
        last = total if limit is None else min(total, offset + limit)
        orders_ = [site.client.escrow.get_order(i) for i in range(offset + 1, last + 1)]
        rows = [(o.id, o.state, o.buyer, o.seller, o.amount, o.token) for o in orders_]
    else:
        from sqlalchemy import func, select

        from tradechain.index.schema import orders

        with site.engine.connect() as conn:
            q = select(orders).order_by(orders.c.id).offset(offset)
            if limit is not None:
                q = q.limit(limit)
            rows = [(r.id, effective_state(r), r.buyer, r.seller, int(r.amount), r.token) for r in conn.execute(q)]
            total = conn.execute(select(func.count()).select_from(orders)).scalar_one()
    return {"orders": [{"id": i, "state": s, "buyer": b, "seller": se, "token": t, "amount": a,
                        "amountText": site.money(t)(a)} for i, s, b, se, a, t in rows], "total": total}


def due_orders(engine: Engine, now: int) -> list[int]:
    """Orders whose release or refund the contract may allow at chain time `now`, from the index: delivered by
    the deadline with the inspection window over; not shipped by shipBy; shipped and not delivered by
    deliverBy; not accepted by acceptBy. The keeper confirms each on chain (TradeEscrow.actionable) before acting."""
    from sqlalchemy import select

    from tradechain.index.schema import orders

    o = orders.c
    delivered = (o.delivered_at > 0) & (o.delivered_at <= o.deliver_by)
    with engine.connect() as conn:
        q = select(o.id).where(
            ((o.state == "Shipped") & delivered & (o.delivered_at + o.inspection_window <= now))
            | ((o.state == "Funded") & (o.ship_by < now))
            | ((o.state == "Shipped") & ~delivered & (o.deliver_by < now))
            | ((o.state == "Offered") & (o.accept_by < now))
        ).order_by(o.id)
        return [r[0] for r in conn.execute(q)]


# ---------------------------------------------------------------------------------------------- provenance
def trace_view(site: Site, item: int) -> dict:
    """A shipment's or batch's log, checked against its on-chain head (what `trace --json` prints)."""
    from tradechain.errors import ContractRevert

    try:
        return site.client.provenance.trace(item, typed=None if site.engine is None else TypedTrace(site))
    except ContractRevert as exc:
        raise NotFound(f"there is no {item_label(item)} on this chain") from exc


class TypedTrace:
    """The parts of a trace the index holds in typed tables (readings, breaches, batches), in the shapes
    Provenance.trace builds from events and the contract (tests/test_explorer.py compares both on the demo)."""

    def __init__(self, site: Site):
        self.site = site

    def readings(self, item: int) -> tuple[list[dict], list[dict]]:
        from sqlalchemy import select

        from tradechain.index.schema import breaches, readings

        r, b = readings.c, breaches.c
        with self.site.engine.connect() as conn:
            found = conn.execute(select(readings).where(r.item == str(item))
                                 .order_by(r.block_number, r.log_index, r.position)).all()
            broke = conn.execute(select(breaches).where(b.item == str(item))
                                 .order_by(b.block_number, b.log_index)).all()
        return ([{"sensor": x.sensor, "at": x.at, "value": x.value / 100, "unit": SENSOR_UNITS.get(x.sensor, ""),
                  "time": timeline.iso(x.at), "seq": x.seq, "breach": bool(x.breach)} for x in found],
                [{"sensor": x.sensor, "value": x.value / 100, "at": x.at, "seq": x.seq,
                  "min": None if x.min is None else x.min / 100, "max": x.max / 100} for x in broke])

    def batch(self, item: int) -> dict:
        from sqlalchemy import select

        from tradechain.index.schema import batches

        with self.site.engine.connect() as conn:
            row = conn.execute(select(batches).where(batches.c.id == str(item))).first()
        return batch_dict(self.site, row)


def batch_dict(site: Site, row) -> dict:
    """A batches row as the trace shows a batch's registration (the producer's address: callers label it)."""
    return {"producer": row.producer, "registeredAt": timeline.iso(row.registered_at),
            "origin": bytes.fromhex(row.origin[2:]).decode("ascii", "replace"),
            "sku": timeline.location(bytes.fromhex(row.sku[2:])), "quantity": row.quantity,
            "certificates": row.certificates.split(",") if row.certificates else []}


def batch_list(site: Site, *, limit: int = 50, offset: int = 0) -> dict:
    """Product batches by registration, newest first, each flagged when a limit was breached on it or on a
    shipment that carried it: what the explorer's batch list shows (needs the index)."""
    if site.engine is None:
        raise NotFound("the list of batches needs the index: run `tradechain index` first")
    from sqlalchemy import func, select

    from tradechain.index.schema import batches, breaches, entries

    with site.engine.connect() as conn:
        rows = conn.execute(select(batches).order_by(batches.c.block_number.desc(), batches.c.id.desc())
                            .offset(offset).limit(limit)).all()
        total = conn.execute(select(func.count()).select_from(batches)).scalar_one()
        flagged = {r[0] for r in conn.execute(select(breaches.c.item).distinct())}
        # a batch's cold chain is the shipments that carried it: Linked entries name them (as evidence hash)
        carried: dict[str, set[str]] = {}
        for item, other in conn.execute(select(entries.c.item, entries.c.evidence_hash).where(
                entries.c.kind == "Linked", entries.c.item.in_([r.id for r in rows]))):
            carried.setdefault(item, set()).add(str(int(other, 16)))
    out = []
    for r in rows:
        breached = bool(({r.id} | carried.get(r.id, set())) & flagged)
        out.append({"item": r.id, "label": item_label(int(r.id)), **batch_dict(site, r), "breached": breached})
    return {"batches": out, "total": total}


# ---------------------------------------------------------------------------------------------- invoices
def advance_offers(site: Site, token_id: int) -> list[dict]:
    """Standing advance offers on an invoice: the financiers who offered (from the index's financing table, else
    from the events), with their terms as the chain holds them now."""
    if site.engine is None:
        return site.client.invoices.advance_offers(token_id)
    from sqlalchemy import select

    from tradechain.index.schema import financing

    f = financing.c
    with site.engine.connect() as conn:
        offered = [r[0] for r in conn.execute(select(f.financier).where(
            f.invoice_id == token_id, f.event == "AdvanceOffered").order_by(f.block_number, f.log_index))]
    return site.client.invoices.advance_offers(token_id, financiers=offered)


def camel_dict(record) -> dict:
    """A dataclass as the CLI's JSON shows it: camelCase keys."""
    from dataclasses import fields

    from tradechain.cli.context import camel

    return {camel(f.name): getattr(record, f.name) for f in fields(record)}


def invoice_dict(inv, money) -> dict:
    """An invoice as `invoice list/show --json` shows it."""
    d = camel_dict(inv)
    d.update(faceValueText=money(inv.face_value), listedPriceText=money(inv.listed_price) if inv.listed else None,
             advancePrincipalText=money(inv.advance_principal), advanceRepaymentText=money(inv.advance_repayment))
    return d


def invoice_ids(site: Site) -> list[int]:
    """Ids of every minted invoice: from the index's invoices table, else ownerOf per order on the node."""
    c = site.client
    if site.engine is None:
        return [i for i in range(1, c.escrow.order_count() + 1) if c.invoices.owner(i)]
    from sqlalchemy import select

    from tradechain.index.schema import invoices

    with site.engine.connect() as conn:
        return [r[0] for r in conn.execute(select(invoices.c.id).order_by(invoices.c.id))]


def invoice_list(site: Site) -> dict:
    """Every invoice (what `invoice list --json` prints)."""
    out = []
    for i in invoice_ids(site):
        inv = site.client.invoices.get(i)
        out.append(invoice_dict(inv, site.money(inv.token)))
    return {"invoices": out}


def invoice_view(site: Site, token_id: int) -> dict:
    """One invoice for a financier: the receivable, listing, advance and offers, the seller's record, the
    token's metadata (what `invoice show --json` prints) and its holder history."""
    c = site.client
    if c.invoices.owner(token_id) is None:
        raise NotFound(f"there is no invoice {token_id}: invoices exist for shipped orders")
    inv = c.invoices.get(token_id)
    money = site.money(inv.token)
    history = [row for row in timeline.rows(c.timeline(token_id), site.label, money)
               if row["event"] in ("Transfer", "InvoiceListed", "ListingWithdrawn", "InvoiceSold", "AdvanceOffered",
                                   "AdvanceOfferWithdrawn", "AdvanceAccepted", "OrderReleased", "OrderResolved")]
    return {"invoice": invoice_dict(inv, money), "sellerRecord": camel_dict(c.escrow.seller_record(inv.seller, inv.token)),
            "advanceOffers": advance_offers(site, inv.id), "metadata": c.invoices.metadata(inv.id),
            "history": history}


# ---------------------------------------------------------------------------------------------- sellers
def seller_view(site: Site, address: str) -> dict:
    """A seller's track record from the escrow, and their orders from the index."""
    from web3 import Web3

    from tradechain.vocabulary import ETH

    if not Web3.is_address(address):
        named = {n: a for a, n in site.names.items()}
        if address not in named:
            raise NotFound(f"{address!r} is neither an address nor a known account name")
        address = named[address]
    address = Web3.to_checksum_address(address)
    record = camel_dict(site.client.escrow.seller_record(address, ETH))
    listed = []
    if site.engine is not None:
        from sqlalchemy import select

        from tradechain.index.schema import orders

        with site.engine.connect() as conn:
            for r in conn.execute(select(orders).where(orders.c.seller == address).order_by(orders.c.id.desc())
                                  .limit(100)):
                listed.append({"id": r.id, "state": effective_state(r), "buyer": r.buyer,
                               "amount": int(r.amount), "amountText": site.money(r.token)(int(r.amount))})
    return {"seller": address, "name": site.names.get(address), "record": record, "orders": listed}


# ---------------------------------------------------------------------------------------------- documents
def find_document(site: Site, doc_hash: str) -> dict:
    """Everywhere the suite anchored a document hash: order terms, bill of lading, dispute and ruling evidence,
    checkpoint and handover evidence, provenance documents, batch certificates."""
    doc_hash = doc_hash.lower()
    if site.engine is None:
        raise NotFound("searching every anchor needs the index: run `tradechain index` first")
    from sqlalchemy import select

    from tradechain.index.schema import anchors

    with site.engine.connect() as conn:
        rows = conn.execute(select(anchors).where(anchors.c.doc_hash == doc_hash)
                            .order_by(anchors.c.block_number, anchors.c.log_index)).all()
    matches = []
    for r in rows:
        item = int(r.item)
        when = site.client.chain.block_time(r.block_number)
        matches.append({"item": str(item), "label": item_label(item), "as": r.role,
                        "by": r.actor or None, "time": timeline.iso(when),
                        "timestamp": when, "block": r.block_number, "tx": r.tx_hash,
                        "order": item if item < BATCH_BASE else None})
    return {"hash": doc_hash, "anchored": bool(matches), "matches": matches}


# ---------------------------------------------------------------------------------------------- transactions
def tx_view(site: Site, tx_hash: str) -> dict:
    """One transaction of the suite: block, time, sender and the events it emitted, decoded."""
    w3 = site.client.chain.w3
    try:
        receipt = w3.eth.get_transaction_receipt(tx_hash)
        tx = w3.eth.get_transaction(tx_hash)
    except Exception as exc:
        raise NotFound(f"there is no transaction {tx_hash} on this chain") from exc
    events = site.client.tx.decode_logs(receipt["logs"])
    when = site.client.chain.block_time(receipt["blockNumber"])
    return {"tx": "0x" + bytes(receipt["transactionHash"]).hex(), "block": receipt["blockNumber"],
            "time": timeline.iso(when), "from": tx["from"], "fromName": site.names.get(tx["from"]),
            "to": tx["to"], "toName": site.names.get(tx["to"]), "status": receipt["status"],
            "gasUsed": receipt["gasUsed"],
            "events": [{"contract": e["contract"], "event": e["event"], "logIndex": e["logIndex"],
                        "args": {k: plain(v) for k, v in e["args"].items()}} for e in events]}


def plain(value):
    """A decoded value as JSON can hold it: bytes as 0x-hex, tuples as lists (the explorer's API and evidence)."""
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


# ---------------------------------------------------------------------------------------------- the index itself
def status(site: Site) -> dict:
    """Chain head, index cursor, lag and the depth under which blocks count as final."""
    from tradechain.indexer import REORG_WINDOW

    latest = site.client.chain.block_number()
    cursor = None
    if site.engine is not None:
        from tradechain.index import db

        with site.engine.connect() as conn:
            cursor = int(db.read_meta(conn).get("cursor", -1))
    return {"chainId": site.client.chain.chain_id, "latestBlock": latest, "indexedBlock": cursor,
            "lag": None if cursor is None else latest - cursor, "finalDepth": REORG_WINDOW,
            "chainTime": site.client.chain.now()}


def confirmations(site: Site, block: int, latest: int) -> dict:
    depth = latest - block + 1
    from tradechain.indexer import REORG_WINDOW

    return {"depth": depth, "final": depth > REORG_WINDOW}
