"""The contracts' vocabulary, in one place: order states, rulings, refund reasons, invoice statuses, roles,
the native-ETH token address, and the provenance entry kinds, document types, transport modes, sensors and
item ids.

Mirrors the enums and role constants of contracts/ (tests/test_vocabulary.py checks every list here against
the compiled contracts' ASTs, so the two cannot drift). No web3 import here.
"""

from __future__ import annotations

from enum import StrEnum

from tradechain.errors import UsageError

ETH = "0x0000000000000000000000000000000000000000"  # the token address the escrow reads as native ETH
ZERO32 = b"\x00" * 32

# ITradeEscrow.State. `Delivered` is derived from Provenance, never stored.
STATES = ["None", "Funded", "Shipped", "Delivered", "Disputed", "Released", "Resolved", "Refunded", "Cancelled",
          "Offered"]
TERMINAL = {"Released", "Resolved", "Refunded", "Cancelled"}
# The same as enums for the Python API. StrEnum: each member equals its name ("Funded" == OrderState.FUNDED), so
# code and JSON that compare or print strings keep working.
OrderState = StrEnum("OrderState", [(s.upper(), s) for s in STATES])
# ITradeEscrow.Ruling and RefundReason, with the words shown for each.
RULINGS = ["Arbiter", "Agreement", "Default"]
RULING_WORDS = ["arbiter's ruling", "agreement", "default (no ruling in time)"]
REFUND_REASONS = ["NotShipped", "NotDelivered", "NotAccepted"]
REFUND_REASON_WORDS = ["not shipped by the deadline", "not delivered by the deadline",
                       "not accepted by the seller in time"]
# ITradeEscrow.Party: who stands in a negotiated settlement (bit 1 << index in the consent masks), and its words.
PARTIES = ["None", "Buyer", "Holder", "Financier"]
PARTY_WORDS = ["nobody", "buyer", "invoice holder", "advance financier"]
# ITradeEscrow.Trigger: what releases a tranche of a scheduled order, in logistics order, and its words.
TRIGGERS = ["None", "Shipped", "ExportCleared", "Arrived", "ImportCleared", "Delivered", "End"]
TRIGGER_WORDS = ["nothing", "shipped", "export cleared", "arrived", "import cleared", "delivered",
                 "end of the inspection window"]
MAX_TRANCHES = 4  # TradeEscrow.MAX_TRANCHES
# IBillOfLading.Status: the eBL's life cycle in DCSA's words.
TITLE_STATUSES = ["None", "Issued", "Endorsed", "Surrendered", "Voided"]
TITLE_STATUS_WORDS = ["none", "issued", "endorsed", "surrendered for delivery", "voided"]
# IInvoiceToken.Status
INVOICE_STATUSES = ["Open", "Financed", "Overdue", "Settled", "Defaulted"]
InvoiceStatus = StrEnum("InvoiceStatus", [(s.upper(), s.lower()) for s in INVOICE_STATUSES])
# Every `*_ROLE` constant of the suite (keccak256 of its name), plus OpenZeppelin's zero admin role.
ROLES = ["CARRIER", "CUSTOMS", "PRODUCER", "ESCROW", "ARBITER", "FINANCIER", "QUOTE_SIGNER", "TITLE", "SCHEDULE"]
ADMIN_ROLE = "ADMIN"
# The one contract of the suite that checks each role (every contract has its own ADMIN).
ROLE_CONTRACTS = {"CARRIER": "Provenance", "CUSTOMS": "Provenance", "PRODUCER": "Provenance",
                  "ESCROW": "Provenance", "ARBITER": "TradeEscrow", "FINANCIER": "InvoiceToken",
                  "QUOTE_SIGNER": "FxRates", "TITLE": "Provenance", "SCHEDULE": "Provenance"}
# IFxRates.RateSource: where an order's locked rate came from, and its words.
RATE_SOURCES = ["Feed", "Quote"]
RATE_SOURCE_WORDS = ["the signed feed", "a signed quote"]


def currency_code(code: str) -> bytes:
    """An ISO 4217 currency code as the contracts hold it: bytes8, left-aligned ("EUR" and five zero bytes)."""
    text = code.strip().upper()
    if not (3 <= len(text) <= 8 and text.isalpha() and text.isascii()):
        raise UsageError(f"{code!r} is not a currency code (three letters, like EUR)")
    return text.encode().ljust(8, b"\0")


# ISO 4217 minor units where they are not 2 (what FxRates' pairs are listed with: EUR and USD 2, JPY 0).
MINOR_UNITS = {"JPY": 0, "KRW": 0, "BHD": 3, "KWD": 3}


def format_price(minor: int, code: str) -> str:
    """A price in a currency's minor units, in words: (1_000_000, "EUR") -> "10000.00 EUR"."""
    digits = MINOR_UNITS.get(code, 2)
    whole, part = divmod(minor, 10**digits)
    return f"{whole}.{part:0{digits}d} {code}" if digits else f"{whole} {code}"


def currency_name(raw: bytes) -> str:
    """bytes8 from a contract back to its code ("EUR")."""
    return bytes(raw).rstrip(b"\0").decode(errors="replace")


def party_names(bits: int) -> list[str]:
    """Words for the parties set in a consent mask (bits 1 << ITradeEscrow.Party): ["buyer", "invoice holder"]."""
    return [PARTY_WORDS[i] for i in range(1, len(PARTIES)) if bits & (1 << i)]


def role_id(role: str) -> bytes:
    """"carrier" -> keccak256("CARRIER_ROLE"); "admin" -> OpenZeppelin's DEFAULT_ADMIN_ROLE (zero)."""
    from eth_utils import keccak

    name = role.upper().removesuffix("_ROLE")
    if name in (ADMIN_ROLE, "DEFAULT_ADMIN"):
        return ZERO32
    return keccak(text=f"{name}_ROLE")


