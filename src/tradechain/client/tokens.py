"""`client.tokens`: payment tokens — names to addresses, balances, symbols, approvals, EIP-2612 permits."""

from __future__ import annotations

from tradechain.errors import UsageError
from tradechain.transactions import Receipt, Transactions
from tradechain.vocabulary import ETH

ERC20_ABI = "DemoStablecoin"  # the build's ERC-20 (with permit): its ABI reads any ERC-20
APPROVE_GAS = 100_000


class Tokens:
    def __init__(self, tx: Transactions):
        self.tx = tx
        self._permit_domains: dict[str, dict | None] = {}  # token -> its EIP-712 permit domain (None: no permit)

    @property
    def stablecoin(self) -> str:
        """Address of the demo stablecoin (tUSD)."""
        return self.tx.address("DemoStablecoin")

    def _erc20(self, token: str) -> str:
        """The transaction layer's name for an ERC-20 at `token` (registered on first use, events not decoded)."""
        if token == self.stablecoin:
            return "DemoStablecoin"
        name = f"ERC20@{token}"
        if not self.tx.knows(name):
            self.tx.register(name, token, ERC20_ABI, decode_events=False)
        return name

    def address(self, token: str | None) -> str:
        """None/"ETH" -> native ETH; "tUSD" -> the demo stablecoin; else an ERC-20 address (checked: the
        address must hold a contract that answers balanceOf and decimals)."""
        from tradechain.units import parse_address

        if token is None or token.upper() == "ETH" or token == ETH:
            return ETH
        if token.lower() in ("tusd", "demostablecoin"):
            return self.stablecoin
        if not token.lower().startswith("0x"):
            raise UsageError(f"unknown token {token!r}: use ETH, tUSD or an ERC-20 address")
        address = parse_address(token, what="token")
        self.require_erc20(address)
        return address

    def amount(self, text: str, token: str | None = None) -> tuple[str, int]:
        """A human amount with its unit ("1.5 ETH", "250 tUSD", "1000000000 wei") -> (token address, base
        units). With `token` (a name or address: the payment's own token) the unit may be left out, and if
        written must agree with it. With neither, the amount is refused: a bare number is ambiguous."""
        from tradechain.units import AMOUNT_FORMS, ETH_SUBUNITS, parse_amount, split_amount

        _number, unit = split_amount(text)
        if unit is None and token is None:
            raise UsageError(f"amount {text!r} has no unit: {AMOUNT_FORMS}")
        if token is None and unit.lower() in ETH_SUBUNITS:
            token = "ETH"
        address = self.address(token if token is not None else unit)
        symbol, decimals = self.info(address)
        return address, parse_amount(text, decimals, symbol)

    def require_contract(self, token: str) -> None:
        """Refuse an address with no code: it cannot be an ERC-20."""
        if token != ETH and not self.tx.chain.w3.eth.get_code(token):
            raise UsageError(f"{token} has no contract on this chain: not an ERC-20 token")

    def require_erc20(self, token: str) -> None:
        """Refuse an address that is not an ERC-20 token (no code, or no balanceOf/decimals)."""
        self.require_contract(token)
        try:
            self.tx.call(self._erc20(token), "balanceOf", [token])
            self.tx.call(self._erc20(token), "decimals")
        except Exception:
            raise UsageError(f"{token} is a contract but not an ERC-20 token (it does not answer balanceOf/"
                             "decimals)") from None

    def balance(self, account: str, token: str = ETH) -> int:
        if token == ETH:
            return self.tx.chain.w3.eth.get_balance(account)
        return self.tx.call(self._erc20(token), "balanceOf", [account])

    def info(self, token: str) -> tuple[str, int]:
        """(symbol, decimals) of a payment token."""
        if token == ETH:
            return "ETH", 18
        name = self._erc20(token)
        try:
            return self.tx.call(name, "symbol"), self.tx.call(name, "decimals")
        except Exception:
            return token[:10], 18

    def allowance(self, token: str, owner: str, spender: str) -> int:
        return self.tx.call(self._erc20(token), "allowance", [owner, spender])

    def approve(self, token: str, spender: str, amount: int, *, sender: str) -> Receipt:
        return self.tx.send(self._erc20(token), "approve", [spender, amount], sender=sender, gas=APPROVE_GAS)

    def pay_in(self, token: str, amount: int, spender: str, *, sender: str,
               step: tuple[str, str, list] | None = None) -> int:
        """Prepare paying `amount` of `token` to `spender`: the ETH value to send with the call, or (for an
        ERC-20) an approval when the allowance is short, and 0. `step` (contract name, fn, args) is the call
        that spends it: the approval and the step are preflighted together first, so a step the contract
        refuses sends nothing (no approval left dangling, no nonce used)."""
        if token == ETH:
            return amount
        if self.allowance(token, sender, spender) < amount:
            if step is not None:
                name, fn, args = step
                self.tx.simulate([(self._erc20(token), "approve", [spender, amount], sender, 0),
                                  (name, fn, list(args), sender, 0)])
            self.approve(token, spender, amount, sender=sender)
        return 0

    def nonce(self, token: str, owner: str) -> int:
        """The owner's EIP-2612 permit nonce."""
        return self.tx.call(self._erc20(token), "nonces", [owner])

    def permit_domain(self, token: str) -> dict | None:
        """The EIP-712 domain `token`'s permits are signed in, or None when it has no EIP-2612 permit (or one
        whose domain we cannot reproduce: then a signature of ours would not verify, and approve is used).
        The domain is read from EIP-5267's eip712Domain() where the token has it, else name() and version "1",
        and checked against the token's own DOMAIN_SEPARATOR()."""
        if token == ETH:
            return None
        if token != self.stablecoin:  # read afresh: another contract may sit at this address later (a test's revert)
            return self._read_permit_domain(token)
        if token not in self._permit_domains:
            self._permit_domains[token] = self._read_permit_domain(token)
        return self._permit_domains[token]

    def _read_permit_domain(self, token: str) -> dict | None:
        from eth_abi import encode
        from eth_utils import keccak

        name = self._erc20(token)
        try:
            self.tx.call(name, "nonces", [ETH])
            separator = bytes(self.tx.call(name, "DOMAIN_SEPARATOR"))
        except Exception:  # noqa: BLE001 - no permit: nonces/DOMAIN_SEPARATOR missing or reverting
            return None
        try:
            _fields, token_name, version, chain_id, verifying, _salt, _ext = self.tx.call(name, "eip712Domain")
        except Exception:  # noqa: BLE001 - a permit token from before EIP-5267
            try:
                token_name, version, chain_id, verifying = self.tx.call(name, "name"), "1", self.tx.chain.chain_id, token
            except Exception:  # noqa: BLE001
                return None
        domain = {"name": token_name, "version": version, "chainId": chain_id, "verifyingContract": verifying}
        typehash = keccak(b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
        ours = keccak(encode(["bytes32", "bytes32", "bytes32", "uint256", "address"],
                             [typehash, keccak(text=token_name), keccak(text=version), chain_id, verifying]))
        return domain if ours == separator else None

    def sign_permit(self, token: str, owner: str, spender: str, value: int, deadline: int) -> tuple[int, bytes, bytes]:
        """EIP-2612 signature by `owner` (a key we hold, or the node's unlocked account)."""
        domain = self.permit_domain(token)
        if domain is None:
            raise UsageError(f"{token} has no EIP-2612 permit this client can sign for: pay with approve")
        data = {
            "types": {
                "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                                 {"name": "chainId", "type": "uint256"},
                                 {"name": "verifyingContract", "type": "address"}],
                "Permit": [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"},
                           {"name": "value", "type": "uint256"}, {"name": "nonce", "type": "uint256"},
                           {"name": "deadline", "type": "uint256"}],
            },
            "primaryType": "Permit",
            "domain": domain,
            "message": {"owner": owner, "spender": spender, "value": value, "nonce": self.nonce(token, owner),
                        "deadline": deadline},
        }
        return self.tx.chain.sign_typed_data(owner, data)
