// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// TEST ONLY (FeeOnTransferToken has its own file): ERC-20s that break the usual assumptions, to check the escrow either handles each one or refuses it
/// at order time. Every one has a public mint and an on/off switch for its misbehaviour.

/// @notice Returns false instead of reverting when a transfer cannot happen, and on every transfer while `fail`.
contract ReturnsFalseToken {
    string public constant name = "Returns False";
    string public constant symbol = "RFT";
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    bool public fail;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    function setFail(bool fail_) external {
        fail = fail_;
    }

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
        totalSupply += amount;
        emit Transfer(address(0), to, amount);
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        return _move(msg.sender, to, amount);
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        if (fail || allowance[from][msg.sender] < amount) return false;
        if (!_move(from, to, amount)) return false;
        allowance[from][msg.sender] -= amount;
        return true;
    }

    function _move(address from, address to, uint256 amount) private returns (bool) {
        if (fail || balanceOf[from] < amount) return false;
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
        return true;
    }
}

/// @notice USDT-style: transfer, transferFrom and approve return nothing; failures revert.
contract NoReturnToken {
    string public constant name = "No Return";
    string public constant symbol = "NRT";
    uint8 public constant decimals = 6;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
        totalSupply += amount;
        emit Transfer(address(0), to, amount);
    }

    function approve(address spender, uint256 amount) external {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
    }

    function transfer(address to, uint256 amount) external {
        _move(msg.sender, to, amount);
    }

    function transferFrom(address from, address to, uint256 amount) external {
        require(allowance[from][msg.sender] >= amount, "NRT: allowance");
        allowance[from][msg.sender] -= amount;
        _move(from, to, amount);
    }

    function _move(address from, address to, uint256 amount) private {
        require(balanceOf[from] >= amount, "NRT: balance");
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
    }
}

/// @notice Reverts every transfer while `blocked` (a paused or blacklisting token).
contract RevertingToken is ERC20 {
    bool public blocked;

    constructor() ERC20("Reverting", "REV") {}

    function setBlocked(bool blocked_) external {
        blocked = blocked_;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        require(!blocked, "REV: transfers blocked");
        super._update(from, to, value);
    }
}

/// @notice Balances are shares × index / 1e18; `rebase` changes every balance at once (stETH/AMPL-style).
contract RebasingToken {
    string public constant name = "Rebasing";
    string public constant symbol = "RBT";
    uint8 public constant decimals = 18;
    uint256 public index = 1e18;
    uint256 public totalShares;
    mapping(address => uint256) public sharesOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

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
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        require(allowance[from][msg.sender] >= amount, "RBT: allowance");
        allowance[from][msg.sender] -= amount;
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
contract CallbackToken is ERC20 {
    address public hookTarget;
    bytes public hookData;
    uint256 public reentryAttempts;
    uint256 public reentrySuccesses;
    bytes4 public lastReentryError;

    constructor() ERC20("Callback", "CBT") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

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
contract GasBurningToken is ERC20 {
    bool public burning;

    constructor() ERC20("GasBurner", "BURN") {}

    function setBurning(bool burning_) external {
        burning = burning_;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
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
