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

    /// @notice only the escrow may do this, not {caller}
    /// @param caller The account that called.
    error NotEscrow(address caller);
    /// @notice the invoice token is already bound to escrow {escrow}
    /// @param escrow The escrow already bound.
    error EscrowAlreadyBound(address escrow);
    /// @notice invoice {tokenId} is settled and can no longer move
    /// @param tokenId The invoice (its token id is the order id).
    error InvoiceLocked(uint256 tokenId);
    /// @notice only the holder of invoice {tokenId} ({holder}) may do this, not {caller}
    /// @param tokenId The invoice (its token id is the order id).
    /// @param caller The account that called.
    /// @param holder The current holder.
    error NotHolder(uint256 tokenId, address caller, address holder);
    /// @notice invoice {tokenId} is not listed for sale
    /// @param tokenId The invoice (its token id is the order id).
    error NotListed(uint256 tokenId);
    /// @notice invoice {tokenId} is listed at {listedPrice}, not the {expectedPrice} you expected; check the listing again
    /// @param tokenId The invoice (its token id is the order id).
    /// @param listedPrice The price listed.
    /// @param expectedPrice The price the buyer expected.
    error PriceMismatch(uint256 tokenId, uint256 listedPrice, uint256 expectedPrice);
    /// @notice a price or advance of {price} for invoice {tokenId} must be above 0 and at most its face value {faceValue}
    /// @param tokenId The invoice (its token id is the order id).
    /// @param price The price, in base units.
    /// @param faceValue The invoice's face value, in base units.
    error InvalidPrice(uint256 tokenId, uint256 price, uint256 faceValue);
    /// @notice a discount of {discountBps} bps must be between 1 and 9999
    /// @param discountBps The discount, in basis points.
    error InvalidDiscount(uint256 discountBps);
    /// @notice an advance fee of {feeBps} bps must be at most 10000
    /// @param feeBps The fee, in basis points.
    error InvalidFee(uint256 feeBps);
    /// @notice sent {sent} wei but {expected} wei is due
    /// @param sent Wei sent with the call.
    /// @param expected What was due.
    error WrongEthValue(uint256 sent, uint256 expected);
    /// @notice {to} refused a payment of {amount}
    /// @param to The intended recipient.
    /// @param amount The amount, in base units.
    error PaymentFailed(address to, uint256 amount);
    /// @notice {buyer} already holds invoice {tokenId}
    /// @param tokenId The invoice (its token id is the order id).
    /// @param buyer The would-be buyer.
    error BuyerIsHolder(uint256 tokenId, address buyer);
    /// @notice invoice {tokenId} carries an advance from {financier}: it cannot be listed or take another advance
    /// @param tokenId The invoice (its token id is the order id).
    /// @param financier The financier concerned.
    error InvoiceEncumbered(uint256 tokenId, address financier);
    /// @notice {financier} already has an advance offer on invoice {tokenId}; withdraw it first
    /// @param tokenId The invoice (its token id is the order id).
    /// @param financier The financier concerned.
    error OfferExists(uint256 tokenId, address financier);
    /// @notice {financier} has no advance offer on invoice {tokenId}
    /// @param tokenId The invoice (its token id is the order id).
    /// @param financier The financier concerned.
    error NoAdvanceOffer(uint256 tokenId, address financier);
    /// @notice the advance offer of {financier} on invoice {tokenId} is {principal} at {feeBps} bps, not the terms given
    /// @param tokenId The invoice (its token id is the order id).
    /// @param financier The financier concerned.
    /// @param principal The principal, in base units.
    /// @param feeBps The fee, in basis points.
    error OfferMismatch(uint256 tokenId, address financier, uint256 principal, uint256 feeBps);
    /// @notice an advance repaying {repayment} exceeds the face value {faceValue} of invoice {tokenId}
    /// @param tokenId The invoice (its token id is the order id).
    /// @param repayment Principal plus fee, in base units.
    /// @param faceValue The invoice's face value, in base units.
    error AdvanceTooLarge(uint256 tokenId, uint256 repayment, uint256 faceValue);
    /// @notice KYC is on: invoice {tokenId} may go only to a FINANCIER or back to its seller, not {to}
    /// @param tokenId The invoice (its token id is the order id).
    /// @param to The intended recipient.
    error TransferNotAllowed(uint256 tokenId, address to);
    /// @notice order {tokenId} is disputed: its invoice cannot be sold, listed, advanced against or moved until the
    /// dispute ends
    /// @param tokenId The invoice (= order id).
    error InvoiceDisputed(uint256 tokenId);
    /// @notice order {tokenId} missed its delivery deadline and is due a refund: its invoice can no longer be
    /// financed or moved
    /// @param tokenId The invoice (= order id).
    error InvoiceRefundDue(uint256 tokenId);
    /// @notice an expiry of {expiresAt} is not in the future (chain time is {nowTimestamp})
    /// @param expiresAt The expiry given.
    /// @param nowTimestamp The block time.
    error ExpiryNotInFuture(uint256 expiresAt, uint256 nowTimestamp);
    /// @notice the listing of invoice {tokenId} expired at {expiredAt}; the holder must list it again
    /// @param tokenId The invoice.
    /// @param expiredAt When the listing stopped selling.
    error ListingExpired(uint256 tokenId, uint256 expiredAt);
    /// @notice the advance offer of {financier} on invoice {tokenId} expired at {expiredAt}
    /// @param tokenId The invoice.
    /// @param financier Who made the offer.
    /// @param expiredAt When the offer stopped being acceptable.
    error OfferExpired(uint256 tokenId, address financier, uint256 expiredAt);
    /// @notice your deadline {deadline} passed before the transaction was mined (chain time {nowTimestamp}); check
    /// the terms and send again
    /// @param deadline The caller's deadline.
    /// @param nowTimestamp The block time.
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
    /// @dev A tranche paid `amount` of an advance's repayment early; `outstanding` is still owed first at settlement.
    event AdvanceRepaid(uint256 indexed tokenId, address indexed financier, uint256 amount, uint256 outstanding);

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

    /// @notice settlementPayees for a tranche paid before settlement: what the financier receives is taken off the
    /// repayment it is still owed. Escrow only.
    /// @param orderId the order (its invoice's id)
    /// @param amount the seller side of the tranche
    function tranchePayees(uint256 orderId, uint256 amount)
        external
        returns (address[2] memory to, uint256[2] memory amounts);
}
