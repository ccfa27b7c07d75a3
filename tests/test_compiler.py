"""tradechain.compiler on throwaway projects (tmp folders with node_modules symlinked in).

Compiles run at most four times in this file: two with an OpenZeppelin import (~1.5 s
each with solc-js), two tiny ones.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tradechain import compiler

REPO = Path(__file__).resolve().parents[1]

SPDX = "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.24;\n"

TOKEN = SPDX + """
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

contract Token is ERC20 {
    constructor() ERC20("Test", "TST") {
        _mint(msg.sender, 1000);
    }
}
"""

IFACE = SPDX + """
interface IThing {
    error NotAllowed(address who);
    function thing() external view returns (uint256);
}
"""


def make_project(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "node_modules").symlink_to(REPO / "node_modules", target_is_directory=True)
    return root


def forbid_compiler(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args, **kwargs):
        raise AssertionError("the compiler ran although the cache was valid")

    monkeypatch.setattr(compiler, "_run_solcjs", boom)
    monkeypatch.setattr(compiler, "_run_native", boom)


@pytest.fixture(scope="module")
def oz_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict]]:
    """A project with an OpenZeppelin ERC-20 and an interface, compiled once (cold)."""
    root = make_project(
        tmp_path_factory.mktemp("oz"),
        {"contracts/Token.sol": TOKEN, "contracts/test/IThing.sol": IFACE},
    )
    artifacts = compiler.compile_contracts(root)
    assert artifacts.cached is False
    return root, artifacts


def test_compiles_openzeppelin_import(oz_project):
    root, artifacts = oz_project
    assert set(artifacts) == {"Token", "IThing"}  # only contracts/ sources, not OZ's

    token = artifacts["Token"]
    assert token["contractName"] == "Token"
    assert token["sourceName"] == "contracts/Token.sol"
    assert re.fullmatch(r"0x[0-9a-f]{200,}", token["bytecode"])
    assert re.fullmatch(r"0x[0-9a-f]{200,}", token["deployedBytecode"])
    assert token["sourceMap"] and token["deployedSourceMap"]
    functions = {e["name"] for e in token["abi"] if e["type"] == "function"}
    assert {"transfer", "balanceOf", "approve"} <= functions
    errors = {e["name"] for e in token["abi"] if e["type"] == "error"}
    assert "ERC20InsufficientBalance" in errors

    # interfaces are kept for their ABI (custom errors), with empty bytecode
    thing = artifacts["IThing"]
    assert thing["bytecode"] == "0x" and thing["deployedBytecode"] == "0x"
    assert any(e["type"] == "error" and e["name"] == "NotAllowed" for e in thing["abi"])

    on_disk = json.loads((root / "build/contracts/Token.json").read_text())
    assert on_disk == token
    assert artifacts.backend in (compiler.NATIVE_BACKEND, compiler.SOLCJS_BACKEND)
    assert artifacts.seconds > 0


def test_build_info_has_prague_settings(oz_project):
    root, _ = oz_project
    cache = json.loads((root / "build/cache.json").read_text())
    info_files = list((root / "build/build-info").glob("*.json"))
    assert [p.name for p in info_files] == [f"{cache['key']}.json"]

    info = json.loads(info_files[0].read_text())
    assert info["_format"] == "hh-sol-build-info-1"
    assert info["id"] == cache["key"]
    assert info["solcVersion"] == compiler.SOLC_VERSION == "0.8.37"
    assert info["solcLongVersion"].startswith("0.8.37+commit.")
    settings = info["input"]["settings"]
    assert settings["evmVersion"] == compiler.EVM_VERSION == "prague"
    assert settings["optimizer"] == {"enabled": True, "runs": 200}
    assert set(info["input"]["sources"]) == {"contracts/Token.sol", "contracts/test/IThing.sol"}
    assert "Token" in info["output"]["contracts"]["contracts/Token.sol"]
    # every source (OpenZeppelin's too) has its AST, for Slither
    assert all("ast" in s for s in info["output"]["sources"].values())
    assert any("@openzeppelin/contracts/token/ERC20/ERC20.sol" in s for s in info["output"]["sources"])


def test_second_call_is_cached(oz_project, monkeypatch):
    root, artifacts = oz_project
    forbid_compiler(monkeypatch)
    again = compiler.compile_contracts(root)
    assert again.cached is True
    assert again == artifacts
    reloaded = compiler.compile_contracts(root)
    assert reloaded == artifacts
    assert reloaded.cached is True


def test_source_change_invalidates_cache(oz_project, tmp_path, monkeypatch):
    # A copy of the built project: the cache key holds relative paths only, so it still hits.
    src, artifacts = oz_project
    root = tmp_path / "copy"
    shutil.copytree(src, root, symlinks=True)
    with monkeypatch.context() as patched:
        forbid_compiler(patched)
        copied = compiler.compile_contracts(root)
        assert copied == artifacts
        assert copied.cached is True

    key_before = json.loads((root / "build/cache.json").read_text())["key"]
    token = root / "contracts/Token.sol"
    token.write_text(token.read_text().replace("1000", "2000"), encoding="utf-8")
    changed = compiler.compile_contracts(root)
    assert changed.cached is False
    assert changed["Token"]["bytecode"] != artifacts["Token"]["bytecode"]

    key_after = json.loads((root / "build/cache.json").read_text())["key"]
    assert key_after != key_before
    # the old build-info is gone, so Slither sees one build
    assert [p.stem for p in (root / "build/build-info").glob("*.json")] == [key_after]


def test_syntax_error_points_at_file_line_col(tmp_path):
    root = make_project(
        tmp_path,
        {"contracts/Bad.sol": SPDX + "contract Bad { uint256 x = 1 }\n"},
    )
    with pytest.raises(compiler.CompileError) as caught:
        compiler.compile_contracts(root)
    messages = caught.value.messages
    assert messages and all(isinstance(m, str) for m in messages)
    assert re.match(r"contracts/Bad\.sol:3:\d+: ", messages[0]), messages
    assert messages[0] == "contracts/Bad.sol:3:30: ParserError: Expected ';' but got '}'"
    assert str(caught.value) == "\n".join(messages)
    assert not (root / "build/cache.json").exists()


def test_duplicate_contract_names_fail(tmp_path):
    root = make_project(
        tmp_path,
        {
            "contracts/A.sol": SPDX + "contract Same {}\n",
            "contracts/test/B.sol": SPDX + "\ncontract Same {}\n",
        },
    )
    with pytest.raises(compiler.CompileError) as caught:
        compiler.compile_contracts(root)
    message = str(caught.value)
    assert message.startswith("contracts/test/B.sol:4:1: ")
    assert "Same" in message and "contracts/A.sol" in message and "unique" in message


def test_missing_solcjs_says_run_make_setup(tmp_path, monkeypatch):
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts/A.sol").write_text(SPDX + "contract A {}\n")
    monkeypatch.setattr(compiler, "_native_solc", lambda: None)
    with pytest.raises(compiler.CompileError) as caught:
        compiler.compile_contracts(tmp_path)
    assert len(caught.value.messages) == 1
    assert "make setup" in str(caught.value)


def test_line_col_counts_characters_from_byte_offsets():
    text = "ab\n// é€\nxyz"
    offset = len("ab\n// é€\nx".encode())
    assert compiler.line_col(text, offset) == (3, 2)
    offset = len("ab\n// é€".encode())
    assert compiler.line_col(text, offset) == (2, 6)
    assert compiler.line_col(text, 0) == (1, 1)


def test_project_root(monkeypatch, tmp_path):
    from tradechain.project import project_root

    monkeypatch.delenv("TRADECHAIN_ROOT", raising=False)
    assert (project_root() / "contracts").is_dir()
    assert project_root() == REPO
    monkeypatch.setenv("TRADECHAIN_ROOT", str(tmp_path))
    assert project_root() == tmp_path.resolve()


def test_backend_name():
    assert compiler.compiler_backend() in (compiler.NATIVE_BACKEND, compiler.SOLCJS_BACKEND)
