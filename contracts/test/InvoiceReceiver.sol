// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title InvoiceReceiver — test-only contract wallet for ERC-721 safe transfers.
/// @notice Mode 0 accepts and records the last token received (with its data), 1 reverts, 2 answers the
/// wrong selector: the three cases ERC-721's safeTransferFrom must tell apart.
contract InvoiceReceiver {
    error NotAccepting(uint256 tokenId);

    uint8 public mode;
    address public lastOperator;
    address public lastFrom;
    uint256 public lastTokenId;
    bytes public lastData;

    /// @notice 0 accept, 1 revert, 2 wrong selector.
    function setMode(uint8 m) external {
        mode = m;
    }

    function onERC721Received(address operator, address from, uint256 tokenId, bytes calldata data)
        external
        returns (bytes4)
    {
        if (mode == 1) revert NotAccepting(tokenId);
        if (mode == 2) return bytes4(0xdeadbeef);
        (lastOperator, lastFrom, lastTokenId, lastData) = (operator, from, tokenId, data);
        return this.onERC721Received.selector;
    }
}
