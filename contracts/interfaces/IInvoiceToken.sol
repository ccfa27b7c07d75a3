// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title IInvoiceToken — the receivable of a shipped order, as the escrow and financiers see it.
interface IInvoiceToken {
    /// @dev Derived from the escrow and the financing state, never stored.
    enum Status {
        Open,
        Financed,
        Overdue,
        Settled,
        Defaulted
    }

    /// @dev A sale listing as read by clients. `price` is in the order's payment token; the listing is the current
    /// holder's (any move of the invoice ends it) and sells only until `expiresAt`.
    struct Listing {
        address holder;
        uint96 price;
        uint40 expiresAt;
    }

    /// @dev A financier's standing advance offer on one invoice; the principal waits in this contract. One slot.
    /// It may be accepted only until `expiresAt`; the financier may withdraw it at any time.
    struct AdvanceOffer {
        uint96 principal;
        uint16 feeBps;
        uint40 expiresAt;
    }

    /// @dev An accepted advance. Slot 0 is all the settlement waterfall reads.
    struct Advance {
        address financier;
        uint96 repayment; // principal + fee: paid to the financier first at settlement
        uint96 principal;
        uint40 acceptedAt;
    }

    error NotEscrow(address caller);
    error EscrowAlreadyBound(address escrow);
    error InvoiceLocked(uint256 tokenId);
    error NotHolder(uint256 tokenId, address caller, address holder);
    error NotListed(uint256 tokenId);
    error PriceMismatch(uint256 tokenId, uint256 listedPrice, uint256 expectedPrice);
    error InvalidPrice(uint256 tokenId, uint256 price, uint256 faceValue);
    error InvalidDiscount(uint256 discountBps);
    error InvalidFee(uint256 feeBps);
    error WrongEthValue(uint256 sent, uint256 expected);
    error PaymentFailed(address to, uint256 amount);
    error BuyerIsHolder(uint256 tokenId, address buyer);
    error InvoiceEncumbered(uint256 tokenId, address financier);
    error OfferExists(uint256 tokenId, address financier);
    error NoAdvanceOffer(uint256 tokenId, address financier);
    error OfferMismatch(uint256 tokenId, address financier, uint256 principal, uint256 feeBps);
    error AdvanceTooLarge(uint256 tokenId, uint256 repayment, uint256 faceValue);
    error TransferNotAllowed(uint256 tokenId, address to);
    /// @notice The invoice's order is disputed: no sale, listing, advance or move until the dispute ends.
    /// @param tokenId the invoice (= order id)
    error InvoiceDisputed(uint256 tokenId);
    /// @notice The invoice's order was not delivered by its deadline and is due a refund: its receivable can no longer
    /// pay, so no sale, listing, advance or move.
    /// @param tokenId the invoice (= order id)
    error InvoiceRefundDue(uint256 tokenId);
    /// @notice A listing or an advance offer must expire in the future.
    /// @param expiresAt the expiry given
    /// @param nowTimestamp the block time
    error ExpiryNotInFuture(uint256 expiresAt, uint256 nowTimestamp);
    /// @notice The listing expired: the holder must list again.
    /// @param tokenId the invoice
    /// @param expiredAt when the listing stopped selling
    error ListingExpired(uint256 tokenId, uint256 expiredAt);
    /// @notice The financier's advance offer expired: it can only be withdrawn.
    /// @param tokenId the invoice
    /// @param financier who made the offer
    /// @param expiredAt when the offer stopped being acceptable
    error OfferExpired(uint256 tokenId, address financier, uint256 expiredAt);
    /// @notice The caller's own deadline for this purchase or acceptance passed before it was mined.
    /// @param deadline the caller's deadline
    /// @param nowTimestamp the block time
    error DeadlinePassed(uint256 deadline, uint256 nowTimestamp);

    event EscrowBound(address escrow);
    event InvoiceListed(
        uint256 indexed tokenId, address indexed holder, uint256 price, uint256 discountBps, uint256 expiresAt
    );
    event ListingWithdrawn(uint256 indexed tokenId, address indexed holder);
    event InvoiceSold(uint256 indexed tokenId, address indexed from, address indexed to, uint256 price);
    event AdvanceOffered(
        uint256 indexed tokenId, address indexed financier, uint256 principal, uint256 feeBps, uint256 expiresAt
    );
    event AdvanceOfferWithdrawn(uint256 indexed tokenId, address indexed financier, uint256 principal);
    event AdvanceAccepted(
        uint256 indexed tokenId, address indexed holder, address indexed financier, uint256 principal, uint256 fee
    );
    event KycRequiredChanged(bool required);

    /// @notice Mint the invoice of `orderId` to the seller. Escrow only.
    function mint(address seller, uint256 orderId) external;

    /// @notice Who stands on the seller's side of a settlement of `orderId`: the holder, and the financier of an
    /// accepted advance (zero if none) with the repayment it is owed first.
    function standing(uint256 orderId) external view returns (address holder, address financier, uint256 repayment);

    /// @notice Who receives the seller's side of a settlement of `amount`, and how much each.
    /// @dev The escrow pays exactly these; the amounts sum to `amount`.
    function settlementPayees(uint256 orderId, uint256 amount)
        external
        view
        returns (address[2] memory to, uint256[2] memory amounts);
}
