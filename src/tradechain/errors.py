"""Every exception tradechain raises, and the decoding of contract reverts into plain words.

The CLI prints `str(exc)` of a TradechainError as one line; nothing here imports web3.
"""

from __future__ import annotations

from typing import Any


class TradechainError(Exception):
    """Base class: the message is one line a person can act on."""

    exit_code = 1


class UsageError(TradechainError):
    """Bad input from the user (malformed address, amount, duration, unknown name)."""

    exit_code = 2


class ChainUnavailable(TradechainError):
    """No node answers, or the node refused a request."""


class DeploymentError(TradechainError):
    """No deployment on this chain, or one that does not match the build.

    `reason` says which check failed: "missing", "invalid", "chain", "code" (not on chain) or "build"."""

    def __init__(self, message: str, reason: str = ""):
        super().__init__(message)
        self.reason = reason


class ContractRevert(TradechainError):
    """A contract refused a call. `name` is the custom error; `args_` its arguments as the contract gave
    them (ints, checksummed addresses, bytes); `display` the same as shown to people (dates, role and state
    names)."""

    def __init__(self, name: str, args: dict[str, Any], message: str, data: bytes = b"",
                 display: dict[str, Any] | None = None):
        super().__init__(message)
        self.name = name
        self.args_ = args
        self.display = display if display is not None else args
        self.data = data


STATES = ["None", "Funded", "Shipped", "Delivered", "Disputed", "Released", "Resolved", "Refunded", "Cancelled"]

