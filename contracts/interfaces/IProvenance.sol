// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title IProvenance — types, errors and events of the provenance log.
/// @notice Items are shipments (id = the escrow's order id) and product batches (id = BATCH_BASE + n). Every
/// entry about an item — checkpoint, handover, sensor readings, document, transport leg, link, correction —
/// is one `Checkpoint` event that extends the item's single hash-chain head; entries other than plain
/// checkpoints also emit a detail event whose fields hash to the entry's `evidenceHash` (its payload).
interface IProvenance {
    /// @dev Entry vocabulary after GS1 EPCIS business steps and DCSA track-and-trace events. The order of the
    /// first ten is fixed (clients and stored logs depend on it); new kinds are appended.
    /// - 1..11 shipment logistics: customs kinds (ExportCleared, ImportCleared) need CUSTOMS_ROLE, the others
    ///   the shipment's carrier.
    /// - 12..14 batch steps, by the batch's producer or current custodian (Commissioned only at registration).
    /// - 15..21 written only by their own functions (handover, readings, document, leg, link, correction, carrier
    ///   replacement).
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
        Delivered,
        GateIn,
        Discharged,
        Commissioned,
        Packed,
        Inspected,
        Handover,
        Reading,
        Document,
        Leg,
        Linked,
        Correction,
        CarrierChanged
    }

    /// @dev Document types anchored by hash.
    enum DocType {
        None,
        BillOfLading,
        CertificateOfOrigin,
        CustomsDeclaration,
        ProofOfDelivery,
        CommercialInvoice,
        PackingList,
        QualityCertificate,
        InspectionReport,
        Other
    }

    /// @dev Transport modes of a carbon leg (after the GLEC framework).
    enum Mode {
        None,
        Road,
        Rail,
        Sea,
        Air,
        InlandWater
    }

    /// @dev Sensor types; bit (1 << sensor) marks a breach of that sensor's limits in `Shipment.breaches`.
    enum Sensor {
        None,
        Temperature,
        Humidity,
        Shock
    }

    /// @dev One storage slot per shipment plus the hash-chain head.
    struct Shipment {
        address carrier;
        uint40 deliveredAt;
        uint32 count;
        uint8 breaches; // bit per Sensor whose limits a reading broke; never cleared
    }

    /// @dev Two slots per batch plus the hash-chain head.
    struct Batch {
        address producer;
        uint32 count;
        uint40 registeredAt;
        bytes2 origin; // ISO 3166-1 alpha-2 country of origin
        uint8 shipments; // how many shipments carried it (at most MAX_LINKS)
        bytes32 sku; // GTIN or the producer's SKU, left-aligned ASCII
        uint64 quantity;
    }

    /// @dev Sensor limits agreed for a shipment, in hundredths (0.01 °C, 0.01 %RH, 0.01 g). One slot.
    struct Limits {
        int32 tempMin;
        int32 tempMax;
        int32 humidityMax;
        int32 shockMax;
    }

    /// @dev A checkpoint signed off-chain (EIP-712) by its recorder and relayed by anyone. `at` is when the
    /// recorder saw it happen: a relayed Delivered keeps that time, whenever it is relayed (within
    /// MAX_RELAY_DELAY). `nonce` is unordered: any unused number, each usable once (a bitmap per signer).
    struct SignedCheckpoint {
        uint256 shipmentId;
        Kind kind;
        bytes8 location;
        bytes32 evidenceHash;
        uint256 at;
        uint256 nonce;
        uint256 deadline;
    }

    error InvalidAdmin(address admin);
    error UnknownShipment(uint256 shipmentId);
    error ShipmentExists(uint256 shipmentId);
    error NotShipmentCarrier(uint256 shipmentId, address caller, address carrier);
    error NotCarrier(address account);
    error NotCustoms(address account);
    error InvalidKind(uint8 kind);
    error AlreadyDelivered(uint256 shipmentId, uint256 deliveredAt);
    error UnknownBatch(uint256 batchId);
    error NotRecorder(uint256 itemId, address account);
    error InvalidBatch(bytes32 sku, bytes2 origin, uint256 quantity);
    error TooManyCertificates(uint256 count, uint256 max);
    error NotCustodian(uint256 itemId, address caller, address custodian);
    error NotPendingCustodian(uint256 itemId, address caller, address pending);
    error InvalidCustodian(uint256 itemId, address to);
    error LimitsFrozen(uint256 shipmentId);
    error InvalidLimits(int256 min, int256 max);
    error BadReadings(uint256 length, uint256 recordSize, uint256 maxReadings);
    error UnknownSensor(uint8 sensor);
    error ReadingOutOfTime(uint256 shipmentId, uint256 at, uint256 notAfter);
    error InvalidDocument(uint8 docType, bytes32 docHash);
    error InvalidLeg(uint8 mode, uint256 distanceKm, uint256 massKg, uint256 gramsPerTonneKm);
    error TooManyLinks(uint256 batchId, uint256 max);
    error AlreadyLinked(uint256 batchId, uint256 shipmentId);
    error UnknownEntry(uint256 itemId, uint256 seq, uint256 count);
    error SignatureExpired(uint256 deadline, uint256 nowTimestamp);
    /// @notice The seller ships under limits other than those agreed now (the buyer changed them after the seller
    /// read them).
    /// @param shipmentId the order being shipped
    /// @param agreed hash of the limits agreed now (zero if none)
    /// @param expected hash of the limits the seller accepts
    error LimitsMismatch(uint256 shipmentId, bytes32 agreed, bytes32 expected);
    /// @notice A signed checkpoint's time must not be in the future, nor older than the relay delay allows.
    /// @param at the signed event time
    /// @param nowTimestamp the block time
    /// @param maxDelay how long after `at` it may still be relayed
    error SignedTimeOutOfRange(uint256 at, uint256 nowTimestamp, uint256 maxDelay);
    /// @notice The signer already used (or cancelled) this nonce: each signature runs once.
    /// @param signer the recorder who signed
    /// @param nonce the nonce
    error NonceAlreadyUsed(address signer, uint256 nonce);
    /// @notice The batch side never asked to link this batch to this shipment.
    /// @param batchId the batch
    /// @param shipmentId the shipment
    error LinkNotRequested(uint256 batchId, uint256 shipmentId);
    /// @notice Only the carrier the seller nominated may replace the shipment's carrier.
    /// @param shipmentId the shipment
    /// @param carrier the carrier the admin named
    /// @param nominated the seller's nominee (zero if none)
    error CarrierNotNominated(uint256 shipmentId, address carrier, address nominated);

    event ShipmentOpened(uint256 indexed shipmentId, address indexed carrier, bytes32 billOfLadingHash);
    /// @dev The seller asked for the shipment to be handed to `nominee` (the admin confirms with replaceCarrier).
    event CarrierNominated(uint256 indexed shipmentId, address indexed carrier, address indexed nominee);
    /// @dev Payload: keccak256(abi.encode(from, to)). Recorded by the admin who confirmed the seller's nominee.
    event CarrierReplaced(uint256 indexed shipmentId, address indexed from, address indexed to, uint256 seq);
    /// @notice One per entry of any item: the hash-chain link.
    /// @param evidenceHash the entry's payload: the evidence of a checkpoint, or the hash of the detail event's
    /// fields for other kinds (see each detail event)
    /// @param head hash-chain head after this entry: keccak256(abi.encode(prevHead, itemId, seq, kind, actor,
    /// location, evidenceHash, timestamp)), where timestamp is the entry's block timestamp (not repeated in the
    /// event: the block has it, and leaving it out keeps the plain checkpoint cheaper)
    event Checkpoint(
        uint256 indexed shipmentId,
        uint256 seq,
        address indexed actor,
        Kind kind,
        bytes8 location,
        bytes32 evidenceHash,
        bytes32 head
    );
    /// @dev Payload: keccak256(abi.encode(sku, origin, quantity, keccak256(abi.encodePacked(certificates)))).
    event BatchRegistered(
        uint256 indexed batchId, address indexed producer, bytes32 sku, bytes2 origin, uint256 quantity, bytes32[] certificates
    );
    event CustodyOffered(uint256 indexed itemId, address indexed from, address indexed to);
    /// @dev Payload: keccak256(abi.encode(from, to, evidenceHash)). Recorded by `to`, who takes custody.
    event CustodyTaken(uint256 indexed itemId, address indexed from, address indexed to, uint256 seq, bytes32 evidenceHash);
    event LimitsAgreed(uint256 indexed shipmentId, Limits limits);
    /// @dev Payload: keccak256(packed). Each 9-byte record: uint8 sensor, uint32 unix time, int32 value (hundredths).
    event Readings(uint256 indexed shipmentId, uint256 indexed seq, bytes packed, uint8 breaches);
    /// @dev A reading outside the shipment's limits: makes its order disputable even after the buyer confirms.
    event LimitBreached(
        uint256 indexed shipmentId, uint256 indexed seq, Sensor sensor, int256 value, uint256 at, int256 min, int256 max
    );
    /// @dev Payload: keccak256(abi.encode(docType, docHash)).
    event DocumentAnchored(uint256 indexed itemId, uint256 indexed seq, bytes32 indexed docHash, DocType docType);
    /// @dev Payload: keccak256(abi.encode(mode, from, to, distanceKm, massKg, gramsPerTonneKm, grams)).
    event LegRecorded(
        uint256 indexed itemId,
        uint256 indexed seq,
        Mode mode,
        bytes8 from,
        bytes8 to,
        uint256 distanceKm,
        uint256 massKg,
        uint256 gramsPerTonneKm,
        uint256 grams
    );
    /// @dev One entry on each chain; payload: the other item's id.
    event BatchLinked(uint256 indexed batchId, uint256 indexed shipmentId);
    /// @dev The batch's producer or custodian asked to link it to a shipment; its carrier or custodian accepts.
    event LinkRequested(uint256 indexed batchId, uint256 indexed shipmentId, address indexed by);
    /// @dev The signer cancelled a nonce (a signature it no longer wants relayed).
    event NonceInvalidated(address indexed signer, uint256 nonce);
    /// @dev Payload: keccak256(abi.encode(correctsSeq, kind, evidenceHash)); the corrected entry stays as it was.
    event Corrected(uint256 indexed itemId, uint256 indexed seq, uint256 indexed correctsSeq, Kind kind, bytes32 evidenceHash);

    function openShipment(uint256 shipmentId, address carrier, bytes32 billOfLadingHash, bytes32 limitsHash) external;
    function nominateCarrier(uint256 shipmentId, address nominee) external;
    function agreeLimits(uint256 shipmentId, Limits calldata limits) external;
    function deliveredAt(uint256 shipmentId) external view returns (uint256);
    function carrierOf(uint256 shipmentId) external view returns (address);
    function breachesOf(uint256 shipmentId) external view returns (uint8);
}
