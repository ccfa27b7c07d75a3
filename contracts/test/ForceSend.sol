// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title ForceSend — TEST ONLY. Forces ETH into `target` by self-destructing in its constructor: the one way to
/// give ETH to a contract with no receive function (still a full transfer after EIP-6780, as the contract is
/// created in the same transaction).
contract ForceSend {
    constructor(address payable target) payable {
        selfdestruct(target);
    }
}
