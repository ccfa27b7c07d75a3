"""Compile contracts/**/*.sol with solc 0.8.37 (standard JSON) into build/ artifacts.

A native solc from py-solc-x is used when one is already installed (never downloaded);
otherwise solc-js from node_modules. Both get the same input, so they give the same
bytecode. Results are cached by a hash of sources, settings and compiler version.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from tradechain.errors import CompileError

SOLC_VERSION = "0.8.37"
EVM_VERSION = "prague"
OPTIMIZER_RUNS = 200

NATIVE_BACKEND = f"native solc {SOLC_VERSION} (py-solc-x)"
SOLCJS_BACKEND = f"solc-js {SOLC_VERSION} (npm)"

# `@openzeppelin/...` -> node_modules/@openzeppelin/... (a path relative to the project root).
# A remapping, not an include path, so native solc and solc-js see the same source unit
# names — and so produce the same metadata hash and bytecode.
REMAPPINGS = ["@openzeppelin/=node_modules/@openzeppelin/"]

_CONTRACT_OUTPUTS = [
    "abi",
    "evm.bytecode.object",
    "evm.deployedBytecode.object",
    "evm.bytecode.sourceMap",
    "evm.deployedBytecode.sourceMap",
    "evm.methodIdentifiers",
    "userdoc",  # NatSpec @notice of every error: the words the CLI shows for it (tradechain.errors)
    "devdoc",
]

# Bump when the artifact layout changes, so old caches are rebuilt.
_ARTIFACT_FORMAT = 2
_SOLCJS_SCRIPT = "solcjs-standard-json.js"
_SETUP_HINT = "run `make setup` (or `npm install`)"



class Build(dict):
    """Artifacts by contract name (a dict), and how they were made: `cached` (build/ was reused, no compiler
    run), `seconds`, `backend` and the compiler's `warnings`."""

    def __init__(self, artifacts: dict[str, dict], *, cached: bool, seconds: float, backend: str,
                 warnings: list[str]):
        super().__init__(artifacts)
        self.cached = cached
        self.seconds = seconds
        self.backend = backend
        self.warnings = warnings


def settings() -> dict[str, Any]:
    """The solc settings used for every compile (a fresh copy)."""
    return {
        "optimizer": {"enabled": True, "runs": OPTIMIZER_RUNS},
        "evmVersion": EVM_VERSION,
        "remappings": list(REMAPPINGS),
        # ASTs of every source are for Slither (build/build-info); they do not change the code.
        "outputSelection": {"*": {"*": list(_CONTRACT_OUTPUTS), "": ["ast"]}},
    }


def compiler_backend() -> str:
    """Which compiler a fresh compile would use."""
    return NATIVE_BACKEND if _native_solc() is not None else SOLCJS_BACKEND


def compile_contracts(root: Path | str, force: bool = False) -> Build:
    """Compile every contracts/**/*.sol under the project folder `root` (tradechain.project finds it); return
    the Build: artifacts by contract name, and how they were made.

    Reuses build/ when its cache key matches (the compiler is not run) unless `force`.
    Raises CompileError on any solc error; warnings are on the result.
    """
    started = time.perf_counter()
    root = Path(root).expanduser().resolve()
    build = root / "build"
    sources = _read_sources(root)
    std_settings = settings()
    key = _cache_key(root, sources, std_settings)

    if not force:
        cached = _load_cached(build, key)
        if cached is not None:
            artifacts, meta = cached
            return Build(artifacts, cached=True, seconds=time.perf_counter() - started,
                         backend=meta.get("backend", ""), warnings=list(meta.get("warnings", [])))

    std_input = {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in sources.items()},
        "settings": std_settings,
    }
    native = _native_solc()
    from tradechain import progress

    progress.step(f"compiling {len(sources)} Solidity sources with {'native solc' if native else 'solc-js'}"
                  f"{'' if (build / 'cache.json').exists() else ' (first build: about 25 s)'}")
    if native is not None:
        backend = NATIVE_BACKEND
        output, long_version = _run_native(native, std_input, root)
    else:
        backend = SOLCJS_BACKEND
        output, long_version = _run_solcjs(std_input, root)

    errors, warnings = [], []
    for problem in output.get("errors", []):
        line = _format_problem(problem, root, sources)
        (errors if problem.get("severity") == "error" else warnings).append(line)
    if errors:
        raise CompileError(errors)

    artifacts = _artifacts(output, sources, long_version)
    _write_build(build, key, artifacts, std_input, output, long_version, backend, warnings)
    return Build(artifacts, cached=False, seconds=time.perf_counter() - started, backend=backend,
                 warnings=warnings)


# --- sources and cache -----------------------------------------------------------------


def _read_sources(root: Path) -> dict[str, str]:
    contracts = root / "contracts"
    files = sorted(contracts.glob("**/*.sol")) if contracts.is_dir() else []
    if not files:
        raise CompileError(f"no Solidity sources under {contracts}")
    return {path.relative_to(root).as_posix(): path.read_text(encoding="utf-8") for path in files}


