// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";

/// @title HostileParty — TEST ONLY. A contract account that plays buyer, seller or invoice holder and misbehaves
/// when paid: accepts, reverts, burns all gas, answers with huge data, or re-enters a call of its choosing.
/// @dev Anyone may drive it through `exec`: it is a puppet for the tests, never deployed outside them.
/// The hook state sits in one slot so a re-entry attempt fits in the escrow's 50k-gas ETH push.
contract HostileParty is IERC721Receiver {
    enum Mode {
        Accept,
        Revert,
        BurnGas,
        HugeData,
        Reenter
    }

    // slot 0: everything the hook reads and writes
    Mode public mode;
    address public hookTarget;
    uint16 public reentryAttempts;
    uint16 public reentrySuccesses;
    bytes4 public lastReentryError;
    // slot 1+
    bytes public hookData;

    receive() external payable {
        _misbehave();
    }

    /// @notice Act as this account: call `target` with `data` and `msg.value`; bubbles a revert up unchanged.
    function exec(address target, bytes calldata data) external payable returns (bytes memory result) {
        bool ok;
        (ok, result) = target.call{value: msg.value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
    }

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    /// @notice Re-enter `target` with `data` from every payment hook (mode Reenter).
    function setHook(address target, bytes calldata data) external {
        hookTarget = target;
        hookData = data;
        mode = Mode.Reenter;
    }

    function onERC721Received(address, address, uint256, bytes calldata) external returns (bytes4) {
        _misbehave();
        return IERC721Receiver.onERC721Received.selector;
    }

    function _misbehave() private {
        Mode m = mode;
        if (m == Mode.Revert) revert("HostileParty: refused");
        if (m == Mode.BurnGas) {
            assembly {
                for {} 1 {} {}
            }
        }
        if (m == Mode.HugeData) {
            assembly ("memory-safe") {
                revert(0, 100000)
            }
        }
        if (m == Mode.Reenter) {
            ++reentryAttempts;
            (bool ok, bytes memory err) = hookTarget.call(hookData);
            if (ok) {
                ++reentrySuccesses;
            } else if (err.length >= 4) {
                lastReentryError = bytes4(err);
            }
        }
    }
}
