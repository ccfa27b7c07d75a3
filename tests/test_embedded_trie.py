"""The embedded chain's state trie (embedded_trie.py) stores and answers exactly as py-trie's own."""

from __future__ import annotations

import pytest
import rlp
from hypothesis import given, settings
from hypothesis import strategies as st
from trie.exceptions import MissingTrieNode
from trie.hexary import HexaryTrie
from trie.utils import nibbles

from tradechain import embedded_trie
from tradechain.embedded_trie import KeptNodesTrie, encode_node

leaf_bytes = st.binary(max_size=80)  # across the 1-byte, short (<56) and long string forms
nodes = st.recursive(st.lists(leaf_bytes, max_size=17), lambda inner: st.lists(inner | leaf_bytes, max_size=17),
                     max_leaves=40)


@given(nodes)
def test_a_node_is_encoded_as_pyrlp_encodes_it(node):
    assert encode_node(node) == rlp.codec.encode_raw(node)


keys = st.one_of(st.binary(min_size=32, max_size=32), st.binary(min_size=1, max_size=6))  # hashed, and short keys
edits = st.lists(st.tuples(keys, st.binary(max_size=70)), min_size=1, max_size=60)  # b"" deletes, as py-trie's set


@settings(max_examples=150, deadline=None)
@given(edits, st.booleans())
def test_random_edits_give_py_tries_roots_nodes_and_answers(edits, prune):
    ours, theirs = KeptNodesTrie({}, prune=prune), HexaryTrie({}, prune=prune)
    for key, value in edits:
        ours[key] = value
        theirs[key] = value
        assert ours.root_hash == theirs.root_hash
    assert ours.db == theirs.db  # the same nodes stored (and, pruning, the same ones dropped)
    for key, _ in edits:
        assert ours[key] == theirs[key]
    # a second trie at the same root reads the kept nodes: the same answers again
    again = KeptNodesTrie(ours.db, ours.root_hash)
    assert [again[k] for k, _ in edits] == [theirs[k] for k, _ in edits]


def test_a_node_handed_out_can_be_edited_without_changing_the_kept_one():
    trie = KeptNodesTrie({})
    for i in range(40):
        trie[bytes([i]) * 32] = b"value %d" % i
    root = trie.get_node(trie.root_hash)
    assert len(root) == 17  # a branch node: py-trie sets its slots in place
    root[0] = b"edited"
    assert trie.get_node(trie.root_hash)[0] != b"edited"
    assert trie[bytes([0]) * 32] == b"value 0"


def test_a_missing_node_raises_as_py_trie_does(monkeypatch):
    db: dict = {}
    stored = HexaryTrie(db)
    for i in range(20):
        stored[bytes([i]) * 32] = b"v" * 40
    del db[stored.root_hash]  # the root node gone from the database
    monkeypatch.setattr(embedded_trie, "_nodes", {})  # and not kept
    for trie_class in (KeptNodesTrie, HexaryTrie):
        with pytest.raises(MissingTrieNode):
            trie_class(db, root_hash=stored.root_hash)[bytes([3]) * 32]


def test_the_kept_nodes_stay_bounded(monkeypatch):
    monkeypatch.setattr(embedded_trie, "KEEP_NODES", 5)
    trie = KeptNodesTrie({})
    for i in range(60):
        trie[bytes([i]) * 32] = b"x" * 40
        trie.get_node(trie.root_hash)
    assert len(embedded_trie._nodes) <= 5
    assert all(trie[bytes([i]) * 32] == b"x" * 40 for i in range(60))


@settings(deadline=None)  # the first example installs, importing py-evm
@given(st.binary(max_size=40), st.lists(st.integers(0, 15), max_size=40).map(tuple))
def test_kept_nibble_conversions_answer_as_py_tries(key, path):
    embedded_trie.install()
    import trie.hexary
    import trie.utils.nodes

    py_trie = embedded_trie.PY_TRIE
    assert trie.hexary.bytes_to_nibbles(key) == py_trie["bytes_to_nibbles"](key)
    for terminated in (path, path + (16,)):
        for given_as in (terminated, list(terminated)):  # a list is not hashable: passed through, not kept
            assert trie.hexary.encode_nibbles(given_as) == py_trie["encode_nibbles"](given_as)
            for name in ("add_nibbles_terminator", "remove_nibbles_terminator"):
                assert getattr(trie.utils.nodes, name)(given_as) == py_trie[name](given_as)
                assert getattr(nibbles, name)(given_as) == py_trie[name](given_as)
        prefixed = py_trie["encode_nibbles"](terminated)
        assert trie.hexary.decode_nibbles(prefixed) == py_trie["decode_nibbles"](prefixed)


def test_the_embedded_chains_state_tries_are_kept_nodes_tries(client):
    import eth.db.account
    import eth.db.storage

    assert eth.db.account.HexaryTrie is KeptNodesTrie and eth.db.storage.HexaryTrie is KeptNodesTrie
    state = client.chain.tester.backend.chain.get_vm().state
    assert isinstance(state._account_db._trie._db, KeptNodesTrie)


def test_records_copy_as_pyrlp_copies_them(client):
    from eth.rlp.accounts import Account

    from tradechain.embedded_rlp import PYRLP_COPY, copy_sharing_fields

    chain = client.chain.tester.backend.chain
    header = chain.get_canonical_head()
    block = chain.get_canonical_block_by_number(header.block_number)
    account = Account(nonce=3, balance=10**18, storage_root=b"\x01" * 32, code_hash=b"\x02" * 32)
    cases = [(account, (), {"balance": 5}), (account, (4,), {}), (account, (4, 6), {"code_hash": b"\x03" * 32}),
             (header, (), {"gas_used": 1, "timestamp": header.timestamp + 1}), (header, (), {}),
             (block, (), {"header": header.copy(gas_used=7)}), (block, (), {})]
    for record, args, kwargs in cases:
        ours, theirs = copy_sharing_fields(record, *args, **kwargs), PYRLP_COPY(record, *args, **kwargs)
        assert type(ours) is type(theirs) and ours == theirs and tuple(ours) == tuple(theirs)
        assert ours.hash == theirs.hash if hasattr(ours, "hash") else True
    for args, kwargs in (((4,), {"nonce": 5}), ((), {"colour": 1})):  # refused by both
        for copy in (copy_sharing_fields, PYRLP_COPY):
            with pytest.raises(TypeError):
                copy(account, *args, **kwargs)
    with pytest.raises(TypeError, match="at most 4 fields"):  # pyrlp fails later, on an int where bytes go
        copy_sharing_fields(account, 1, 2, 3, 4, 5)
    assert type(account).copy is copy_sharing_fields  # installed with the embedded chain


def test_a_node_holding_anything_but_bytes_and_lists_is_refused():
    for bad in (["key", b"value"], [b"key", 5], [b"key", (b"a", b"b")]):
        with pytest.raises(TypeError, match="a trie node holds byte strings and lists"):
            encode_node(bad)
