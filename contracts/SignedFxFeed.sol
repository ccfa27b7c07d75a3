// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {IAggregatorV3} from "./interfaces/IAggregatorV3.sol";

/// @title SignedFxFeed — a Chainlink-style price feed whose rounds are signed by one oracle key.
/// @notice On a devnet or the embedded chain it stands where a Chainlink aggregator stands on a real network: anyone
/// may relay a round, but only a round the oracle signed (EIP-712 `Round`) is accepted, in order, never dated in
/// the future or before the round it follows. The feed stores what the oracle signed; FxRates judges it (above
/// zero, fresh, within its band).
contract SignedFxFeed is IAggregatorV3, EIP712 {
    bytes32 public constant ROUND_TYPEHASH = keccak256("Round(uint80 roundId,int256 answer,uint256 updatedAt)");

    struct Round {
        int192 answer;
        uint64 updatedAt;
    }

    /// @notice the round is signed by {signer}, not by the feed's oracle {oracle}
    /// @param signer Who the signature recovers to.
    /// @param oracle The feed's oracle key.
    error RoundSignerInvalid(address signer, address oracle);
    /// @notice a round dated {updatedAt} must be no older than the latest round ({latest}) and not after chain time
    /// ({nowTimestamp})
    /// @param updatedAt The round's time, unix seconds.
    /// @param latest The latest round's time, unix seconds.
    /// @param nowTimestamp The chain time, unix seconds.
    error RoundOutOfOrder(uint256 updatedAt, uint256 latest, uint256 nowTimestamp);
    /// @notice the feed has no round {roundId}
    /// @param roundId The round asked for.
    error NoRound(uint256 roundId);

    /// @dev Chainlink's event for a new answer, so tools that follow aggregators follow this one.
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);

    address public immutable oracle;
    uint8 public immutable decimals;
    string public description;
    uint80 public latestRound;
    mapping(uint80 roundId => Round) private _rounds;

    constructor(address oracle_, uint8 decimals_, string memory description_) EIP712("TradeChain SignedFxFeed", "1") {
        oracle = oracle_;
        decimals = decimals_;
        description = description_;
    }

    function version() external pure returns (uint256) {
        return 1;
    }

    /// @notice Publish the next round, signed by the oracle. Anyone may relay it.
    /// @dev Emits AnswerUpdated.
    /// @param answer the rate, with `decimals` decimals, as the oracle signed it
    /// @param updatedAt when the oracle observed it (unix seconds)
    /// @param signature the oracle's EIP-712 signature over Round(latestRound + 1, answer, updatedAt)
    function submit(int192 answer, uint64 updatedAt, bytes calldata signature) external {
        uint80 roundId = latestRound + 1;
        address signer = ECDSA.recover(roundDigest(roundId, answer, updatedAt), signature);
        if (signer != oracle) revert RoundSignerInvalid(signer, oracle);
        uint256 latest = _rounds[roundId - 1].updatedAt;
        // the same second as the round before is allowed: a devnet may mine two blocks in one second
        if (updatedAt < latest || updatedAt == 0 || updatedAt > block.timestamp) {
            revert RoundOutOfOrder(updatedAt, latest, block.timestamp);
        }
        latestRound = roundId;
        _rounds[roundId] = Round(answer, updatedAt);
        emit AnswerUpdated(answer, roundId, updatedAt);
    }

    /// @notice The EIP-712 digest the oracle signs for a round.
    function roundDigest(uint80 roundId, int256 answer, uint256 updatedAt) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(ROUND_TYPEHASH, roundId, answer, updatedAt)));
    }

    function getRoundData(uint80 roundId) public view returns (uint80, int256, uint256, uint256, uint80) {
        Round memory r = _rounds[roundId];
        if (r.updatedAt == 0) revert NoRound(roundId);
        return (roundId, r.answer, r.updatedAt, r.updatedAt, roundId);
    }

    /// @notice The latest round; before the first, a round 0 answering 0 at time 0 (which FxRates refuses).
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        uint80 roundId = latestRound;
        Round memory r = _rounds[roundId];
        return (roundId, r.answer, r.updatedAt, r.updatedAt, roundId);
    }
}
