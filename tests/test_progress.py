"""Long work says what it is doing, on stderr, when asked (a terminal, or TRADECHAIN_PROGRESS=1)."""

from click.testing import CliRunner

from tradechain.cli import cli


def test_the_first_compile_and_a_deployment_show_progress(tmp_path, monkeypatch):
    """A first build (one small contract: the progress lines are the same for the suite, which takes a minute
    with solc-js) and a deployment (of the suite, from the checkout's build) each say what they are doing."""
    import shutil

    from tradechain.project import project_root

    root = project_root()
    first = tmp_path / "first"
    (first / "contracts").mkdir(parents=True)
    (first / "contracts" / "Tally.sol").write_text(
        "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.24;\n\ncontract Tally {\n    uint256 public count;\n\n"
        "    function add() external {\n        count += 1;\n    }\n}\n")
    (first / "node_modules").symlink_to(root / "node_modules")
    shutil.copy(root / "package.json", first / "package.json")
    env = {"TRADECHAIN_PROGRESS": "1", "TRADECHAIN_NETWORK": "", "TRADECHAIN_RPC": ""}
    result = CliRunner().invoke(cli, ["compile", "--json"], env={**env, "TRADECHAIN_ROOT": str(first)})
    assert result.exit_code == 0, result.output
    assert "… compiling" in result.stderr and "first build" in result.stderr
    assert '"testOnly"' in result.stdout and "… " not in result.stdout  # JSON on stdout stays clean
    suite = tmp_path / "suite"
    suite.mkdir()
    for part in ("contracts", "node_modules"):
        (suite / part).symlink_to(root / part)
    shutil.copy(root / "package.json", suite / "package.json")
    shutil.copytree(root / "build", suite / "build")  # compiled: the deployment is what is shown here
    shown = CliRunner().invoke(cli, ["deploy"], env={**env, "TRADECHAIN_ROOT": str(suite)})
    assert shown.exit_code == 0, shown.output
    assert "… deploying TradeEscrow" in shown.stderr and "first build" not in shown.stderr


def test_compile_counts_the_suite_not_the_test_attackers():
    import json

    data = json.loads(CliRunner().invoke(cli, ["compile", "--json"], env={"TRADECHAIN_PROGRESS": "0"}).stdout)
    assert set(data["suite"]) == {"TradeEscrow", "InvoiceToken", "Provenance", "DemoStablecoin", "HashChain",
                                  "SensorReadings", "FxRates", "SignedFxFeed", "BillOfLading", "PaymentSchedules"}
    assert "HostileParty" in data["testOnly"] and not set(data["suite"]) & set(data["testOnly"])
    result = CliRunner().invoke(cli, ["compile"], env={"TRADECHAIN_PROGRESS": "0"})
    first = result.output.splitlines()[0]
    assert first.startswith("10 suite contracts") and f"(+{len(data['testOnly'])} test-only contracts)" in first
    assert "HostileParty" not in result.output and "TradeEscrow" in result.output


def test_no_progress_without_a_terminal(monkeypatch):
    from tradechain import progress

    monkeypatch.delenv(progress.ENV, raising=False)
    assert not progress.enabled()  # pytest's stderr is not a terminal
