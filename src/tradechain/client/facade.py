"""What every contract facade shares: the contract's name in the deployment, its address, and its sends and calls
through the one transaction layer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from tradechain.transactions import Receipt, Transactions

if TYPE_CHECKING:  # the escrow facade is itself a Facade
    from tradechain.client.escrow import Escrow
    from tradechain.client.tokens import Tokens


class Facade:
    """One contract of the suite, by its deployment name (`contract`)."""

    contract: ClassVar[str]

    def __init__(self, tx: Transactions):
        self.tx = tx

    @property
    def address(self) -> str:
        return self.tx.address(self.contract)

    def _send(self, fn: str, args: list, sender: str, **kw) -> Receipt:
        return self.tx.send(self.contract, fn, args, sender=sender, **kw)

    def _call(self, fn: str, args: list | tuple = ()) -> Any:
        return self.tx.call(self.contract, fn, args)


class PaymentFacade(Facade):
    """A contract whose steps move an order's money: it reads the escrow's orders and the tokens' units."""

    def __init__(self, tx: Transactions, tokens: Tokens, escrow: Escrow):
        super().__init__(tx)
        self.tokens = tokens
        self.escrow = escrow
