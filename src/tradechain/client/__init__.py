"""TradeClient: the typed Python API over the deployed suite. The CLI, tests, demo and keeper all use it.

Shaped like web3.py's `Web3`: one transaction layer (`client.tx`, tradechain.transactions) that every write and
every log query goes through, and a small facade per contract on top — `client.escrow`, `client.invoices`,
`client.provenance`, `client.tokens`, `client.fx` (rates locked for orders priced in another currency). Amounts
are integers in base units (wei, or the token's smallest unit); times are unix seconds. Every state-changing method returns a Receipt with the gas used; a revert becomes a
ContractRevert naming the broken rule.
"""

from __future__ import annotations

from tradechain.chain import Chain
from tradechain.client.escrow import Escrow, Order, SellerRecord
from tradechain.client.fx import Fx
from tradechain.client.invoices import Invoice, Invoices
from tradechain.client.provenance import Provenance
from tradechain.client.titles import Titles
from tradechain.client.tokens import Tokens
from tradechain.deployment import Deployment
from tradechain.transactions import Receipt, Transactions, word
from tradechain.vocabulary import role_id

__all__ = ["TradeClient", "Order", "Invoice", "SellerRecord", "Receipt"]


class TradeClient:
    def __init__(self, chain: Chain, deployment: Deployment, artifacts: dict[str, dict]):
        self.chain = chain
        self.deployment = deployment
        self.artifacts = artifacts
        self.tx = Transactions(chain, artifacts, deployment.start_block)
        for name, address in deployment.addresses.items():
            self.tx.register(name, address, name)
        self.tokens = Tokens(self.tx)
        self.escrow = Escrow(self.tx, self.tokens)
        self.invoices = Invoices(self.tx, self.tokens, self.escrow)
        self.provenance = Provenance(self)
        self.fx = Fx(self.tx, self.tokens, self.escrow)
        self.titles = Titles(self.tx)

    # ---- roles, on any contract of the suite
    def grant_role(self, contract: str, role: str, account: str, *, sender: str) -> Receipt:
        return self.tx.send(contract, "grantRole", [role_id(role), account], sender=sender)

    def revoke_role(self, contract: str, role: str, account: str, *, sender: str) -> Receipt:
        return self.tx.send(contract, "revokeRole", [role_id(role), account], sender=sender)

    def has_role(self, contract: str, role: str, account: str) -> bool:
        return self.tx.call(contract, "hasRole", [role_id(role), account])

    # ---- across contracts
    def timeline(self, order_id: int) -> list[dict]:
        """Every event about an order, from the escrow, provenance log and invoice token, in chain order,
        each with its block timestamp."""
        topic = word(order_id)
        # financing events (InvoiceListed, InvoiceSold, AdvanceAccepted, ...) index the token id first; the
        # invoice's Transfer indexes it third
        events = self.tx.logs(["TradeEscrow", "Provenance", "InvoiceToken", "FxRates", "BillOfLading"], [None, topic])
        events += self.tx.logs(["InvoiceToken", "BillOfLading"], [None, None, None, topic])
        return self.tx.in_order(events)


def client_for(chain: Chain, artifacts: dict[str, dict], *, deploy_if_missing: bool = False) -> TradeClient:
    """The TradeClient of the suite on `chain`: deployed fresh on the embedded chain, from its manifest on a node
    (with `deploy_if_missing`, deployed and its manifest written where there is none)."""
    from tradechain.deployment import deploy_suite, for_chain, manifest_path, save_manifest
    from tradechain.project import project_root

    root = project_root()
    if deploy_if_missing and not chain.ephemeral and not manifest_path(root, chain.chain_id).exists():
        deployment = deploy_suite(chain, artifacts)
        save_manifest(deployment, root)
    else:
        deployment = for_chain(chain, root, artifacts)
    return TradeClient(chain, deployment, artifacts)
