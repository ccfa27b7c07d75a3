// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title ITradeEscrow — types, errors and events of the trade escrow.
/// @notice Declared apart from the implementation so clients can decode every revert and event.
interface ITradeEscrow {
    /// @dev Stored states. `Delivered` is never stored: it is read from Provenance (see `stateOf`).
    enum State {
        None,
        Funded,
        Shipped,
        Delivered,
        Disputed,
        Released,
        Resolved,
        Refunded,
        Cancelled
    }

    /// @dev How a dispute ended.
    enum Ruling {
        Arbiter,
        Agreement,
        Default
    }

    /// @dev Who stands in a negotiated settlement: the buyer, and on the seller's side whoever the settlement would
    /// pay there — the invoice holder and an advance financier whose repayment it would cut. Bit (1 << Party) marks
    /// a party in `Order.consents` and in SettlementConsents.
    enum Party {
        None,
        Buyer,
        Holder,
        Financier
    }

    /// @dev Why a refund was due.
    enum RefundReason {
        NotShipped,
        NotDelivered
    }

    /// @dev Three storage slots; the third is written at order time only for ERC-20 orders, or when the fee
    /// differs from the escrow's deployment fee.
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
    }

    /// @notice A seller's track record, kept by the escrow as orders settle: one slot, updated without loops.
    /// @dev Volume is per payment token (see `sellerVolume`): amounts in different tokens do not add up.
    struct SellerRecord {
        uint32 completed; // released, or resolved with something left for the seller side
        uint32 disputes; // disputes resolved (by ruling, agreement or default)
        uint32 disputesLost; // disputes resolved with any refund to the buyer
        uint32 refunds; // orders refunded on a timeout (not shipped / not delivered in time)
        uint40 lastSettledAt;
    }

    /// @notice Everything a client needs about an order in one call.
    struct OrderView {
        uint256 id;
        address buyer;
        address seller;
        address token;
        uint256 amount;
        uint256 feeBps;
        uint256 shipBy;
        uint256 deliverBy;
        uint256 inspectionWindow;
        uint256 deliveredAt;
        uint256 inspectionEndsAt;
        uint256 rulingDeadline;
        uint256 proposedRefundBps;
        address proposer;
        address carrier;
        State state;
    }

    // ---- input errors ----
    error AmountZero();
    error AmountTooLarge(uint256 amount, uint256 max);
    error InvalidAddress(string field, address value);
    error SellerIsBuyer(address account);
    error DeadlineInPast(string field, uint256 deadline, uint256 nowTimestamp);
    error DeadlinesOutOfOrder(uint256 shipBy, uint256 deliverBy);
    error DeadlineTooFar(uint256 deadline, uint256 max);
    error InspectionWindowTooLong(uint256 window, uint256 max);
    error WrongEthAmount(uint256 sent, uint256 expected);
    error EthSentWithToken(uint256 value);
    error TokenAmountShortfall(address token, uint256 expected, uint256 received);
    error InvalidBps(uint256 bps);
    error FeeTooHigh(uint256 bps, uint256 max);
    error DisputePeriodOutOfRange(uint256 period, uint256 min, uint256 max);

    // ---- order errors ----
    error UnknownOrder(uint256 orderId);
    error NotBuyer(uint256 orderId, address caller);
    error NotSeller(uint256 orderId, address caller);
    error NotParty(uint256 orderId, address caller);
    error WrongState(uint256 orderId, State actual, State required);
    error ShipDeadlinePassed(uint256 orderId, uint256 shipBy);
    error NotDelivered(uint256 orderId);
    error InspectionWindowOpen(uint256 orderId, uint256 endsAt);
    error InspectionWindowClosed(uint256 orderId, uint256 endedAt);
    error RefundNotDue(uint256 orderId, uint256 dueAt);
    error NoRefundDue(uint256 orderId, State state);
    error ArbiterIsParty(uint256 orderId, address arbiter);
    error NoSettlementProposal(uint256 orderId);
    error OwnProposal(uint256 orderId, address caller);
    error ProposalMismatch(uint256 orderId, uint256 proposedBps, uint256 acceptedBps);
    /// @notice The seller sold its receivable: the invoice holder, not the seller, speaks for the seller side of a
    /// settlement.
    /// @param orderId the disputed order
    /// @param seller the order's seller, who called
    /// @param holder who holds the invoice and may propose or accept instead
    error ReceivableSold(uint256 orderId, address seller, address holder);
    error RulingDeadlineNotReached(uint256 orderId, uint256 deadline);
    error NothingToWithdraw(address token, address account);
    error WithdrawFailed(address account, uint256 amount);
    error BatchTooLarge(uint256 length, uint256 max);
    /// @notice The carrier confirms delivery, so it can be neither the seller nor the buyer of the order.
    /// @param orderId the order
    /// @param carrier the carrier named
    error CarrierIsParty(uint256 orderId, address carrier);
    /// @notice An arbiter's new delivery deadline must be later than the current one.
    /// @param orderId the order
    /// @param deliverBy the current delivery deadline
    /// @param proposed the deadline given
    error DeliverByNotExtended(uint256 orderId, uint256 deliverBy, uint256 proposed);

    // ---- events: the timeline is rebuilt from these ----
    event OrderPlaced(
        uint256 indexed orderId,
        address indexed buyer,
        address indexed seller,
        address token,
        uint256 amount,
        uint256 shipBy,
        uint256 deliverBy,
        uint256 inspectionWindow,
        uint256 feeBps,
        bytes32 termsHash
    );
    event OrderShipped(uint256 indexed orderId, address indexed carrier, bytes32 billOfLadingHash);
    /// @dev The arbiter excused a delay: the carrier now has until `newDeliverBy` to confirm delivery.
    event DeliverByExtended(
        uint256 indexed orderId, address indexed by, uint256 oldDeliverBy, uint256 newDeliverBy, bytes32 evidenceHash
    );
    /// @dev The buyer confirmed a shipment whose sensor limits were breached: nothing is released early.
    event ConfirmationDeferred(uint256 indexed orderId, uint8 breaches);
    event OrderDisputed(uint256 indexed orderId, address indexed by, bytes32 evidenceHash, uint256 rulingDeadline);
    event SettlementProposed(uint256 indexed orderId, address indexed by, uint256 refundBps);
    /// @dev A party with standing agreed to the standing offer (the proposer agrees by proposing).
    event SettlementAccepted(uint256 indexed orderId, address indexed by, uint256 refundBps);
    /// @dev After each proposal and acceptance: bits (1 << Party) of who agreed, and of who must agree before the
    /// offer settles the order (the buyer, the invoice holder, and an advance financier whose repayment it cuts).
    event SettlementConsents(uint256 indexed orderId, uint8 agreed, uint8 required);
    event OrderReleased(uint256 indexed orderId, address indexed by, bool early, uint256 toSellerSide, uint256 fee);
    event OrderResolved(
        uint256 indexed orderId,
        address indexed by,
        Ruling ruling,
        uint256 refundBps,
        bytes32 evidenceHash,
        uint256 toBuyer,
        uint256 toSellerSide,
        uint256 fee
    );
    event OrderRefunded(uint256 indexed orderId, RefundReason reason, uint256 amount);
    event OrderCancelled(uint256 indexed orderId, uint256 amount);
    /// @dev One per transfer out of the escrow; `credited` when the push failed and the funds wait for withdraw().
    event Payout(uint256 indexed orderId, address indexed to, address token, uint256 amount, bool credited);
    event Withdrawn(address indexed account, address indexed token, uint256 amount);
    event FeeChanged(uint256 oldBps, uint256 newBps);
    event TreasuryChanged(address oldTreasury, address newTreasury);
    event DisputePeriodChanged(uint256 oldPeriod, uint256 newPeriod);

    // ---- views other contracts read ----
    function getOrder(uint256 orderId) external view returns (OrderView memory);
    function stateOf(uint256 orderId) external view returns (State);
    function isSettled(uint256 orderId) external view returns (bool);
    function financingState(uint256 orderId) external view returns (State state, bool refundDue);
    function faceValue(uint256 orderId) external view returns (uint256);
    function split(uint256 amount, uint256 refundBps, uint256 fee)
        external
        pure
        returns (uint256 toBuyer, uint256 toSellerSide, uint256 feeAmount);
    function sellerRecord(address seller) external view returns (SellerRecord memory);
    function sellerVolume(address seller, address token) external view returns (uint256);
}
