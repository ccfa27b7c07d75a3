"""Fuzz every kind of command-line parameter (hypothesis over click's runner, against a real anvil): whatever is
typed, the CLI answers with success or one line naming what was wrong, exit 1 or 2 — never the catch-all
"unexpected …" error and never a traceback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anvil import cli_on_node
from tradechain.cli import cli


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with cli_on_node(tmp_path_factory) as (run, env):
        run("order", "create", "--seller", "seller", "--amount", "1 ETH")
        yield env


# Text a user might type: anything, and near-misses of every shape the parameters accept.
near_miss = st.one_of(
    st.text(max_size=40),
    st.from_regex(r"\A-?[0-9]{0,90}(\.[0-9]{0,30})?(e[-+]?[0-9]{1,12})?\s?(%|bps|ETH|tUSD|wei|gwei|)\Z"),
    st.from_regex(r"\A0x[0-9a-fA-F]{0,70}\Z"),
    st.from_regex(r"\A#?[0-9]{1,100}\Z"),
    st.from_regex(r"\A[0-9]{1,30}\s?[smhdwy]?\Z"),
    st.sampled_from(["buyer", "seller", "nobody", "", " ", "-1", "nan%", "inf", "1e999999999", "/", ".", "\x00",
                     "/proc/self/mem", "~", "Delivered", "PickedUp", "0x" + "12" * 20, str(2**256)]),
)

TEMPLATES = [
    ["order", "show", "{}"],
    ["order", "create", "--seller", "{}", "--amount", "1 ETH"],
    ["order", "create", "--seller", "seller", "--amount", "{}"],
    ["order", "create", "--seller", "seller", "--amount", "1", "--token", "{}"],
    ["order", "create", "--seller", "seller", "--amount", "1 ETH", "--ship-within", "{}"],
    ["order", "create", "--seller", "seller", "--amount", "1 ETH", "--terms", "{}"],
    ["order", "resolve", "1", "--refund", "{}", "--account", "arbiter"],
    ["order", "propose", "1", "{}"],
    ["order", "dispute", "1", "--evidence", "{}"],
    ["order", "checkpoint", "1", "{}"],
    ["order", "checkpoint", "1", "PickedUp", "--location", "{}"],
    ["order", "ship", "{}", "--account", "{}"],
    ["order", "release", "{}"],
    ["order", "withdraw", "--token", "{}"],
    ["invoice", "show", "{}"],
    ["invoice", "offer", "1", "--discount", "{}"],
    ["invoice", "advance", "1", "--amount", "{}", "--fee", "2%"],
    ["time", "advance", "{}"],
    ["trace", "{}"],
]


@pytest.mark.parametrize("template", TEMPLATES, ids=[" ".join(t) for t in TEMPLATES])
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=near_miss)
def test_no_input_reaches_the_catch_all(env, template, value):
    argv = [value if part == "{}" else part for part in template]
    result = CliRunner().invoke(cli, argv, env=env)
    assert result.exit_code in (0, 1, 2), (argv, result.exit_code, result.output)
    assert "unexpected" not in result.output and "Traceback" not in result.output, (argv, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (argv, repr(result.exception))
    if result.exit_code:
        assert len([line for line in result.output.splitlines() if line.strip()]) == 1, (argv, result.output)
