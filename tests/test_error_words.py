"""Every rule a contract of the suite can break has its words, written where the error is declared.

The CLI's message for a custom error is the NatSpec `@notice` above its declaration (solc's userdoc), with
`{argument}` placeholders; every argument is documented with `@param` (solc's devdoc), as OpenZeppelin's
IERC6093 does. A new error without them fails here, by name. OpenZeppelin's own errors carry `@dev` only:
their words are tradechain.errors.LIBRARY_WORDS."""

from __future__ import annotations

import string

from tradechain.deployment import SUITE
from tradechain.errors import LIBRARY_WORDS, abi_type, error_words


def _errors(artifact) -> dict[str, dict]:
    return {f"{e['name']}({','.join(abi_type(i) for i in e['inputs'])})": e
            for e in artifact["abi"] if e.get("type") == "error"}


def _placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def test_every_error_of_the_suite_has_words(artifacts):
    words = error_words(artifacts.values())
    missing = sorted({e["name"] for name in SUITE for e in _errors(artifacts[name]).values()} - set(words))
    assert not missing, f"errors without words (add `/// @notice` above their declaration): {missing}"


def test_every_error_we_declare_documents_each_argument(artifacts):
    undocumented = []
    for name in SUITE:
        userdoc = artifacts[name]["userdoc"].get("errors", {})
        devdoc = artifacts[name]["devdoc"].get("errors", {})
        for signature, entry in _errors(artifacts[name]).items():
            if entry["name"] in LIBRARY_WORDS:
                continue
            params = {k for doc in devdoc.get(signature, []) for k in doc.get("params", {})}
            args = {i["name"] for i in entry["inputs"]}
            if args - params:
                undocumented.append(f"{signature}: no @param for {sorted(args - params)}")
            notice = next((d.get("notice") for d in userdoc.get(signature, []) if d.get("notice")), "")
            if not notice:
                undocumented.append(f"{signature}: no @notice")
            elif _placeholders(notice) - args:
                undocumented.append(f"{signature}: its @notice names {sorted(_placeholders(notice) - args)}, "
                                    f"which are not its arguments")
    assert not undocumented, "\n".join(undocumented)


def test_library_words_are_only_for_errors_we_do_not_declare(artifacts):
    ours = {e["name"] for name in SUITE for sig, e in _errors(artifacts[name]).items()
            if artifacts[name]["userdoc"].get("errors", {}).get(sig)}
    assert not ours & set(LIBRARY_WORDS), "these errors have NatSpec words: drop them from LIBRARY_WORDS"
    for name, template in LIBRARY_WORDS.items():
        entries = [e for a in artifacts.values() for e in _errors(a).values() if e["name"] == name]
        assert entries, f"LIBRARY_WORDS has {name}, which no contract of the build can raise"
        assert _placeholders(template) <= {i["name"] for i in entries[0]["inputs"]}, name