# Plain words for each rule. Placeholders are the error's own argument names.
MESSAGES: dict[str, str] = {
    "AmountZero": "the amount must be greater than zero",
    "AmountTooLarge": "amount {amount} is larger than the maximum {max}",
    "InvalidAddress": "{field} must be a real address, not {value}",
    "SellerIsBuyer": "the seller cannot be the buyer ({account})",
    "DeadlineInPast": "{field} ({deadline}) is not in the future (chain time is {nowTimestamp})",
    "DeadlinesOutOfOrder": "the delivery deadline ({deliverBy}) must come after the shipping deadline ({shipBy})",
    "DeadlineTooFar": "deadline {deadline} is too far in the future (max {max})",
    "InspectionWindowTooLong": "the inspection window of {window} s is longer than the maximum {max} s",
    "WrongEthAmount": "sent {sent} wei but the order amount is {expected} wei",
    "EthSentWithToken": "ETH was sent with an ERC-20 order ({value} wei); send the token only",
    "TokenAmountShortfall": "token {token} delivered {received} of {expected}: fee-on-transfer tokens are refused",
    "InvalidBps": "{bps} basis points is not a share between 0 and 10000",
    "FeeTooHigh": "a fee of {bps} bps is above the cap of {max} bps",
    "DisputePeriodOutOfRange": "dispute period {period} s must be between {min} and {max} s",
    "UnknownOrder": "there is no order {orderId}; `tradechain order list` shows the orders",
    "NotBuyer": "only the buyer of order {orderId} may do this, not {caller}",
    "NotSeller": "only the seller of order {orderId} may do this, not {caller}",
    "NotParty": "{caller} has no standing in the settlement of order {orderId}: the buyer, the invoice holder and an advance financier whose repayment it would cut may propose or accept",
    "WrongState": "order {orderId} is {actual}; this needs it to be {required}",
    "ShipDeadlinePassed": "order {orderId} can no longer ship: the shipping deadline ({shipBy}) has passed",
    "NotDelivered": "order {orderId} has no on-time delivery confirmation from its carrier yet",
    "InspectionWindowOpen": "order {orderId} is still in its inspection window until {endsAt}",
    "InspectionWindowClosed": "the inspection window of order {orderId} closed at {endedAt}",
    "RefundNotDue": "no refund is due on order {orderId} before {dueAt}",
    "NoRefundDue": "order {orderId} is {state}: refunds are only for orders not shipped or not delivered in time",
    "ArbiterIsParty": "arbiter {arbiter} is a party to order {orderId} and cannot rule on it",
    "NoSettlementProposal": "there is no settlement proposal on order {orderId} to accept",
    "OwnProposal": "{caller} already agreed to the proposal on order {orderId}; the other parties must accept it",
    "ReceivableSold": "seller {seller} sold the invoice of order {orderId}: its holder {holder} speaks for the seller side of a settlement",
    "ProposalMismatch": "order {orderId}: the proposal is {proposedBps} bps, not {acceptedBps} bps",
    "RulingDeadlineNotReached": "the arbiter may still rule on order {orderId} until {deadline}",
    "NothingToWithdraw": "{account} has nothing to withdraw in token {token}",
    "WithdrawFailed": "{account} refused the withdrawal of {amount}",
    "CarrierIsParty": "{carrier} is a party to order {orderId}: its carrier can be neither the seller nor the buyer",
    "DeliverByNotExtended": "the new delivery deadline {proposed} of order {orderId} must be later than the current {deliverBy}",
    "LimitsMismatch": "the sensor limits of order {shipmentId} changed since you read them (agreed now: {agreed}, yours: {expected}); check them and ship again",
    "CarrierNotNominated": "{carrier} is not the carrier the seller nominated for shipment {shipmentId} (nominated: {nominated})",
    "BatchTooLarge": "a batch of {length} is larger than the maximum {max}",
    "UnknownShipment": "there is no shipment {shipmentId}",
    "ShipmentExists": "shipment {shipmentId} already exists",
    "NotShipmentCarrier": "{caller} is not the carrier of shipment {shipmentId} (the carrier is {carrier})",
    "NotCarrier": "{account} does not hold the CARRIER role",
    "NotCustoms": "{account} does not hold the CUSTOMS role",
    "InvalidKind": "checkpoint kind {kind} is not valid",
    "AlreadyDelivered": "shipment {shipmentId} was already delivered at {deliveredAt}",
    "InvalidAdmin": "{admin} cannot be the admin",
    "UnknownBatch": "there is no batch {batchId}; batches are written B1, B2, …",
    "NotRecorder": "{account} may not write to item {itemId}: only its carrier, customs or custodian (shipment), or its producer or custodian (batch)",
    "InvalidBatch": "a batch needs a SKU, a two-letter origin country and a quantity above zero (got sku {sku}, origin {origin}, quantity {quantity})",
    "TooManyCertificates": "{count} certificates is more than the {max} a batch may anchor",
    "NotCustodian": "{caller} does not hold item {itemId}; the custodian is {custodian}",
    "NotPendingCustodian": "{caller} was not offered custody of item {itemId} (offered to {pending})",
    "InvalidCustodian": "custody of item {itemId} cannot be offered to {to}",
    "LimitsFrozen": "order {shipmentId} has shipped: its sensor limits can no longer change",
    "InvalidLimits": "sensor limits out of order: minimum {min} is above maximum {max} (hundredths)",
    "BadReadings": "readings must be 1 to {maxReadings} records of {recordSize} bytes (got {length} bytes)",
    "UnknownSensor": "sensor type {sensor} is unknown: use temperature, humidity or shock",
    "ReadingOutOfTime": "a reading of shipment {shipmentId} is dated {at}, after {notAfter} (now or the delivery)",
    "InvalidDocument": "a document needs a type and a non-zero hash (got type {docType}, hash {docHash})",
    "InvalidLeg": "transport leg refused: mode {mode}, {distanceKm} km, {massKg} kg, {gramsPerTonneKm} g/t·km must all be set and plausible",
    "TooManyLinks": "batch {batchId} is already linked to the maximum of {max} shipments",
    "AlreadyLinked": "batch {batchId} is already linked to shipment {shipmentId}",
    "UnknownEntry": "item {itemId} has no entry #{seq} (it has {count} entries)",
    "SignatureExpired": "the signed checkpoint expired at {deadline} (chain time {nowTimestamp})",
    "NonceAlreadyUsed": "{signer} already used or cancelled signature nonce {nonce} (a replay?)",
    "SignedTimeOutOfRange": "the signed checkpoint's time {at} is in the future or more than {maxDelay} s before chain time {nowTimestamp}; sign it again",
    "LinkNotRequested": "batch {batchId} did not ask to be linked to shipment {shipmentId}; its producer or custodian asks with `provenance link`",
    "ECDSAInvalidSignature": "the signature is not valid",
    "ECDSAInvalidSignatureLength": "the signature has {length} bytes, not 65",
    "ECDSAInvalidSignatureS": "the signature is malleable (s in the upper half) and is refused",
    "NotEscrow": "only the escrow may do this, not {caller}",
    "EscrowAlreadyBound": "the invoice token is already bound to escrow {escrow}",
    "InvoiceLocked": "invoice {tokenId} is settled and can no longer move",
    "NotHolder": "only the holder of invoice {tokenId} ({holder}) may do this, not {caller}",
    "NotListed": "invoice {tokenId} is not listed for sale",
    "PriceMismatch": "invoice {tokenId} is listed at {listedPrice}, not the {expectedPrice} you expected; check the listing again",
    "InvalidPrice": "a price or advance of {price} for invoice {tokenId} must be above 0 and at most its face value {faceValue}",
    "InvalidDiscount": "a discount of {discountBps} bps must be between 1 and 9999",
    "InvalidFee": "an advance fee of {feeBps} bps must be at most 10000",
    "WrongEthValue": "sent {sent} wei but {expected} wei is due",
    "PaymentFailed": "{to} refused a payment of {amount}",
    "BuyerIsHolder": "{buyer} already holds invoice {tokenId}",
    "InvoiceEncumbered": "invoice {tokenId} carries an advance from {financier}: it cannot be listed or take another advance",
    "OfferExists": "{financier} already has an advance offer on invoice {tokenId}; withdraw it first",
    "NoAdvanceOffer": "{financier} has no advance offer on invoice {tokenId}",
    "OfferMismatch": "the advance offer of {financier} on invoice {tokenId} is {principal} at {feeBps} bps, not the terms given",
    "AdvanceTooLarge": "an advance repaying {repayment} exceeds the face value {faceValue} of invoice {tokenId}",
    "InvoiceDisputed": "order {tokenId} is disputed: its invoice cannot be sold, listed, advanced against or moved until the dispute ends",
    "InvoiceRefundDue": "order {tokenId} missed its delivery deadline and is due a refund: its invoice can no longer be financed or moved",
    "ExpiryNotInFuture": "an expiry of {expiresAt} is not in the future (chain time is {nowTimestamp})",
    "ListingExpired": "the listing of invoice {tokenId} expired at {expiredAt}; the holder must list it again",
    "OfferExpired": "the advance offer of {financier} on invoice {tokenId} expired at {expiredAt}",
    "DeadlinePassed": "your deadline {deadline} passed before the transaction was mined (chain time {nowTimestamp}); check the terms and send again",
    "TransferNotAllowed": "KYC is on: invoice {tokenId} may go only to a FINANCIER or back to its seller, not {to}",
    "EnforcedPause": "the escrow is paused: no new orders are taken (paid orders still settle)",
    "ExpectedPause": "the escrow is not paused",
    "AccessControlUnauthorizedAccount": "{account} lacks the role this needs ({neededRole})",
    "ReentrancyGuardReentrantCall": "re-entrant call refused",
    "ERC20InsufficientBalance": "{sender} has {balance} of the token but {needed} is needed",
    "ERC20InsufficientAllowance": "the escrow ({spender}) is allowed {allowance} of the payer's tokens but {needed} is needed; approve first",
    "ERC721NonexistentToken": "there is no invoice {tokenId}",
    "ERC721IncorrectOwner": "{sender} does not own invoice {tokenId} (the owner is {owner})",
    "ERC721InsufficientApproval": "{operator} is not approved for invoice {tokenId}",
    "ERC721InvalidReceiver": "{receiver} cannot receive invoices (it does not implement onERC721Received)",
}

