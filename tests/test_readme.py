"""The README's tour is tested: its `$ tradechain …` commands run in order, as a reader runs them, starting with
`tradechain devnet start` (on a free port, its state and manifest in a temporary folder; stopped at the end) and
`export TRADECHAIN_NETWORK=devnet`, and each command's output must match the output the README shows up to what
legitimately changes from run to run: addresses, hashes, times, ports, block numbers and gas figures. A `…` in a
line stands for any text; a line that is only `…` for any number of lines.

When another change moves the output on purpose, re-record the README's shown output from a real run:

    TRADECHAIN_README_RECORD=1 .venv/bin/python -m pytest tests/test_readme.py

(then read the diff).
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import free_port
from tradechain.cli import cli

README = Path(__file__).resolve().parent.parent / "README.md"
FENCE = "```"

# What changes from run to run, each replaced by a placeholder before comparing.
VOLATILE = [
    (re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ"), "<time>"),
    (re.compile(r"0x[0-9a-fA-F]{6,64}…?"), "<hex>"),
    (re.compile(r"\bblock \d+"), "block <n>"),
    (re.compile(r"\bgas [\d,]+"), "gas <n>"),
    (re.compile(r"http://127\.0\.0\.1:\d+"), "<url>"),
]


def normal(line: str) -> str:
    for pattern, placeholder in VOLATILE:
        line = pattern.sub(placeholder, line)
    return " ".join(line.split())  # table column widths follow the values


def matches(shown: str, actual: str) -> bool:
    """`actual` is what the README `shown` says, with … standing for anything."""
    pattern = ".*".join(re.escape(part) for part in normal(shown).split("…"))
    return re.fullmatch(pattern, normal(actual)) is not None


def block_matches(shown: list[str], actual: list[str]) -> bool:
    """`actual` lines are what the README's `shown` lines say; a shown line that is only … stands for any lines."""
    if not shown:
        return not actual
    if shown[0].strip() == "…":
        return any(block_matches(shown[1:], actual[k:]) for k in range(len(actual) + 1))
    return bool(actual) and matches(shown[0], actual[0]) and block_matches(shown[1:], actual[1:])


def tour(text: str) -> list[tuple[int, int, str, list[str]]]:
    """(line index, end of its shown output, command, shown output lines) for every `$ tradechain` command (and
    `$ export …`) in the README's fenced blocks, in order."""
    lines, steps, i = text.splitlines(), [], 0
    while i < len(lines):
        if not lines[i].startswith(FENCE):
            i += 1
            continue
        end = lines.index(FENCE, i + 1)  # a block closes with a bare fence
        starts = [j for j in range(i + 1, end) if lines[j].startswith("$ ")] + [end]
        for j, stop in zip(starts, starts[1:]):
            if lines[j].startswith(("$ tradechain ", "$ export ")):
                steps.append((j, stop, lines[j][2:], [line for line in lines[j + 1:stop] if line.strip()]))
        i = end + 1
    return steps


@pytest.fixture
def reader(tmp_path, monkeypatch):
    """A reader's shell in a folder with the tour's documents: `devnet start` runs on a free port with its state
    and manifest under the folder, `export` sets the shell's environment; the devnet is stopped afterwards."""
    for name, body in (("contract.pdf", b"sale contract"), ("bill-of-lading.pdf", b"bill of lading"),
                       ("pod.txt", b"proof of delivery, signed")):
        (tmp_path / name).write_bytes(body)
    monkeypatch.chdir(tmp_path)
    env = {"TRADECHAIN_STATE_DIR": str(tmp_path / "state"), "TRADECHAIN_DEPLOY_DIR": str(tmp_path / "deploy"),
           "TRADECHAIN_NETWORK": "", "TRADECHAIN_RPC": "", "COLUMNS": "200", "TRADECHAIN_DEBUG": ""}
    # devnet start/stop run anvil as a background process of their own; the commands find it through the state dir
    monkeypatch.setenv("TRADECHAIN_STATE_DIR", env["TRADECHAIN_STATE_DIR"])

    def run(command: str) -> list[str]:
        argv = shlex.split(command)
        if argv[0] == "export":
            name, _, value = argv[1].partition("=")
            env[name] = value
            return []
        if argv[1:3] == ["devnet", "start"] and "--port" not in argv:
            argv += ["--port", str(free_port())]  # never the reader's own 8545
        result = CliRunner().invoke(cli, argv[1:], env=env, prog_name="tradechain")
        return [line.rstrip() for line in result.output.splitlines() if line.strip()]

    try:
        yield run
    finally:
        CliRunner().invoke(cli, ["devnet", "stop"], env=env)


def test_the_readme_tour_shows_what_the_commands_print(reader):
    text = README.read_text()
    steps = tour(text)
    assert len(steps) >= 20, "the README's tour lost its commands"
    assert steps[0][2] == "tradechain devnet start", "the tour starts with the devnet it runs on"
    if os.environ.get("TRADECHAIN_README_RECORD"):
        _record(text, steps, reader)
        return
    for line_no, _end, command, shown in steps:
        actual = reader(command)
        assert block_matches(shown, actual), (
            f"README line {line_no + 1}: `{command}` printed\n" + "\n".join(actual) +
            "\nbut the README shows\n" + "\n".join(shown))


def _record(text: str, steps, run) -> None:
    """Rewrite the README's shown output with what the commands print now, keeping each shown line that still
    matches (its … and chosen values stay)."""
    lines = text.splitlines()
    out, cursor = [], 0
    for line_no, end, command, shown in steps:
        actual = run(command)
        if block_matches(shown, actual):
            actual = shown  # still true: keep its … and chosen values
        elif len(actual) == len(shown):
            actual = [s if matches(s, a) else a for s, a in zip(shown, actual)]
        out += lines[cursor:line_no + 1] + actual
        cursor = end
    out += lines[cursor:]
    README.write_text("\n".join(out) + "\n")
