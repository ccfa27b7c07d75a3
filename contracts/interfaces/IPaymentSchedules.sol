// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ITradeEscrow} from "./ITradeEscrow.sol";

/// @title IPaymentSchedules — the escrow's book of tranche schedules (see PaymentSchedules).
interface IPaymentSchedules {
    /// @notice only the escrow may do this, not {caller}
    /// @param caller The account that called.
    error NotScheduleEscrow(address caller);
    /// @notice the schedule book is already bound to escrow {escrow}
    /// @param escrow The escrow already bound.
    error ScheduleEscrowAlreadyBound(address escrow);

    /// @notice Check and store an order's schedule at order time. Escrow only.
    /// @dev Emits nothing: the escrow's ScheduleFixed records the schedule.
    /// @param orderId the order
    /// @param schedule the packed schedule (see PaymentSchedules.check)
    function fix(uint256 orderId, uint256 schedule) external;

    /// @notice Mark tranche `index` released if it is due and return what it pays (its gross share of `amount`),
    /// its trigger and the gross total released so far, with bit 255 set when the tranche pays for the documents
    /// (the escrow then calls deliverTitle once it paid). With `strict` a
    /// tranche that is unknown, released or not due reverts (UnknownTranche, TrancheAlreadyReleased, TrancheNotDue);
    /// without, it returns gross 0. Escrow only.
    /// @dev Emits nothing: the escrow's TrancheReleased records what it pays.
    /// @param orderId the order
    /// @param index the tranche, 0 = the first
    /// @param amount the order's amount, of which the tranche pays its share
    /// @param deliveredOnTime the order's on-time delivery time (0: not delivered on time), as the escrow reads it
    /// @param deliverBy the order's delivery deadline
    /// @param buyer the order's buyer (whose title surrender may trigger a tranche)
    /// @param strict revert why a tranche cannot be paid, instead of returning gross 0
    function take(
        uint256 orderId,
        uint256 index,
        uint256 amount,
        uint256 deliveredOnTime,
        uint256 deliverBy,
        address buyer,
        bool strict
    ) external returns (uint256 gross, ITradeEscrow.Trigger trigger, uint256 released);

    /// @notice Delivery versus payment: the eBL title passes to `buyer`, in the transaction that paid the documents
    /// tranche. Escrow only.
    /// @param orderId the order
    /// @param buyer who receives the title
    function deliverTitle(uint256 orderId, address buyer) external;

    /// @notice The order shipped: follow its shipment's triggers in Provenance, and issue its eBL title to the escrow
    /// when the schedule names a documents tranche. Escrow only.
    /// @param orderId the order
    /// @param billOfLadingHash the shipment's bill of lading, bound to the title
    /// @param seller the shipper, the title's first beneficiary
    function shipped(uint256 orderId, bytes32 billOfLadingHash, address seller) external;

    /// @notice The order was refunded for non-delivery: settle its title (see BillOfLading.settleRefund). Escrow only.
    /// @dev Emits settleRefund's TitleEndorsed, TitleOffered or TitleVoided (BillOfLading) for a titled order.
    /// @param orderId the order
    /// @param seller the shipper, to whom a title still in the escrow returns
    function refunded(uint256 orderId, address seller) external;

    /// @notice The packed schedule (0: none), the released tranches (bit i) and the gross amount they paid out.
    function scheduleOf(uint256 orderId) external view returns (uint256 schedule, uint256 releasedMask, uint256 released);

    /// @notice The tranches `releaseTranche` would pay now (bit i: tranche i): what a keeper asks before sending.
    function dueTranches(uint256 orderId) external view returns (uint256 mask);

    /// @notice The gross amount the order's released tranches paid out.
    function releasedOf(uint256 orderId) external view returns (uint256);

    /// @notice Whether the order's schedule names a documents tranche (its shipment then gets an eBL).
    function titled(uint256 orderId) external view returns (bool);
}
