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
        uint8 marks; // scheduled orders only (see Provenance.trackShipment): tracked, title outstanding, triggers seen
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

    /// @notice {admin} cannot be the admin
    /// @param admin The admin given.
    error InvalidAdmin(address admin);
    /// @notice there is no shipment {shipmentId}
    /// @param shipmentId The shipment (its id is the order id).
    error UnknownShipment(uint256 shipmentId);
    /// @notice shipment {shipmentId} already exists
    /// @param shipmentId The shipment (its id is the order id).
    error ShipmentExists(uint256 shipmentId);
    /// @notice {caller} is not the carrier of shipment {shipmentId} (the carrier is {carrier})
    /// @param shipmentId The shipment (its id is the order id).
    /// @param caller The account that called.
    /// @param carrier The carrier named on the shipment.
    error NotShipmentCarrier(uint256 shipmentId, address caller, address carrier);
    /// @notice {account} does not hold the CARRIER role
    /// @param account The account concerned.
    error NotCarrier(address account);
    /// @notice {account} does not hold the CUSTOMS role
    /// @param account The account concerned.
    error NotCustoms(address account);
    /// @notice checkpoint kind {kind} is not valid
    /// @param kind The checkpoint kind.
    error InvalidKind(uint8 kind);
    /// @notice shipment {shipmentId} was already delivered at {deliveredAt}
    /// @param shipmentId The shipment (its id is the order id).
    /// @param deliveredAt When it was delivered, unix seconds.
    error AlreadyDelivered(uint256 shipmentId, uint256 deliveredAt);
    /// @notice there is no batch {batchId}; batches are written B1, B2, …
    /// @param batchId The batch.
    error UnknownBatch(uint256 batchId);
    /// @notice {account} may not write to item {itemId}: only its carrier, customs or custodian (shipment), or its producer or custodian (batch)
    /// @param itemId The shipment or batch.
    /// @param account The account concerned.
    error NotRecorder(uint256 itemId, address account);
    /// @notice a batch needs a SKU, a two-letter origin country and a quantity above zero (got sku {sku}, origin {origin}, quantity {quantity})
    /// @param sku The product code.
    /// @param origin The country of origin (ISO 3166).
    /// @param quantity The number of units.
    error InvalidBatch(bytes32 sku, bytes2 origin, uint256 quantity);
    /// @notice {count} certificates is more than the {max} a batch may anchor
    /// @param count How many were given.
    /// @param max The largest value allowed.
    error TooManyCertificates(uint256 count, uint256 max);
    /// @notice {caller} does not hold item {itemId}; the custodian is {custodian}
    /// @param itemId The shipment or batch.
    /// @param caller The account that called.
    /// @param custodian The current custodian.
    error NotCustodian(uint256 itemId, address caller, address custodian);
    /// @notice {caller} was not offered custody of item {itemId} (offered to {pending})
    /// @param itemId The shipment or batch.
    /// @param caller The account that called.
    /// @param pending The account custody was offered to.
    error NotPendingCustodian(uint256 itemId, address caller, address pending);
    /// @notice custody of item {itemId} cannot be offered to {to}
    /// @param itemId The shipment or batch.
    /// @param to The intended recipient.
    error InvalidCustodian(uint256 itemId, address to);
    /// @notice order {shipmentId} has shipped: its sensor limits can no longer change
    /// @param shipmentId The shipment (its id is the order id).
    error LimitsFrozen(uint256 shipmentId);
    /// @notice shipment {shipmentId} travels under an electronic bill of lading: its holder must surrender it
    /// (`tradechain ebl surrender`) before the carrier records the delivery
    /// @param shipmentId The shipment (its id is the order id).
    error TitleNotSurrendered(uint256 shipmentId);
    /// @notice sensor limits out of order: minimum {min} is above maximum {max} (hundredths)
    /// @param min The smallest value allowed.
    /// @param max The largest value allowed.
    error InvalidLimits(int256 min, int256 max);
    /// @notice readings must be 1 to {maxReadings} records of {recordSize} bytes (got {length} bytes)
    /// @param length The length given.
    /// @param recordSize Bytes per reading.
    /// @param maxReadings The most readings one call may carry.
    error BadReadings(uint256 length, uint256 recordSize, uint256 maxReadings);
    /// @notice sensor type {sensor} is unknown: use temperature, humidity or shock
    /// @param sensor The sensor type.
    error UnknownSensor(uint8 sensor);
    /// @notice a reading of shipment {shipmentId} is dated {at}, after {notAfter} (now or the delivery)
    /// @param shipmentId The shipment (its id is the order id).
    /// @param at The reading's time, unix seconds.
    /// @param notAfter The latest time allowed, unix seconds.
    error ReadingOutOfTime(uint256 shipmentId, uint256 at, uint256 notAfter);
    /// @notice a document needs a type and a non-zero hash (got type {docType}, hash {docHash})
    /// @param docType The document type.
    /// @param docHash The document's keccak-256.
    error InvalidDocument(uint8 docType, bytes32 docHash);
    /// @notice transport leg refused: mode {mode}, {distanceKm} km, {massKg} kg, {gramsPerTonneKm} g/t·km must all be set and plausible
    /// @param mode The transport mode.
    /// @param distanceKm The distance, km.
    /// @param massKg The mass carried, kg.
    /// @param gramsPerTonneKm Emission factor, grams CO2e per tonne-km.
    error InvalidLeg(uint8 mode, uint256 distanceKm, uint256 massKg, uint256 gramsPerTonneKm);
    /// @notice batch {batchId} is already linked to the maximum of {max} shipments
    /// @param batchId The batch.
    /// @param max The largest value allowed.
    error TooManyLinks(uint256 batchId, uint256 max);
    /// @notice batch {batchId} is already linked to shipment {shipmentId}
    /// @param batchId The batch.
    /// @param shipmentId The shipment (its id is the order id).
    error AlreadyLinked(uint256 batchId, uint256 shipmentId);
    /// @notice item {itemId} has no entry #{seq} (it has {count} entries)
    /// @param itemId The shipment or batch.
    /// @param seq The entry number.
    /// @param count How many were given.
    error UnknownEntry(uint256 itemId, uint256 seq, uint256 count);
    /// @notice the signed checkpoint expired at {deadline} (chain time {nowTimestamp})
    /// @param deadline The deadline, unix seconds.
    /// @param nowTimestamp The chain time, unix seconds.
    error SignatureExpired(uint256 deadline, uint256 nowTimestamp);
    /// @notice the sensor limits of order {shipmentId} changed since you read them (agreed now: {agreed}, yours:
    /// {expected}); check them and ship again
    /// @param shipmentId The order being shipped.
    /// @param agreed Hash of the limits agreed now (zero if none).
    /// @param expected Hash of the limits the seller accepts.
    error LimitsMismatch(uint256 shipmentId, bytes32 agreed, bytes32 expected);
    /// @notice the signed checkpoint's time {at} is in the future or more than {maxDelay} s before chain time
    /// {nowTimestamp}; sign it again
    /// @param at The signed event time.
    /// @param nowTimestamp The block time.
    /// @param maxDelay How long after `at` it may still be relayed.
    error SignedTimeOutOfRange(uint256 at, uint256 nowTimestamp, uint256 maxDelay);
    /// @notice {signer} already used or cancelled signature nonce {nonce} (a replay?)
    /// @param signer The recorder who signed.
    /// @param nonce The nonce.
    error NonceAlreadyUsed(address signer, uint256 nonce);
    /// @notice batch {batchId} did not ask to be linked to shipment {shipmentId}; its producer or custodian asks
    /// with `provenance link`
    /// @param batchId The batch.
    /// @param shipmentId The shipment.
    error LinkNotRequested(uint256 batchId, uint256 shipmentId);
    /// @notice {carrier} is not the carrier the seller nominated for shipment {shipmentId} (nominated: {nominated})
    /// @param shipmentId The shipment.
    /// @param carrier The carrier the admin named.
    /// @param nominated The seller's nominee (zero if none).
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
    function trackShipment(uint256 shipmentId, bool titled) external;
    function surrenderTitle(uint256 shipmentId) external;
    function reachedOf(uint256 shipmentId) external view returns (uint256);
}
