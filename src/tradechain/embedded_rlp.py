"""py-evm's records (accounts, headers, blocks, receipts) copied without deep-copying what cannot change.

py-evm changes a record by copying it with new fields: every balance or nonce set, every storage root, and a
block header several times as a transaction is applied and its block mined. pyrlp's `Serializable.copy`
deep-copies each field left as it was. Those fields are immutable (a record makes lists into tuples when built,
and nested records are records), so the copy can hold the same values: the new record is equal field for field,
only not made of new objects. That deep copy was about 6% of an embedded trade's instructions (valgrind).

Installed when an embedded chain is made (embedded_backend.LeanBackend): on pyrlp's base class, so for every
record of the process.
"""

from __future__ import annotations

from typing import Any

from rlp.sedes.serializable import BaseSerializable

PYRLP_COPY = BaseSerializable.copy  # pyrlp's own: tests compare with it


def copy_sharing_fields(self: BaseSerializable, *args: Any, **kwargs: Any) -> BaseSerializable:
    """pyrlp's `copy`: the record with the fields given (by position, then by name) replaced, the others as they
    are. A field given twice, or one the record lacks, is a TypeError, as pyrlp raises."""
    names = self._meta.field_names
    if len(args) > len(names):
        raise TypeError(f"{type(self).__name__}.copy takes at most {len(names)} fields, got {len(args)}")
    values = dict(zip(names, self))
    for name, value in zip(names, args):
        if name in kwargs:
            raise TypeError(f"{type(self).__name__}.copy got field {name!r} by position and by name")
        values[name] = value
    unknown = kwargs.keys() - values.keys()
    if unknown:
        raise TypeError(f"{type(self).__name__} has no field {sorted(unknown)[0]!r}")
    values.update(kwargs)
    return type(self)(**values)


def install() -> None:
    """Every rlp record copies with `copy_sharing_fields` (idempotent)."""
    BaseSerializable.copy = copy_sharing_fields
