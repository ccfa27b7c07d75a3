"""One source of truth for the contracts' vocabulary: every enum and role of contracts/ has exactly one Python
copy, in tradechain.vocabulary, and that copy lists the members in the contract's order (read from the
compiler's AST, so a renamed, added or reordered member fails here)."""

from __future__ import annotations

import glob
import json
from pathlib import Path

import pytest

from tradechain import vocabulary
from tradechain.project import project_root

# contract enum -> its Python copy
COPIES = {
    "ITradeEscrow.State": vocabulary.STATES,
    "ITradeEscrow.Ruling": vocabulary.RULINGS,
    "ITradeEscrow.RefundReason": vocabulary.REFUND_REASONS,
    "ITradeEscrow.Party": vocabulary.PARTIES,
    "ITradeEscrow.Trigger": vocabulary.TRIGGERS,
    "IBillOfLading.Status": vocabulary.TITLE_STATUSES,
    "IInvoiceToken.Status": vocabulary.INVOICE_STATUSES,
    "IProvenance.Kind": vocabulary.KINDS,
    "IProvenance.DocType": vocabulary.DOC_TYPES,
    "IProvenance.Mode": vocabulary.MODES,
    "IProvenance.Sensor": vocabulary.SENSORS,
    "IFxRates.RateSource": vocabulary.RATE_SOURCES,
}


def _walk(node, found: list) -> None:
    if isinstance(node, dict):
        found.append(node)
        for v in node.values():
            _walk(v, found)
    elif isinstance(node, list):
        for v in node:
            _walk(v, found)


@pytest.fixture(scope="module")
def ast_nodes(artifacts) -> dict[str, list[dict]]:
    """Every AST node of our own sources (not OpenZeppelin's), by source file."""
    info = json.loads(open(sorted(glob.glob(str(project_root() / "build/build-info/*.json")))[-1]).read())
    out = {}
    for name, source in info["output"]["sources"].items():
        if name.startswith("contracts/") and not name.startswith("contracts/test/"):
            out[name] = []
            _walk(source["ast"], out[name])
    return out


def _enums(ast_nodes) -> dict[str, list[str]]:
    enums = {}
    for nodes in ast_nodes.values():
        for node in nodes:
            if node.get("nodeType") == "ContractDefinition":
                for sub in node["nodes"]:
                    if sub.get("nodeType") == "EnumDefinition":
                        enums[f"{node['name']}.{sub['name']}"] = [m["name"] for m in sub["members"]]
    return enums


def test_python_vocabulary_is_the_contracts_enums(ast_nodes):
    """Every enum of the suite has its Python copy, member for member, in order."""
    assert _enums(ast_nodes) == COPIES


def test_every_role_constant_is_in_the_vocabulary(ast_nodes, artifacts):
    roles = {n["name"].removesuffix("_ROLE") for nodes in ast_nodes.values() for n in nodes
             if n.get("nodeType") == "VariableDeclaration" and n.get("constant") and n["name"].endswith("_ROLE")}
    assert roles == set(vocabulary.ROLES)
    for name in ("CARRIER", "ARBITER", "FINANCIER"):
        contract = {"CARRIER": "Provenance", "ARBITER": "TradeEscrow", "FINANCIER": "InvoiceToken"}[name]
        assert f"{name}_ROLE" in {e["name"] for e in artifacts[contract]["abi"] if e.get("type") == "function"}
    assert vocabulary.role_id("admin") == b"\x00" * 32
    assert vocabulary.role_name(vocabulary.role_id("financier")) == "FINANCIER"


def test_no_other_module_keeps_a_copy_of_an_enum():
    """Drift starts with a second copy: no source file but vocabulary.py spells out an enum's members."""
    src = Path(vocabulary.__file__).parent
    for path in src.rglob("*.py"):
        if path.name == "vocabulary.py":
            continue
        text = path.read_text()
        for enum, members in COPIES.items():
            spelled = ", ".join(f'"{m}"' for m in members[:3])
            assert spelled not in text, f"{path.relative_to(src)} repeats {enum}; import it from tradechain.vocabulary"
