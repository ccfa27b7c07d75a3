// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {LowLevelCall} from "@openzeppelin/contracts/utils/LowLevelCall.sol";

import {IInvoiceToken} from "./interfaces/IInvoiceToken.sol";
import {ITradeEscrow} from "./interfaces/ITradeEscrow.sol";

/// @title InvoiceToken — one ERC-721 per shipped order: the seller's receivable, and its financing.
/// @notice Token id = order id. The escrow pays the seller side of a settlement through `settlementPayees`:
/// to the current holder, or, when an advance was taken, to the financier first (principal + fee) and the rest to
/// the holder. Financing, two ways: a sale (the holder lists, a FINANCIER buys in the order's payment token, token
/// and money swap atomically) or an advance (a FINANCIER escrows an offer here, the holder accepts and is paid at
/// once). The invoice's data (payment token, face value, due date, status) is read from the escrow, never stored
/// twice. Once the order is settled, refunded or cancelled the token is locked: it can no longer move or be sold.
contract InvoiceToken is IInvoiceToken, ERC721, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using Strings for uint256;
    using Strings for address;

    bytes32 public constant FINANCIER_ROLE = keccak256("FINANCIER_ROLE");
    uint256 public constant BPS = 10_000;

    struct Invoice {
        uint256 orderId;
        address paymentToken;
        uint256 faceValue;
        uint256 dueDate;
        Status status;
        address holder;
        address seller;
    }

    ITradeEscrow public escrow;
    /// @notice When on, invoices move only to FINANCIER holders or back to the order's seller.
    bool public kycRequired;

    /// @dev A listing in storage, one slot: the holder is always the current owner (any move ends the listing).
    struct Sale {
        uint96 price;
        uint40 expiresAt;
    }

    mapping(uint256 tokenId => Sale) private _listings;
    mapping(uint256 tokenId => mapping(address financier => AdvanceOffer)) private _offers;
    mapping(uint256 tokenId => Advance) private _advances;

    constructor(address admin) ERC721("tradechain Invoice", "TCINV") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Bind the escrow that mints and settles invoices. Admin only, once.
    /// @dev Emits EscrowBound.
    /// @param escrow_ the TradeEscrow that mints and settles invoices
    function bindEscrow(ITradeEscrow escrow_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (address(escrow) != address(0)) revert EscrowAlreadyBound(address(escrow));
        escrow = escrow_;
        emit EscrowBound(address(escrow_));
    }

    /// @notice Switch the KYC rule on or off. Admin only. Emits KycRequiredChanged.
    /// @param required true to let invoices move only to FINANCIER_ROLE holders or back to their order's seller
    function setKycRequired(bool required) external onlyRole(DEFAULT_ADMIN_ROLE) {
        kycRequired = required;
        emit KycRequiredChanged(required);
    }

    /// @notice Mint the invoice of `orderId` to the seller. Escrow only.
    /// @dev Emits Transfer.
    /// @param seller who receives the invoice: the order's seller
    /// @param orderId the order, also the token id
    function mint(address seller, uint256 orderId) external {
        if (msg.sender != address(escrow)) revert NotEscrow(msg.sender);
        _mint(seller, orderId);
    }

    // ------------------------------------------------------------------ sale

    /// @notice The holder lists the invoice for sale at `price` (order's payment token, 0 < price <= face value)
    /// until `expiresAt`. A new listing replaces the old one. Refused while the order is disputed, due a refund or
    /// ended, and while an advance is outstanding.
    /// @dev Emits InvoiceListed.
    /// @param tokenId the invoice (= order id)
    /// @param price what a financier pays the holder for it
    /// @param expiresAt unix time after which the listing no longer sells
    function list(uint256 tokenId, uint256 price, uint256 expiresAt) external {
        _list(tokenId, price, 0, expiresAt);
    }

    /// @notice The holder lists the invoice at `discountBps` off its face value until `expiresAt`.
    /// @dev Emits InvoiceListed.
    /// @param tokenId the invoice (= order id)
    /// @param discountBps 1..9999 off the face value
    /// @param expiresAt unix time after which the listing no longer sells
    function listAtDiscount(uint256 tokenId, uint256 discountBps, uint256 expiresAt) external {
        if (discountBps == 0 || discountBps >= BPS) revert InvalidDiscount(discountBps);
        _list(tokenId, escrow.faceValue(tokenId) * (BPS - discountBps) / BPS, discountBps, expiresAt);
    }

    /// @notice The holder withdraws its listing. Emits ListingWithdrawn.
    /// @param tokenId the invoice (= order id)
    function withdrawListing(uint256 tokenId) external {
        address holder = _holder(tokenId);
        if (msg.sender != holder) revert NotHolder(tokenId, msg.sender, holder);
        if (_listings[tokenId].price == 0) revert NotListed(tokenId);
        delete _listings[tokenId];
        emit ListingWithdrawn(tokenId, holder);
    }

    /// @notice A FINANCIER buys a listed invoice, paying the listed price in the order's payment token (ETH as
    /// msg.value, an ERC-20 by allowance) straight to the holder; the token moves in the same transaction.
    /// @dev Emits InvoiceSold and Transfer. The listing is consumed, so the same listing never sells twice.
    /// Refused after the listing's expiry or the caller's deadline, and while the order is disputed, due a refund
    /// or ended (InvoiceDisputed, InvoiceRefundDue, InvoiceLocked).
    /// @param tokenId the invoice (= order id)
    /// @param expectedPrice the price the buyer saw: a relisting at another price makes the purchase revert
    /// @param deadline the buyer's own deadline: a purchase mined later reverts
    function buy(uint256 tokenId, uint256 expectedPrice, uint256 deadline)
        external
        payable
        onlyRole(FINANCIER_ROLE)
        nonReentrant
    {
        if (block.timestamp > deadline) revert DeadlinePassed(deadline, block.timestamp);
        Sale memory l = _listings[tokenId];
        if (l.price == 0) revert NotListed(tokenId);
        if (block.timestamp > l.expiresAt) revert ListingExpired(tokenId, l.expiresAt);
        if (l.price != expectedPrice) revert PriceMismatch(tokenId, l.price, expectedPrice);
        address holder = _ownerOf(tokenId);
        if (msg.sender == holder) revert BuyerIsHolder(tokenId, msg.sender);
        delete _listings[tokenId];
        emit InvoiceSold(tokenId, holder, msg.sender, l.price);
        _transfer(holder, msg.sender, tokenId); // reverts unless the order can still pay, or if KYC refuses the buyer
        _collect(escrow.getOrder(tokenId).token, msg.sender, holder, l.price);
    }

    // ------------------------------------------------------------------ advance

    /// @notice A FINANCIER offers to advance `principal` now against `feeBps` of it at settlement, acceptable until
    /// `expiresAt`. The principal is escrowed here until the offer is accepted or withdrawn (ETH as msg.value, an
    /// ERC-20 by allowance).
    /// @dev principal + fee must not exceed the face value. One standing offer per financier and invoice. Refused
    /// while the order is disputed, due a refund or ended. Emits AdvanceOffered.
    /// @param tokenId the invoice (= order id)
    /// @param principal paid to the holder on acceptance
    /// @param feeBps the financier's fee on the principal, repaid with it first at settlement
    /// @param expiresAt unix time after which the offer can no longer be accepted
    function offerAdvance(uint256 tokenId, uint256 principal, uint256 feeBps, uint256 expiresAt)
        external
        payable
        onlyRole(FINANCIER_ROLE)
        nonReentrant
    {
        _holder(tokenId);
        _requireOpen(tokenId);
        if (expiresAt <= block.timestamp) revert ExpiryNotInFuture(expiresAt, block.timestamp);
        if (_offers[tokenId][msg.sender].principal != 0) revert OfferExists(tokenId, msg.sender);
        uint256 face = escrow.faceValue(tokenId);
        if (principal == 0) revert InvalidPrice(tokenId, principal, face);
        if (feeBps > BPS) revert InvalidFee(feeBps);
        uint256 repayment = principal + principal * feeBps / BPS;
        if (repayment > face) revert AdvanceTooLarge(tokenId, repayment, face);
        // principal <= repayment <= face value < 2^96 (order amounts are uint96); feeBps <= BPS
        _offers[tokenId][msg.sender] = AdvanceOffer(uint96(principal), uint16(feeBps), SafeCast.toUint40(expiresAt));
        emit AdvanceOffered(tokenId, msg.sender, principal, feeBps, expiresAt);
        _collect(escrow.getOrder(tokenId).token, msg.sender, address(this), principal);
    }

    /// @notice The financier withdraws its standing offer and gets the principal back. Emits AdvanceOfferWithdrawn.
    /// @param tokenId the invoice (= order id)
    function withdrawAdvanceOffer(uint256 tokenId) external nonReentrant {
        uint256 principal = _offers[tokenId][msg.sender].principal;
        if (principal == 0) revert NoAdvanceOffer(tokenId, msg.sender);
        delete _offers[tokenId][msg.sender];
        emit AdvanceOfferWithdrawn(tokenId, msg.sender, principal);
        _send(escrow.getOrder(tokenId).token, msg.sender, principal);
    }

    /// @notice The holder accepts `financier`'s advance: the principal is paid to the holder now, and the
    /// financier is repaid principal + fee first at settlement. The terms must match what the holder saw.
    /// @dev One advance per invoice; a listed invoice is delisted. Refused after the offer's expiry or the caller's
    /// deadline, when the financier no longer holds FINANCIER_ROLE, and while the order is disputed, due a refund
    /// or ended. Emits AdvanceAccepted.
    /// @param tokenId the invoice (= order id)
    /// @param financier whose offer is accepted
    /// @param principal the principal the holder saw in the offer
    /// @param feeBps the fee the holder saw in the offer
    /// @param deadline the holder's own deadline: an acceptance mined later reverts
    function acceptAdvance(uint256 tokenId, address financier, uint256 principal, uint256 feeBps, uint256 deadline)
        external
        nonReentrant
    {
        if (block.timestamp > deadline) revert DeadlinePassed(deadline, block.timestamp);
        address holder = _holder(tokenId);
        if (msg.sender != holder) revert NotHolder(tokenId, msg.sender, holder);
        _requireOpen(tokenId);
        Advance storage a = _advances[tokenId];
        if (a.financier != address(0)) revert InvoiceEncumbered(tokenId, a.financier);
        AdvanceOffer memory o = _offers[tokenId][financier];
        if (o.principal == 0) revert NoAdvanceOffer(tokenId, financier);
        if (block.timestamp > o.expiresAt) revert OfferExpired(tokenId, financier, o.expiresAt);
        if (o.principal != principal || o.feeBps != feeBps) revert OfferMismatch(tokenId, financier, o.principal, o.feeBps);
        _checkRole(FINANCIER_ROLE, financier); // a financier that lost the role (KYC revoked) finances nothing
        uint256 fee = uint256(o.principal) * o.feeBps / BPS;
        delete _offers[tokenId][financier];
        if (_listings[tokenId].price != 0) {
            delete _listings[tokenId];
            emit ListingWithdrawn(tokenId, holder);
        }
        a.financier = financier;
        a.repayment = uint96(o.principal + fee); // <= face value (offerAdvance checked it) < 2^96
        a.principal = o.principal;
        a.acceptedAt = uint40(block.timestamp); // unix seconds fit 40 bits for 34,000 years
        emit AdvanceAccepted(tokenId, holder, financier, o.principal, fee);
        _send(escrow.getOrder(tokenId).token, holder, o.principal);
    }

    // ------------------------------------------------------------------ settlement

    /// @inheritdoc IInvoiceToken
    function standing(uint256 orderId) external view returns (address holder, address financier, uint256 repayment) {
        holder = _requireOwned(orderId);
        Advance storage a = _advances[orderId];
        (financier, repayment) = (a.financier, a.repayment);
    }

    /// @inheritdoc IInvoiceToken
    /// @dev The waterfall: an accepted advance's financier first (up to principal + fee), the rest to the holder.
    function settlementPayees(uint256 orderId, uint256 amount)
        public
        view
        returns (address[2] memory to, uint256[2] memory amounts)
    {
        address holder = _requireOwned(orderId);
        Advance storage a = _advances[orderId];
        address financier = a.financier;
        if (financier == address(0)) {
            to[0] = holder;
            amounts[0] = amount;
            return (to, amounts);
        }
        uint256 first = a.repayment < amount ? a.repayment : amount;
        (to[0], amounts[0]) = (financier, first);
        (to[1], amounts[1]) = (holder, amount - first);
    }

    /// @inheritdoc IInvoiceToken
    /// @dev Emits AdvanceRepaid when an advance is outstanding.
    function tranchePayees(uint256 orderId, uint256 amount)
        external
        returns (address[2] memory to, uint256[2] memory amounts)
    {
        if (msg.sender != address(escrow)) revert NotEscrow(msg.sender);
        (to, amounts) = settlementPayees(orderId, amount);
        if (to[1] == address(0)) return (to, amounts); // no advance: all to the holder
        Advance storage a = _advances[orderId];
        // amounts[0] <= a.repayment (the waterfall caps it), so the rest fits the uint96 it came from
        uint96 outstanding = a.repayment - uint96(amounts[0]);
        a.repayment = outstanding;
        emit AdvanceRepaid(orderId, to[0], amounts[0], outstanding);
    }

    // ------------------------------------------------------------------ views

    /// @notice The invoice as a lender sees it.
    function invoiceOf(uint256 tokenId) public view returns (Invoice memory inv) {
        inv.holder = _requireOwned(tokenId);
        ITradeEscrow.OrderView memory o = escrow.getOrder(tokenId);
        inv.orderId = tokenId;
        inv.paymentToken = o.token;
        inv.seller = o.seller;
        inv.faceValue = escrow.faceValue(tokenId);
        inv.dueDate = o.deliverBy + o.inspectionWindow;
        inv.status = _status(tokenId, o, inv.dueDate, inv.holder);
    }

    /// @notice Days past the due date while unsettled (0 when not overdue).
    function daysOverdue(uint256 tokenId) external view returns (uint256) {
        Invoice memory inv = invoiceOf(tokenId);
        if (inv.status != Status.Overdue) return 0;
        return (block.timestamp - inv.dueDate) / 1 days;
    }

    /// @notice The standing sale listing (all zero when not listed).
    function listingOf(uint256 tokenId) external view returns (Listing memory l) {
        Sale memory sale = _listings[tokenId];
        if (sale.price != 0) l = Listing(_ownerOf(tokenId), sale.price, sale.expiresAt);
    }

    /// @notice `financier`'s standing advance offer on the invoice (principal 0 when none).
    function advanceOfferOf(uint256 tokenId, address financier) external view returns (AdvanceOffer memory) {
        return _offers[tokenId][financier];
    }

    /// @notice The accepted advance (financier 0 when none).
    function advanceOf(uint256 tokenId) external view returns (Advance memory) {
        return _advances[tokenId];
    }

    /// @notice On-chain JSON metadata as a base64 data URI, so any wallet or explorer can show the invoice.
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        Invoice memory inv = invoiceOf(tokenId);
        string[5] memory names = ["open", "financed", "overdue", "settled", "defaulted"];
        bytes memory head = abi.encodePacked(
            '{"name":"tradechain invoice #',
            tokenId.toString(),
            '","description":"Receivable of escrowed order ',
            tokenId.toString(),
            ', payable to the holder at settlement.","attributes":[',
            '{"trait_type":"order","value":',
            tokenId.toString(),
            '},{"trait_type":"payment token","value":"',
            inv.paymentToken.toHexString()
        );
        bytes memory json = abi.encodePacked(
            head,
            '"},{"trait_type":"face value","value":"',
            inv.faceValue.toString(),
            '"},{"trait_type":"due date","display_type":"date","value":',
            inv.dueDate.toString(),
            '},{"trait_type":"status","value":"',
            names[uint8(inv.status)],
            '"},{"trait_type":"financier","value":"',
            _advances[tokenId].financier.toHexString(),
            '"}]}'
        );
        return string.concat("data:application/json;base64,", Base64.encode(json));
    }

    function supportsInterface(bytes4 interfaceId) public view override(ERC721, AccessControl) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------ internals

    /// @dev Invoices move only while their order can still pay: never once it ended, nor while it is disputed (who
    /// stands in its settlement stays fixed) or due a refund (minting is not a move). A move ends any listing (it
    /// was the old holder's). With KYC on, only FINANCIERs or the order's seller may receive.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address) {
        address from = _ownerOf(tokenId);
        if (from != address(0)) {
            _requireOpen(tokenId);
            // the escrow pays the holder: the escrow or this contract holding the receivable would strand the payment
            if (to == address(escrow) || to == address(this)) revert ERC721InvalidReceiver(to);
            if (kycRequired && !hasRole(FINANCIER_ROLE, to) && to != escrow.getOrder(tokenId).seller) {
                revert TransferNotAllowed(tokenId, to);
            }
            if (_listings[tokenId].price != 0) {
                delete _listings[tokenId];
                emit ListingWithdrawn(tokenId, from);
            }
        }
        return super._update(to, tokenId, auth);
    }

    function _list(uint256 tokenId, uint256 price, uint256 discountBps, uint256 expiresAt) private {
        address holder = _holder(tokenId);
        if (msg.sender != holder) revert NotHolder(tokenId, msg.sender, holder);
        _requireOpen(tokenId);
        address financier = _advances[tokenId].financier;
        if (financier != address(0)) revert InvoiceEncumbered(tokenId, financier);
        uint256 face = escrow.faceValue(tokenId);
        if (price == 0 || price > face) revert InvalidPrice(tokenId, price, face);
        if (expiresAt <= block.timestamp) revert ExpiryNotInFuture(expiresAt, block.timestamp);
        // price <= face value < 2^96 (order amounts are uint96)
        _listings[tokenId] = Sale(uint96(price), SafeCast.toUint40(expiresAt));
        emit InvoiceListed(tokenId, holder, price, discountBps, expiresAt);
    }

    function _holder(uint256 tokenId) private view returns (address) {
        return _requireOwned(tokenId);
    }

    /// @dev No financing step and no move unless the order can still pay the invoice: not disputed, not due a
    /// refund, not ended.
    function _requireOpen(uint256 tokenId) private view {
        (ITradeEscrow.State s, bool refundDue) = escrow.financingState(tokenId);
        if (s == ITradeEscrow.State.Disputed) revert InvoiceDisputed(tokenId);
        if (uint8(s) >= uint8(ITradeEscrow.State.Released)) revert InvoiceLocked(tokenId); // the four terminal states
        if (refundDue) revert InvoiceRefundDue(tokenId);
    }

    /// @dev Take `amount` of `token` from `from` to `to`: ETH must arrive as exactly msg.value.
    function _collect(address token, address from, address to, uint256 amount) private {
        if (token == address(0)) {
            if (msg.value != amount) revert WrongEthValue(msg.value, amount);
            if (to != address(this)) _send(token, to, amount);
            return;
        }
        if (msg.value != 0) revert WrongEthValue(msg.value, 0);
        IERC20(token).safeTransferFrom(from, to, amount);
    }

    /// @dev Pay out; a refusing recipient reverts the whole step (nothing is left half-done).
    function _send(address token, address to, uint256 amount) private {
        if (token == address(0)) {
            // `to` is the caller itself, or the holder/seller a caller's own payment is for; a refusal reverts only
            // that caller's step
            // the suite's one ETH payout (as TradeEscrow._withdraw): OpenZeppelin's call that copies no return data
            if (!LowLevelCall.callNoReturn(to, amount, "")) revert PaymentFailed(to, amount);
        } else {
            IERC20(token).safeTransfer(to, amount);
        }
    }

    function _status(uint256 tokenId, ITradeEscrow.OrderView memory o, uint256 dueDate, address holder)
        private
        view
        returns (Status)
    {
        ITradeEscrow.State s = o.state;
        if (s == ITradeEscrow.State.Released) return Status.Settled;
        if (s == ITradeEscrow.State.Resolved) {
            // a ruling that refunds everything leaves the holder nothing
            // only the seller side decides the status
            // slither-disable-next-line unused-return
            (, uint256 toSellerSide,) = escrow.split(o.amount, o.proposedRefundBps, o.feeBps);
            return toSellerSide == 0 ? Status.Defaulted : Status.Settled;
        }
        if (s == ITradeEscrow.State.Refunded || s == ITradeEscrow.State.Cancelled) return Status.Defaulted;
        if (block.timestamp > dueDate) return Status.Overdue;
        if (_advances[tokenId].financier != address(0) || holder != o.seller) return Status.Financed;
        return Status.Open;
    }
}
