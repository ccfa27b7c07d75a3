// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title IInvoiceToken — the receivable of a shipped order, as the escrow sees it.
interface IInvoiceToken {
    error NotEscrow(address caller);
    error EscrowAlreadyBound(address escrow);
    error InvoiceLocked(uint256 tokenId);

    event EscrowBound(address escrow);

    /// @notice Mint the invoice of `orderId` to the seller. Escrow only.
    function mint(address seller, uint256 orderId) external;

    /// @notice Who receives the seller's side of a settlement of `amount`, and how much each.
    /// @dev The escrow pays exactly these; the amounts sum to `amount`.
    function settlementPayees(uint256 orderId, uint256 amount)
        external
        view
        returns (address[2] memory to, uint256[2] memory amounts);
}