ROLE_NAMES = ["CARRIER_ROLE", "CUSTOMS_ROLE", "PRODUCER_ROLE", "ARBITER_ROLE", "ESCROW_ROLE", "FINANCIER_ROLE", "DEFAULT_ADMIN_ROLE"]


def _role_names() -> dict[bytes, str]:
    from eth_utils import keccak

    names = {keccak(text=n): n.removesuffix("_ROLE") for n in ROLE_NAMES if n != "DEFAULT_ADMIN_ROLE"}
    names[b"\x00" * 32] = "ADMIN"
    return names


_TIME_ARGS = {"endsAt", "endedAt", "dueAt", "deadline", "shipBy", "deliverBy", "deliveredAt", "nowTimestamp", "at",
              "notAfter"}


def _show(name: str, value: Any) -> Any:
    if name in _TIME_ARGS and isinstance(value, int) and value > 0:
        import datetime as dt

        return dt.datetime.fromtimestamp(value, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    if isinstance(value, bytes):
        if name.lower().endswith("role"):
            return _role_names().get(value, "0x" + value.hex())
        return "0x" + value.hex()
    return value


class ErrorDecoder:
    """Turns revert data (4-byte selector + ABI-encoded arguments) into a ContractRevert, from ABI entries."""

    def __init__(self, abis: list[list[dict]]):
        from eth_utils import function_signature_to_4byte_selector

        self._by_selector: dict[bytes, dict] = {}
        for abi in abis:
            for entry in abi:
                if entry.get("type") != "error":
                    continue
                types = ",".join(_abi_type(i) for i in entry["inputs"])
                self._by_selector[function_signature_to_4byte_selector(f"{entry['name']}({types})")] = entry

    def decode(self, data: bytes) -> ContractRevert:
        from eth_abi import decode as abi_decode

        selector, body = data[:4], data[4:]
        if selector == bytes.fromhex("08c379a0"):  # Error(string)
            (reason,) = abi_decode(["string"], body)
            return ContractRevert("Error", {"reason": reason}, f"reverted: {reason}", data)
        if selector == bytes.fromhex("4e487b71"):  # Panic(uint256)
            (code,) = abi_decode(["uint256"], body)
            return ContractRevert("Panic", {"code": code}, f"contract panic 0x{code:02x} (arithmetic or assertion)", data)
        entry = self._by_selector.get(selector)
        if entry is None:
            what = "with no reason" if not data else f"with unknown error data 0x{data.hex()}"
            return ContractRevert("Unknown", {}, f"the transaction reverted {what}", data)
        from eth_utils import to_checksum_address

        values = abi_decode([_abi_type(i) for i in entry["inputs"]], body)
        raw = {i["name"]: to_checksum_address(v) if i["type"] == "address" else v
               for i, v in zip(entry["inputs"], values)}
        shown = {k: _show(k, v) for k, v in raw.items()}
        for key in ("actual", "required", "state"):  # State enums by name
            if key in shown and entry["name"] in ("WrongState", "NoRefundDue"):
                shown[key] = STATES[shown[key]]
        template = MESSAGES.get(entry["name"])
        if template:
            text = template.format(**shown)
        else:
            text = entry["name"] + "(" + ", ".join(f"{k}={v}" for k, v in shown.items()) + ")"
        return ContractRevert(entry["name"], raw, f"{text} [{entry['name']}]", data, shown)


def _abi_type(inp: dict) -> str:
    if inp["type"].startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in inp["components"]) + ")" + inp["type"][5:]
    return inp["type"]


def revert_data(exc: BaseException) -> bytes | None:
    """Pull raw revert data out of whatever the backend raised (eth-tester or web3 over JSON-RPC)."""
    data = getattr(exc, "data", None)
    if isinstance(data, str) and data.startswith("0x"):
        return bytes.fromhex(data[2:])
    if isinstance(data, dict) and isinstance(data.get("data"), str):
        return bytes.fromhex(data["data"].removeprefix("0x"))
    text = str(exc.args[0]) if exc.args else ""
    # eth-tester: TransactionFailed("execution reverted: b'\\x..'")
    marker = "execution reverted: "
    if marker in text:
        rest = text.split(marker, 1)[1]
        if rest.startswith(("b'", 'b"')):
            import ast

            try:
                return ast.literal_eval(rest)
            except (ValueError, SyntaxError):
                return None
        if rest.startswith("0x"):
            return bytes.fromhex(rest[2:].split()[0])
        # eth-tester decodes a require(…, "reason") itself: re-encode it as Error(string)
        from eth_abi import encode as abi_encode

        return bytes.fromhex("08c379a0") + abi_encode(["string"], [rest])
    if text in ("execution reverted", "reverted"):
        return b""
    return None
