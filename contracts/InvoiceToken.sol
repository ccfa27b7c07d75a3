// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {IInvoiceToken} from "./interfaces/IInvoiceToken.sol";
import {ITradeEscrow} from "./interfaces/ITradeEscrow.sol";

/// @title InvoiceToken — one ERC-721 per shipped order: the seller's receivable.
/// @notice Token id = order id. The escrow pays whoever holds the token at settlement. The invoice's data
/// (payment token, face value, due date, status) is read from the escrow, never stored twice.
/// Once the order is settled, refunded or cancelled the token is locked: it can no longer move.
contract InvoiceToken is IInvoiceToken, ERC721, AccessControl {
    using Strings for uint256;
    using Strings for address;

    enum Status {
        Open,
        Overdue,
        Settled,
        Defaulted
    }

    struct Invoice {
        uint256 orderId;
        address paymentToken;
        uint256 faceValue;
        uint256 dueDate;
        Status status;
        address holder;
    }

    ITradeEscrow public escrow;

    constructor(address admin) ERC721("tradechain Invoice", "TCINV") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Bind the escrow that mints and settles invoices. Admin only, once.
    function bindEscrow(ITradeEscrow escrow_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (address(escrow) != address(0)) revert EscrowAlreadyBound(address(escrow));
        escrow = escrow_;
        emit EscrowBound(address(escrow_));
    }

    /// @inheritdoc IInvoiceToken
    function mint(address seller, uint256 orderId) external {
        if (msg.sender != address(escrow)) revert NotEscrow(msg.sender);
        _mint(seller, orderId);
    }

    /// @inheritdoc IInvoiceToken
    function settlementPayees(uint256 orderId, uint256 amount)
        external
        view
        returns (address[2] memory to, uint256[2] memory amounts)
    {
        to[0] = _requireOwned(orderId);
        amounts[0] = amount;
    }

    /// @notice The invoice as a lender sees it.
    function invoiceOf(uint256 tokenId) public view returns (Invoice memory inv) {
        inv.holder = _requireOwned(tokenId);
        ITradeEscrow.OrderView memory o = escrow.getOrder(tokenId);
        inv.orderId = tokenId;
        inv.paymentToken = o.token;
        inv.faceValue = escrow.faceValue(tokenId);
        inv.dueDate = o.deliverBy + o.inspectionWindow;
        inv.status = _status(o, inv.dueDate);
    }

    /// @notice Days past the due date while unsettled (0 when not overdue).
    function daysOverdue(uint256 tokenId) external view returns (uint256) {
        Invoice memory inv = invoiceOf(tokenId);
        if (inv.status != Status.Overdue) return 0;
        return (block.timestamp - inv.dueDate) / 1 days;
    }

    /// @notice On-chain JSON metadata as a base64 data URI, so any wallet or explorer can show the invoice.
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        Invoice memory inv = invoiceOf(tokenId);
        string[4] memory names = ["open", "overdue", "settled", "defaulted"];
        bytes memory json = abi.encodePacked(
            '{"name":"tradechain invoice #',
            tokenId.toString(),
            '","description":"Receivable of escrowed order ',
            tokenId.toString(),
            ', payable to the holder at settlement.","attributes":[',
            '{"trait_type":"order","value":',
            tokenId.toString(),
            '},{"trait_type":"payment token","value":"',
            inv.paymentToken.toHexString(),
            '"},{"trait_type":"face value","value":"',
            inv.faceValue.toString(),
            '"},{"trait_type":"due date","display_type":"date","value":',
            inv.dueDate.toString(),
            '},{"trait_type":"status","value":"',
            names[uint8(inv.status)],
            '"}]}'
        );
        return string.concat("data:application/json;base64,", Base64.encode(json));
    }

    function supportsInterface(bytes4 interfaceId) public view override(ERC721, AccessControl) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    /// @dev Settled, refunded or cancelled invoices never move again (minting is not a move).
    function _update(address to, uint256 tokenId, address auth) internal override returns (address) {
        if (_ownerOf(tokenId) != address(0) && escrow.isSettled(tokenId)) revert InvoiceLocked(tokenId);
        return super._update(to, tokenId, auth);
    }

    function _status(ITradeEscrow.OrderView memory o, uint256 dueDate) private view returns (Status) {
        if (o.state == ITradeEscrow.State.Released || o.state == ITradeEscrow.State.Resolved) return Status.Settled;
        if (o.state == ITradeEscrow.State.Refunded || o.state == ITradeEscrow.State.Cancelled) {
            return Status.Defaulted;
        }
        return block.timestamp > dueDate ? Status.Overdue : Status.Open;
    }
}
