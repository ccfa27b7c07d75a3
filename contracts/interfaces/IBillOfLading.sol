// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title IBillOfLading — types, errors and events of the electronic bill of lading (eBL) registry.
/// @notice One title token per shipment (token id = order id), bound to the bill-of-lading hash given at shipping.
/// Life cycle after the DCSA eBL status vocabulary — issued (ISSU), endorsed (ENDO), surrendered for delivery
/// (SURR), voided (VOID) — with TradeTrust's split between the holder (who possesses the document: the token's
/// owner) and the beneficiary (who is entitled to the goods).
interface IBillOfLading {
    /// @dev DCSA eBL statuses. New values go at the end.
    enum Status {
        None,
        Issued,
        Endorsed,
        Surrendered,
        Voided
    }

    /// @notice A title as clients read it.
    struct Title {
        bytes32 billOfLadingHash;
        address holder;
        address beneficiary;
        address offeredTo; // who may claim it from the escrow after a refused hand-over (zero: nobody)
        Status status;
    }

    /// @notice only the escrow's schedule book may do this, not {caller}
    /// @param caller The account that called.
    error NotTitleEscrow(address caller);
    /// @notice the bill-of-lading registry is already bound to escrow {escrow}
    /// @param escrow The escrow already bound.
    error TitleEscrowAlreadyBound(address escrow);
    /// @notice only the holder of title {tokenId} ({holder}) may do this, not {caller}
    /// @param tokenId The title (its token id is the order id).
    /// @param caller The account that called.
    /// @param holder The current holder.
    error NotTitleHolder(uint256 tokenId, address caller, address holder);
    /// @notice title {tokenId} is {status}: it can no longer be endorsed or surrendered
    /// @param tokenId The title (its token id is the order id).
    /// @param status The title's status.
    error TitleClosed(uint256 tokenId, Status status);
    /// @notice title {tokenId} is not offered to {caller}; the escrow offers it to its beneficiary ({offeredTo})
    /// @param tokenId The title (its token id is the order id).
    /// @param caller The account that called.
    /// @param offeredTo Who may claim it (zero: nobody).
    error TitleNotOffered(uint256 tokenId, address caller, address offeredTo);
    /// @notice the escrow holds title {tokenId} while payment is outstanding: it passes with the tranche that pays for
    /// the documents
    /// @param tokenId The title (its token id is the order id).
    error TitleInEscrow(uint256 tokenId);

    /// @dev Issued at shipping to the escrow, which holds it while payment is outstanding; the shipper (seller) is the
    /// beneficiary until the documents are paid for.
    event TitleIssued(uint256 indexed tokenId, bytes32 billOfLadingHash, address indexed holder, address beneficiary);
    /// @dev The holder endorsed the title on: `to` is the new holder and beneficiary.
    event TitleEndorsed(uint256 indexed tokenId, address indexed from, address indexed to);
    /// @dev The escrow's hand-over to `to` was refused (a receiver contract reverted): the escrow keeps the title and
    /// `to`, its beneficiary, may claim it (`claim`).
    event TitleOffered(uint256 indexed tokenId, address indexed to);
    /// @dev The holder surrendered the title for delivery: the carrier may now record Delivered.
    event TitleSurrendered(uint256 indexed tokenId, address indexed holder);
    /// @dev The order was refunded while the title was out with the buyer unsurrendered: it no longer gives title to
    /// the goods.
    event TitleVoided(uint256 indexed tokenId, address indexed holder);

    function issue(uint256 orderId, bytes32 billOfLadingHash, address shipper) external;
    function deliver(uint256 orderId, address to) external;
    function settleRefund(uint256 orderId, address shipper) external;
    function titleOf(uint256 tokenId) external view returns (Title memory);
}
