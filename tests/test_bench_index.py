"""`tradechain bench index` at a small size (the 1,000/10,000-order runs are made by hand; figures in the
README): it builds the chain on anvil, indexes it, times the CLI reads and a keeper pass that must release
exactly the due orders, and loads the pages with wrk (installed by `make test-deps`)."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from tradechain.cli import cli


def test_bench_index_smoke(tmp_path):
    assert shutil.which("wrk"), "wrk is missing: `make test-deps` installs Debian's wrk"
    out = CliRunner().invoke(cli, ["bench", "index", "--orders", "12", "--due", "3", "--seconds", "1", "--json",
                                   "--results-dir", str(tmp_path)])
    assert out.exit_code == 0, out.output
    result = json.loads(out.output[out.output.index("{"):])
    (size,) = result["sizes"]
    assert size["ordersOnChain"] == 12 and size["catchUp"]["events"] > 0
    keeper = size["cli"]["keeper --once (3 due)"]
    assert keeper["index"] > 0 and keeper["node"] > 0  # both passes released the 3 due orders (the bench checks)
    calls = size["keeperPass"]["byMethod"]  # the pass confirms on chain only the due orders, in one batch
    assert calls["eth_call"] == 3 and calls["eth_sendTransaction"] == 1 and "eth_getLogs" not in calls
    for name in ("order list --limit 50", "order show", "trace"):
        assert set(size["cli"][name]) == {"index", "node"}
    for page in ("/order/ID", "/trace/ID"):
        p = size["pages"][page]
        assert p["tool"].startswith("wrk") and p["requests"] > 0 and 0 < p["medianMs"] <= p["p95Ms"]
    assert (tmp_path / result["resultsFile"].split("/")[-1]).exists()


def test_bench_index_refuses_a_size_too_small_for_its_due_orders():
    out = CliRunner().invoke(cli, ["bench", "index", "--orders", "6", "--due", "3"])
    assert out.exit_code == 2 and "must be above 7" in out.output
