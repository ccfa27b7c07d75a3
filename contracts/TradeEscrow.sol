// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {LowLevelCall} from "@openzeppelin/contracts/utils/LowLevelCall.sol";

import {ITradeEscrow} from "./interfaces/ITradeEscrow.sol";
import {IProvenance} from "./interfaces/IProvenance.sol";
import {IInvoiceToken} from "./interfaces/IInvoiceToken.sol";
import {IFxRates} from "./interfaces/IFxRates.sol";
import {IPaymentSchedules} from "./interfaces/IPaymentSchedules.sol";

/// @title TradeEscrow — holds a buyer's payment until the goods are delivered and the inspection window passes.
/// @notice Lifecycle: Funded -> Shipped -> (Delivered, read from Provenance) -> Released,
/// or Disputed -> Resolved; Refunded and Cancelled are the other ends. Every order ends in exactly one
/// terminal state and every unit paid in leaves by exactly one path: a push payment, or a credit that the
/// recipient withdraws when a push fails.
contract TradeEscrow is ITradeEscrow, AccessControl, Pausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");

    uint256 public constant BPS = 10_000;
    uint256 public constant MAX_FEE_BPS = 500; // 5 %: the admin can never take more
    uint256 public constant MAX_INSPECTION_WINDOW = 30 days;
    uint256 public constant MIN_DISPUTE_PERIOD = 1 days;
    uint256 public constant MAX_DISPUTE_PERIOD = 90 days;
    /// @dev Default when the arbiter has not ruled by the ruling deadline: the payment is split in half.
    uint256 public constant DEFAULT_REFUND_BPS = 5_000;
    uint256 public constant MAX_BATCH = 100;
    /// @dev The largest exposure multiple the admin may set (a seller's open value <= multiple x settled volume).
    /// @dev How far past now an arbiter may push a delivery deadline in one extension.
    uint256 public constant MAX_DELIVERY_EXTENSION = 30 days;
    /// @dev Gas forwarded with an ETH push: enough for a smart wallet, too little to grief the caller.
    uint256 private constant PUSH_GAS = 50_000;
    /// @dev Gas forwarded with an ERC-20 payout: several times what a plain or upgradeable stablecoin's transfer
    /// needs, so a token that burns all gas given costs a batch this much and is credited, never reverts it.
    uint256 private constant TOKEN_PUSH_GAS = 100_000;
    /// @dev Tranches of a payment schedule (see ScheduleFixed for the packed layout).
    uint256 private constant MAX_TRANCHES = 4;
    /// @dev Bit 23 of Order.inspectionWindow (windows are at most 30 days < 2^22 s): the order has a payment schedule in
    /// `_schedules`. Slot 1 is read by every step anyway, so a plain order never reads the schedule's slot.
    uint24 private constant SCHEDULED = 1 << 23;

    /// @dev An order in storage, beside the contract that owns it (clients read OrderView). Three slots; the third
    /// is written at order time only for ERC-20 orders, or when the fee or dispute period differs from the
    /// deployment's.
    struct Order {
        // slot 0
        address buyer;
        uint96 amount;
        // slot 1
        address seller;
        uint32 shipBy;
        uint32 deliverBy;
        uint24 inspectionWindow;
        State state;
        // slot 2
        address token; // address(0) = native ETH
        uint16 feeOffset; // fee snapshot at order time, as an offset (mod 2^16) from the deployment fee
        uint32 rulingDeadline; // set when disputed; before, the dispute period locked at order time if it differs
        // from the deployment's (0: the deployment's)
        uint16 proposedRefundBps; // settlement offer inside a dispute; once Resolved, the refund share applied
        Party proposer; // who made the standing offer (None: no offer)
        uint8 consents; // bit (1 << Party) per party that agreed to the standing offer
        bool exposed; // counted in the seller's open value (the cap was on when it bound): settling subtracts it
    }

    IProvenance public immutable provenance;
    IInvoiceToken public immutable invoices;
    /// @dev Where an order priced in another currency locks its rate (FxRates), once, at order time. No getter (the
    /// deployment manifest names it): a public one reshuffled the dispatcher and cost plain orders' ship +45 gas.
    IFxRates private immutable _fxRates;
    /// @notice The book of payment schedules: the tranches of scheduled orders, and their eBL titles.
    IPaymentSchedules public immutable schedules;
    /// @dev The fee at deployment. Orders store their fee as an offset from it, so an ETH order at this fee
    /// leaves its third slot untouched (one fewer new slot, ~22k gas), and a later fee change still never
    /// touches an order already placed.
    uint16 private immutable _baseFeeBps;
    /// @dev The dispute period at deployment. An order placed under another period keeps it in its (then unused)
    /// rulingDeadline field, so a later change never shortens the ruling time of an order already placed.
    uint32 private immutable _baseDisputePeriod;

    address public treasury;
    uint16 public feeBps;
    /// @dev uint24: at most MAX_DISPUTE_PERIOD (90 days < 2^24 s), which leaves room in this slot, read by every
    /// placeOrder, for the exposure multiple: an order placed while the cap is off pays nothing to learn it.
    uint24 public disputePeriod;
    /// @dev A seller's open value in a token may be at most this multiple of its settled volume there (or the
    /// token's floor, for new sellers); 0: no cap. Read through exposureOf.
    uint8 private _exposureMultiple;
    /// @dev uint40 (a trillion orders) so it shares one slot with Pausable's flag, treasury, fee and dispute
    /// period, all read by placeOrder anyway: numbering an order then costs no extra cold slot (~2.1k gas).
    uint40 public orderCount;

    mapping(uint256 orderId => Order) private _orders;
    /// @dev Funds whose push failed, and fees: token => account => amount. address(0) is ETH.
    mapping(address token => mapping(address account => uint256)) public credits;
    /// @dev Seller track records: one slot each, written as orders settle.
    mapping(address seller => SellerRecord) private _sellerRecords;
    /// @notice Seller-side amounts settled to a seller's invoices, per payment token.
    mapping(address seller => mapping(address token => uint256)) public sellerVolume;
    /// @dev The acceptance deadline of an order still waiting for its seller (State.Offered); 0 otherwise.
    /// Written only for orders placed with one, cleared at acceptance (clients read it from AcceptanceRequested).
    mapping(uint256 orderId => uint256) private _acceptBy;
    /// @dev The value of a seller's bound, unsettled orders per payment token, counted while the cap is on.
    mapping(address seller => mapping(address token => uint256)) private _openValue;
    /// @dev Per payment token, the exposure cap of a seller whose multiple of settled volume is smaller.
    mapping(address token => uint256) private _exposureFloor;

    constructor(
        address admin,
        address treasury_,
        uint16 feeBps_,
        uint32 disputePeriod_,
        IProvenance provenance_,
        IInvoiceToken invoices_,
        IFxRates fxRates_,
        IPaymentSchedules schedules_
    ) {
        if (admin == address(0)) revert InvalidAddress("admin", admin);
        if (treasury_ == address(0)) revert InvalidAddress("treasury", treasury_);
        if (address(provenance_) == address(0)) revert InvalidAddress("provenance", address(provenance_));
        if (address(invoices_) == address(0)) revert InvalidAddress("invoices", address(invoices_));
        if (address(fxRates_) == address(0)) revert InvalidAddress("fxRates", address(fxRates_));
        if (address(schedules_) == address(0)) revert InvalidAddress("schedules", address(schedules_));
        if (feeBps_ > MAX_FEE_BPS) revert FeeTooHigh(feeBps_, MAX_FEE_BPS);
        _checkDisputePeriod(disputePeriod_);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        treasury = treasury_;
        feeBps = feeBps_;
        _baseFeeBps = feeBps_;
        disputePeriod = uint24(disputePeriod_); // <= MAX_DISPUTE_PERIOD (checked above) < 2^24
        _baseDisputePeriod = disputePeriod_;
        provenance = provenance_;
        invoices = invoices_;
        _fxRates = fxRates_;
        schedules = schedules_;
    }

    // ------------------------------------------------------------------ buyer

    /// @notice Place an order and pay for it in one call. Native ETH when `terms.token` is zero (send exactly
    /// `terms.amount`), otherwise an ERC-20 the buyer has approved. With `terms.schedule`, the payment is released in
    /// tranches by logistics events (see ScheduleFixed), the last at the end of the inspection window, and optionally
    /// under an electronic bill of lading whose title passes to the buyer with the tranche that pays for the documents.
    /// @dev Emits OrderPlaced (and ScheduleFixed with a schedule). Refused while paused; InvalidTranche,
    /// TrancheSharesSum on a bad schedule.
    /// @param terms the seller, payment token, amount, deadlines, inspection window, terms hash, acceptance
    /// deadline and payment schedule (OrderTerms)
    function placeOrder(OrderTerms calldata terms)
        external
        payable
        nonReentrant
        returns (uint256 orderId)
    {
        orderId = _placeOrder(terms);
    }

    /// @notice placeOrder for an ERC-20 with EIP-2612 permit: approval and payment in one transaction.
    /// @dev A failed permit is ignored (it may have been front-run); the transfer then needs an allowance.
    /// Emits OrderPlaced (and the token's Approval and Transfer).
    /// @param terms the order's terms (OrderTerms); its token must be an ERC-20 with permit
    /// @param permitDeadline the EIP-2612 permit's deadline
    /// @param v the permit signature's v
    /// @param r the permit signature's r
    /// @param s the permit signature's s
    function placeOrderWithPermit(OrderTerms calldata terms, uint256 permitDeadline, uint8 v, bytes32 r, bytes32 s)
        external
        nonReentrant
        returns (uint256 orderId)
    {
        address token = terms.token;
        if (token == address(0)) revert InvalidAddress("token", token);
        try IERC20Permit(token).permit(msg.sender, address(this), terms.amount, permitDeadline, v, r, s) {} catch {}
        orderId = _placeOrder(terms);
    }

    /// @notice placeOrder for an order priced in another currency (e.g. 10,000 EUR) and paid in `terms.token`: the
    /// rate is locked now by FxRates (from the pair's feed, or the signed quote in `fx`) and `terms.amount` must be
    /// the price converted at it. Nothing after this reads a rate: release and refunds move `terms.amount`.
    /// @dev Emits OrderPlaced and RateLocked (FxRates). Reverts FxAmountMismatch when the rate moved since the buyer
    /// read it, and with FxRates' errors when the rate is refused (stale, not positive, out of band, bad quote).
    /// @param terms the order's terms; `amount` is the converted price, in the token's base units
    /// @param fx the price currency, the price in its minor units and an optional signed quote
    function placeOrderFx(OrderTerms calldata terms, IFxRates.FxTerms calldata fx)
        external
        payable
        nonReentrant
        returns (uint256 orderId)
    {
        orderId = _placeOrder(terms);
        // FxRates is ours (immutable) and this runs under nonReentrant; a mismatch reverts the payment with the order.
        // `locked` is FxRates' answer, not a balance read before the call (Slither's reentrancy-balance)
        // slither-disable-next-line reentrancy-balance
        uint256 locked = _fxRates.lock(orderId, msg.sender, terms.token, fx);
        if (locked != terms.amount) revert FxAmountMismatch(terms.amount, locked);
    }

    /// @notice The buyer confirms receipt before the inspection window ends: the payment is released now —
    /// unless Provenance flagged a sensor-limit breach on the shipment (cold chain broken). Then the confirmation
    /// is recorded (ConfirmationDeferred) but releases nothing: the order stays Delivered, the buyer may still
    /// dispute until the inspection window ends, and after it anyone may release as usual.
    /// @dev Emits OrderReleased and Payout, or ConfirmationDeferred when a sensor limit was breached.
    /// @param orderId the order
    function confirm(uint256 orderId) external nonReentrant {
        Order storage o = _existing(orderId);
        if (msg.sender != o.buyer) revert NotBuyer(orderId, msg.sender);
        if (o.state != State.Shipped) _wrongState(orderId, o, State.Shipped);
        if (_deliveredOnTime(orderId, o) == 0) revert NotDelivered(orderId);
        uint8 breaches = provenance.breachesOf(orderId);
        if (breaches != 0) {
            emit ConfirmationDeferred(orderId, breaches);
            return;
        }
        _release(orderId, o, true);
    }

    /// @notice The buyer states the sensor limits (temperature, humidity, shock) the goods must travel within;
    /// the seller accepts them by shipping (or cancels). Fixed once the order ships. A reading outside them
    /// keeps the order disputable after a confirmation (see `confirm`).
    /// @dev Buyer only, order Funded. Emits LimitsAgreed (Provenance, which stores them).
    /// @param orderId the order
    /// @param limits temperature range, humidity and shock maxima, in hundredths
    function setSensorLimits(uint256 orderId, IProvenance.Limits calldata limits) external {
        Order storage o = _existing(orderId);
        if (msg.sender != o.buyer) revert NotBuyer(orderId, msg.sender);
        if (o.state != State.Funded) _wrongState(orderId, o, State.Funded);
        provenance.agreeLimits(orderId, limits);
    }

    /// @notice The buyer disputes a delivered order inside its inspection window, with an evidence hash.
    /// @dev Starts the ruling period. Emits OrderDisputed.
    /// @param orderId the order
    /// @param evidenceHash keccak-256 of the evidence (zero if none)
    function dispute(uint256 orderId, bytes32 evidenceHash) external {
        Order storage o = _existing(orderId);
        if (msg.sender != o.buyer) revert NotBuyer(orderId, msg.sender);
        if (o.state != State.Shipped) _wrongState(orderId, o, State.Shipped);
        uint256 delivered = _deliveredOnTime(orderId, o);
        if (delivered == 0) revert NotDelivered(orderId);
        uint256 endsAt = delivered + _window(o);
        if (block.timestamp >= endsAt) revert InspectionWindowClosed(orderId, endsAt);
        uint256 period = o.rulingDeadline; // the period locked at order time, 0 for the deployment's
        if (period == 0) period = _baseDisputePeriod;
        // block.timestamp + at most MAX_DISPUTE_PERIOD stays below 2^32 until the year 2106
        uint32 deadline = uint32(block.timestamp + period);
        o.state = State.Disputed;
        o.rulingDeadline = deadline;
        emit OrderDisputed(orderId, msg.sender, evidenceHash, deadline);
        _remaining(orderId, o);
    }

    // ------------------------------------------------------------------ seller

    /// @notice The seller accepts an order placed with an acceptance deadline, by that deadline: the order binds
    /// (Funded) and may ship. While the admin's exposure cap is on, refused when the order would take the seller's
    /// open value in its token over the cap.
    /// @dev Seller only; order Offered. Emits OrderAccepted. Reverts AcceptDeadlinePassed, ExposureCapExceeded.
    /// @param orderId the order
    function acceptOrder(uint256 orderId) external {
        Order storage o = _existing(orderId);
        if (msg.sender != o.seller) revert NotSeller(orderId, msg.sender);
        if (o.state != State.Offered) _wrongState(orderId, o, State.Offered);
        uint256 deadline = _acceptBy[orderId];
        if (block.timestamp > deadline) revert AcceptDeadlinePassed(orderId, deadline);
        o.state = State.Funded;
        delete _acceptBy[orderId];
        emit OrderAccepted(orderId);
        if (_exposureMultiple != 0) _openExposure(o, msg.sender, o.token, o.amount);
    }

    /// @notice The seller ships: names the carrier (who must hold CARRIER_ROLE on Provenance, and be neither the
    /// seller nor the buyer) and anchors the bill of lading, accepting the sensor limits it read. Opens the shipment
    /// in Provenance and mints the invoice token to the seller.
    /// @dev Emits OrderShipped, ShipmentOpened and Transfer (the invoice mint). Reverts LimitsMismatch when the
    /// limits agreed now are not those the seller accepts.
    /// @param orderId a Funded order, before its shipBy
    /// @param carrier who records the logistics checkpoints and confirms delivery
    /// @param billOfLadingHash keccak-256 of the bill of lading
    /// @param limitsHash Provenance.limitsHashOf(orderId) as the seller read it (zero when no limits were set)
    function ship(uint256 orderId, address carrier, bytes32 billOfLadingHash, bytes32 limitsHash)
        external
        nonReentrant
    {
        Order storage o = _existing(orderId);
        if (msg.sender != o.seller) revert NotSeller(orderId, msg.sender);
        if (o.state != State.Funded) _wrongState(orderId, o, State.Funded);
        if (block.timestamp > o.shipBy) revert ShipDeadlinePassed(orderId, o.shipBy);
        _checkCarrier(orderId, o, carrier);
        o.state = State.Shipped;
        emit OrderShipped(orderId, carrier, billOfLadingHash);
        provenance.openShipment(orderId, carrier, billOfLadingHash, limitsHash);
        invoices.mint(o.seller, orderId);
        if (o.inspectionWindow & SCHEDULED != 0) schedules.shipped(orderId, billOfLadingHash, o.seller);
    }

    /// @notice The seller asks for its shipment to be handed to another carrier (the named one lost its key or its
    /// role). The Provenance admin confirms with `Provenance.replaceCarrier`; until then nothing changes.
    /// @dev Seller only; order Shipped and not delivered. Emits CarrierNominated (Provenance).
    /// @param orderId the order
    /// @param nominee a CARRIER_ROLE holder, neither the seller nor the buyer
    function nominateCarrier(uint256 orderId, address nominee) external {
        Order storage o = _existing(orderId);
        if (msg.sender != o.seller) revert NotSeller(orderId, msg.sender);
        if (o.state != State.Shipped) _wrongState(orderId, o, State.Shipped);
        _checkCarrier(orderId, o, nominee);
        provenance.nominateCarrier(orderId, nominee);
    }

    /// @notice The seller cancels an order it has not shipped; the buyer is refunded in full. (An order waiting for
    /// acceptance is declined by not accepting it: after acceptBy anyone refunds the buyer.)
    /// @dev Emits OrderCancelled and Payout.
    /// @param orderId the order
    function cancel(uint256 orderId) external nonReentrant {
        Order storage o = _existing(orderId);
        if (msg.sender != o.seller) revert NotSeller(orderId, msg.sender);
        if (o.state != State.Funded) _wrongState(orderId, o, State.Funded);
        o.state = State.Cancelled;
        uint256 amount = o.amount;
        address token = o.token;
        if (o.exposed) _unexpose(o.seller, token, amount); // read with the token: one slot
        emit OrderCancelled(orderId, amount);
        _pay(orderId, token, o.buyer, amount);
    }

    // ------------------------------------------------------------------ keeper (anyone)

    /// @notice Release the payment of a delivered order whose inspection window is over. Anyone may call.
    /// @dev Emits OrderReleased and Payout.
    /// @param orderId the order
    function release(uint256 orderId) external nonReentrant {
        Order storage o = _orders[orderId];
        (uint256 delivered, uint256 endsAt, bool releasable) = _releaseStatus(orderId, o);
        if (!releasable) {
            // a releasable order is Shipped, so it exists: only a refusal needs to say whether it does
            _existing(orderId);
            // 0 is _releaseStatus's "not delivered on time" sentinel, not a balance: strict equality is exact
            // slither-disable-next-line incorrect-equality
            if (delivered == 0) _notDelivered(orderId, o);
            revert InspectionWindowOpen(orderId, endsAt);
        }
        _release(orderId, o, false);
    }

    /// @notice Release every order in `orderIds` that is releasable now; skips the others (so racing keepers
    /// never revert each other). Returns how many were released.
    /// @dev Emits OrderReleased and Payout for each order released.
    /// @param orderIds at most MAX_BATCH order ids; those not due now are skipped
    function releaseBatch(uint256[] calldata orderIds) external nonReentrant returns (uint256 released) {
        if (orderIds.length > MAX_BATCH) revert BatchTooLarge(orderIds.length, MAX_BATCH);
        for (uint256 i; i < orderIds.length; ++i) {
            uint256 orderId = orderIds[i];
            Order storage o = _orders[orderId];
            (,, bool releasable) = _releaseStatus(orderId, o);
            if (!releasable) continue;
            _release(orderId, o, false);
            ++released;
        }
    }

    /// @notice Release tranche `index` of a scheduled order once its trigger is on chain: its share of the payment,
    /// less the fee pro rata, to whoever holds the invoice (an advance financier first). With the documents tranche,
    /// the eBL title passes to the buyer in the same transaction. Anyone may call. Final: a later dispute, refund or
    /// ruling acts only on what is left. The last tranche (End) is paid by `release`.
    /// @dev Emits TrancheReleased and Payout (and the title's TitleEndorsed or TitleOffered). Reverts UnknownTranche,
    /// TrancheAlreadyReleased, WrongState (not Shipped), TrancheNotDue.
    /// @param orderId a Shipped order with a payment schedule
    /// @param index the tranche, 0 = the first
    function releaseTranche(uint256 orderId, uint256 index) external nonReentrant {
        Order storage o = _existing(orderId);
        if (o.state != State.Shipped) _wrongState(orderId, o, State.Shipped);
        _releaseTranche(orderId, o, index, true);
    }

    /// @notice Release every tranche of the orders in `orderIds` whose trigger is on chain; skips the rest (so racing
    /// keepers never revert each other). Returns how many tranches were released.
    /// @dev Emits TrancheReleased and Payout for each tranche released.
    /// @param orderIds at most MAX_BATCH order ids
    function releaseTrancheBatch(uint256[] calldata orderIds) external nonReentrant returns (uint256 released) {
        if (orderIds.length > MAX_BATCH) revert BatchTooLarge(orderIds.length, MAX_BATCH);
        for (uint256 i; i < orderIds.length; ++i) {
            uint256 orderId = orderIds[i];
            Order storage o = _orders[orderId];
            if (o.state != State.Shipped || o.inspectionWindow & SCHEDULED == 0) continue;
            // the tranches before End: bounded by MAX_TRANCHES
            for (uint256 t; t < MAX_TRANCHES - 1; ++t) {
                if (_releaseTranche(orderId, o, t, false)) ++released;
            }
        }
    }

    /// @notice Refund the buyer of an order not accepted by acceptBy, not shipped by shipBy, or not delivered by
    /// deliverBy. Anyone may call.
    /// @dev Emits OrderRefunded and Payout.
    /// @param orderId the order
    function refund(uint256 orderId) external nonReentrant {
        Order storage o = _existing(orderId);
        (bool due, RefundReason reason, uint256 dueAt) = _refundDue(orderId, o);
        if (!due) {
            // dueAt 0 is _refundDue's "no refund path in this state" sentinel, not a balance: strict equality is exact
            // slither-disable-next-line incorrect-equality
            if (dueAt == 0) revert NoRefundDue(orderId, _effective(orderId, o));
            revert RefundNotDue(orderId, dueAt);
        }
        _refund(orderId, o, reason);
    }

    /// @notice Refund every order in `orderIds` whose deadline has passed; skips the others.
    /// @dev Emits OrderRefunded and Payout for each order refunded.
    /// @param orderIds at most MAX_BATCH order ids; those not due now are skipped
    function refundBatch(uint256[] calldata orderIds) external nonReentrant returns (uint256 refunded) {
        if (orderIds.length > MAX_BATCH) revert BatchTooLarge(orderIds.length, MAX_BATCH);
        for (uint256 i; i < orderIds.length; ++i) {
            Order storage o = _orders[orderIds[i]];
            if (o.state == State.None) continue;
            (bool due, RefundReason reason,) = _refundDue(orderIds[i], o);
            if (!due) continue;
            _refund(orderIds[i], o, reason);
            ++refunded;
        }
    }

    // ------------------------------------------------------------------ disputes

    /// @notice Inside a dispute, a party with standing offers a split: `refundBps` of the payment back to the buyer,
    /// the rest to the seller side. Standing: the buyer, the invoice holder, and an advance financier whose
    /// repayment this split would cut — the seller only while it still holds its invoice. A new offer replaces the
    /// old one and counts as the proposer's agreement; the order settles once every party the split needs agreed.
    /// @dev Emits SettlementProposed and SettlementConsents (and OrderResolved, Payout if the proposer alone is
    /// every party needed). Reverts ReceivableSold for a seller that sold its invoice, NotParty for anyone else.
    /// @param orderId a Disputed order
    /// @param refundBps share of the payment back to the buyer, 0..10000
    function proposeSettlement(uint256 orderId, uint256 refundBps) external nonReentrant {
        Order storage o = _existing(orderId);
        if (o.state != State.Disputed) _wrongState(orderId, o, State.Disputed);
        if (refundBps > BPS) revert InvalidBps(refundBps);
        (uint8 mine, uint8 required) = _standing(orderId, o, refundBps);
        o.proposedRefundBps = uint16(refundBps); // <= BPS (checked above) < 2^16
        o.proposer = _firstParty(mine);
        o.consents = mine;
        emit SettlementProposed(orderId, msg.sender, refundBps);
        _agreed(orderId, o, refundBps, mine, required);
    }

    /// @notice A party with standing agrees to the standing offer; `refundBps` must match it (no switch under your
    /// feet). The last party needed settles the order by agreement.
    /// @dev Emits SettlementAccepted and SettlementConsents (then OrderResolved and Payout once all agreed).
    /// Reverts OwnProposal when the caller already agreed.
    /// @param orderId a Disputed order with a standing offer
    /// @param refundBps the share the caller read in the offer
    function acceptSettlement(uint256 orderId, uint256 refundBps) external nonReentrant {
        Order storage o = _existing(orderId);
        if (o.state != State.Disputed) _wrongState(orderId, o, State.Disputed);
        (uint8 mine, uint8 required) = _standing(orderId, o, refundBps);
        uint8 agreed = o.consents;
        if (agreed == 0) revert NoSettlementProposal(orderId);
        if (o.proposedRefundBps != refundBps) revert ProposalMismatch(orderId, o.proposedRefundBps, refundBps);
        if (mine & ~agreed == 0) revert OwnProposal(orderId, msg.sender);
        agreed |= mine;
        o.consents = agreed;
        emit SettlementAccepted(orderId, msg.sender, refundBps);
        _agreed(orderId, o, refundBps, agreed, required);
    }

    /// @notice The arbiter rules: `refundBps` of the payment back to the buyer, the rest to the seller side.
    /// @dev ARBITER_ROLE, and never the buyer or seller of this order.
    /// Emits OrderResolved and Payout.
    /// @param orderId the order
    /// @param refundBps share of the payment back to the buyer, 0..10000
    /// @param evidenceHash keccak-256 of the evidence (zero if none)
    function resolve(uint256 orderId, uint256 refundBps, bytes32 evidenceHash)
        external
        onlyRole(ARBITER_ROLE)
        nonReentrant
    {
        Order storage o = _existing(orderId);
        if (o.state != State.Disputed) _wrongState(orderId, o, State.Disputed);
        _checkArbiterNotParty(orderId, o);
        if (refundBps > BPS) revert InvalidBps(refundBps);
        _resolve(orderId, o, Ruling.Arbiter, refundBps, evidenceHash);
    }

    /// @notice The arbiter excuses a delivery delay the parties dispute: the carrier gets until `newDeliverBy` to
    /// confirm the delivery, and a refund is due only after it. Also accepts a delivery already recorded late
    /// but before `newDeliverBy`. Possible until someone triggers the refund.
    /// @dev ARBITER_ROLE, never a party of the order; order Shipped without an on-time delivery; newDeliverBy later
    /// than deliverBy and at most MAX_DELIVERY_EXTENSION from now. Emits DeliverByExtended.
    /// @param orderId the order
    /// @param newDeliverBy the new delivery deadline (unix seconds)
    /// @param evidenceHash keccak-256 of the ruling document
    function extendDeliverBy(uint256 orderId, uint256 newDeliverBy, bytes32 evidenceHash)
        external
        onlyRole(ARBITER_ROLE)
    {
        Order storage o = _existing(orderId);
        if (o.state != State.Shipped || _deliveredOnTime(orderId, o) != 0) _wrongState(orderId, o, State.Shipped);
        _checkArbiterNotParty(orderId, o);
        uint256 old = o.deliverBy;
        if (newDeliverBy <= old) revert DeliverByNotExtended(orderId, old, newDeliverBy);
        uint256 max = block.timestamp + MAX_DELIVERY_EXTENSION;
        if (newDeliverBy > max) revert DeadlineTooFar(newDeliverBy, max);
        // newDeliverBy <= now + 30 days < 2^32 until the year 2106
        o.deliverBy = uint32(newDeliverBy);
        emit DeliverByExtended(orderId, msg.sender, old, newDeliverBy, evidenceHash);
    }

    /// @notice After the ruling deadline with no ruling, anyone may apply the default: an even split.
    /// @dev Emits OrderResolved and Payout.
    /// @param orderId the order
    function resolveByDefault(uint256 orderId) external nonReentrant {
        Order storage o = _existing(orderId);
        if (o.state != State.Disputed) _wrongState(orderId, o, State.Disputed);
        if (block.timestamp <= o.rulingDeadline) revert RulingDeadlineNotReached(orderId, o.rulingDeadline);
        _resolve(orderId, o, Ruling.Default, DEFAULT_REFUND_BPS, bytes32(0));
    }

    // ------------------------------------------------------------------ credits

    /// @notice Withdraw funds credited to the caller (a failed push, or fees for the treasury).
    /// @dev Emits Withdrawn.
    /// @param token the token of the credit, address(0) for ETH
    function withdraw(address token) external nonReentrant {
        _withdraw(token, msg.sender);
    }

    /// @notice Withdraw the caller's credit to another address: for a contract that can never accept the
    /// payment itself, or an address a token refuses.
    /// @dev Emits Withdrawn.
    /// @param token the token of the credit, address(0) for ETH
    /// @param to where the credit is sent
    function withdrawTo(address token, address to) external nonReentrant {
        if (to == address(0)) revert InvalidAddress("to", to);
        _withdraw(token, to);
    }

    // ------------------------------------------------------------------ admin

    /// @notice Set the platform fee for new orders (capped at MAX_FEE_BPS). Admin only.
    /// @dev Emits FeeChanged.
    /// @param newFeeBps the fee for orders placed from now on, at most MAX_FEE_BPS
    function setFee(uint256 newFeeBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newFeeBps > MAX_FEE_BPS) revert FeeTooHigh(newFeeBps, MAX_FEE_BPS);
        emit FeeChanged(feeBps, newFeeBps);
        feeBps = uint16(newFeeBps); // <= MAX_FEE_BPS (checked above) < 2^16
    }

    /// @notice Set where future fees are credited. Admin only.
    /// @dev Emits TreasuryChanged.
    /// @param newTreasury where fees are credited from now on
    function setTreasury(address newTreasury) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newTreasury == address(0)) revert InvalidAddress("treasury", newTreasury);
        emit TreasuryChanged(treasury, newTreasury);
        treasury = newTreasury;
    }

    /// @notice Set how long an arbiter has to rule on new disputes. Admin only.
    /// @dev Emits DisputePeriodChanged.
    /// @param period seconds an arbiter has to rule on the disputes of orders placed from now on
    function setDisputePeriod(uint256 period) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkDisputePeriod(period);
        emit DisputePeriodChanged(disputePeriod, period);
        disputePeriod = uint24(period); // <= MAX_DISPUTE_PERIOD (checked above) < 2^24
    }

    /// @notice Set the exposure cap: every seller's open value (orders bound and not settled) in each token at most
    /// `multiple` x its settled volume there, or the token's floor if larger (without a floor no new seller could
    /// start); `multiple` 0 lifts the cap. Checked when an order binds: at acceptance, or at placement for an order
    /// that needs none. Orders already bound are never undone. Admin only.
    /// @dev Emits ExposureCapChanged.
    /// @param multiple 0..255 (its type is the bound: the ABI refuses more before this runs); 0 for no cap
    /// @param token the payment token whose floor is set, address(0) for ETH
    /// @param floor the cap in `token` of a seller with little or no settled volume, in base units
    function setExposureCap(uint8 multiple, address token, uint256 floor) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _exposureMultiple = multiple;
        _exposureFloor[token] = floor;
        emit ExposureCapChanged(token, multiple, floor);
    }

    /// @notice Stop new orders. Orders already paid keep every path open. Admin only.
    /// @dev Emits Paused.
    function pause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _pause();
    }

    /// @notice Accept new orders again. Admin only.
    /// @dev Emits Unpaused.
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    // ------------------------------------------------------------------ views

    /// @notice The order with its effective state (Delivered when Provenance has the delivery on time).
    function getOrder(uint256 orderId) external view returns (OrderView memory v) {
        Order storage o = _existing(orderId);
        v.id = orderId;
        v.buyer = o.buyer;
        v.seller = o.seller;
        v.token = o.token;
        v.amount = o.amount;
        v.feeBps = _feeBpsOf(o);
        v.shipBy = o.shipBy;
        v.deliverBy = o.deliverBy;
        v.inspectionWindow = _window(o);
        if (o.state == State.Disputed || o.state == State.Resolved) v.rulingDeadline = o.rulingDeadline;
        v.proposedRefundBps = o.proposedRefundBps;
        v.proposer = _partyAddress(orderId, o, o.proposer);
        v.state = _effective(orderId, o);
        v.deliveredAt = provenance.deliveredAt(orderId);
        v.carrier = provenance.carrierOf(orderId);
        if (v.deliveredAt != 0) v.inspectionEndsAt = v.deliveredAt + v.inspectionWindow;
    }

    /// @notice The effective state of an order.
    function stateOf(uint256 orderId) public view returns (State) {
        return _effective(orderId, _orders[orderId]);
    }

    /// @notice True once the order has reached a terminal state (its invoice can no longer move).
    function isSettled(uint256 orderId) external view returns (bool) {
        State s = _orders[orderId].state;
        return s == State.Released || s == State.Resolved || s == State.Refunded || s == State.Cancelled;
    }

    /// @notice The standing settlement offer of a disputed order: its refund share, who agreed and who must agree
    /// before it settles the order (bits 1 << Party: 2 buyer, 4 invoice holder, 8 advance financier). All zero when
    /// there is no standing offer.
    function settlementOf(uint256 orderId) external view returns (uint256 refundBps, uint8 agreed, uint8 required) {
        Order storage o = _existing(orderId);
        if (o.state != State.Disputed || o.consents == 0) return (0, 0, 0);
        refundBps = o.proposedRefundBps;
        agreed = o.consents;
        (required,,) = _required(orderId, o, refundBps);
    }

    /// @notice What the invoice contract asks before any financing step or move of an invoice: the stored state, and
    /// whether a refund is due now (not delivered by deliverBy). Reads Provenance only once deliverBy has passed.
    function financingState(uint256 orderId) external view returns (State state, bool refundDue) {
        Order storage o = _orders[orderId];
        state = o.state;
        if (state == State.Shipped && block.timestamp > o.deliverBy) refundDue = _deliveredOnTime(orderId, o) == 0;
    }

    /// @notice A seller's on-chain track record (orders completed, disputes, disputes lost, timeout refunds).
    function sellerRecord(address seller) external view returns (SellerRecord memory) {
        return _sellerRecords[seller];
    }

    /// @notice A seller's open value in `token` (orders bound and not settled, counted while the cap is on) and the
    /// cap's settings: the multiple (0: no cap) and the token's floor. Its cap there is max(multiple x sellerVolume,
    /// floor).
    function exposureOf(address seller, address token)
        external
        view
        returns (uint256 open, uint256 multiple, uint256 floor)
    {
        return (_openValue[seller][token], _exposureMultiple, _exposureFloor[token]);
    }

    /// @notice What the seller side still receives if the order is released in full: the amount not yet paid out by
    /// released tranches, less the fee.
    function faceValue(uint256 orderId) external view returns (uint256) {
        Order storage o = _existing(orderId);
        uint256 left = _left(orderId, o);
        return left - _fee(left, _feeBpsOf(o));
    }

    /// @notice Whether release, or a refund, may be triggered now — what a keeper asks before sending.
    function actionable(uint256 orderId) external view returns (bool releasable, bool refundable) {
        Order storage o = _orders[orderId];
        (,, releasable) = _releaseStatus(orderId, o);
        if (o.state != State.None) (refundable,,) = _refundDue(orderId, o);
    }

    /// @notice Split `amount` for a refund share: what the buyer gets, what the seller side gets, and the fee.
    /// @dev Parts always sum to `amount`; the fee is taken from the seller side only.
    function split(uint256 amount, uint256 refundBps, uint256 fee)
        public
        pure
        returns (uint256 toBuyer, uint256 toSellerSide, uint256 feeAmount)
    {
        if (refundBps > BPS) revert InvalidBps(refundBps);
        if (fee > BPS) revert InvalidBps(fee);
        toBuyer = amount * refundBps / BPS;
        uint256 sellerGross = amount - toBuyer;
        feeAmount = _fee(sellerGross, fee);
        toSellerSide = sellerGross - feeAmount;
    }

    // ------------------------------------------------------------------ internals

    /// @dev Checks the terms, stores the order, emits OrderPlaced and takes the payment in. The terms stay in calldata
    /// and each field is loaded once; the storage writes sit in their own block so their locals are gone before the
    /// event needs the stack (no split into two functions, no copy to memory).
    function _placeOrder(OrderTerms calldata t) private returns (uint256 orderId) {
        _requireNotPaused(); // the one pause rule: no new order, however placed, while paused
        uint256 amount = t.amount;
        address seller;
        address token;
        // Read by hand: `t.seller` and `t.token` each cost a bounds check and a cleanup call (+222 gas on place+pay
        // against the seven separate arguments, measured); two loads and one check of the ABI rule the decoder
        // applied before (no bits above an address's 160) cost less than the old decoding (-77 gas).
        assembly ("memory-safe") {
            seller := calldataload(t)
            token := calldataload(add(t, 0x20))
            if shr(160, or(seller, token)) { revert(0, 0) }
        }
        uint256 shipBy = t.shipBy;
        uint256 deliverBy = t.deliverBy;
        uint256 inspectionWindow = t.inspectionWindow;
        if (amount == 0) revert AmountZero();
        if (amount > type(uint96).max) revert AmountTooLarge(amount, type(uint96).max);
        if (seller == address(0)) revert InvalidAddress("seller", seller);
        if (token != address(0) && token.code.length == 0) revert InvalidAddress("token", token);
        if (seller == msg.sender) revert SellerIsBuyer(seller);
        if (shipBy <= block.timestamp) revert DeadlineInPast("shipBy", shipBy, block.timestamp);
        if (deliverBy <= shipBy) revert DeadlinesOutOfOrder(shipBy, deliverBy);
        if (deliverBy > type(uint32).max) revert DeadlineTooFar(deliverBy, type(uint32).max);
        if (inspectionWindow > MAX_INSPECTION_WINDOW) {
            revert InspectionWindowTooLong(inspectionWindow, MAX_INSPECTION_WINDOW);
        }
        bytes32 termsHash = t.termsHash;
        orderId = ++orderCount;
        uint16 fee = feeBps;
        {
            Order storage o = _orders[orderId];
            o.buyer = msg.sender;
            // the downcasts below fit, by the checks above: amount <= type(uint96).max; shipBy < deliverBy <=
            // type(uint32).max; inspectionWindow <= MAX_INSPECTION_WINDOW (30 days) < 2^24 seconds
            o.amount = uint96(amount);
            o.seller = seller;
            o.shipBy = uint32(shipBy);
            o.deliverBy = uint32(deliverBy);
            o.inspectionWindow = uint24(inspectionWindow);
            if (t.acceptBy == 0) {
                o.state = State.Funded;
            } else {
                _awaitAcceptance(o, orderId, t.acceptBy, shipBy);
            }
            uint16 feeOffset;
            unchecked {
                feeOffset = fee - _baseFeeBps; // wraps below the base fee; _feeBpsOf wraps back
            }
            uint32 period = disputePeriod; // same slot as the fee: already read
            bool capOn = _exposureMultiple != 0; // and the same again
            // slot 2 stays untouched (cheaper) for an ETH order at the base fee and dispute period
            if (token != address(0) || feeOffset != 0 || period != _baseDisputePeriod) {
                o.token = token;
                o.feeOffset = feeOffset;
                if (period != _baseDisputePeriod) o.rulingDeadline = period; // locked until disputed
            }
            if (capOn && t.acceptBy == 0) _openExposure(o, seller, token, amount); // binding now: the cap applies
        }
        emit OrderPlaced(
            orderId, msg.sender, seller, token, amount, shipBy, deliverBy, inspectionWindow, fee, termsHash
        );
        if (t.acceptBy != 0) emit AcceptanceRequested(orderId, t.acceptBy);
        uint256 schedule = t.schedule;
        if (schedule != 0) _fixSchedule(orderId, schedule);
        _collect(token, amount);
    }

    /// @dev The order waits in Offered until the seller accepts by `deadline` (<= shipBy: it binds before it ships).
    /// Only orders that ask for acceptance write the deadline's slot.
    function _awaitAcceptance(Order storage o, uint256 orderId, uint256 deadline, uint256 shipBy) private {
        if (deadline <= block.timestamp || deadline > shipBy) revert AcceptByOutOfRange(deadline, shipBy);
        o.state = State.Offered;
        _acceptBy[orderId] = deadline;
    }

    /// @dev A bound order settled: it no longer counts in its seller's open value.
    function _unexpose(address seller, address token, uint256 amount) private {
        _openValue[seller][token] -= amount;
    }

    /// @dev Count a binding order in its seller's open value, refused over the cap. No loops: one counter per
    /// seller and token, added to here and subtracted from when the order settles (`exposed` says it was added).
    function _openExposure(Order storage o, address seller, address token, uint256 amount) private {
        uint256 open = _openValue[seller][token];
        // the cap: the multiple x settled volume, at least the floor (the callers checked the cap is on)
        uint256 cap = _exposureMultiple * sellerVolume[seller][token];
        uint256 floor = _exposureFloor[token];
        if (cap < floor) cap = floor;
        if (open + amount > cap) revert ExposureCapExceeded(seller, open, cap);
        _openValue[seller][token] = open + amount;
        o.exposed = true;
    }


    /// @dev Take the payment in. ERC-20s are credited by balance change: a token that delivers less than
    /// `amount` (fee-on-transfer) is refused, so no order is ever short of funds.
    function _collect(address token, uint256 amount) private {
        if (token == address(0)) {
            if (msg.value != amount) revert WrongEthAmount(msg.value, amount);
            return;
        }
        if (msg.value != 0) revert EthSentWithToken(msg.value);
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = IERC20(token).balanceOf(address(this)) - before;
        if (received != amount) revert TokenAmountShortfall(token, amount, received);
    }

    function _release(uint256 orderId, Order storage o, bool early) private {
        o.state = State.Released;
        // split(amount, 0, the order's fee) without its checks of a caller's shares: no refund share, and the
        // order's fee <= MAX_FEE_BPS < BPS, so fee <= amount
        uint256 amount = _remaining(orderId, o);
        uint256 fee = _fee(amount, _feeBpsOf(o));
        uint256 toSellerSide;
        unchecked {
            toSellerSide = amount - fee;
        }
        emit OrderReleased(orderId, msg.sender, early, toSellerSide, fee);
        address token = _recordSettlement(o, toSellerSide, false, false);
        _paySellerSide(orderId, token, toSellerSide, fee);
    }

    function _resolve(uint256 orderId, Order storage o, Ruling ruling, uint256 refundBps, bytes32 evidence) private {
        o.state = State.Resolved;
        // the share applied, <= BPS (every caller checks it) < 2^16: what the invoice's status is read from
        o.proposedRefundBps = uint16(refundBps);
        (uint256 toBuyer, uint256 toSellerSide, uint256 fee) = split(_remaining(orderId, o), refundBps, _feeBpsOf(o));
        emit OrderResolved(orderId, msg.sender, ruling, refundBps, evidence, toBuyer, toSellerSide, fee);
        address token = _recordSettlement(o, toSellerSide, true, refundBps != 0);
        if (toBuyer != 0) _pay(orderId, token, o.buyer, toBuyer);
        _paySellerSide(orderId, token, toSellerSide, fee);
    }

    function _refund(uint256 orderId, Order storage o, RefundReason reason) private {
        o.state = State.Refunded;
        uint256 amount = _remaining(orderId, o);
        address seller = o.seller;
        address token = o.token;
        // read with the token (one slot): a plain order pays a test, not a load
        if (o.exposed) _unexpose(seller, token, o.amount); // the whole order was counted open until it ends
        emit OrderRefunded(orderId, reason, amount);
        ++_sellerRecords[seller].refunds;
        _pay(orderId, token, o.buyer, amount);
        // a shipped order's title: back to the seller from the escrow, void if out with the buyer unsurrendered
        // a flag bit, not a balance: strict equality is exact
        // slither-disable-next-line incorrect-equality
        if (reason == RefundReason.NotDelivered && o.inspectionWindow & SCHEDULED != 0) {
            schedules.refunded(orderId, seller);
        }
    }

    /// @dev The seller side goes to whoever holds the invoice (InvoiceToken decides the payees); the fee is
    /// credited to the treasury.
    function _paySellerSide(uint256 orderId, address token, uint256 amount, uint256 fee) private {
        _creditFee(orderId, token, fee);
        if (amount == 0) return;
        (address[2] memory to, uint256[2] memory amounts) = invoices.settlementPayees(orderId, amount);
        if (amounts[0] != 0) _pay(orderId, token, to[0], amounts[0]);
        if (amounts[1] != 0) _pay(orderId, token, to[1], amounts[1]);
    }

    function _creditFee(uint256 orderId, address token, uint256 fee) private {
        if (fee == 0) return;
        address t = treasury;
        credits[token][t] += fee;
        emit Payout(orderId, t, token, fee, true);
    }

    /// @dev The seller's track record, one slot and one volume counter: no loops. Frees the order's exposure. Returns
    /// the order's token (read here anyway: the caller pays with it).
    function _recordSettlement(Order storage o, uint256 toSellerSide, bool disputed, bool lost)
        private
        returns (address token)
    {
        address seller = o.seller;
        token = o.token;
        if (o.exposed) _unexpose(seller, token, o.amount); // read with the token: one slot
        SellerRecord storage r = _sellerRecords[seller];
        if (toSellerSide != 0) {
            ++r.completed;
            sellerVolume[seller][token] += toSellerSide;
        }
        if (disputed) ++r.disputes;
        if (lost) ++r.disputesLost;
        r.lastSettledAt = uint40(block.timestamp); // unix seconds fit 40 bits for 34,000 years
    }

    /// @dev Push a payment; if the recipient refuses it (reverts, runs out of the gas given), credit it instead
    /// so the order still settles and the recipient can withdraw later.
    function _pay(uint256 orderId, address token, address to, uint256 amount) private {
        bool ok;
        if (token == address(0)) {
            uint256 g = PUSH_GAS;
            assembly ("memory-safe") {
                // no return data is copied: a huge revert reason costs the caller nothing
                ok := call(g, to, amount, 0, 0, 0, 0)
            }
        } else {
            ok = _tryTransfer(token, to, amount);
        }
        if (!ok) credits[token][to] += amount;
        emit Payout(orderId, to, token, amount, !ok);
    }

    /// @dev SafeERC20.trySafeTransfer with the gas capped at TOKEN_PUSH_GAS: false when the token reverts, returns
    /// false, or runs out of the gas given; a token returning nothing counts as success if it has code.
    function _tryTransfer(address token, address to, uint256 amount) private returns (bool ok) {
        bytes memory data = abi.encodeCall(IERC20.transfer, (to, amount));
        uint256 g = TOKEN_PUSH_GAS;
        uint256 size;
        uint256 value;
        assembly ("memory-safe") {
            // at most one word of return data is copied: a huge return costs the caller nothing
            ok := call(g, token, 0, add(data, 0x20), mload(data), 0, 0x20)
            size := returndatasize()
            value := mload(0)
        }
        return ok && (size == 0 ? token.code.length > 0 : value == 1);
    }

    /// @dev The release rule, written once (as OpenZeppelin's VestingWallet has release() read releasable()): a
    /// Shipped order delivered on time (_deliveredOnTime, the one delivery rule) is releasable once the inspection
    /// window after that delivery is over. release, releaseBatch and actionable read it here.
    /// @return delivered the on-time delivery time, 0 when the order is not (or not yet) Delivered
    /// @return endsAt when the inspection window ends (0 when not Delivered)
    /// @return releasable whether release may run now
    function _releaseStatus(uint256 orderId, Order storage o)
        private
        view
        returns (uint256 delivered, uint256 endsAt, bool releasable)
    {
        if (o.state != State.Shipped) return (0, 0, false);
        delivered = _deliveredOnTime(orderId, o);
        if (delivered == 0) return (0, 0, false);
        endsAt = delivered + _window(o);
        releasable = block.timestamp >= endsAt;
    }

    /// @dev The delivery rule, written once: the first half of the release rule and the derived Delivered state
    /// (_releaseStatus; _effective for getOrder, stateOf and WrongState; confirm, dispute, extendDeliverBy,
    /// financingState, _refundDue, tranches): a Shipped order (the caller checked the state) whose carrier confirmed
    /// delivery by deliverBy. Its delivery time, else 0.
    function _deliveredOnTime(uint256 orderId, Order storage o) private view returns (uint256 when) {
        when = provenance.deliveredAt(orderId);
        if (when != 0 && when > o.deliverBy) when = 0; // not delivered (0) reads no deliverBy
    }

    /// @dev Why an order without an on-time delivery cannot take a step that needs one.
    function _notDelivered(uint256 orderId, Order storage o) private view {
        if (o.state != State.Shipped) _wrongState(orderId, o, State.Shipped);
        revert NotDelivered(orderId);
    }

    function _refundDue(uint256 orderId, Order storage o)
        private
        view
        returns (bool due, RefundReason reason, uint256 dueAt)
    {
        if (o.state == State.Funded) {
            dueAt = uint256(o.shipBy) + 1;
            return (block.timestamp >= dueAt, RefundReason.NotShipped, dueAt);
        }
        if (o.state == State.Shipped && _deliveredOnTime(orderId, o) == 0) {
            dueAt = uint256(o.deliverBy) + 1;
            return (block.timestamp >= dueAt, RefundReason.NotDelivered, dueAt);
        }
        if (o.state == State.Offered) {
            unchecked {
                dueAt = _acceptBy[orderId] + 1; // <= shipBy + 1 < 2^32 + 1
            }
            return (block.timestamp >= dueAt, RefundReason.NotAccepted, dueAt);
        }
        return (false, RefundReason.NotShipped, 0);
    }

    function _withdraw(address token, address to) private {
        uint256 amount = credits[token][msg.sender];
        if (amount == 0) revert NothingToWithdraw(token, msg.sender);
        credits[token][msg.sender] = 0;
        emit Withdrawn(msg.sender, token, amount);
        if (token == address(0)) {
            // the suite's one ETH payout (as InvoiceToken._send): OpenZeppelin's call that copies no return data
            if (!LowLevelCall.callNoReturn(to, amount, "")) revert WithdrawFailed(to, amount);
        } else {
            IERC20(token).safeTransfer(to, amount);
        }
    }

    /// @dev The arbiter may be neither party, nor anyone the seller's side of a settlement would pay (the
    /// invoice holder, a financier with an advance outstanding).
    function _checkArbiterNotParty(uint256 orderId, Order storage o) private view {
        if (msg.sender == o.buyer || msg.sender == o.seller) revert ArbiterIsParty(orderId, msg.sender);
        // only who would be paid matters here, not how much
        // slither-disable-next-line unused-return
        (address[2] memory to,) = invoices.settlementPayees(orderId, o.amount);
        if (msg.sender == to[0] || msg.sender == to[1]) revert ArbiterIsParty(orderId, msg.sender);
    }

    /// @dev A carrier confirms delivery and so starts or ends the money's path: never the seller or the buyer.
    function _checkCarrier(uint256 orderId, Order storage o, address carrier) private view {
        if (carrier == o.seller || carrier == o.buyer) revert CarrierIsParty(orderId, carrier);
    }

    function _effective(uint256 orderId, Order storage o) private view returns (State s) {
        s = o.state;
        if (s == State.Shipped && _deliveredOnTime(orderId, o) != 0) s = State.Delivered;
    }

    /// @dev Report the state a user sees (Delivered rather than the stored Shipped).
    function _wrongState(uint256 orderId, Order storage o, State required) private view {
        revert WrongState(orderId, _effective(orderId, o), required);
    }

    /// @dev The caller's parties (bits 1 << Party) among those a settlement at `refundBps` needs, and all those it
    /// needs: the buyer and the invoice holder always, an advance financier when the seller side would not cover
    /// its repayment. Reverts when the caller is none of them.
    function _standing(uint256 orderId, Order storage o, uint256 refundBps)
        private
        view
        returns (uint8 mine, uint8 required)
    {
        address holder;
        address financier;
        (required, holder, financier) = _required(orderId, o, refundBps);
        if (msg.sender == o.buyer) mine |= _bit(Party.Buyer);
        if (msg.sender == holder) mine |= _bit(Party.Holder);
        if (msg.sender == financier) mine |= _bit(Party.Financier);
        mine &= required;
        if (mine == 0) {
            if (msg.sender == o.seller) revert ReceivableSold(orderId, msg.sender, holder);
            revert NotParty(orderId, msg.sender);
        }
    }

    /// @dev Who a settlement at `refundBps` needs (bits 1 << Party), with the holder and advance financier.
    function _required(uint256 orderId, Order storage o, uint256 refundBps)
        private
        view
        returns (uint8 required, address holder, address financier)
    {
        uint256 repayment;
        (holder, financier, repayment) = invoices.standing(orderId);
        required = _bit(Party.Buyer) | _bit(Party.Holder);
        if (financier != address(0)) {
            // only the seller side matters here
            // slither-disable-next-line unused-return
            (, uint256 toSellerSide,) = split(_left(orderId, o), refundBps, _feeBpsOf(o));
            if (toSellerSide < repayment) required |= _bit(Party.Financier);
        }
    }

    /// @dev Record who agreed; settle by agreement once everyone needed did.
    function _agreed(uint256 orderId, Order storage o, uint256 refundBps, uint8 agreed, uint8 required) private {
        emit SettlementConsents(orderId, agreed, required);
        if (agreed & required == required) _resolve(orderId, o, Ruling.Agreement, refundBps, bytes32(0));
    }

    function _firstParty(uint8 bits) private pure returns (Party) {
        if (bits & _bit(Party.Buyer) != 0) return Party.Buyer;
        if (bits & _bit(Party.Holder) != 0) return Party.Holder;
        return Party.Financier;
    }

    /// @dev The address that stands as `party` on the order (the holder and financier as the invoice has them).
    function _partyAddress(uint256 orderId, Order storage o, Party party) private view returns (address) {
        if (party == Party.None) return address(0);
        if (party == Party.Buyer) return o.buyer;
        // who stands there, not what it is owed
        // slither-disable-next-line unused-return
        (address holder, address financier,) = invoices.standing(orderId);
        return party == Party.Holder ? holder : financier;
    }

    function _bit(Party party) private pure returns (uint8) {
        return uint8(1 << uint8(party)); // party <= 3: at most 8
    }

    // ------------------------------------------------------------------ tranches

    /// @dev Pay tranche `index` if due (reverting why not when `strict`): its share of the amount, the fee pro rata,
    /// the seller side to the invoice's payees (an advance financier's repayment shrinks by what it got); the title
    /// passes to the buyer with the documents tranche. Whether it paid.
    function _releaseTranche(uint256 orderId, Order storage o, uint256 index, bool strict) private returns (bool) {
        (uint256 gross, Trigger trigger, uint256 released) =
            schedules.take(orderId, index, o.amount, _deliveredOnTime(orderId, o), o.deliverBy, o.buyer, strict);
        if (gross == 0) return false;
        uint256 fee = _fee(gross, _feeBpsOf(o));
        _trancheReleased(orderId, index, trigger, gross, fee, o.amount - uint96(released)); // bit 255: documents
        address token = o.token;
        _creditFee(orderId, token, fee);
        (address[2] memory to, uint256[2] memory amounts) = invoices.tranchePayees(orderId, gross - fee);
        // the calls above go to the suite's own schedule book and invoice token (bound to this escrow, no call out);
        // every entry point is nonReentrant
        // slither-disable-next-line reentrancy-no-eth
        if (amounts[0] != 0) _pay(orderId, token, to[0], amounts[0]);
        if (amounts[1] != 0) _pay(orderId, token, to[1], amounts[1]);
        // delivery versus payment: the title passes last, so its receiver's hook runs after every state change
        if (released >> 255 != 0) schedules.deliverTitle(orderId, o.buyer);
        return true;
    }

    function _trancheReleased(uint256 orderId, uint256 index, Trigger trigger, uint256 gross, uint256 fee, uint256 left)
        private
    {
        emit TrancheReleased(orderId, index, trigger, msg.sender, gross, gross - fee, fee, left);
    }

    function _fixSchedule(uint256 orderId, uint256 schedule) private {
        schedules.fix(orderId, schedule);
        _orders[orderId].inspectionWindow |= SCHEDULED;
        emit ScheduleFixed(orderId, schedule);
    }

    /// @dev What is left of the payment after released tranches; says so in RemainderOnly when tranches were paid.
    function _remaining(uint256 orderId, Order storage o) private returns (uint256 left) {
        left = o.amount;
        if (o.inspectionWindow & SCHEDULED == 0) return left; // a plain order: no tranche was ever paid
        uint256 released = schedules.releasedOf(orderId);
        if (released == 0) return left;
        left -= released;
        emit RemainderOnly(orderId, released, left);
    }

    function _left(uint256 orderId, Order storage o) private view returns (uint256) {
        if (o.inspectionWindow & SCHEDULED == 0) return o.amount;
        return o.amount - schedules.releasedOf(orderId);
    }

    /// @dev The inspection window, without the SCHEDULED flag.
    function _window(Order storage o) private view returns (uint256) {
        return o.inspectionWindow & ~SCHEDULED;
    }

    function _existing(uint256 orderId) private view returns (Order storage o) {
        o = _orders[orderId];
        if (o.state == State.None) revert UnknownOrder(orderId);
    }

    /// @dev The fee snapshot taken when the order was placed.
    function _feeBpsOf(Order storage o) private view returns (uint256) {
        unchecked {
            return uint16(_baseFeeBps + o.feeOffset);
        }
    }

    function _fee(uint256 amount, uint256 bps) private pure returns (uint256) {
        return amount * bps / BPS;
    }

    function _checkDisputePeriod(uint256 period) private pure {
        if (period < MIN_DISPUTE_PERIOD || period > MAX_DISPUTE_PERIOD) {
            revert DisputePeriodOutOfRange(period, MIN_DISPUTE_PERIOD, MAX_DISPUTE_PERIOD);
        }
    }
}
