// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

import {IBillOfLading} from "./interfaces/IBillOfLading.sol";
import {IProvenance} from "./interfaces/IProvenance.sol";

/// @title BillOfLading — the electronic bill of lading: title to the goods of one shipment, as an ERC-721.
/// @notice Issued at shipping to the escrow, which holds it while payment is outstanding (delivery versus payment):
/// the title passes to the buyer in the same transaction as the tranche that pays for the documents, and back to the
/// seller on a refund. The holder endorses it on (`endorse`, or any ERC-721 transfer) and finally surrenders it for
/// delivery (`surrender`): until then the carrier cannot record the shipment's Delivered checkpoint. A hand-over the
/// receiver refuses leaves the title with the escrow, offered to its beneficiary, who claims it (`claim`).
contract BillOfLading is IBillOfLading, ERC721, AccessControl {
    /// @dev Gas for a hand-over's receiver hook: a smart wallet's is far below; a receiver that burns it all costs
    /// the release this much and no more (the title is then offered instead).
    uint256 private constant HANDOVER_GAS = 150_000;

    IProvenance public immutable provenance;
    /// @notice Holds titles while payment is outstanding (TradeEscrow).
    address public escrow;
    /// @notice Issues, delivers and settles titles for the escrow (its PaymentSchedules book).
    address public controller;

    /// @dev Two slots per title, written at issue.
    struct Record {
        bytes32 billOfLadingHash;
        address beneficiary;
        Status status;
    }

    mapping(uint256 tokenId => Record) private _titles;
    /// @notice Who may claim a title the escrow could not hand over (zero: nobody).
    mapping(uint256 tokenId => address) public offeredTo;

    constructor(address admin, IProvenance provenance_) ERC721("tradechain Bill of Lading", "eBL") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        provenance = provenance_;
    }

    /// @notice Bind the escrow that holds titles and the schedule book that moves them for it. Admin only, once.
    /// @dev Emits nothing: it runs once, in the deployment, whose manifest records both.
    /// @param escrow_ the TradeEscrow
    /// @param controller_ its PaymentSchedules
    function bindEscrow(address escrow_, address controller_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (escrow != address(0)) revert TitleEscrowAlreadyBound(escrow);
        escrow = escrow_;
        controller = controller_;
    }

    // ------------------------------------------------------------------ escrow

    /// @notice Issue the title of a shipment to the escrow, bound to its bill-of-lading hash; the shipper is its
    /// beneficiary until the documents are paid for. The escrow's controller only, at shipping.
    /// @dev Emits Transfer (mint) and TitleIssued.
    /// @param orderId the order, also the token id
    /// @param billOfLadingHash keccak-256 of the bill of lading given at shipping
    /// @param shipper the seller
    function issue(uint256 orderId, bytes32 billOfLadingHash, address shipper) external {
        _onlyEscrow();
        Record storage t = _titles[orderId];
        t.billOfLadingHash = billOfLadingHash;
        t.beneficiary = shipper;
        t.status = Status.Issued;
        _mint(escrow, orderId);
        emit TitleIssued(orderId, billOfLadingHash, escrow, shipper);
    }

    /// @notice Delivery versus payment: the escrow hands the title to the buyer with the tranche that pays for the
    /// documents. The buyer is the beneficiary from now on; if its contract refuses the token, the escrow keeps it,
    /// offered to the buyer (`claim`).
    /// @dev The escrow's controller only. Emits TitleEndorsed, or TitleOffered.
    /// @param orderId the order
    /// @param to the buyer
    function deliver(uint256 orderId, address to) external {
        _onlyEscrow();
        _handOver(orderId, to);
    }

    /// @notice The order was refunded: a title still in the escrow goes back to the shipper; one out with the buyer
    /// and not surrendered is voided (the remainder was refunded; the documents tranche stays paid). The escrow's
    /// controller only.
    /// @dev Emits TitleEndorsed or TitleOffered (back to the shipper), or TitleVoided; nothing for a surrendered title.
    /// @param orderId the order
    /// @param shipper the seller
    function settleRefund(uint256 orderId, address shipper) external {
        _onlyEscrow();
        address holder = _ownerOf(orderId);
        if (holder == address(0)) return;
        if (holder == escrow) return _handOver(orderId, shipper);
        Record storage t = _titles[orderId];
        if (t.status == Status.Surrendered) return;
        t.status = Status.Voided;
        emit TitleVoided(orderId, holder);
    }

    // ------------------------------------------------------------------ holder

    /// @notice The holder endorses the title to a new holder, who becomes its beneficiary.
    /// @dev Emits Transfer and TitleEndorsed. Reverts TitleClosed once surrendered or voided, and for a receiver
    /// contract that refuses ERC-721 tokens.
    /// @param tokenId the title (= order id)
    /// @param to the new holder
    function endorse(uint256 tokenId, address to) external {
        safeTransferFrom(msg.sender, to, tokenId);
    }

    /// @notice The holder surrenders the title for delivery: the carrier may then record Delivered. Final.
    /// @dev Emits TitleSurrendered. The escrow never surrenders: it holds the title only while payment is outstanding.
    /// @param tokenId the title (= order id)
    function surrender(uint256 tokenId) external {
        address holder = _requireOwned(tokenId);
        if (holder == escrow) revert TitleInEscrow(tokenId);
        if (msg.sender != holder) revert NotTitleHolder(tokenId, msg.sender, holder);
        Record storage t = _titles[tokenId];
        _requireOpen(tokenId, t.status);
        t.status = Status.Surrendered;
        emit TitleSurrendered(tokenId, holder);
        provenance.surrenderTitle(tokenId);
    }

    /// @notice The beneficiary takes a title the escrow could not hand over (its contract refused it then), to
    /// itself or to another address it names.
    /// @dev Emits Transfer and TitleEndorsed.
    /// @param tokenId the title (= order id)
    /// @param to where the title goes
    function claim(uint256 tokenId, address to) external {
        address offered = offeredTo[tokenId];
        if (offered == address(0) || msg.sender != offered) revert TitleNotOffered(tokenId, msg.sender, offered);
        delete offeredTo[tokenId];
        _safeTransfer(escrow, to, tokenId);
    }

    /// @dev The escrow's push of a title, run as its own call so that a refusing receiver (or anything it did in
    /// its hook) is undone without undoing the payment that came with it. Callable by this contract only.
    /// Emits Transfer and TitleEndorsed.
    /// @param tokenId the title
    /// @param to who receives it
    function handOverFromEscrow(uint256 tokenId, address to) external {
        if (msg.sender != address(this)) revert NotTitleEscrow(msg.sender);
        _safeTransfer(escrow, to, tokenId);
    }

    // ------------------------------------------------------------------ views

    /// @notice The title: its bill-of-lading hash, holder, beneficiary, pending offer and DCSA status.
    function titleOf(uint256 tokenId) external view returns (Title memory v) {
        Record storage t = _titles[tokenId];
        v.billOfLadingHash = t.billOfLadingHash;
        v.holder = _ownerOf(tokenId);
        v.beneficiary = t.beneficiary;
        v.offeredTo = offeredTo[tokenId];
        v.status = t.status;
    }

    function supportsInterface(bytes4 interfaceId) public view override(ERC721, AccessControl) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------ internals

    function _handOver(uint256 orderId, address to) private {
        _titles[orderId].beneficiary = to;
        try this.handOverFromEscrow{gas: HANDOVER_GAS}(orderId, to) {
            delete offeredTo[orderId];
        } catch {
            offeredTo[orderId] = to;
            emit TitleOffered(orderId, to);
        }
    }

    /// @dev Every move after the mint is an endorsement: the receiver becomes holder and beneficiary. A surrendered
    /// or voided title no longer moves; the escrow's title moves only by `deliver`, `settleRefund` or `claim` (it
    /// never approves anyone).
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = super._update(to, tokenId, auth);
        if (from == address(0)) return from;
        // a title endorsed to the escrow could never leave it: the escrow moves titles only for orders it settles
        if (to == escrow) revert ERC721InvalidReceiver(to);
        Record storage t = _titles[tokenId];
        _requireOpen(tokenId, t.status);
        t.status = Status.Endorsed;
        t.beneficiary = to;
        emit TitleEndorsed(tokenId, from, to);
    }

    function _requireOpen(uint256 tokenId, Status status) private pure {
        if (status == Status.Surrendered || status == Status.Voided) revert TitleClosed(tokenId, status);
    }

    function _onlyEscrow() private view {
        if (msg.sender != controller) revert NotTitleEscrow(msg.sender);
    }
}
