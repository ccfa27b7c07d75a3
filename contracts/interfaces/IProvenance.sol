// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title IProvenance — types, errors and events of the provenance log.
interface IProvenance {
    /// @dev Shipment checkpoint vocabulary (after DCSA track-and-trace). Customs kinds need CUSTOMS_ROLE;
    /// the others need to be the shipment's carrier.
    enum Kind {
        None,
        PickedUp,
        GateOut,
        Loaded,
        Departed,
        Arrived,
        ExportCleared,
        ImportCleared,
        OutForDelivery,
        Delivered
    }

    /// @dev One storage slot per shipment plus the hash-chain head.
    struct Shipment {
        address carrier;
        uint40 deliveredAt;
        uint32 count;
    }

    error InvalidAdmin(address admin);
    error UnknownShipment(uint256 shipmentId);
    error ShipmentExists(uint256 shipmentId);
    error NotShipmentCarrier(uint256 shipmentId, address caller, address carrier);
    error NotCarrier(address account);
    error NotCustoms(address account);
    error InvalidKind(uint8 kind);
    error AlreadyDelivered(uint256 shipmentId, uint256 deliveredAt);

    event ShipmentOpened(uint256 indexed shipmentId, address indexed carrier, bytes32 billOfLadingHash);
    /// @param head hash-chain head after this entry: keccak256(abi.encode(prevHead, shipmentId, seq, kind, actor, location, evidenceHash, timestamp))
    event Checkpoint(
        uint256 indexed shipmentId,
        uint256 indexed seq,
        address indexed actor,
        Kind kind,
        bytes8 location,
        bytes32 evidenceHash,
        uint256 timestamp,
        bytes32 head
    );

    function openShipment(uint256 shipmentId, address carrier, bytes32 billOfLadingHash) external;
    function deliveredAt(uint256 shipmentId) external view returns (uint256);
    function carrierOf(uint256 shipmentId) external view returns (address);
}
