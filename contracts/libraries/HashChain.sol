// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IProvenance} from "../interfaces/IProvenance.sol";

/// @title HashChain — the one formula every provenance entry is chained with.
/// @notice A copy of an item's log is verified offline by folding this over its entries from the zero head and
/// comparing the result with the item's on-chain head (`Provenance.headOf`).
library HashChain {
    function link(
        bytes32 prev,
        uint256 itemId,
        uint256 seq,
        IProvenance.Kind kind,
        address actor,
        bytes8 location,
        bytes32 payload,
        uint256 timestamp
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(prev, itemId, seq, kind, actor, location, payload, timestamp));
    }
}
