// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title RevertingReceiver — test-only account that refuses plain ETH until told otherwise.
/// @notice Acts as a buyer, a seller or an invoice holder through `execute`. While not accepting (the default)
/// every plain ETH transfer to it reverts, so the escrow must credit its payouts instead of pushing them. With
/// `burnGas` on it takes more gas than any push forwards, so a push runs out of gas instead.
contract RevertingReceiver {
    error Refused(uint256 value);

    bool public accepting;
    bool public burnGas;
    mapping(uint256 => uint256) private _sink;

    /// @notice Accept plain ETH transfers (true) or refuse them (false, the default).
    function setAccepting(bool on) external {
        accepting = on;
    }

    /// @notice Burn far more than 50k gas on every plain ETH transfer (so it fails even when accepting).
    function setBurnGas(bool on) external {
        burnGas = on;
    }

    /// @notice Call `target` with `data` and the ETH sent along, as this contract. Bubbles up any revert.
    function execute(address target, bytes calldata data) external payable returns (bytes memory result) {
        bool ok;
        (ok, result) = target.call{value: msg.value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
    }

    /// @dev Lets the contract hold an invoice sent with safeTransferFrom.
    function onERC721Received(address, address, uint256, bytes calldata) external pure returns (bytes4) {
        return this.onERC721Received.selector;
    }

    receive() external payable {
        if (burnGas) {
            for (uint256 i; i < 10; ++i) {
                _sink[i] = block.timestamp + i + 1; // ~22k gas per fresh slot
            }
        }
        if (!accepting) revert Refused(msg.value);
    }
}
