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

    /// @dev A sale listing: one slot. `price` is in the order's payment token.
    struct Listing {
        address holder;
        uint96 price;
    }

    /// @dev A financier's standing advance offer on one invoice; the principal waits in this contract.
    struct AdvanceOffer {
        uint96 principal;
        uint16 feeBps;
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

    event EscrowBound(address escrow);
    event InvoiceListed(uint256 indexed tokenId, address indexed holder, uint256 price, uint256 discountBps);
    event ListingWithdrawn(uint256 indexed tokenId, address indexed holder);
    event InvoiceSold(uint256 indexed tokenId, address indexed from, address indexed to, uint256 price);
    event AdvanceOffered(uint256 indexed tokenId, address indexed financier, uint256 principal, uint256 feeBps);
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
