"""Every state-changing function the suite declares says what it emits and documents each argument, as OpenZeppelin
documents its own: read from solc's devdoc/userdoc (NatSpec `@param`, an "Emits" line), so a new function cannot
ship without them. Functions inherited from OpenZeppelin keep OpenZeppelin's documentation and are not checked."""

from __future__ import annotations

import re
from pathlib import Path

from tradechain.deployment import SUITE
from tradechain.errors import abi_type

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"


def _declared_here() -> set[str]:
    """Names of the functions our own sources declare (contracts/ and its interfaces, not the test-only ones)."""
    sources = [p for p in CONTRACTS.rglob("*.sol") if "test" not in p.relative_to(CONTRACTS).parts]
    return {m for p in sources for m in re.findall(r"\bfunction\s+([A-Za-z_]\w*)\s*\(", p.read_text())}


def test_every_state_changing_function_we_declare_documents_its_arguments_and_events(artifacts):
    ours = _declared_here()
    problems = []
    for name in SUITE:
        devdoc = artifacts[name]["devdoc"].get("methods", {})
        userdoc = artifacts[name]["userdoc"].get("methods", {})
        for entry in artifacts[name]["abi"]:
            if entry.get("type") != "function" or entry["stateMutability"] in ("view", "pure"):
                continue
            if entry["name"] not in ours:
                continue
            signature = f"{entry['name']}({','.join(abi_type(i) for i in entry['inputs'])})"
            doc = devdoc.get(signature, {})
            text = f"{doc.get('details', '')} {userdoc.get(signature, {}).get('notice', '')}"
            missing = {i["name"] for i in entry["inputs"]} - set(doc.get("params", {}))
            if missing:
                problems.append(f"{name}.{signature}: no @param for {sorted(missing)}")
            if "Emits" not in text:
                problems.append(f"{name}.{signature}: no \"Emits\" line (say what it emits, or \"Emits nothing: why\")")
    assert ours, "found no function declarations under contracts/"
    assert not problems, "\n".join(problems)
