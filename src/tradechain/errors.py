"""Every exception tradechain raises, and the decoding of contract reverts into plain words.

The CLI prints `str(exc)` of a TradechainError as one line; nothing here imports web3.
"""

from __future__ import annotations

from typing import Any, Iterable


class TradechainError(Exception):
    """Base class: the message is one line a person can act on."""

    exit_code = 1


class UsageError(TradechainError):
    """Bad input from the user (malformed address, amount, duration, unknown name)."""

    exit_code = 2


class UncheckedAddressWarning(UserWarning):
    """An all-lower or all-upper case address was given: it has no EIP-55 checksum to catch a typo."""


class ChainUnavailable(TradechainError):
    """No node answers, or the node refused a request."""


class NotFound(TradechainError):
    """An id that does not exist on this chain: a 404 on the explorer, exit 1 on the CLI."""


class RpcError(Exception):
    """The node answered a request with an error object (kept whole as `error`). Internal: the chain layer
    turns it into Reverted, ChainUnavailable or a retry; it never reaches a user as it is."""

    def __init__(self, method: str, error: dict):
        super().__init__(repr(error))  # as web3's Web3RPCError words it: error markers match either
        self.method, self.error = method, error
        self.rpc_response = {"error": error}

    @property
    def message(self) -> str:
        return str(self.error.get("message", ""))

    @property
    def data(self) -> Any:
        return self.error.get("data")


class RangeRefused(Exception):
    """The node refused an eth_getLogs range (too many blocks or results, or a timeout): the indexer halves it."""


class ChainMoved(Exception):
    """A block changed while the indexer read a range: it reads the range again."""


class TitanoboaUnavailable(TradechainError):
    """titanoboa (the other side of `bench speed`) cannot run here; the message says exactly why."""


class DeploymentError(TradechainError):
    """No deployment on this chain, or one that does not match the build.

    `reason` says which check failed: "missing", "invalid", "chain", "code" (not on chain) or "build"."""

    def __init__(self, message: str, reason: str = ""):
        super().__init__(message)
        self.reason = reason


class CompileError(TradechainError):
    """Compilation failed; `messages` holds one `file:line:col: message` line per problem (the CLI prints
    them as they are, one per line, and exits 1)."""

    def __init__(self, messages: list[str] | str):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("\n".join(self.messages))


class Reverted(Exception):
    """Raised by the chain layer: a transaction or call reverted; `data` is the raw revert data (selector +
    arguments). The transaction layer turns it into a ContractRevert; nothing shows it to people."""

    def __init__(self, data: bytes, receipt: Any = None):
        super().__init__(f"reverted with 0x{data.hex()}")
        self.data = data
        self.receipt = receipt


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


# The words shown for each rule come from the NatSpec `@notice` above each custom error in
# contracts/interfaces/ (solc's userdoc, kept in the build's artifacts); placeholders are the error's own
# argument names. OpenZeppelin documents its errors for developers (`@dev`) only: their words are here.
LIBRARY_WORDS: dict[str, str] = {
    "InvalidAccountNonce": "permit nonce already used or out of order: {account} is at nonce {currentNonce} (a replay?)",
    "ECDSAInvalidSignature": "the signature is not valid",
    "ECDSAInvalidSignatureLength": "the signature has {length} bytes, not 65",
    "ECDSAInvalidSignatureS": "the signature is malleable (s in the upper half) and is refused",
    "EnforcedPause": "the escrow is paused: no new orders are taken (paid orders still settle)",
    "ExpectedPause": "the escrow is not paused",
    "AccessControlUnauthorizedAccount": "{account} lacks the role this needs ({neededRole}); the admin grants it with "
                                        "`tradechain role grant {neededRole} {account}`",
    "ReentrancyGuardReentrantCall": "re-entrant call refused",
    "ERC20InsufficientBalance": "{sender} has {balance} of the token but {needed} is needed",
    "ERC20InsufficientAllowance": "the escrow ({spender}) is allowed {allowance} of the payer's tokens but {needed} is needed; approve first",
    "ERC721NonexistentToken": "there is no invoice {tokenId}",
    "ERC721IncorrectOwner": "{sender} does not own invoice {tokenId} (the owner is {owner})",
    "ERC721InsufficientApproval": "{operator} is not approved for invoice {tokenId}",
    "ERC721InvalidReceiver": "{receiver} cannot receive invoices (it does not implement onERC721Received)",
    "ERC721InvalidApprover": "{approver} cannot approve transfers of invoices",
    "ERC721InvalidOperator": "{operator} cannot be an operator of invoices",
    "ERC721InvalidOwner": "{owner} cannot own invoices",
    "ERC721InvalidSender": "invoices cannot be sent from {sender}",
    "ERC20InvalidApprover": "{approver} cannot approve token transfers",
    "ERC20InvalidReceiver": "tokens cannot be sent to {receiver}",
    "ERC20InvalidSender": "tokens cannot be sent from {sender}",
    "ERC20InvalidSpender": "{spender} cannot be allowed to spend tokens",
    "ERC2612ExpiredSignature": "the permit expired at {deadline}",
    "ERC2612InvalidSigner": "the permit was signed by {signer}, not by the owner {owner}",
    "AccessControlBadConfirmation": "an account may renounce only its own role",
    "OwnableInvalidOwner": "{owner} cannot be the owner",
    "OwnableUnauthorizedAccount": "{account} is not the owner",
    "SafeERC20FailedOperation": "token {token} refused the transfer",
    "SafeCastOverflowedUintDowncast": "{value} does not fit in {bits} bits (an expiry too far in the future?)",
    "InvalidShortString": "a name or version string is not a valid short string",
    "StringTooLong": "the string {str} is too long",
    "StringsInsufficientHexLength": "{value} does not fit in {length} hex digits",
}


