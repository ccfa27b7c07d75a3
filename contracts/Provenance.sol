// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IProvenance} from "./interfaces/IProvenance.sol";
import {HashChain} from "./libraries/HashChain.sol";
import {SensorReadings} from "./libraries/SensorReadings.sol";

/// @title Provenance — append-only log of shipments and product batches.
/// @notice Carriers and customs record where the goods are; producers register batches; custody passes from
/// hand to hand, each handover recorded by the one taking custody; sensor readings are checked against limits
/// agreed per shipment; documents are anchored by hash; transport legs carry their carbon footprint.
/// The escrow reads delivery and cold-chain breaches from here and keeps no second copy.
/// Every entry of an item extends its one hash-chain head (`headOf`), so a copy of the log can be verified
/// offline against one on-chain value. Nothing is ever edited or deleted: a correction is a new entry that
/// references the old one.
contract Provenance is IProvenance, AccessControl, EIP712 {
    bytes32 public constant CARRIER_ROLE = keccak256("CARRIER_ROLE");
    bytes32 public constant CUSTOMS_ROLE = keccak256("CUSTOMS_ROLE");
    bytes32 public constant PRODUCER_ROLE = keccak256("PRODUCER_ROLE");
    /// @dev Held by the escrow: opens a shipment when an order ships, and records the buyer's sensor limits.
    bytes32 public constant ESCROW_ROLE = keccak256("ESCROW_ROLE");
    /// @dev Held by the bill-of-lading registry: records that a shipment's title was surrendered for delivery.
    bytes32 public constant TITLE_ROLE = keccak256("TITLE_ROLE");
    /// @dev Held by the escrow's schedule book (PaymentSchedules): follows a scheduled order's shipment.
    bytes32 public constant SCHEDULE_ROLE = keccak256("SCHEDULE_ROLE");
    /// @dev Shipment.marks: the escrow tracks the shipment's tranche triggers (only scheduled orders pay for it) ...
    uint8 internal constant TRACKED = 1;
    /// @dev ... a title (eBL) is outstanding: no Delivered until its holder surrendered it. Bits 5, 6, 7 are the
    /// trigger kinds seen (1 << Kind: Arrived, ExportCleared, ImportCleared).
    uint8 internal constant TITLE_OUTSTANDING = 2;
    bytes32 private constant CHECKPOINT_TYPEHASH = keccak256(
        "Checkpoint(uint256 shipmentId,uint8 kind,bytes8 location,bytes32 evidenceHash,uint256 at,uint256 nonce,"
        "uint256 deadline)"
    );
    /// @notice How long after its signed time a checkpoint may still be relayed (bounds how far back a signed
    /// delivery time can reach).
    uint256 public constant MAX_RELAY_DELAY = 6 hours;

    /// @dev Batch ids start above every order id (the escrow counts orders in a uint40).
    uint256 public constant BATCH_BASE = 1 << 64;
    uint256 internal constant MAX_CERTIFICATES = 16;
    uint256 internal constant MAX_READINGS = 64;
    uint256 internal constant MAX_LINKS = 8;
    // Bounds that keep carbon sums far from overflow and catch unit mistakes (metres for km, grams for kg).
    uint256 internal constant MAX_DISTANCE_KM = 50_000;
    uint256 internal constant MAX_MASS_KG = 1_000_000_000;
    uint256 internal constant MAX_GRAMS_PER_TONNE_KM = 10_000;

    mapping(uint256 shipmentId => Shipment) private _shipments;
    mapping(uint256 itemId => bytes32) public headOf;
    uint64 public batchCount;
    mapping(uint256 batchId => Batch) private _batches;
    // written through a storage pointer in linkBatch (`links.push`), which Slither does not follow
    // slither-disable-next-line uninitialized-state
    mapping(uint256 batchId => uint256[]) private _batchShipments;
    /// @dev Set on the first handover; until then the custodian is the carrier (shipment) or producer (batch).
    mapping(uint256 itemId => address) private _custodians;
    mapping(uint256 itemId => address) public pendingCustodianOf;
    mapping(uint256 shipmentId => Limits) private _limits;
    mapping(uint256 shipmentId => bool) public hasLimits;
    /// @notice The carrier the seller nominated to take over a shipment, until the admin confirms it.
    mapping(uint256 shipmentId => address) public nominatedCarrierOf;
    /// @notice Used signature nonces: signer => word (nonce >> 8) => bit (nonce & 255), as Permit2's unordered nonces.
    mapping(address signer => mapping(uint256 word => uint256 bits)) public nonceBitmap;
    /// @notice Links a batch's side asked for, waiting for the shipment's carrier or custodian.
    mapping(uint256 batchId => mapping(uint256 shipmentId => bool)) public linkRequested;
    /// @notice Grams of CO2e of the transport legs recorded on the item itself.
    mapping(uint256 itemId => uint256) public carbonOf;

    constructor(address admin) EIP712("tradechain Provenance", "1") {
        if (admin == address(0)) revert InvalidAdmin(admin);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ------------------------------------------------------------------ shipments (escrow)

    /// @notice Open a shipment with its carrier, who alone may record its logistics checkpoints. The seller ships
    /// under the sensor limits it read: `limitsHash` must be the hash of the limits agreed now (zero if none), so a
    /// change by the buyer in the same block makes the shipment revert instead of binding the seller.
    /// @dev ESCROW_ROLE. The carrier must hold CARRIER_ROLE. Emits ShipmentOpened.
    /// @param shipmentId the order id
    /// @param carrier the carrier named by the seller
    /// @param billOfLadingHash keccak-256 of the bill of lading, anchored in the event
    /// @param limitsHash `limitsHashOf(shipmentId)` as the seller read it
    function openShipment(uint256 shipmentId, address carrier, bytes32 billOfLadingHash, bytes32 limitsHash)
        external
        onlyRole(ESCROW_ROLE)
    {
        if (!hasRole(CARRIER_ROLE, carrier)) revert NotCarrier(carrier);
        if (shipmentId >= BATCH_BASE) revert UnknownShipment(shipmentId);
        Shipment storage s = _shipments[shipmentId];
        if (s.carrier != address(0)) revert ShipmentExists(shipmentId);
        bytes32 agreed = limitsHashOf(shipmentId);
        if (agreed != limitsHash) revert LimitsMismatch(shipmentId, agreed, limitsHash);
        s.carrier = carrier;
        emit ShipmentOpened(shipmentId, carrier, billOfLadingHash);
    }

    /// @notice Follow a scheduled order's shipment: from now on its Arrived, ExportCleared and ImportCleared
    /// checkpoints are marked for the escrow's tranches (`reachedOf`), and with `titled` its delivery waits for its
    /// bill of lading to be surrendered. Plain shipments never pay for either.
    /// @dev SCHEDULE_ROLE, right after `openShipment`. Emits nothing: the escrow's ScheduleFixed and OrderShipped
    /// record the schedule and the shipment.
    /// @param shipmentId the order id
    /// @param titled whether an electronic bill of lading was issued for the shipment
    function trackShipment(uint256 shipmentId, bool titled) external onlyRole(SCHEDULE_ROLE) {
        Shipment storage s = _shipments[shipmentId];
        if (s.carrier == address(0)) revert UnknownShipment(shipmentId);
        s.marks = titled ? TRACKED | TITLE_OUTSTANDING : TRACKED;
    }

    /// @notice The shipment's bill of lading was surrendered for delivery: the carrier may now record Delivered.
    /// @dev TITLE_ROLE (the bill-of-lading registry). Emits nothing here: BillOfLading's TitleSurrendered records it.
    /// @param shipmentId the order id
    function surrenderTitle(uint256 shipmentId) external onlyRole(TITLE_ROLE) {
        _shipments[shipmentId].marks &= ~TITLE_OUTSTANDING;
    }

    /// @notice Record the sensor limits agreed for a shipment. Once the shipment is open they never change.
    /// @dev ESCROW_ROLE: the escrow passes on the buyer's limits while the order is unshipped; the seller accepts
    /// them by shipping. Emits LimitsAgreed.
    /// @param shipmentId the shipment (= order id)
    /// @param limits temperature range, humidity and shock maxima, in hundredths
    function agreeLimits(uint256 shipmentId, Limits calldata limits) external onlyRole(ESCROW_ROLE) {
        if (_shipments[shipmentId].carrier != address(0)) revert LimitsFrozen(shipmentId);
        if (limits.tempMin > limits.tempMax) revert InvalidLimits(limits.tempMin, limits.tempMax);
        if (limits.humidityMax < 0) revert InvalidLimits(0, limits.humidityMax);
        if (limits.shockMax < 0) revert InvalidLimits(0, limits.shockMax);
        _limits[shipmentId] = limits;
        hasLimits[shipmentId] = true;
        emit LimitsAgreed(shipmentId, limits);
    }

    /// @notice Record the seller's nominee to take over a shipment whose carrier can no longer serve it (key lost
    /// or revoked). Nothing changes until the admin confirms it with `replaceCarrier`.
    /// @dev ESCROW_ROLE: the escrow passes on the seller's request while the order is shipped and not delivered.
    /// Emits CarrierNominated.
    /// @param shipmentId the order id
    /// @param nominee the carrier to take over
    function nominateCarrier(uint256 shipmentId, address nominee) external onlyRole(ESCROW_ROLE) {
        Shipment storage s = _shipments[shipmentId];
        if (s.carrier == address(0)) revert UnknownShipment(shipmentId);
        if (s.deliveredAt != 0) revert AlreadyDelivered(shipmentId, s.deliveredAt);
        if (!hasRole(CARRIER_ROLE, nominee)) revert NotCarrier(nominee);
        nominatedCarrierOf[shipmentId] = nominee;
        emit CarrierNominated(shipmentId, s.carrier, nominee);
    }

    /// @notice The admin hands a shipment to the carrier its seller nominated: from now on only the new carrier
    /// records the shipment's logistics and confirms its delivery. Recorded in the log as a CarrierChanged entry.
    /// Custody held by the old carrier passes with it.
    /// @dev DEFAULT_ADMIN_ROLE (who admits carriers in the first place) with the seller's nomination; before delivery
    /// only. Emits CarrierReplaced and a CarrierChanged entry.
    /// @param shipmentId the shipment
    /// @param carrier the seller's nominee, still holding CARRIER_ROLE
    function replaceCarrier(uint256 shipmentId, address carrier) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Shipment storage s = _shipments[shipmentId];
        address old = s.carrier;
        if (old == address(0)) revert UnknownShipment(shipmentId);
        if (s.deliveredAt != 0) revert AlreadyDelivered(shipmentId, s.deliveredAt);
        address nominated = nominatedCarrierOf[shipmentId];
        if (carrier == address(0) || carrier != nominated) revert CarrierNotNominated(shipmentId, carrier, nominated);
        if (!hasRole(CARRIER_ROLE, carrier)) revert NotCarrier(carrier);
        delete nominatedCarrierOf[shipmentId];
        s.carrier = carrier;
        if (_custodians[shipmentId] == old) _custodians[shipmentId] = carrier;
        uint256 seq = _append(shipmentId, Kind.CarrierChanged, bytes8(0), keccak256(abi.encode(old, carrier)));
        emit CarrierReplaced(shipmentId, old, carrier, seq);
    }

    // ------------------------------------------------------------------ checkpoints

    /// @notice Record a checkpoint. Customs kinds (ExportCleared, ImportCleared) need CUSTOMS_ROLE; the other
    /// logistics kinds need the shipment's carrier, still holding CARRIER_ROLE. `Delivered` may be recorded once
    /// and starts the buyer's inspection window in the escrow. Emits Checkpoint.
    /// @param location UN/LOCODE-style place code, left-aligned ASCII (e.g. "CNSHA")
    /// @param evidenceHash keccak-256 of the supporting document or photo (zero if none)
    /// @param shipmentId the shipment (= order id)
    /// @param kind a logistics kind (PickedUp ... Discharged) or a customs kind (ExportCleared, ImportCleared)
    function record(uint256 shipmentId, Kind kind, bytes8 location, bytes32 evidenceHash) external {
        _checkpoint(shipmentId, kind, location, evidenceHash, msg.sender, block.timestamp);
    }

    /// @notice Relay a checkpoint its recorder signed off-chain (EIP-712), so a carrier without gas can report.
    /// Anyone may send it; the entry's actor is the signer, held to the same rules as `record`. A Delivered keeps
    /// the signed time `at`, so a relayer that waits cannot turn a timely delivery into a late one.
    /// @dev Reverts SignatureExpired after `deadline`, SignedTimeOutOfRange when `at` is in the future or more than
    /// MAX_RELAY_DELAY ago, NonceAlreadyUsed on a replay, and NotShipmentCarrier / NotCustoms when the signer may
    /// not record this kind. Nonces are unordered: a lost signature blocks no other. Emits Checkpoint.
    /// @param cp the signed checkpoint
    /// @param signature the recorder's 65-byte signature of `checkpointDigest(cp)`
    function recordSigned(SignedCheckpoint calldata cp, bytes calldata signature) external {
        if (block.timestamp > cp.deadline) revert SignatureExpired(cp.deadline, block.timestamp);
        if (cp.at > block.timestamp || cp.at + MAX_RELAY_DELAY < block.timestamp) {
            revert SignedTimeOutOfRange(cp.at, block.timestamp, MAX_RELAY_DELAY);
        }
        address signer = ECDSA.recover(checkpointDigest(cp), signature);
        _useNonce(signer, cp.nonce);
        _checkpoint(cp.shipmentId, cp.kind, cp.location, cp.evidenceHash, signer, cp.at);
    }

    /// @notice Cancel one of the caller's signature nonces, so a checkpoint signed with it can never be relayed.
    /// @dev Emits NonceInvalidated. Reverts NonceAlreadyUsed if it was used or cancelled already.
    /// @param nonce the nonce to cancel
    function invalidateNonce(uint256 nonce) external {
        _useNonce(msg.sender, nonce);
        emit NonceInvalidated(msg.sender, nonce);
    }

    /// @notice Whether `signer` used or cancelled `nonce`.
    function nonceUsed(address signer, uint256 nonce) external view returns (bool) {
        return nonceBitmap[signer][nonce >> 8] & (1 << (nonce & 0xff)) != 0;
    }

    // ------------------------------------------------------------------ batches

    /// @notice Register a product batch: its first entry (Commissioned) anchors SKU, origin, quantity and the
    /// certificate hashes. PRODUCER_ROLE; the producer is the batch's first custodian.
    /// @dev Emits BatchRegistered and the Commissioned entry's Checkpoint.
    /// @param origin ISO 3166-1 alpha-2 country code ("CN")
    /// @return batchId BATCH_BASE + the batch number
    /// @param sku GTIN or the producer's SKU, left-aligned ASCII
    /// @param quantity units in the batch, 1 to 2^64 - 1
    /// @param certificates keccak-256 of each certificate, at most 16
    /// @param location UN/LOCODE-style place code, left-aligned ASCII
    function registerBatch(
        bytes32 sku,
        bytes2 origin,
        uint256 quantity,
        bytes32[] calldata certificates,
        bytes8 location
    ) external onlyRole(PRODUCER_ROLE) returns (uint256 batchId) {
        if (sku == 0 || !_isCountry(origin) || quantity == 0 || quantity > type(uint64).max) {
            revert InvalidBatch(sku, origin, quantity);
        }
        if (certificates.length > MAX_CERTIFICATES) revert TooManyCertificates(certificates.length, MAX_CERTIFICATES);
        batchId = BATCH_BASE + ++batchCount;
        Batch storage b = _batches[batchId];
        b.producer = msg.sender;
        b.registeredAt = uint40(block.timestamp); // unix seconds fit 40 bits for 34,000 years
        b.origin = origin;
        b.sku = sku;
        b.quantity = uint64(quantity); // <= type(uint64).max, checked above
        emit BatchRegistered(batchId, msg.sender, sku, origin, quantity, certificates);
        bytes32 payload = keccak256(abi.encode(sku, origin, quantity, keccak256(abi.encodePacked(certificates))));
        _append(batchId, Kind.Commissioned, location, payload);
    }

    /// @notice Record a batch step (Packed, Inspected). The batch's producer or current custodian. Emits Checkpoint.
    /// @param batchId the batch (BATCH_BASE + n)
    /// @param kind Packed or Inspected
    /// @param location UN/LOCODE-style place code, left-aligned ASCII
    /// @param evidenceHash keccak-256 of the evidence (zero if none)
    function recordBatch(uint256 batchId, Kind kind, bytes8 location, bytes32 evidenceHash) external {
        if (batchId < BATCH_BASE) revert UnknownBatch(batchId);
        if (kind != Kind.Packed && kind != Kind.Inspected) revert InvalidKind(uint8(kind));
        _requireRecorder(batchId);
        _append(batchId, kind, location, evidenceHash);
    }

    /// @notice Say that a batch travels in a shipment. The batch's producer or custodian asks; the shipment's
    /// carrier or custodian accepts (`acceptLink`), so nobody appends to a stranger's shipment log or borrows its
    /// carbon. When the caller stands on both sides (say, a carrier holding the batch), the link is made at once:
    /// one Linked entry on each item's chain. At most MAX_LINKS shipments per batch.
    /// @dev Emits LinkRequested, or BatchLinked and two Linked entries.
    /// @param batchId the batch (BATCH_BASE + n)
    /// @param shipmentId the shipment (an order id)
    function linkBatch(uint256 batchId, uint256 shipmentId) external {
        if (batchId < BATCH_BASE) revert UnknownBatch(batchId);
        _requireRecorder(batchId);
        address carrier = _shipments[shipmentId].carrier;
        if (carrier == address(0) || shipmentId >= BATCH_BASE) revert UnknownShipment(shipmentId);
        if (!_isShipmentSide(shipmentId, carrier)) {
            _checkLinkable(batchId, shipmentId);
            linkRequested[batchId][shipmentId] = true;
            emit LinkRequested(batchId, shipmentId, msg.sender);
            return;
        }
        _linkNow(batchId, shipmentId);
    }

    /// @notice The shipment's carrier (holding CARRIER_ROLE) or custodian accepts a batch's link request.
    /// @dev Emits BatchLinked and a Linked entry on each chain. Reverts LinkNotRequested, NotShipmentCarrier.
    /// @param batchId the batch that asked
    /// @param shipmentId the shipment it travels in
    function acceptLink(uint256 batchId, uint256 shipmentId) external {
        if (!linkRequested[batchId][shipmentId]) revert LinkNotRequested(batchId, shipmentId);
        address carrier = _shipments[shipmentId].carrier;
        if (!_isShipmentSide(shipmentId, carrier)) revert NotShipmentCarrier(shipmentId, msg.sender, carrier);
        delete linkRequested[batchId][shipmentId];
        _linkNow(batchId, shipmentId);
    }

    function _linkNow(uint256 batchId, uint256 shipmentId) private {
        uint256 n = _checkLinkable(batchId, shipmentId);
        Batch storage b = _batches[batchId];
        _batchShipments[batchId].push(shipmentId);
        b.shipments = uint8(n + 1); // n < MAX_LINKS (8), checked by _checkLinkable
        emit BatchLinked(batchId, shipmentId);
        _append(batchId, Kind.Linked, bytes8(0), bytes32(shipmentId));
        _append(shipmentId, Kind.Linked, bytes8(0), bytes32(batchId));
    }

    /// @dev The batch's links so far (at most MAX_LINKS, so the loop is bounded), refusing a full or repeated one.
    function _checkLinkable(uint256 batchId, uint256 shipmentId) private view returns (uint256 n) {
        uint256[] storage links = _batchShipments[batchId];
        n = links.length;
        if (n == MAX_LINKS) revert TooManyLinks(batchId, MAX_LINKS);
        for (uint256 i; i < n; ++i) {
            if (links[i] == shipmentId) revert AlreadyLinked(batchId, shipmentId);
        }
    }

    /// @dev The caller speaks for the shipment: its carrier still holding CARRIER_ROLE, or its custodian.
    function _isShipmentSide(uint256 shipmentId, address carrier) private view returns (bool) {
        return (msg.sender == carrier && hasRole(CARRIER_ROLE, msg.sender)) || msg.sender == custodianOf(shipmentId);
    }

    // ------------------------------------------------------------------ custody

    /// @notice The current custodian names who takes the goods next. A new offer replaces the old one.
    /// Emits CustodyOffered.
    /// @param itemId a shipment (order id) or a batch (BATCH_BASE + n)
    /// @param to who takes custody next
    function offerCustody(uint256 itemId, address to) external {
        address current = custodianOf(itemId);
        if (msg.sender != current) revert NotCustodian(itemId, msg.sender, current);
        if (to == address(0) || to == current) revert InvalidCustodian(itemId, to);
        pendingCustodianOf[itemId] = to;
        emit CustodyOffered(itemId, current, to);
    }

    /// @notice The one named by the custodian takes custody: the handover entry is signed by its sender.
    /// @dev Emits CustodyTaken and a Handover entry.
    /// @param itemId a shipment (order id) or a batch (BATCH_BASE + n)
    /// @param location UN/LOCODE-style place code, left-aligned ASCII
    /// @param evidenceHash keccak-256 of the evidence (zero if none)
    function takeCustody(uint256 itemId, bytes8 location, bytes32 evidenceHash) external {
        address pending = pendingCustodianOf[itemId];
        if (pending == address(0) || msg.sender != pending) revert NotPendingCustodian(itemId, msg.sender, pending);
        address from = custodianOf(itemId);
        _custodians[itemId] = msg.sender;
        delete pendingCustodianOf[itemId];
        uint256 seq = _append(itemId, Kind.Handover, location, keccak256(abi.encode(from, msg.sender, evidenceHash)));
        emit CustodyTaken(itemId, from, msg.sender, seq, evidenceHash);
    }

    // ------------------------------------------------------------------ sensors, documents, carbon

    /// @notice Record sensor readings (see SensorReadings for the 9-byte format) in one entry. Readings outside
    /// the shipment's agreed limits set its breach flags for good: the escrow then lets the buyer dispute even
    /// after confirming. The shipment's carrier; readings may not be later than now, nor than the delivery.
    /// @dev Emits LimitBreached per reading out of range, Readings, and a Reading entry.
    /// @param shipmentId the shipment (= order id)
    /// @param packed 1 to 64 readings of 9 bytes each: uint8 sensor, uint32 unix time, int32 value in hundredths
    function recordReadings(uint256 shipmentId, bytes calldata packed) external {
        Shipment storage s = _shipments[shipmentId];
        _requireCarrier(shipmentId, s.carrier, msg.sender);
        uint256 n = packed.length / SensorReadings.RECORD;
        if (n == 0 || n > MAX_READINGS || packed.length % SensorReadings.RECORD != 0) {
            revert BadReadings(packed.length, SensorReadings.RECORD, MAX_READINGS);
        }
        uint256 seq = s.count;
        uint8 breaches = _checkReadings(shipmentId, seq, packed, n, s.deliveredAt != 0 ? s.deliveredAt : block.timestamp);
        if (breaches != 0) s.breaches |= breaches;
        emit Readings(shipmentId, seq, packed, breaches);
        _append(shipmentId, Kind.Reading, bytes8(0), keccak256(packed));
    }

    /// @notice Anchor a document by its keccak-256 with its type. An authorised recorder of the item: a
    /// shipment's carrier, customs or custodian; a batch's producer or custodian. Emits DocumentAnchored.
    /// @param itemId a shipment (order id) or a batch (BATCH_BASE + n)
    /// @param docType what the document is
    /// @param docHash keccak-256 of the document's bytes
    function anchorDocument(uint256 itemId, DocType docType, bytes32 docHash) external {
        if (docType == DocType.None || docHash == 0) revert InvalidDocument(uint8(docType), docHash);
        _requireRecorder(itemId);
        uint256 seq = _append(itemId, Kind.Document, bytes8(0), keccak256(abi.encode(docType, docHash)));
        emit DocumentAnchored(itemId, seq, docHash, docType);
    }

    /// @notice Record a transport leg and its footprint: grams CO2e = distance (km) × mass (kg) × factor
    /// (g CO2e per tonne-km) / 1000, added to the item's total. An authorised recorder of the item.
    /// @dev Emits LegRecorded and a Leg entry located at `from`.
    /// @param itemId a shipment (order id) or a batch (BATCH_BASE + n)
    /// @param mode the transport mode
    /// @param from UN/LOCODE where the leg starts
    /// @param to UN/LOCODE where the leg ends
    /// @param distanceKm length of the leg, 1 to 50,000 km
    /// @param massKg mass carried, 1 to 10^9 kg
    /// @param gramsPerTonneKm emission factor, 1 to 10,000 g CO2e per tonne-km
    function recordLeg(
        uint256 itemId,
        Mode mode,
        bytes8 from,
        bytes8 to,
        uint256 distanceKm,
        uint256 massKg,
        uint256 gramsPerTonneKm
    ) external {
        if (
            mode == Mode.None || distanceKm == 0 || distanceKm > MAX_DISTANCE_KM || massKg == 0
                || massKg > MAX_MASS_KG || gramsPerTonneKm == 0 || gramsPerTonneKm > MAX_GRAMS_PER_TONNE_KM
        ) revert InvalidLeg(uint8(mode), distanceKm, massKg, gramsPerTonneKm);
        _requireRecorder(itemId);
        uint256 grams = distanceKm * massKg * gramsPerTonneKm / 1000;
        carbonOf[itemId] += grams;
        bytes32 payload = keccak256(abi.encode(mode, from, to, distanceKm, massKg, gramsPerTonneKm, grams));
        uint256 seq = _append(itemId, Kind.Leg, from, payload);
        emit LegRecorded(itemId, seq, mode, from, to, distanceKm, massKg, gramsPerTonneKm, grams);
    }

    // ------------------------------------------------------------------ corrections

    /// @notice Correct an earlier entry with a new one that references it; the old entry stays as it was.
    /// `kind` is the corrected checkpoint kind, or None to mark the entry wrong without replacing it. Held to
    /// the rules of writing that kind; Delivered, Commissioned and the entry-only kinds cannot be written this
    /// way (a delivery time is final, and breaches stay flagged). Emits Corrected and a Correction entry.
    /// @param itemId a shipment (order id) or a batch (BATCH_BASE + n)
    /// @param correctsSeq the entry corrected
    /// @param kind the corrected checkpoint kind, or None to mark the entry wrong
    /// @param location UN/LOCODE-style place code, left-aligned ASCII
    /// @param evidenceHash keccak-256 of the evidence (zero if none)
    function correct(uint256 itemId, uint256 correctsSeq, Kind kind, bytes8 location, bytes32 evidenceHash)
        external
    {
        uint256 count = entryCount(itemId);
        if (correctsSeq >= count) revert UnknownEntry(itemId, correctsSeq, count);
        if (kind == Kind.None) {
            _requireRecorder(itemId);
        } else if (itemId < BATCH_BASE && kind != Kind.Delivered && uint8(kind) <= uint8(Kind.Discharged)) {
            _authorise(_shipments[itemId], itemId, kind, msg.sender);
        } else if (itemId >= BATCH_BASE && (kind == Kind.Packed || kind == Kind.Inspected)) {
            _requireRecorder(itemId);
        } else {
            revert InvalidKind(uint8(kind));
        }
        bytes32 payload = keccak256(abi.encode(correctsSeq, kind, evidenceHash));
        uint256 seq = _append(itemId, Kind.Correction, location, payload);
        emit Corrected(itemId, seq, correctsSeq, kind, evidenceHash);
    }

    // ------------------------------------------------------------------ views

    /// @notice When delivery was recorded (unix seconds), or 0.
    function deliveredAt(uint256 shipmentId) external view returns (uint256) {
        return _shipments[shipmentId].deliveredAt;
    }

    /// @notice A tracked shipment's marks: bit (1 << Kind) for each of Arrived, ExportCleared, ImportCleared recorded,
    /// bit 1 while a title is outstanding, bit 0 once tracked; 0 for a plain shipment.
    function reachedOf(uint256 shipmentId) external view returns (uint256) {
        return _shipments[shipmentId].marks;
    }

    /// @notice The shipment's carrier, or address(0) if no such shipment.
    function carrierOf(uint256 shipmentId) external view returns (address) {
        return _shipments[shipmentId].carrier;
    }

    /// @notice Bit (1 << Sensor) set for each sensor whose agreed limits a reading broke; 0 if none.
    function breachesOf(uint256 shipmentId) external view returns (uint8) {
        return _shipments[shipmentId].breaches;
    }

    /// @notice The shipment's record: carrier, delivery time, number of entries and breach flags.
    function shipmentOf(uint256 shipmentId) external view returns (Shipment memory) {
        return _shipments[shipmentId];
    }

    /// @notice The batch's record; reverts UnknownBatch.
    function batchOf(uint256 batchId) external view returns (Batch memory) {
        return _batch(batchId);
    }

    /// @notice The shipments that carried the batch, in link order.
    function shipmentsOf(uint256 batchId) external view returns (uint256[] memory) {
        return _batchShipments[batchId];
    }

    /// @notice keccak256(abi.encode(limits)) of the sensor limits agreed for a shipment, zero if none: what the
    /// seller commits to when it ships.
    function limitsHashOf(uint256 shipmentId) public view returns (bytes32) {
        return hasLimits[shipmentId] ? keccak256(abi.encode(_limits[shipmentId])) : bytes32(0);
    }

    /// @notice The sensor limits agreed for a shipment and whether any were.
    function limitsOf(uint256 shipmentId) external view returns (Limits memory, bool) {
        return (_limits[shipmentId], hasLimits[shipmentId]);
    }

    /// @notice Who holds the goods now: the last to take custody, else the carrier (shipment) or producer (batch).
    function custodianOf(uint256 itemId) public view returns (address custodian) {
        custodian = _custodians[itemId];
        if (custodian != address(0)) return custodian;
        if (itemId >= BATCH_BASE) return _batch(itemId).producer;
        custodian = _shipments[itemId].carrier;
        if (custodian == address(0)) revert UnknownShipment(itemId);
    }

    /// @notice Number of entries in the item's log (the next entry's seq).
    function entryCount(uint256 itemId) public view returns (uint256) {
        if (itemId >= BATCH_BASE) return _batch(itemId).count;
        Shipment storage s = _shipments[itemId];
        if (s.carrier == address(0)) revert UnknownShipment(itemId);
        return s.count;
    }

    /// @notice Grams CO2e of a batch: its own legs plus every leg of every shipment that carried it (a shipment's
    /// whole footprint counts for each batch on board: an upper bound; splitting it is the reader's choice).
    function batchCarbon(uint256 batchId) external view returns (uint256 grams) {
        _batch(batchId);
        grams = carbonOf[batchId];
        uint256[] storage links = _batchShipments[batchId];
        for (uint256 i; i < links.length; ++i) {
            grams += carbonOf[links[i]];
        }
    }

    /// @notice The EIP-712 digest a recorder signs for `recordSigned` (for clients and hardware wallets).
    function checkpointDigest(SignedCheckpoint calldata cp) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    CHECKPOINT_TYPEHASH,
                    cp.shipmentId,
                    cp.kind,
                    cp.location,
                    cp.evidenceHash,
                    cp.at,
                    cp.nonce,
                    cp.deadline
                )
            )
        );
    }

    // ------------------------------------------------------------------ internals

    /// @dev Check each reading's time and sensor, and its value against the agreed limits; the breach bits.
    function _checkReadings(uint256 shipmentId, uint256 seq, bytes calldata packed, uint256 n, uint256 notAfter)
        private
        returns (uint8 breaches)
    {
        bool limited = hasLimits[shipmentId];
        Limits memory lim = _limits[shipmentId];
        for (uint256 i; i < n; ++i) {
            (uint8 sensor, uint256 time, int256 value) = SensorReadings.at(packed, i);
            if (time > notAfter) revert ReadingOutOfTime(shipmentId, time, notAfter);
            (int256 min, int256 max) = SensorReadings.range(lim, sensor);
            if (limited && (value < min || value > max)) {
                breaches |= uint8(1 << sensor); // sensor <= 3 (SensorReadings.range refuses others): at most 8
                emit LimitBreached(shipmentId, seq, Sensor(sensor), value, time, min, max);
            }
        }
    }

    /// @dev The plain checkpoint path, written out in full (no inner calls): one shipment slot read and write,
    /// one head read and write. Same rules as `_authorise`.
    function _checkpoint(
        uint256 shipmentId,
        Kind kind,
        bytes8 location,
        bytes32 evidenceHash,
        address actor,
        uint256 at
    ) private {
        Shipment storage s = _shipments[shipmentId];
        address carrier = s.carrier;
        uint8 marks = s.marks; // same slot, same read: a plain shipment's marks cost no extra storage access
        if (carrier == address(0)) revert UnknownShipment(shipmentId);
        if (kind == Kind.None || uint8(kind) > uint8(Kind.Discharged)) revert InvalidKind(uint8(kind));
        if (kind == Kind.ExportCleared || kind == Kind.ImportCleared) {
            if (!hasRole(CUSTOMS_ROLE, actor)) revert NotCustoms(actor);
        } else {
            if (actor != carrier) revert NotShipmentCarrier(shipmentId, actor, carrier);
            if (!hasRole(CARRIER_ROLE, actor)) revert NotCarrier(actor);
        }
        if (marks != 0) {
            // a scheduled order's shipment: mark its tranche triggers; its eBL must be surrendered before delivery
            if (kind >= Kind.Arrived && kind <= Kind.ImportCleared) s.marks = marks | uint8(1 << uint8(kind));
            if (kind == Kind.Delivered && marks & TITLE_OUTSTANDING != 0) revert TitleNotSurrendered(shipmentId);
        }
        if (kind == Kind.Delivered) {
            if (s.deliveredAt != 0) revert AlreadyDelivered(shipmentId, s.deliveredAt);
            // at <= block.timestamp (recordSigned checks it), far below 2^40
            s.deliveredAt = uint40(at);
        }
        uint256 seq = s.count;
        s.count = uint32(seq + 1); // 2^32 entries on one item would take four billion transactions
        bytes32 head = HashChain.link(headOf[shipmentId], shipmentId, seq, kind, actor, location, evidenceHash, block.timestamp);
        headOf[shipmentId] = head;
        emit Checkpoint(shipmentId, seq, actor, kind, location, evidenceHash, head);
    }

    /// @dev Customs kinds need CUSTOMS_ROLE; the other shipment kinds the shipment's carrier with CARRIER_ROLE.
    function _authorise(Shipment storage s, uint256 shipmentId, Kind kind, address actor) private view {
        address carrier = s.carrier;
        if (carrier == address(0)) revert UnknownShipment(shipmentId);
        if (kind == Kind.ExportCleared || kind == Kind.ImportCleared) {
            if (!hasRole(CUSTOMS_ROLE, actor)) revert NotCustoms(actor);
        } else {
            _requireCarrier(shipmentId, carrier, actor);
        }
    }

    function _requireCarrier(uint256 shipmentId, address carrier, address actor) private view {
        if (carrier == address(0)) revert UnknownShipment(shipmentId);
        if (actor != carrier) revert NotShipmentCarrier(shipmentId, actor, carrier);
        if (!hasRole(CARRIER_ROLE, actor)) revert NotCarrier(actor);
    }

    /// @dev Authorised recorders of an item: a shipment's carrier (with CARRIER_ROLE), any CUSTOMS_ROLE holder,
    /// or its custodian; a batch's producer or custodian.
    function _requireRecorder(uint256 itemId) private view {
        if (itemId >= BATCH_BASE) {
            if (msg.sender == _batch(itemId).producer || msg.sender == custodianOf(itemId)) return;
        } else {
            address carrier = _shipments[itemId].carrier;
            if (carrier == address(0)) revert UnknownShipment(itemId);
            if (msg.sender == carrier && hasRole(CARRIER_ROLE, msg.sender)) return;
            if (hasRole(CUSTOMS_ROLE, msg.sender) || msg.sender == custodianOf(itemId)) return;
        }
        revert NotRecorder(itemId, msg.sender);
    }

    /// @dev Mark `nonce` of `signer` used; each nonce runs once, in any order.
    function _useNonce(address signer, uint256 nonce) private {
        uint256 bit = 1 << (nonce & 0xff);
        uint256 bits = nonceBitmap[signer][nonce >> 8];
        if (bits & bit != 0) revert NonceAlreadyUsed(signer, nonce);
        nonceBitmap[signer][nonce >> 8] = bits | bit;
    }

    /// @dev Append an entry by msg.sender to any item (the caller checked that the item exists).
    function _append(uint256 itemId, Kind kind, bytes8 location, bytes32 payload) private returns (uint256 seq) {
        if (itemId >= BATCH_BASE) {
            Batch storage b = _batches[itemId];
            seq = b.count;
            b.count = uint32(seq + 1); // 2^32 entries on one item would take four billion transactions
        } else {
            Shipment storage s = _shipments[itemId];
            seq = s.count;
            s.count = uint32(seq + 1); // as above
        }
        _link(itemId, seq, kind, msg.sender, location, payload);
    }

    function _link(uint256 itemId, uint256 seq, Kind kind, address actor, bytes8 location, bytes32 payload) private {
        bytes32 head = HashChain.link(headOf[itemId], itemId, seq, kind, actor, location, payload, block.timestamp);
        headOf[itemId] = head;
        emit Checkpoint(itemId, seq, actor, kind, location, payload, head);
    }

    function _batch(uint256 batchId) private view returns (Batch storage b) {
        b = _batches[batchId];
        if (b.producer == address(0)) revert UnknownBatch(batchId);
    }

    function _isCountry(bytes2 code) private pure returns (bool) {
        return uint8(code[0]) >= 0x41 && uint8(code[0]) <= 0x5a && uint8(code[1]) >= 0x41 && uint8(code[1]) <= 0x5a;
    }
}
