// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title DemoStablecoin — "Trade USD" (tUSD), a 6-decimal settlement token with EIP-2612 permit.
/// @notice For the demo, tests and devnets only: the owner mints at will. It is not money.
contract DemoStablecoin is ERC20, ERC20Permit, Ownable {
    constructor(address owner_) ERC20("Trade USD", "tUSD") ERC20Permit("Trade USD") Ownable(owner_) {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Mint demo funds. Owner only.
    /// @dev Emits Transfer.
    /// @param to who receives the tokens
    /// @param amount base units (6 decimals)
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
