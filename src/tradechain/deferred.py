"""Heavy modules that `import web3` pulls in at start but a command rarely uses, imported on first use instead.

web3 imports eth_account, which imports eth_keyfile (encrypted keystores) at its top; eth_keyfile imports
py_ecc's BLS code, which computes pairing constants at import (about 0.7 s). web3 also imports aiohttp for
its async providers (about 0.3 s), which tradechain never uses. Until something of them is used, a stand-in
module answers each name: a stand-in function or class that, when first called, imports the real module
and points every module holding a stand-in at the real object. A command that reads a keystore pays the
import then; every other command never does.
"""

from __future__ import annotations

import importlib
import sys
import types
TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: `import tradechain` stays lean

if TYPE_CHECKING:
    from typing import Any

# package -> {submodule: {name: "function" | "class" | "exception" | "literal:a,b"}}: the names importers
# take with `from X import name` at their own import time (any other name loads the real module)
DEFERRED: dict[str, dict[str, dict[str, Any]]] = {
    "eth_keyfile": {
        "eth_keyfile": {n: "function" for n in ("create_keyfile_json", "decode_keyfile_json",
                                                "extract_key_from_keyfile", "load_keyfile")},
        "eth_keyfile.keyfile": {**{n: "function" for n in ("create_keyfile_json", "decode_keyfile_json",
                                                           "extract_key_from_keyfile", "load_keyfile")},
                                "KDFType": "literal:pbkdf2,scrypt"},
    },
    "aiohttp": {
        "aiohttp": {**{n: "class" for n in ("ClientResponse", "ClientSession", "ClientTimeout", "TCPConnector")},
                    "ClientError": "exception"},
    },
}

# package -> id(stand-in) -> (module, name, the stand-in itself: kept alive so its id is never reused)
_stand_ins: dict[str, dict[int, tuple[str, str, Any]]] = {}


class _StandInModule(types.ModuleType):
    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        kind = DEFERRED[self.__dict__["_package"]][self.__name__].get(attr)
        if isinstance(kind, str) and kind.startswith("literal:"):  # a typing.Literal alias, made when first
            from typing import Literal  # asked for (by then web3 has imported typing anyway)

            value = Literal[tuple(kind.removeprefix("literal:").split(","))]
            setattr(self, attr, value)
            return value
        return getattr(load(self.__dict__["_package"], self.__name__), attr)


def _function(package: str, module: str, name: str):
    def stand_in(*args, **kwargs):
        return getattr(load(package, module), name)(*args, **kwargs)

    stand_in.__name__ = stand_in.__qualname__ = name
    return stand_in


def _class(package: str, module: str, name: str, base: type):
    def __new__(cls, *args, **kwargs):  # an instance of the real class (so the stand-in's __init__ never runs)
        return getattr(load(package, module), name)(*args, **kwargs)

    return type(name, (base,), {"__new__": __new__, "__module__": module})


def install() -> None:
    """Put the stand-ins in place, for each package not imported yet."""
    for package, modules in DEFERRED.items():
        if package in sys.modules or package in _stand_ins:
            continue
        registry = _stand_ins[package] = {}
        for module, names in modules.items():
            mod = _StandInModule(module)
            mod.__dict__["_package"] = package
            registry[id(mod)] = (module, "", mod)
            for name, kind in names.items():
                if kind == "function":
                    value = _function(package, module, name)
                elif kind in ("class", "exception"):
                    value = _class(package, module, name, Exception if kind == "exception" else object)
                else:  # a typing.Literal alias: made on first use (importing typing here costs `--help` 20 ms)
                    continue
                setattr(mod, name, value)
                if kind in ("function", "class", "exception"):
                    registry[id(value)] = (module, name, value)
            sys.modules[module] = mod
        for module in modules:  # `import a.b` also needs b as an attribute of a
            parent, _, child = module.rpartition(".")
            if parent in modules:
                setattr(sys.modules[parent], child, sys.modules[module])


def load(package: str, module: str) -> types.ModuleType:
    """Import the real `module` of `package` (once) and rebind every stand-in of the package to it."""
    registry = _stand_ins.get(package)
    if registry is None or not isinstance(sys.modules.get(module), _StandInModule):
        return importlib.import_module(module)
    for name in DEFERRED[package]:
        sys.modules.pop(name, None)
    real = {name: importlib.import_module(name) for name in DEFERRED[package]}
    del _stand_ins[package]
    for mod in list(sys.modules.values()):
        namespace = getattr(mod, "__dict__", None)
        if not isinstance(namespace, dict) or isinstance(mod, _StandInModule):
            continue
        for key, value in list(namespace.items()):
            hit = registry.get(id(value))
            if hit is not None:
                where, name, _ = hit
                namespace[key] = getattr(real[where], name) if name else real[where]
    return real[module]
