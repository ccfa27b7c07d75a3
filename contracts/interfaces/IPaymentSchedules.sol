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
    function fix(uint256 orderId, uint256 schedule) external;

    /// @notice Mark tranche `index` released if it is due and return what it pays (its gross share of `amount`),
    /// its trigger and the gross total released so far, with bit 255 set when the tranche pays for the documents
    /// (the escrow then calls deliverTitle once it paid). With `strict` a
    /// tranche that is unknown, released or not due reverts (UnknownTranche, TrancheAlreadyReleased, TrancheNotDue);
    /// without, it returns gross 0. Escrow only.
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
    function deliverTitle(uint256 orderId, address buyer) external;

    /// @notice The order shipped: follow its shipment's triggers in Provenance, and issue its eBL title to the escrow
    /// when the schedule names a documents tranche. Escrow only.
    function shipped(uint256 orderId, bytes32 billOfLadingHash, address seller) external;

    /// @notice The order was refunded for non-delivery: settle its title (see BillOfLading.settleRefund). Escrow only.
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
