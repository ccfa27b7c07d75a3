// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title IFxRates — types, errors and events of the exchange-rate lock.
/// @notice An order priced in one currency and paid in a settlement token locks its rate here once, at order time;
/// nothing after reads a rate again, so a feed outage can never block a release or a refund.
interface IFxRates {
    /// @dev Where a locked rate came from.
    enum RateSource {
        Feed,
        Quote
    }

    /// @notice How a currency is paid in a settlement token: the feed giving settlement-token units per unit of the
    /// currency, how old its answer may be, and how far one round may move from the one before.
    struct Pair {
        address feed; // a Chainlink-style aggregator (SignedFxFeed on a devnet); zero: signed quotes only
        uint32 heartbeat; // seconds an answer stays fresh
        uint16 maxDeviationBps; // largest move allowed from the previous round, in basis points
        uint8 currencyDecimals; // minor units of the price currency (EUR: 2, cents)
        uint8 tokenDecimals; // the settlement token's decimals (ETH: 18)
        bool listed;
    }

    /// @notice A rate offered by a QUOTE_SIGNER to one buyer, signed as EIP-712 `Quote`; usable once (its nonce).
    struct Quote {
        bytes8 currency; // ISO 4217 code, left-aligned ("EUR")
        address token; // the settlement token, address(0) for ETH
        uint256 rate; // settlement-token units per unit of the currency, 18 decimals
        uint256 expiry; // unix seconds; refused after
        address buyer; // the only buyer who may use it
        uint256 nonce; // consumed when used
    }

    /// @notice What a buyer brings to an order priced in a currency: the price and, optionally, a signed quote
    /// (an empty signature: the pair's feed gives the rate).
    struct FxTerms {
        bytes8 currency; // the price currency, ISO 4217 code left-aligned ("EUR")
        uint256 price; // in the currency's minor units (10000 EUR = 1,000,000 cents)
        Quote quote; // ignored when `signature` is empty
        bytes signature; // the QUOTE_SIGNER's EIP-712 signature over `quote`
    }

    /// @notice The rate an order locked, read by clients and reports.
    struct Lock {
        bytes8 currency;
        uint96 price; // minor units of the currency
        uint88 rate; // settlement-token units per unit of the currency, 18 decimals
        RateSource source;
    }

    /// @notice there is no rate for {currency} paid in token {token}; `tradechain fx pairs` lists the pairs
    /// @param currency The price currency (ISO 4217, left-aligned).
    /// @param token The settlement token (zero for ETH).
    error FxPairUnknown(bytes8 currency, address token);
    /// @notice the {currency}/{token} pair has no feed: use a signed quote (--quote)
    /// @param currency The price currency (ISO 4217, left-aligned).
    /// @param token The settlement token (zero for ETH).
    error FxNoFeed(bytes8 currency, address token);
    /// @notice feed {feed} answered {answer}: a rate must be above zero
    /// @param feed The feed read (zero for a signed quote).
    /// @param answer The rate given.
    error FxRateNotPositive(address feed, int256 answer);
    /// @notice feed {feed} is stale: its round of {updatedAt} is older than its heartbeat of {heartbeat} s (chain time
    /// {nowTimestamp}); wait for a new round or use a signed quote
    /// @param feed The feed read.
    /// @param updatedAt When its latest round was updated, unix seconds.
    /// @param heartbeat How old an answer may be, seconds.
    /// @param nowTimestamp The chain time, unix seconds.
    error FxFeedStale(address feed, uint256 updatedAt, uint256 heartbeat, uint256 nowTimestamp);
    /// @notice feed {feed} moved from {previous} to {answer}, more than the {maxBps} bps band allows
    /// @param feed The feed read.
    /// @param answer The latest answer.
    /// @param previous The answer of the round before.
    /// @param maxBps The largest move allowed, basis points.
    error FxDeviationTooLarge(address feed, int256 answer, int256 previous, uint256 maxBps);
    /// @notice the quote was signed by {signer}, who is not a quote signer
    /// @param signer Who the signature recovers to.
    error QuoteSignerInvalid(address signer);
    /// @notice the quote expired at {expiry} (chain time {nowTimestamp}); ask for a new one
    /// @param expiry When the quote expired, unix seconds.
    /// @param nowTimestamp The chain time, unix seconds.
    error QuoteExpired(uint256 expiry, uint256 nowTimestamp);
    /// @notice quote nonce {nonce} has already been used; ask for a new quote
    /// @param nonce The quote's nonce.
    error QuoteUsed(uint256 nonce);
    /// @notice the quote is for buyer {buyer}, not {caller}
    /// @param buyer The buyer the quote names.
    /// @param caller The account that placed the order.
    error QuoteForOtherBuyer(address buyer, address caller);
    /// @notice the quote is for {quoteCurrency} in token {quoteToken}, not the order's {currency} in {token}
    /// @param quoteCurrency The quote's currency.
    /// @param quoteToken The quote's settlement token.
    /// @param currency The order's price currency.
    /// @param token The order's payment token.
    error QuotePairMismatch(bytes8 quoteCurrency, address quoteToken, bytes8 currency, address token);
    /// @notice a deviation band of {bps} bps or a heartbeat of {heartbeat} s is out of range
    /// @param bps The deviation band, basis points.
    /// @param heartbeat The heartbeat, seconds.
    error FxPairSettingsInvalid(uint256 bps, uint256 heartbeat);

    /// @dev The admin listed or changed a pair.
    event PairSet(bytes8 indexed currency, address indexed token, address feed, uint256 heartbeat, uint256 maxDeviationBps);
    /// @dev An order locked its rate: it was charged `amount` of `token` for `price` minor units of `currency`.
    event RateLocked(
        uint256 indexed orderId,
        bytes8 indexed currency,
        address token,
        uint256 price,
        uint256 rate,
        uint256 amount,
        RateSource source,
        uint256 roundOrNonce
    );

    function lock(uint256 orderId, address buyer, address token, FxTerms calldata fx) external returns (uint256 amount);
}
