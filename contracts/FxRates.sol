// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IFxRates} from "./interfaces/IFxRates.sol";
import {IAggregatorV3} from "./interfaces/IAggregatorV3.sol";

/// @title FxRates — the checked exchange rate an order locks at order time.
/// @notice Two sources, both failing closed with a named error: a Chainlink-style feed per pair (answer above zero,
/// fresh within the pair's heartbeat, within the pair's deviation band of the previous round, decimals normalised to
/// 18) and a quote signed (EIP-712) by a QUOTE_SIGNER for one buyer, usable once. The escrow calls `lock` once per
/// order; the rate is kept here and never read again by a settlement step.
contract FxRates is IFxRates, AccessControl, EIP712 {
    bytes32 public constant ESCROW_ROLE = keccak256("ESCROW_ROLE");
    bytes32 public constant QUOTE_SIGNER_ROLE = keccak256("QUOTE_SIGNER_ROLE");
    bytes32 public constant QUOTE_TYPEHASH = keccak256(
        "Quote(bytes8 currency,address token,uint256 rate,uint256 expiry,address buyer,uint256 nonce)"
    );
    uint256 public constant RATE_DECIMALS = 18;
    uint256 public constant MAX_DEVIATION_BPS = 5_000;
    uint256 public constant MAX_HEARTBEAT = 7 days;

    mapping(bytes8 currency => mapping(address token => Pair)) private _pairs;
    mapping(uint256 nonce => bool) public quoteUsed;
    mapping(uint256 orderId => Lock) private _locks;

    constructor(address admin) EIP712("TradeChain FxRates", "1") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice List a pair, or change its feed and limits. Admin only; orders already placed keep their locked rate.
    /// @dev Emits PairSet.
    /// @param currency the price currency, ISO 4217 code left-aligned ("EUR")
    /// @param token the settlement token, address(0) for ETH
    /// @param feed a Chainlink-style aggregator answering token units per unit of the currency (zero: quotes only)
    /// @param heartbeat how old the feed's answer may be, seconds (1 s to 7 days)
    /// @param maxDeviationBps largest move from one round to the next, basis points (1 to 5000)
    /// @param currencyDecimals minor units of the currency (EUR: 2)
    /// @param tokenDecimals the token's decimals (ETH: 18)
    function setPair(
        bytes8 currency,
        address token,
        address feed,
        uint32 heartbeat,
        uint16 maxDeviationBps,
        uint8 currencyDecimals,
        uint8 tokenDecimals
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (
            maxDeviationBps == 0 || maxDeviationBps > MAX_DEVIATION_BPS || heartbeat == 0 || heartbeat > MAX_HEARTBEAT
                || currencyDecimals > 18 || tokenDecimals > 36
        ) revert FxPairSettingsInvalid(maxDeviationBps, heartbeat);
        _pairs[currency][token] = Pair(feed, heartbeat, maxDeviationBps, currencyDecimals, tokenDecimals, true);
        emit PairSet(currency, token, feed, heartbeat, maxDeviationBps);
    }

    /// @notice Lock the rate of an order: check the quote or the feed, convert the price, keep the lock.
    /// @dev Escrow only (it passes the buyer and the order's token). Emits RateLocked.
    /// @param orderId the order just placed
    /// @param buyer who placed it
    /// @param token the order's payment token
    /// @param fx the price, its currency and an optional signed quote
    /// @return amount what the buyer pays, in the token's base units (rounded down)
    function lock(uint256 orderId, address buyer, address token, FxTerms calldata fx)
        external
        onlyRole(ESCROW_ROLE)
        returns (uint256 amount)
    {
        Pair memory pair = _pair(fx.currency, token);
        uint256 rate;
        uint256 roundOrNonce;
        RateSource source = RateSource.Feed;
        if (fx.signature.length == 0) {
            (rate, roundOrNonce) = _feedRate(fx.currency, token, pair);
        } else {
            (rate, roundOrNonce) = _quoteRate(fx, token, buyer);
            source = RateSource.Quote;
        }
        amount = _convert(fx.price, rate, pair);
        _locks[orderId] = Lock(fx.currency, SafeCast.toUint96(fx.price), SafeCast.toUint88(rate), source);
        emit RateLocked(orderId, fx.currency, token, fx.price, rate, amount, source, roundOrNonce);
    }

    /// @notice The checked feed rate of a pair now, normalised to 18 decimals, and the round it came from; reverts
    /// as `lock` would.
    /// @param currency the price currency
    /// @param token the settlement token
    function feedRate(bytes8 currency, address token) external view returns (uint256 rate, uint256 roundId) {
        return _feedRate(currency, token, _pair(currency, token));
    }

    /// @notice What `price` minor units of `currency` cost in `token` at `rate` (18 decimals), rounded down.
    /// @param currency the price currency
    /// @param token the settlement token
    /// @param price minor units of the currency
    /// @param rate token units per unit of the currency, 18 decimals
    function convert(bytes8 currency, address token, uint256 price, uint256 rate) external view returns (uint256) {
        return _convert(price, rate, _pair(currency, token));
    }

    /// @notice The pair's settings (listed is false for a pair never set).
    function pairOf(bytes8 currency, address token) external view returns (Pair memory) {
        return _pairs[currency][token];
    }

    /// @notice The rate an order locked (currency zero: the order was priced in its payment token).
    function lockOf(uint256 orderId) external view returns (Lock memory) {
        return _locks[orderId];
    }

    /// @notice The EIP-712 digest a quote signer signs for `quote`.
    function quoteDigest(Quote calldata quote) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(QUOTE_TYPEHASH, quote)));
    }

    function _pair(bytes8 currency, address token) private view returns (Pair memory pair) {
        pair = _pairs[currency][token];
        if (!pair.listed) revert FxPairUnknown(currency, token);
    }

    /// @dev The feed's latest answer, refused unless above zero, fresh and within the band of the round before.
    function _feedRate(bytes8 currency, address token, Pair memory pair)
        private
        view
        returns (uint256 rate, uint256 roundId)
    {
        address feed = pair.feed;
        if (feed == address(0)) revert FxNoFeed(currency, token);
        IAggregatorV3 agg = IAggregatorV3(feed);
        // startedAt and answeredInRound say nothing the checks below need (Chainlink deprecated answeredInRound)
        // slither-disable-next-line unused-return
        (uint80 round, int256 answer,, uint256 updatedAt,) = agg.latestRoundData();
        if (answer <= 0) revert FxRateNotPositive(feed, answer);
        if (updatedAt == 0 || updatedAt > block.timestamp || block.timestamp - updatedAt > pair.heartbeat) {
            revert FxFeedStale(feed, updatedAt, pair.heartbeat, block.timestamp);
        }
        if (round > 1) {
            // only the previous answer matters: the band is against it
            // slither-disable-next-line unused-return
            (, int256 previous,,,) = agg.getRoundData(round - 1);
            // a previous answer at or below zero gives no band to check against: refuse rather than guess
            if (previous <= 0 || _movedBps(uint256(answer), uint256(previous)) > pair.maxDeviationBps) {
                revert FxDeviationTooLarge(feed, answer, previous, pair.maxDeviationBps);
            }
        }
        uint256 decimals = agg.decimals();
        rate = decimals <= RATE_DECIMALS
            ? uint256(answer) * 10 ** (RATE_DECIMALS - decimals)
            : uint256(answer) / 10 ** (decimals - RATE_DECIMALS);
        if (rate == 0) revert FxRateNotPositive(feed, answer);
        roundId = round;
    }

    /// @dev A signed quote, refused unless for this pair and buyer, unexpired, signed by a QUOTE_SIGNER and unused.
    function _quoteRate(FxTerms calldata fx, address token, address buyer)
        private
        returns (uint256 rate, uint256 nonce)
    {
        Quote calldata q = fx.quote;
        if (q.currency != fx.currency || q.token != token) {
            revert QuotePairMismatch(q.currency, q.token, fx.currency, token);
        }
        if (q.buyer != buyer) revert QuoteForOtherBuyer(q.buyer, buyer);
        if (block.timestamp > q.expiry) revert QuoteExpired(q.expiry, block.timestamp);
        address signer = ECDSA.recover(quoteDigest(q), fx.signature);
        if (!hasRole(QUOTE_SIGNER_ROLE, signer)) revert QuoteSignerInvalid(signer);
        nonce = q.nonce;
        if (quoteUsed[nonce]) revert QuoteUsed(nonce);
        quoteUsed[nonce] = true;
        rate = q.rate;
        if (rate == 0) revert FxRateNotPositive(address(0), 0);
    }

    function _convert(uint256 price, uint256 rate, Pair memory pair) private pure returns (uint256) {
        return Math.mulDiv(price * rate, 10 ** pair.tokenDecimals, 10 ** (RATE_DECIMALS + pair.currencyDecimals));
    }

    function _movedBps(uint256 answer, uint256 previous) private pure returns (uint256) {
        uint256 diff = answer > previous ? answer - previous : previous - answer;
        return Math.mulDiv(diff, 10_000, previous, Math.Rounding.Ceil);
    }
}