def _openzeppelin_version(root: Path) -> str:
    try:
        package = root / "node_modules" / "@openzeppelin" / "contracts" / "package.json"
        return str(json.loads(package.read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return "none"


def _cache_key(root: Path, sources: dict[str, str], std_settings: dict) -> str:
    digest = hashlib.sha256()

    def feed(label: str, value: str) -> None:
        digest.update(f"{label}\0{len(value.encode())}\0".encode())
        digest.update(value.encode())

    feed("format", str(_ARTIFACT_FORMAT))
    feed("solc", SOLC_VERSION)
    feed("openzeppelin", _openzeppelin_version(root))
    feed("settings", json.dumps(std_settings, sort_keys=True, separators=(",", ":")))
    for name in sorted(sources):
        feed("path", name)
        feed("source", sources[name])
    return digest.hexdigest()


def _load_cached(build: Path, key: str) -> tuple[dict[str, dict], dict] | None:
    try:
        meta = json.loads((build / "cache.json").read_text(encoding="utf-8"))
        if meta.get("key") != key:
            return None
        artifacts = {}
        for name in meta["contracts"]:
            artifacts[name] = json.loads(
                (build / "contracts" / f"{name}.json").read_text(encoding="utf-8")
            )
        return artifacts, meta
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_json(path: Path, data: Any, indent: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=indent) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _write_build(
    build: Path,
    key: str,
    artifacts: dict[str, dict],
    std_input: dict,
    output: dict,
    long_version: str,
    backend: str,
    warnings: list[str],
) -> None:
    (build / "cache.json").unlink(missing_ok=True)  # invalid until everything is written
    for name, artifact in artifacts.items():
        _write_json(build / "contracts" / f"{name}.json", artifact, indent=2)
    for stale in (build / "contracts").glob("*.json"):
        if stale.stem not in artifacts:
            stale.unlink(missing_ok=True)

    build_info = {
        "_format": "hh-sol-build-info-1",
        "id": key,
        "solcVersion": SOLC_VERSION,
        "solcLongVersion": long_version,
        "input": std_input,
        "output": output,
    }
    _write_json(build / "build-info" / f"{key}.json", build_info)
    for stale in (build / "build-info").glob("*.json"):
        if stale.stem != key:
            stale.unlink(missing_ok=True)

    _write_json(
        build / "cache.json",
        {
            "key": key,
            "solcVersion": SOLC_VERSION,
            "solcLongVersion": long_version,
            "backend": backend,
            "buildInfo": f"build-info/{key}.json",
            "contracts": sorted(artifacts),
            "warnings": warnings,
        },
        indent=2,
    )


# --- compiler backends -----------------------------------------------------------------


def _native_solc() -> Path | None:
    """Path of a native solc SOLC_VERSION installed by py-solc-x, or None. Never downloads."""
    try:
        if not os.environ.get("SOLCX_BINARY_PATH") and not (Path.home() / ".solcx").is_dir():
            return None  # nothing installed; also spares solcx creating ~/.solcx
        from solcx.install import get_executable  # not re-exported by solcx 2.0.5

        path = Path(get_executable(SOLC_VERSION))  # raises SolcNotInstalled; never downloads
        return path if path.is_file() and os.access(path, os.X_OK) else None
    except Exception:
        return None


def _short_long_version(version: str) -> str:
    """'0.8.37+commit.f401782d.Emscripten.clang' -> '0.8.37+commit.f401782d' (Hardhat's form)."""
    match = re.match(r"\d+\.\d+\.\d+\+commit\.[0-9a-f]+", version.strip())
    return match.group(0) if match else version.strip()


def _check_version(long_version: str, backend: str) -> str:
    short = _short_long_version(long_version)
    if not short.startswith(SOLC_VERSION + "+") and short != SOLC_VERSION:
        raise CompileError(
            f"{backend} reports solc {long_version}, expected {SOLC_VERSION}: {_SETUP_HINT}"
        )
    return short


def _run_native(solc: Path, std_input: dict, root: Path) -> tuple[dict, str]:
    import solcx
    from solcx.exceptions import SolcError

    allow = [str(root)]
    modules = root / "node_modules"
    if modules.exists():
        allow.append(str(modules.resolve()))
    try:
        output = solcx.compile_standard(
            std_input,
            solc_version=SOLC_VERSION,
            base_path=str(root),
            allow_paths=allow,
            allow_empty=True,
        )
    except SolcError as err:
        problems = getattr(err, "error_dict", None)
        if not problems:
            raise CompileError(f"native solc failed: {err}") from None
        output = {"errors": problems}
    except Exception as err:  # a broken binary, not a Solidity problem
        raise CompileError(f"native solc {solc} failed: {err}") from None
    try:
        long_version = str(solcx.wrapper.get_solc_version(solc, with_commit_hash=True))
    except Exception as err:
        raise CompileError(f"native solc {solc} failed: {err}") from None
    return output, _check_version(long_version, NATIVE_BACKEND)


def _solcjs_script(root: Path) -> Path:
    for candidate in (
        Path(__file__).resolve().parents[2] / "scripts" / _SOLCJS_SCRIPT,  # the tradechain repo
        root / "scripts" / _SOLCJS_SCRIPT,
    ):
        if candidate.is_file():
            return candidate
    raise CompileError(f"scripts/{_SOLCJS_SCRIPT} is missing from the tradechain checkout")


def _run_solcjs(std_input: dict, root: Path) -> tuple[dict, str]:
    node = shutil.which("node")
    package = root / "node_modules" / "solc" / "package.json"
    if node is None:
        raise CompileError(f"node is not installed (needed for solc-js): {_SETUP_HINT}")
    if not package.is_file():
        raise CompileError(f"solc-js is not installed in {root / 'node_modules'}: {_SETUP_HINT}")
    try:
        npm_version = json.loads(package.read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        npm_version = "unknown"
    if npm_version != SOLC_VERSION:
        raise CompileError(
            f"node_modules has solc {npm_version}, expected {SOLC_VERSION}: {_SETUP_HINT}"
        )

    proc = subprocess.run(
        [node, str(_solcjs_script(root)), str(root), "--with-version"],
        input=json.dumps(std_input),
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=root,
    )
    if proc.returncode != 0:
        detail = proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"]
        raise CompileError([f"solc-js failed: {detail[-1]}", *detail[:-1]])
    try:
        wrapped = json.loads(proc.stdout)
        output, long_version = wrapped["output"], wrapped["version"]
    except (ValueError, KeyError, TypeError):
        raise CompileError(f"solc-js gave unreadable output: {proc.stdout[:200]!r}") from None
    return output, _check_version(long_version, SOLCJS_BACKEND)


# --- output ----------------------------------------------------------------------------


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a solc byte offset into `text`."""
    prefix = text.encode("utf-8")[:offset]
    line_start = prefix.rfind(b"\n") + 1
    column = len(prefix[line_start:].decode("utf-8", errors="replace")) + 1
    return prefix.count(b"\n") + 1, column


def _source_text(name: str, root: Path, sources: dict[str, str]) -> str | None:
    if name in sources:
        return sources[name]
    for path in (root / name, root / "node_modules" / name):
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, ValueError):
            continue
    return None


def _format_problem(problem: dict, root: Path, sources: dict[str, str]) -> str:
    """`file:line:col: Type: message` (or without the position when solc gives none)."""
    kind = problem.get("type") or problem.get("severity", "error").capitalize()
    message = f"{kind}: {problem.get('message', '').strip()}"
    location = problem.get("sourceLocation") or {}
    name = location.get("file")
    if not name:
        return message
    start = location.get("start", -1)
    text = _source_text(name, root, sources)
    if text is None or not isinstance(start, int) or start < 0:
        return f"{name}: {message}"
    line, column = line_col(text, start)
    return f"{name}:{line}:{column}: {message}"


def _declaration(source_name: str, name: str, sources: dict[str, str]) -> str:
    """`file:line:col` of where `name` is declared in a source (just `file` if not found)."""
    text = sources[source_name]
    pattern = rf"\b(?:contract|interface|library)\s+{re.escape(name)}\b"
    match = re.search(pattern, text)
    if match is None:
        return source_name
    line, column = line_col(text, len(text[: match.start()].encode("utf-8")))
    return f"{source_name}:{line}:{column}"


def _artifacts(output: dict, sources: dict[str, str], long_version: str) -> dict[str, dict]:
    """Artifacts of the contracts declared under contracts/ (not of imported libraries)."""
    artifacts: dict[str, dict] = {}
    duplicates: list[str] = []
    for source_name in sorted(output.get("contracts", {})):
        if source_name not in sources:
            continue
        for name, contract in sorted(output["contracts"][source_name].items()):
            evm = contract.get("evm", {})
            bytecode = evm.get("bytecode", {})
            deployed = evm.get("deployedBytecode", {})
            if name in artifacts:
                duplicates.append(
                    f"{_declaration(source_name, name, sources)}: contract name {name} is also "
                    f"declared in {artifacts[name]['sourceName']}; contract names must be unique"
                )
                continue
            artifacts[name] = {
                "contractName": name,
                "sourceName": source_name,
                "abi": contract.get("abi", []),
                "bytecode": "0x" + bytecode.get("object", ""),
                "deployedBytecode": "0x" + deployed.get("object", ""),
                "sourceMap": bytecode.get("sourceMap", ""),
                "deployedSourceMap": deployed.get("sourceMap", ""),
                "methodIdentifiers": evm.get("methodIdentifiers", {}),
                "userdoc": contract.get("userdoc", {}),
                "devdoc": contract.get("devdoc", {}),
                "compiler": long_version,
            }
    if duplicates:
        raise CompileError(duplicates)
    return artifacts
