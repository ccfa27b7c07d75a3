// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title IAggregatorV3 — the read interface of a Chainlink price feed (AggregatorV3Interface), so FxRates reads a
/// Chainlink aggregator on a real network and SignedFxFeed on a devnet the same way.
interface IAggregatorV3 {
    function decimals() external view returns (uint8);
    function description() external view returns (string memory);
    function version() external view returns (uint256);
    function getRoundData(uint80 roundId)
        external
        view
        returns (uint80 roundId_, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}
