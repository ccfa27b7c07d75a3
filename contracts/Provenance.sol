// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IProvenance} from "./interfaces/IProvenance.sol";

/// @title Provenance — append-only log of shipment checkpoints.
/// @notice Carriers and customs record where the goods are; the escrow reads delivery from here and keeps
/// no second copy. Each entry extends a hash chain, so a copy of the log can be checked offline against
/// one on-chain value (`headOf`). Nothing is ever edited or deleted.
contract Provenance is IProvenance, AccessControl {
    bytes32 public constant CARRIER_ROLE = keccak256("CARRIER_ROLE");
    bytes32 public constant CUSTOMS_ROLE = keccak256("CUSTOMS_ROLE");
    /// @dev Held by the escrow: opens a shipment when an order ships.
    bytes32 public constant ESCROW_ROLE = keccak256("ESCROW_ROLE");

    mapping(uint256 shipmentId => Shipment) private _shipments;
    mapping(uint256 shipmentId => bytes32) public headOf;

    constructor(address admin) {
        if (admin == address(0)) revert InvalidAdmin(admin);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Open a shipment with its carrier, who alone may record its logistics checkpoints.
    /// @dev ESCROW_ROLE. The carrier must hold CARRIER_ROLE. Emits ShipmentOpened.
    function openShipment(uint256 shipmentId, address carrier, bytes32 billOfLadingHash)
        external
        onlyRole(ESCROW_ROLE)
    {
        if (!hasRole(CARRIER_ROLE, carrier)) revert NotCarrier(carrier);
        Shipment storage s = _shipments[shipmentId];
        if (s.carrier != address(0)) revert ShipmentExists(shipmentId);
        s.carrier = carrier;
        emit ShipmentOpened(shipmentId, carrier, billOfLadingHash);
    }

    /// @notice Record a checkpoint. Customs kinds (ExportCleared, ImportCleared) need CUSTOMS_ROLE; the others
    /// need the shipment's carrier, still holding CARRIER_ROLE. `Delivered` may be recorded once and starts
    /// the buyer's inspection window in the escrow.
    /// @param location UN/LOCODE-style place code, left-aligned ASCII (e.g. "CNSHA")
    /// @param evidenceHash keccak-256 of the supporting document or photo (zero if none)
    function record(uint256 shipmentId, Kind kind, bytes8 location, bytes32 evidenceHash) external {
        Shipment storage s = _shipments[shipmentId];
        address carrier = s.carrier;
        if (carrier == address(0)) revert UnknownShipment(shipmentId);
        if (kind == Kind.None) revert InvalidKind(uint8(kind));
        if (kind == Kind.ExportCleared || kind == Kind.ImportCleared) {
            if (!hasRole(CUSTOMS_ROLE, msg.sender)) revert NotCustoms(msg.sender);
        } else {
            if (msg.sender != carrier) revert NotShipmentCarrier(shipmentId, msg.sender, carrier);
            if (!hasRole(CARRIER_ROLE, msg.sender)) revert NotCarrier(msg.sender);
        }
        if (kind == Kind.Delivered) {
            if (s.deliveredAt != 0) revert AlreadyDelivered(shipmentId, s.deliveredAt);
            s.deliveredAt = uint40(block.timestamp);
        }
        uint256 seq = s.count;
        s.count = uint32(seq + 1);
        bytes32 head = keccak256(
            abi.encode(headOf[shipmentId], shipmentId, seq, kind, msg.sender, location, evidenceHash, block.timestamp)
        );
        headOf[shipmentId] = head;
        emit Checkpoint(shipmentId, seq, msg.sender, kind, location, evidenceHash, block.timestamp, head);
    }

    /// @notice When delivery was recorded (unix seconds), or 0.
    function deliveredAt(uint256 shipmentId) external view returns (uint256) {
        return _shipments[shipmentId].deliveredAt;
    }

    /// @notice The shipment's carrier, or address(0) if no such shipment.
    function carrierOf(uint256 shipmentId) external view returns (address) {
        return _shipments[shipmentId].carrier;
    }

    /// @notice The shipment's record: carrier, delivery time and number of checkpoints.
    function shipmentOf(uint256 shipmentId) external view returns (Shipment memory) {
        return _shipments[shipmentId];
    }
}
