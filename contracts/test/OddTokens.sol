// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// TEST ONLY (FeeOnTransferToken has its own file): ERC-20s that break the usual assumptions, to check the escrow either handles each one or refuses it
/// at order time. Every one has a public mint and an on/off switch for its misbehaviour.

/// @dev What the hand-rolled tokens below share: allowances, the ERC-20 events, approving and spending an allowance.
abstract contract HandRolledAllowances {
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    function _approve(address spender, uint256 amount) internal {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
    }

    /// @dev Spend `amount` of `from`'s allowance to the caller; false (nothing spent) when it is short.
    function _spend(address from, uint256 amount) internal returns (bool) {
        if (allowance[from][msg.sender] < amount) return false;
        allowance[from][msg.sender] -= amount;
        return true;
    }
}

/// @dev Plain balances (one number per account) with a public mint, for the tokens that misbehave in their returns.
abstract contract HandRolledBalances is HandRolledAllowances {
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
        totalSupply += amount;
        emit Transfer(address(0), to, amount);
    }

    /// @dev Move `amount` (the caller checked the balance).
    function _shift(address from, address to, uint256 amount) internal {
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
    }
}

/// @notice Returns false instead of reverting when a transfer cannot happen, and on every transfer while `fail`.
contract ReturnsFalseToken is HandRolledBalances {
    string public constant name = "Returns False";
    string public constant symbol = "RFT";
    uint8 public constant decimals = 18;
    bool public fail;

    function setFail(bool fail_) external {
        fail = fail_;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        _approve(spender, amount);
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        return _move(msg.sender, to, amount);
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        if (fail || allowance[from][msg.sender] < amount) return false;
        if (!_move(from, to, amount)) return false;
        return _spend(from, amount); // checked above: true
    }

    function _move(address from, address to, uint256 amount) private returns (bool) {
        if (fail || balanceOf[from] < amount) return false;
        _shift(from, to, amount);
        return true;
    }
}

/// @notice USDT-style: transfer, transferFrom and approve return nothing; failures revert.
contract NoReturnToken is HandRolledBalances {
    string public constant name = "No Return";
    string public constant symbol = "NRT";
    uint8 public constant decimals = 6;

    function approve(address spender, uint256 amount) external {
        _approve(spender, amount);
    }

    function transfer(address to, uint256 amount) external {
        _move(msg.sender, to, amount);
    }

    function transferFrom(address from, address to, uint256 amount) external {
        require(_spend(from, amount), "NRT: allowance");
        _move(from, to, amount);
    }

    function _move(address from, address to, uint256 amount) private {
        require(balanceOf[from] >= amount, "NRT: balance");
        _shift(from, to, amount);
    }
}

/// @dev OpenZeppelin's ERC-20 with a public mint: the base of the odd tokens that misbehave in `_update` or `transfer`.
abstract contract MintableToken is ERC20 {
    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @notice Reverts every transfer while `blocked` (a paused or blacklisting token).
contract RevertingToken is MintableToken {
    bool public blocked;

    constructor() MintableToken("Reverting", "REV") {}

    function setBlocked(bool blocked_) external {
        blocked = blocked_;
    }

    function _update(address from, address to, uint256 value) internal override {
        require(!blocked, "REV: transfers blocked");
        super._update(from, to, value);
    }
}

/// @notice Balances are shares × index / 1e18; `rebase` changes every balance at once (stETH/AMPL-style).
contract RebasingToken is HandRolledAllowances {
    string public constant name = "Rebasing";
    string public constant symbol = "RBT";
    uint8 public constant decimals = 18;
    uint256 public index = 1e18;
    uint256 public totalShares;
    mapping(address => uint256) public sharesOf;

    function rebase(uint256 newIndex) external {
        index = newIndex;
    }

    function totalSupply() external view returns (uint256) {
        return totalShares * index / 1e18;
    }

    function balanceOf(address account) public view returns (uint256) {
        return sharesOf[account] * index / 1e18;
    }

    function mint(address to, uint256 amount) external {
        uint256 shares = amount * 1e18 / index;
        sharesOf[to] += shares;
        totalShares += shares;
        emit Transfer(address(0), to, amount);
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        _approve(spender, amount);
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        require(_spend(from, amount), "RBT: allowance");
        _move(from, to, amount);
        return true;
    }

    function _move(address from, address to, uint256 amount) private {
        require(balanceOf(from) >= amount, "RBT: balance");
        uint256 shares = amount * 1e18 / index;
        sharesOf[from] -= shares;
        sharesOf[to] += shares;
        emit Transfer(from, to, amount);
    }
}

/// @notice Calls a hook (`target`.call(`data`)) from inside every transfer, before moving the tokens: a token
/// that re-enters whoever moves it (ERC-777-style). Records whether the re-entry got through.
contract CallbackToken is MintableToken {
    address public hookTarget;
    bytes public hookData;
    uint256 public reentryAttempts;
    uint256 public reentrySuccesses;
    bytes4 public lastReentryError;

    constructor() MintableToken("Callback", "CBT") {}

    function setHook(address target, bytes calldata data) external {
        hookTarget = target;
        hookData = data;
    }

    function _update(address from, address to, uint256 value) internal override {
        address target = hookTarget;
        if (target != address(0) && from != address(0)) {
            ++reentryAttempts;
            (bool ok, bytes memory err) = target.call(hookData);
            if (ok) ++reentrySuccesses;
            else if (err.length >= 4) lastReentryError = bytes4(err);
        }
        super._update(from, to, value);
    }
}

/// @notice `transfer` burns every unit of gas it is given while `burning` (transferFrom still works, so an
/// order can be paid in it): one such payout must not stall a batch of honest releases.
contract GasBurningToken is MintableToken {
    bool public burning;

    constructor() MintableToken("GasBurner", "BURN") {}

    function setBurning(bool burning_) external {
        burning = burning_;
    }

    function transfer(address to, uint256 amount) public override returns (bool) {
        if (burning) {
            assembly ("memory-safe") {
                invalid()
            }
        }
        return super.transfer(to, amount);
    }
}