def role_name(role_hash: bytes) -> str | None:
    """The name of a role id, or None for one the suite does not define."""
    for name in (*ROLES, ADMIN_ROLE):
        if role_id(name) == role_hash:
            return name
    return None


# IProvenance.Kind, in enum order (after GS1 EPCIS business steps and DCSA track-and-trace events).
KINDS = ["None", "PickedUp", "GateOut", "Loaded", "Departed", "Arrived", "ExportCleared", "ImportCleared",
         "OutForDelivery", "Delivered", "GateIn", "Discharged", "Commissioned", "Packed", "Inspected",
         "Handover", "Reading", "Document", "Leg", "Linked", "Correction", "CarrierChanged"]
CUSTOMS_KINDS = {"ExportCleared", "ImportCleared"}
# What `record` accepts on a shipment, and `recordBatch` on a batch.
SHIPMENT_KINDS = KINDS[1:KINDS.index("Discharged") + 1]
BATCH_KINDS = ["Packed", "Inspected"]
DOC_TYPES = ["None", "BillOfLading", "CertificateOfOrigin", "CustomsDeclaration", "ProofOfDelivery",
             "CommercialInvoice", "PackingList", "QualityCertificate", "InspectionReport", "Other"]
MODES = ["None", "Road", "Rail", "Sea", "Air", "InlandWater"]
SENSORS = ["None", "Temperature", "Humidity", "Shock"]
SENSOR_UNITS = {"Temperature": "°C", "Humidity": "%RH", "Shock": "g"}

BATCH_BASE = 1 << 64  # Provenance.BATCH_BASE: batch item ids start here, shipment ids (= order ids) below
READING_SIZE = 9  # bytes per packed reading: uint8 sensor, uint32 time, int32 value in hundredths


def location_code(code: str) -> bytes:
    """A UN/LOCODE-style place code ("CNSHA") as bytes8, left-aligned."""
    text = code.strip().upper() if code else ""
    if not (text.isascii() and text.isalnum()) and text:
        raise UsageError(f"bad location code {code!r}: letters and digits only, a UN/LOCODE such as CNSHA")
    raw = text.encode("ascii")
    if len(raw) > 8:
        raise UsageError(f"location code {code!r} is longer than 8 characters; use a UN/LOCODE such as CNSHA")
    return raw.ljust(8, b"\x00")


def hash_bytes(data: bytes) -> bytes:
    """keccak-256 of a document's bytes: how documents are anchored on chain."""
    from eth_utils import keccak

    return keccak(data)


def _pick(options: list[str], text: str, what: str) -> int:
    key = str(text).strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    for i, name in enumerate(options):
        if i and name.lower() == key:
            return i
    raise UsageError(f"unknown {what} {text!r}; one of: {', '.join(options[1:])}")


def kind_index(text: str, allowed: list[str] | None = None) -> int:
    """ "gate-out" -> index of GateOut; refuses kinds outside `allowed`."""
    allowed = allowed or KINDS
    i = _pick(KINDS, text, "checkpoint kind")
    if KINDS[i] not in allowed:
        raise UsageError(f"kind {KINDS[i]} cannot be recorded here; one of: {', '.join(allowed)}")
    return i


def doc_type_index(text: str) -> int:
    return _pick(DOC_TYPES, text, "document type")


def mode_index(text: str) -> int:
    return _pick(MODES, text, "transport mode")


def sensor_index(text: str) -> int:
    return _pick(SENSORS, text, "sensor")


def parse_item(text: str) -> int:
    """An item on the command line: "7" or "order:7" (shipment of order 7), "B3" or "batch:3" (batch 3),
    or a raw item id."""
    raw = str(text).strip().lower()
    item = None
    for prefix in ("batch:", "batch", "b-", "b"):
        rest = raw[len(prefix):]
        if raw.startswith(prefix) and rest.isascii() and rest.isdigit() and int(rest) > 0:
            item = BATCH_BASE + int(rest)
            break
    raw = raw.removeprefix("order:").removeprefix("shipment:").lstrip("#")
    if item is None and raw.isascii() and raw.isdigit() and int(raw) > 0:
        item = int(raw)
    if item is None:
        raise UsageError(f"bad item {text!r}: give an order id (7), or a batch as B3 or batch:3")
    if item >= 2**256:
        raise UsageError(f"item {text!r} is larger than any item id can be (2^256 - 1)")
    return item


def is_batch(item: int) -> bool:
    return item >= BATCH_BASE


def item_label(item: int) -> str:
    return f"batch B{item - BATCH_BASE}" if is_batch(item) else f"shipment of order #{item}"


def pack_readings(readings: list[tuple[str | int, int, float]]) -> bytes:
    """[(sensor, unix time, value in °C/%RH/g)] -> the contract's packed 9-byte records."""
    out = b""
    for sensor, at, value in readings:
        s = sensor if isinstance(sensor, int) else sensor_index(sensor)
        out += bytes([s]) + int(at).to_bytes(4, "big") + round(value * 100).to_bytes(4, "big", signed=True)
    return out


def unpack_readings(packed: bytes) -> list[dict]:
    rows = []
    for o in range(0, len(packed), READING_SIZE):
        rec = packed[o:o + READING_SIZE]
        sensor = SENSORS[rec[0]] if rec[0] < len(SENSORS) else str(rec[0])
        rows.append({"sensor": sensor, "at": int.from_bytes(rec[1:5], "big"),
                     "value": int.from_bytes(rec[5:9], "big", signed=True) / 100,
                     "unit": SENSOR_UNITS.get(sensor, "")})
    return rows