_TIME_ARGS = {"endsAt", "endedAt", "dueAt", "deadline", "shipBy", "deliverBy", "deliveredAt", "nowTimestamp", "at",
              "notAfter"}


def _show(name: str, value: Any) -> Any:
    if name in _TIME_ARGS and isinstance(value, int) and value > 0:
        import datetime as dt

        return dt.datetime.fromtimestamp(value, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    if isinstance(value, bytes):
        if name.lower().endswith("role"):
            from tradechain.vocabulary import role_name

            return role_name(value) or "0x" + value.hex()
        return "0x" + value.hex()
    return value


def error_words(artifacts: Iterable[dict]) -> dict[str, str]:
    """Plain words by error name: each error's NatSpec @notice in the build, else LIBRARY_WORDS."""
    words = dict(LIBRARY_WORDS)
    for artifact in artifacts:
        for signature, docs in artifact.get("userdoc", {}).get("errors", {}).items():
            notice = next((d["notice"] for d in docs if d.get("notice")), None)
            if notice:
                words[signature.split("(", 1)[0]] = notice
    return words


class ErrorDecoder:
    """Turns revert data (4-byte selector + ABI-encoded arguments) into a ContractRevert, from the build's
    artifacts: their ABI `error` entries, and their NatSpec for the words."""

    def __init__(self, artifacts: Iterable[dict]):
        from eth_utils import function_signature_to_4byte_selector

        artifacts = list(artifacts)
        self._by_selector: dict[bytes, dict] = {}
        for artifact in artifacts:
            for entry in artifact["abi"]:
                if entry.get("type") != "error":
                    continue
                types = ",".join(abi_type(i) for i in entry["inputs"])
                self._by_selector[function_signature_to_4byte_selector(f"{entry['name']}({types})")] = entry
        self._words = error_words(artifacts)

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

        values = abi_decode([abi_type(i) for i in entry["inputs"]], body)
        raw = {i["name"]: to_checksum_address(v) if i["type"] == "address" else v
               for i, v in zip(entry["inputs"], values)}
        shown = {k: _show(k, v) for k, v in raw.items()}
        for key in ("actual", "required", "state"):  # State enums by name
            if key in shown and entry["name"] in ("WrongState", "NoRefundDue"):
                from tradechain.vocabulary import STATES

                shown[key] = STATES[shown[key]]
        if entry["name"] == "TrancheNotDue":  # a Trigger by its words
            from tradechain.vocabulary import TRIGGERS

            shown["trigger"] = TRIGGERS[shown["trigger"]]
        if entry["name"] == "TitleClosed":
            from tradechain.vocabulary import TITLE_STATUSES

            shown["status"] = TITLE_STATUSES[shown["status"]]
        template = self._words.get(entry["name"])
        if template:
            text = template.format(**shown)
        else:
            text = entry["name"] + "(" + ", ".join(f"{k}={v}" for k, v in shown.items()) + ")"
        return ContractRevert(entry["name"], raw, f"{text} [{entry['name']}]", data, shown)


def abi_type(inp: dict) -> str:
    if inp["type"].startswith("tuple"):
        return "(" + ",".join(abi_type(c) for c in inp["components"]) + ")" + inp["type"][5:]
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
