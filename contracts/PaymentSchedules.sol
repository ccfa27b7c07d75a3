// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

import {ITradeEscrow} from "./interfaces/ITradeEscrow.sol";
import {IProvenance} from "./interfaces/IProvenance.sol";
import {IPaymentSchedules} from "./interfaces/IPaymentSchedules.sol";
import {IBillOfLading} from "./interfaces/IBillOfLading.sol";

/// @title PaymentSchedules — the tranches of scheduled orders: their terms, which were released, and when each is due.
/// @notice The escrow's book of payment schedules, kept beside it so that the escrow stays small and a plain order
/// never touches it. The escrow alone writes (fixing a schedule at order time, taking a tranche when it pays one);
/// a tranche is due once its trigger is on chain: the order shipped, a Provenance checkpoint of the shipment
/// (customs' ExportCleared/ImportCleared, the carrier's Arrived), or the carrier's on-time Delivered. Errors and
/// events are the escrow's (ITradeEscrow), so clients decode them from either.
contract PaymentSchedules is IPaymentSchedules, AccessControl {
    uint256 public constant BPS = 10_000;
    uint256 public constant MAX_TRANCHES = 4;
    /// @dev Set in take's `released` when the tranche pays for the documents (amounts stay below 2^96).
    uint256 internal constant DOCUMENTS = 1 << 255;

    IProvenance public immutable provenance;
    IBillOfLading public immutable titles;
    address public escrow;

    /// @dev One slot per scheduled order.
    struct Schedule {
        uint128 packed; // as ITradeEscrow.ScheduleFixed: shares, triggers, documents tranche
        uint96 released; // gross amount the released tranches paid out
        uint8 releasedMask; // bit i: tranche i released
    }

    mapping(uint256 orderId => Schedule) private _schedules;

    constructor(address admin, IProvenance provenance_, IBillOfLading titles_) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        provenance = provenance_;
        titles = titles_;
    }

    /// @notice Bind the escrow whose schedules this book keeps. Admin only, once.
    /// @dev Emits nothing: it runs once, in the deployment, whose manifest records the escrow.
    /// @param escrow_ the TradeEscrow
    function bindEscrow(address escrow_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (escrow != address(0)) revert ScheduleEscrowAlreadyBound(escrow);
        escrow = escrow_;
    }

    /// @inheritdoc IPaymentSchedules
    function fix(uint256 orderId, uint256 schedule) external {
        _onlyEscrow();
        check(schedule);
        _schedules[orderId].packed = uint128(schedule); // < 2^104: check refuses higher bits
    }

    /// @inheritdoc IPaymentSchedules
    function take(
        uint256 orderId,
        uint256 index,
        uint256 amount,
        uint256 deliveredOnTime,
        uint256 deliverBy,
        address buyer,
        bool strict
    ) external returns (uint256 gross, ITradeEscrow.Trigger trigger, uint256 released) {
        _onlyEscrow();
        Schedule storage s = _schedules[orderId];
        uint256 packed = s.packed;
        trigger = _trigger(packed, index);
        if (trigger == ITradeEscrow.Trigger.None) {
            if (strict) revert ITradeEscrow.UnknownTranche(orderId, index);
            return (0, trigger, 0);
        }
        uint8 mask = s.releasedMask;
        if (mask & (1 << index) != 0) {
            if (strict) revert ITradeEscrow.TrancheAlreadyReleased(orderId, index);
            return (0, trigger, 0);
        }
        if (!_reached(orderId, trigger, deliveredOnTime, deliverBy)) {
            if (strict) revert ITradeEscrow.TrancheNotDue(orderId, index, trigger);
            return (0, trigger, 0);
        }
        gross = amount * ((packed >> (16 * index)) & 0xffff) / BPS;
        released = s.released + gross; // the shares sum to BPS: the total stays <= amount < 2^96
        s.released = uint96(released);
        s.releasedMask = mask | uint8(1 << index); // index < MAX_TRANCHES
        // the title moves last, after the escrow paid the tranche (deliverTitle): its receiver hook runs after all
        // state changes
        if (_documents(packed) == index + 1) released |= DOCUMENTS;
    }

    /// @inheritdoc IPaymentSchedules
    /// @dev Emits the title's TitleEndorsed or TitleOffered (BillOfLading).
    function deliverTitle(uint256 orderId, address buyer) external {
        _onlyEscrow();
        titles.deliver(orderId, buyer);
    }

    /// @inheritdoc IPaymentSchedules
    /// @dev Emits the title's Transfer and TitleIssued (BillOfLading) for a titled order.
    function shipped(uint256 orderId, bytes32 billOfLadingHash, address seller) external {
        _onlyEscrow();
        bool isTitled = _documents(_schedules[orderId].packed) != 0;
        provenance.trackShipment(orderId, isTitled);
        if (isTitled) titles.issue(orderId, billOfLadingHash, seller);
    }

    /// @inheritdoc IPaymentSchedules
    function refunded(uint256 orderId, address seller) external {
        _onlyEscrow();
        if (_documents(_schedules[orderId].packed) != 0) titles.settleRefund(orderId, seller);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IPaymentSchedules
    function scheduleOf(uint256 orderId) external view returns (uint256 schedule, uint256 releasedMask, uint256 released) {
        Schedule storage s = _schedules[orderId];
        return (s.packed, s.releasedMask, s.released);
    }

    /// @inheritdoc IPaymentSchedules
    function dueTranches(uint256 orderId) external view returns (uint256 mask) {
        ITradeEscrow.OrderView memory o = ITradeEscrow(escrow).getOrder(orderId);
        if (o.state != ITradeEscrow.State.Shipped && o.state != ITradeEscrow.State.Delivered) return 0;
        uint256 onTime = o.deliveredAt != 0 && o.deliveredAt <= o.deliverBy ? o.deliveredAt : 0;
        Schedule storage s = _schedules[orderId];
        uint256 packed = s.packed;
        for (uint256 i; i < MAX_TRANCHES; ++i) {
            ITradeEscrow.Trigger trigger = _trigger(packed, i);
            if (trigger == ITradeEscrow.Trigger.None) break;
            if (s.releasedMask & (1 << i) == 0 && _reached(orderId, trigger, onTime, o.deliverBy)) mask |= 1 << i;
        }
    }

    /// @inheritdoc IPaymentSchedules
    function releasedOf(uint256 orderId) external view returns (uint256) {
        return _schedules[orderId].released;
    }

    /// @inheritdoc IPaymentSchedules
    function titled(uint256 orderId) external view returns (bool) {
        return _documents(_schedules[orderId].packed) != 0;
    }

    /// @notice Refuse a schedule that is not 1..MAX_TRANCHES tranches, each a share above 0 and a trigger later than
    /// the one before, the last End, the shares summing to BPS, a documents tranche (1-based) before Delivered (the
    /// title must be surrendered before the carrier may record the delivery), no bit above 103.
    /// @param schedule the packed schedule
    function check(uint256 schedule) public pure {
        uint256 total = 0;
        uint256 prev = 0;
        uint256 end = uint8(ITradeEscrow.Trigger.End);
        for (uint256 i; i < MAX_TRANCHES; ++i) {
            uint256 share = (schedule >> (16 * i)) & 0xffff;
            uint256 trigger = (schedule >> (64 + 8 * i)) & 0xff;
            if (trigger == 0 && share == 0 && prev == end) continue; // unused slots after End
            if (share == 0 || trigger <= prev || trigger > end) revert ITradeEscrow.InvalidTranche(schedule, i);
            prev = trigger;
            total += share;
        }
        if (prev != end) revert ITradeEscrow.InvalidTranche(schedule, MAX_TRANCHES - 1);
        if (total != BPS) revert ITradeEscrow.TrancheSharesSum(total);
        if (schedule >> 104 != 0) revert ITradeEscrow.InvalidTranche(schedule, MAX_TRANCHES);
        uint256 documents = _documents(schedule);
        if (documents != 0) {
            ITradeEscrow.Trigger paysForDocuments = _trigger(schedule, documents - 1);
            if (paysForDocuments == ITradeEscrow.Trigger.None || paysForDocuments >= ITradeEscrow.Trigger.Delivered) {
                revert ITradeEscrow.InvalidTranche(schedule, documents - 1);
            }
        }
    }

    // ------------------------------------------------------------------ internals

    /// @dev Whether a tranche's trigger is on chain for a Shipped order. Never once a refund for non-delivery is due
    /// (the refund takes what is left); never for End (the escrow's `release` pays it).
    function _reached(uint256 orderId, ITradeEscrow.Trigger trigger, uint256 deliveredOnTime, uint256 deliverBy)
        private
        view
        returns (bool)
    {
        if (trigger == ITradeEscrow.Trigger.End) return false;
        if (deliveredOnTime == 0 && block.timestamp > deliverBy) return false;
        if (trigger == ITradeEscrow.Trigger.Shipped) return true;
        if (trigger == ITradeEscrow.Trigger.Delivered) return deliveredOnTime != 0;
        // ExportCleared, Arrived, ImportCleared: the Provenance kinds 6, 5, 7 recorded on the shipment
        uint256 kind = trigger == ITradeEscrow.Trigger.Arrived ? 5 : trigger == ITradeEscrow.Trigger.ExportCleared ? 6 : 7;
        return provenance.reachedOf(orderId) & (1 << kind) != 0;
    }

    /// @dev Tranche `index`'s trigger; None past the schedule.
    function _trigger(uint256 packed, uint256 index) private pure returns (ITradeEscrow.Trigger) {
        if (index >= MAX_TRANCHES) return ITradeEscrow.Trigger.None;
        uint256 t = (packed >> (64 + 8 * index)) & 0xff;
        return t > uint8(ITradeEscrow.Trigger.End) ? ITradeEscrow.Trigger.None : ITradeEscrow.Trigger(t);
    }

    /// @dev The 1-based index of the tranche that pays for the documents (0: no eBL).
    function _documents(uint256 packed) private pure returns (uint256) {
        return (packed >> 96) & 0xff;
    }

    function _onlyEscrow() private view {
        if (msg.sender != escrow) revert NotScheduleEscrow(msg.sender);
    }
}
