"""py-trie's hexary Patricia trie, for the embedded chain's state, at less Python per node.

Every embedded transaction is mined in a block of its own, so every transaction recomputes the state root: the
accounts it touched and their storage tries are rewritten node by node. After the EVM itself, py-trie's pure-Python
node handling was the largest cost of an embedded trade (cProfile of `bench speed`'s trade: decoding nodes read
back, encoding nodes written, nibble conversions of keys). Three changes, none of which alters a root, a node
stored or an error a consistent trie raises:

- `KeptNodesTrie.get_node` keeps each decoded node by its hash. A node is named by the keccak of its encoding,
  so the hash alone fixes what it decodes to, on any trie and any database; the caller gets its own copy (py-trie
  edits branch nodes in place). The same nodes near the root are read on every transaction: the stock trie
  fetched them through four database layers and decoded them with pyrlp every time.
- `encode_node` is RLP for what a trie node can be (byte strings and lists of them), where pyrlp's encoder tests
  every item against its abstract classes.
- Key-to-nibble conversions (`bytes_to_nibbles`, the hex-prefix `encode_nibbles`/`decode_nibbles`) are pure
  functions of immutable values, asked again and again for the same keys: their results are kept. Adding and
  removing the terminator nibble are written as tuple operations, not generators.

Every store is bounded (the nodes' empties itself when full, the conversions' drop their least recently used),
so memory stays flat on a long run and only speed depends on it. `install()` puts these where py-evm and py-trie
look them up (module-level names), for the process, when an embedded chain is made. tests/test_embedded_trie.py
runs random edits on this trie and on py-trie's side by side and finds the same roots, the same stored nodes and
the same answers, and compares each replaced function with py-trie's own; trie is pinned in constraints.txt, as
this leans on its internals.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import trie.hexary
import trie.utils.nodes
from eth_hash.auto import keccak
from trie.constants import BLANK_NODE, BLANK_NODE_HASH, NIBBLE_TERMINATOR
from trie.hexary import HexaryTrie
from trie.utils import nibbles
from trie.utils.nodes import decode_node

# py-trie's own functions, as imported (install() replaces them where py-trie looks them up): tests compare with these
PY_TRIE = {f.__name__: f for f in (nibbles.bytes_to_nibbles, nibbles.encode_nibbles, nibbles.decode_nibbles,
                                   nibbles.add_nibbles_terminator, nibbles.remove_nibbles_terminator)}

KEEP_NODES = 20_000  # decoded nodes kept (a branch node is ~1.3 KB decoded: ~26 MB at most)
KEEP_KEYS = 50_000  # nibble conversions kept, per function


def _item(value: bytes) -> bytes:
    size = len(value)
    if size == 1 and value[0] < 0x80:
        return value
    if size < 56:
        return bytes((0x80 + size,)) + value
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((0xB7 + len(length),)) + length + value


def encode_node(node: list) -> bytes:
    """The RLP encoding of a trie node (a list of byte strings and of inlined nodes): pyrlp's `encode_raw` of it.
    Anything else in it is a TypeError: the trie only builds these."""
    parts = []
    for item in node:
        if type(item) is bytes:
            parts.append(_item(item))
        elif type(item) is list:
            parts.append(encode_node(item))
        else:
            raise TypeError(f"a trie node holds byte strings and lists, not {type(item).__name__}: {item!r}")
    payload = b"".join(parts)
    size = len(payload)
    if size < 56:
        return bytes((0xC0 + size,)) + payload
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((0xF7 + len(length),)) + length + payload


_nodes: dict[bytes, Any] = {}  # node hash -> decoded node, shared by every trie: a hash fixes its node


def _copy(node: Any) -> Any:
    """A node the caller may edit: py-trie sets branch slots in place (inlined nodes one level down, at most)."""
    if type(node) is not list:
        return node
    return [list(x) if type(x) is list else x for x in node]


class KeptNodesTrie(HexaryTrie):
    """HexaryTrie whose nodes read by hash are decoded once, and whose nodes written are encoded without pyrlp."""

    __slots__ = ()

    def get_node(self, node_hash: Any) -> Any:
        if type(node_hash) is not bytes or len(node_hash) != 32 or node_hash == BLANK_NODE_HASH:
            return super().get_node(node_hash)  # blank, or a node inlined in its parent
        node = _nodes.get(node_hash)
        if node is None:
            node = decode_node(self.db[node_hash])  # KeyError for a node the database lacks, as py-trie's
            if len(_nodes) >= KEEP_NODES:
                _nodes.clear()
            _nodes[node_hash] = node
        return _copy(node)

    def _node_to_db_mapping(self, node: Any) -> tuple[Any, bytes | None]:
        # py-trie memoizes this (keyed by the node made into nested tuples) for its pruning; encoding directly
        # costs less than building that key
        return self._create_node_to_db_mapping(node)

    def _create_node_to_db_mapping(self, node: Any) -> tuple[Any, bytes | None]:
        if node == BLANK_NODE:
            return BLANK_NODE, None
        encoded = encode_node(node)
        if len(encoded) < 32:
            return node, None  # small enough to be inlined in its parent
        return keccak(encoded), encoded


def _kept(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`function` (pure, of bytes or a tuple of nibbles) with its last KEEP_KEYS results kept (functools' C
    cache); an argument that cannot be kept (a list of nibbles) is passed through."""
    cached = functools.lru_cache(maxsize=KEEP_KEYS)(function)

    def kept(value: Any) -> Any:
        try:
            return cached(value)
        except TypeError:  # unhashable: not kept
            return function(value)

    kept.__wrapped__ = function  # type: ignore[attr-defined]
    kept.__name__ = function.__name__
    return kept


def add_terminator(path: Any) -> tuple:
    """py-trie's add_nibbles_terminator: `path` as a tuple ending in the terminator nibble."""
    if path and path[-1] == NIBBLE_TERMINATOR:
        return tuple(path)
    return (*path, NIBBLE_TERMINATOR)


def remove_terminator(path: Any) -> tuple:
    """py-trie's remove_nibbles_terminator: `path` as a tuple without a final terminator nibble."""
    if path and path[-1] == NIBBLE_TERMINATOR:
        return tuple(path[:-1])
    return tuple(path)


_installed = False


def install() -> None:
    """Make py-evm's state tries (accounts and storage) KeptNodesTrie, and py-trie's nibble conversions kept.
    Idempotent. The receipt and transaction tries of a block stay py-trie's: built once, never read back."""
    global _installed
    if _installed:
        return
    import eth.db.account
    import eth.db.storage

    eth.db.account.HexaryTrie = KeptNodesTrie
    eth.db.storage.HexaryTrie = KeptNodesTrie
    to_nibbles = _kept(nibbles.bytes_to_nibbles)
    hex_prefix, from_hex_prefix = _kept(nibbles.encode_nibbles), _kept(nibbles.decode_nibbles)
    trie.hexary.bytes_to_nibbles = to_nibbles
    for module in (trie.hexary, trie.utils.nodes):
        module.encode_nibbles = hex_prefix
        module.decode_nibbles = from_hex_prefix
    for module in (nibbles, trie.utils.nodes):  # hex-prefix encoding (nibbles) and leaf keys (nodes) use these
        module.add_nibbles_terminator = add_terminator
        module.remove_nibbles_terminator = remove_terminator
    _installed = True
