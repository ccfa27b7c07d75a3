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
        Cancelled,
        Offered // paid, waiting for the seller's acceptance until acceptBy (orders placed with one); nothing ships yet
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
        NotDelivered,
        NotAccepted // the seller did not accept by acceptBy
    }

    /// @dev What releases a tranche of a scheduled order, in logistics order: the escrow's own Shipped, a Provenance
    /// checkpoint (customs' ExportCleared/ImportCleared, the carrier's Arrived), the on-time Delivered, or End (the
    /// inspection window over: the last tranche, paid by `release`).
    enum Trigger {
        None,
        Shipped,
        ExportCleared,
        Arrived,
        ImportCleared,
        Delivered,
        End
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

    /// @notice What a buyer fixes when placing an order: placeOrder's and placeOrderWithPermit's input, read
    /// field by field from calldata.
    struct OrderTerms {
        address seller; // who is paid for the goods (never the buyer)
        address token; // the payment token, address(0) for native ETH
        uint256 amount; // the price in the token's base units (< 2^96)
        uint256 shipBy; // the seller must ship by then (unix seconds), or the buyer may reclaim the payment
        uint256 deliverBy; // the carrier must confirm delivery by then, or the buyer may reclaim the payment
        uint256 inspectionWindow; // seconds after delivery in which the buyer may dispute (at most 30 days)
        bytes32 termsHash; // keccak-256 of the e-contract, anchored in OrderPlaced
        uint256 acceptBy; // 0: binds at once; else the seller must accept by then (<= shipBy) or the buyer is refunded
        uint256 schedule; // the payment schedule, packed as ScheduleFixed says; 0 for none (one payment at release)
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
    /// @notice the amount must be greater than zero
    error AmountZero();
    /// @notice amount {amount} is larger than the maximum {max}
    /// @param amount The amount, in base units.
    /// @param max The largest value allowed.
    error AmountTooLarge(uint256 amount, uint256 max);
    /// @notice {field} must be a real address, not {value}
    /// @param field Which argument was wrong.
    /// @param value The value given.
    error InvalidAddress(string field, address value);
    /// @notice the seller cannot be the buyer ({account})
    /// @param account The account concerned.
    error SellerIsBuyer(address account);
    /// @notice {field} ({deadline}) is not in the future (chain time is {nowTimestamp})
    /// @param field Which argument was wrong.
    /// @param deadline The deadline, unix seconds.
    /// @param nowTimestamp The chain time, unix seconds.
    error DeadlineInPast(string field, uint256 deadline, uint256 nowTimestamp);
    /// @notice the delivery deadline ({deliverBy}) must come after the shipping deadline ({shipBy})
    /// @param shipBy The shipping deadline, unix seconds.
    /// @param deliverBy The delivery deadline, unix seconds.
    error DeadlinesOutOfOrder(uint256 shipBy, uint256 deliverBy);
    /// @notice deadline {deadline} is too far in the future (max {max})
    /// @param deadline The deadline, unix seconds.
    /// @param max The largest value allowed.
    error DeadlineTooFar(uint256 deadline, uint256 max);
    /// @notice the inspection window of {window} s is longer than the maximum {max} s
    /// @param window The inspection window, seconds.
    /// @param max The largest value allowed.
    error InspectionWindowTooLong(uint256 window, uint256 max);
    /// @notice sent {sent} wei but the order amount is {expected} wei
    /// @param sent Wei sent with the call.
    /// @param expected What was due.
    error WrongEthAmount(uint256 sent, uint256 expected);
    /// @notice ETH was sent with an ERC-20 order ({value} wei); send the token only
    /// @param value The value given.
    error EthSentWithToken(uint256 value);
    /// @notice token {token} delivered {received} of {expected}: fee-on-transfer tokens are refused
    /// @param token The payment token (zero for ETH).
    /// @param expected What was due.
    /// @param received What actually arrived.
    error TokenAmountShortfall(address token, uint256 expected, uint256 received);
    /// @notice {bps} basis points is not a share between 0 and 10000
    /// @param bps The share, in basis points.
    error InvalidBps(uint256 bps);
    /// @notice a fee of {bps} bps is above the cap of {max} bps
    /// @param bps The share, in basis points.
    /// @param max The largest value allowed.
    error FeeTooHigh(uint256 bps, uint256 max);
    /// @notice dispute period {period} s must be between {min} and {max} s
    /// @param period The dispute period, seconds.
    /// @param min The smallest value allowed.
    /// @param max The largest value allowed.
    error DisputePeriodOutOfRange(uint256 period, uint256 min, uint256 max);

    /// @notice the order amount {amount} is not {locked}, the price at the rate locked now: the rate moved since it
    /// was read; read it again and place the order again
    /// @param amount The order amount given, in the token's base units.
    /// @param locked The price converted at the rate locked now.
    error FxAmountMismatch(uint256 amount, uint256 locked);

    // ---- order errors ----
    /// @notice there is no order {orderId}; `tradechain order list` shows the orders
    /// @param orderId The order.
    error UnknownOrder(uint256 orderId);
    /// @notice only the buyer of order {orderId} may do this, not {caller}
    /// @param orderId The order.
    /// @param caller The account that called.
    error NotBuyer(uint256 orderId, address caller);
    /// @notice only the seller of order {orderId} may do this, not {caller}
    /// @param orderId The order.
    /// @param caller The account that called.
    error NotSeller(uint256 orderId, address caller);
    /// @notice {caller} has no standing in the settlement of order {orderId}: the buyer, the invoice holder and an
    /// advance financier whose repayment it would cut may propose or accept
    /// @param orderId The order.
    /// @param caller The account that called.
    error NotParty(uint256 orderId, address caller);
    /// @notice order {orderId} is {actual}; this needs it to be {required}
    /// @param orderId The order.
    /// @param actual The order's state now.
    /// @param required The state this step needs.
    error WrongState(uint256 orderId, State actual, State required);
    /// @notice order {orderId} can no longer ship: the shipping deadline ({shipBy}) has passed
    /// @param orderId The order.
    /// @param shipBy The shipping deadline, unix seconds.
    error ShipDeadlinePassed(uint256 orderId, uint256 shipBy);
    /// @notice order {orderId} has no on-time delivery confirmation from its carrier yet
    /// @param orderId The order.
    error NotDelivered(uint256 orderId);
    /// @notice order {orderId} is still in its inspection window until {endsAt}
    /// @param orderId The order.
    /// @param endsAt When the window ends, unix seconds.
    error InspectionWindowOpen(uint256 orderId, uint256 endsAt);
    /// @notice the inspection window of order {orderId} closed at {endedAt}
    /// @param orderId The order.
    /// @param endedAt When the window ended, unix seconds.
    error InspectionWindowClosed(uint256 orderId, uint256 endedAt);
    /// @notice no refund is due on order {orderId} before {dueAt}
    /// @param orderId The order.
    /// @param dueAt When the refund falls due, unix seconds.
    error RefundNotDue(uint256 orderId, uint256 dueAt);
    /// @notice order {orderId} is {state}: refunds are only for orders not shipped or not delivered in time
    /// @param orderId The order.
    /// @param state The order's state.
    error NoRefundDue(uint256 orderId, State state);
    /// @notice arbiter {arbiter} is a party to order {orderId} and cannot rule on it
    /// @param orderId The order.
    /// @param arbiter The arbiter.
    error ArbiterIsParty(uint256 orderId, address arbiter);
    /// @notice there is no settlement proposal on order {orderId} to accept
    /// @param orderId The order.
    error NoSettlementProposal(uint256 orderId);
    /// @notice {caller} already agreed to the proposal on order {orderId}; the other parties must accept it
    /// @param orderId The order.
    /// @param caller The account that called.
    error OwnProposal(uint256 orderId, address caller);
    /// @notice order {orderId}: the proposal is {proposedBps} bps, not {acceptedBps} bps
    /// @param orderId The order.
    /// @param proposedBps The refund share proposed, in basis points.
    /// @param acceptedBps The refund share accepted, in basis points.
    error ProposalMismatch(uint256 orderId, uint256 proposedBps, uint256 acceptedBps);
    /// @notice seller {seller} sold the invoice of order {orderId}: its holder {holder} speaks for the seller side
    /// of a settlement
    /// @param orderId The disputed order.
    /// @param seller The order's seller, who called.
    /// @param holder Who holds the invoice and may propose or accept instead.
    error ReceivableSold(uint256 orderId, address seller, address holder);
    /// @notice the arbiter may still rule on order {orderId} until {deadline}
    /// @param orderId The order.
    /// @param deadline The deadline, unix seconds.
    error RulingDeadlineNotReached(uint256 orderId, uint256 deadline);
    /// @notice {account} has nothing to withdraw in token {token}
    /// @param token The payment token (zero for ETH).
    /// @param account The account concerned.
    error NothingToWithdraw(address token, address account);
    /// @notice {account} refused the withdrawal of {amount}
    /// @param account The account concerned.
    /// @param amount The amount, in base units.
    error WithdrawFailed(address account, uint256 amount);
    /// @notice a batch of {length} is larger than the maximum {max}
    /// @param length The length given.
    /// @param max The largest value allowed.
    error BatchTooLarge(uint256 length, uint256 max);
    /// @notice {carrier} is a party to order {orderId}: its carrier can be neither the seller nor the buyer
    /// @param orderId The order.
    /// @param carrier The carrier named.
    error CarrierIsParty(uint256 orderId, address carrier);
    /// @notice the new delivery deadline {proposed} of order {orderId} must be later than the current {deliverBy}
    /// @param orderId The order.
    /// @param deliverBy The current delivery deadline.
    /// @param proposed The deadline given.
    error DeliverByNotExtended(uint256 orderId, uint256 deliverBy, uint256 proposed);

    /// @notice the acceptance deadline ({acceptBy}) must be in the future and not after the shipping deadline
    /// ({shipBy})
    /// @param acceptBy The acceptance deadline, unix seconds.
    /// @param shipBy The shipping deadline, unix seconds.
    error AcceptByOutOfRange(uint256 acceptBy, uint256 shipBy);
    /// @notice order {orderId} can no longer be accepted: its acceptance deadline ({acceptBy}) has passed
    /// @param orderId The order.
    /// @param acceptBy The acceptance deadline, unix seconds.
    error AcceptDeadlinePassed(uint256 orderId, uint256 acceptBy);
    /// @notice seller {seller} has {open} open in the order's token: this order would take it over its exposure cap of
    /// {cap} there (the admin's multiple of its settled volume, or the floor for new sellers)
    /// @param seller The seller.
    /// @param open The value of the seller's orders bound and not yet settled, in base units.
    /// @param cap The seller's exposure cap in this token, in base units.
    error ExposureCapExceeded(address seller, uint256 open, uint256 cap);
    /// @notice tranche {index} of schedule {schedule} is invalid: each tranche needs a share above 0 and a trigger after
    /// the one before it, the last trigger is End, and the documents tranche must come before Delivered
    /// @param schedule The packed schedule given.
    /// @param index The tranche at fault (0 = the first).
    error InvalidTranche(uint256 schedule, uint256 index);
    /// @notice the tranche shares add up to {total} bps; they must add up to 10000
    /// @param total The sum of the shares, in basis points.
    error TrancheSharesSum(uint256 total);
    /// @notice order {orderId} has no tranche {index}
    /// @param orderId The order.
    /// @param index The tranche (0 = the first).
    error UnknownTranche(uint256 orderId, uint256 index);
    /// @notice tranche {index} of order {orderId} was already released
    /// @param orderId The order.
    /// @param index The tranche (0 = the first).
    error TrancheAlreadyReleased(uint256 orderId, uint256 index);
    /// @notice tranche {index} of order {orderId} waits for {trigger}, not on chain yet (End: `release` pays the last
    /// tranche once the inspection window is over)
    /// @param orderId The order.
    /// @param index The tranche (0 = the first).
    /// @param trigger The event the tranche waits for.
    error TrancheNotDue(uint256 orderId, uint256 index, Trigger trigger);

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
    /// @dev The order waits for the seller's acceptance until `acceptBy`; after it, anyone may refund the buyer.
    event AcceptanceRequested(uint256 indexed orderId, uint256 acceptBy);
    /// @dev The seller accepted: the order is Funded and binds both sides (counted in the seller's exposure).
    event OrderAccepted(uint256 indexed orderId);
    event OrderShipped(uint256 indexed orderId, address indexed carrier, bytes32 billOfLadingHash);
    /// @dev The buyer's payment schedule, fixed with the order (companion of OrderPlaced, part of the committed
    /// terms). `schedule` packs, for tranche i < 4: its share in bps at bits 16i, its Trigger at bits 64 + 8i; and at
    /// bits 96..103 the 1-based index of the tranche that pays for the documents (the eBL title passes to the buyer
    /// with it; 0: no eBL).
    event ScheduleFixed(uint256 indexed orderId, uint256 schedule);
    /// @dev A tranche was paid: `gross` of the order's amount, `toSellerSide` to the invoice's payees, `fee` to the
    /// treasury. Final: a later dispute, refund or ruling acts only on what is left (`remaining`).
    event TrancheReleased(
        uint256 indexed orderId,
        uint256 index,
        Trigger trigger,
        address indexed by,
        uint256 gross,
        uint256 toSellerSide,
        uint256 fee,
        uint256 remaining
    );
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
    /// @dev Emitted with a dispute, refund, ruling or release of an order whose tranches already paid `released`: it
    /// acts only on `remaining`; the tranches stay paid.
    event RemainderOnly(uint256 indexed orderId, uint256 released, uint256 remaining);
    event OrderCancelled(uint256 indexed orderId, uint256 amount);
    /// @dev One per transfer out of the escrow; `credited` when the push failed and the funds wait for withdraw().
    event Payout(uint256 indexed orderId, address indexed to, address token, uint256 amount, bool credited);
    event Withdrawn(address indexed account, address indexed token, uint256 amount);
    event FeeChanged(uint256 oldBps, uint256 newBps);
    event TreasuryChanged(address oldTreasury, address newTreasury);
    event DisputePeriodChanged(uint256 oldPeriod, uint256 newPeriod);
    /// @dev A seller's open value may be at most `multiple` x its settled volume (0: no cap), or `floor` in `token`
    /// if larger (a new seller's cap).
    event ExposureCapChanged(address indexed token, uint256 multiple, uint256 floor);

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
