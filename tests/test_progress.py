"""Long work says what it is doing, on stderr, when asked (a terminal, or TRADECHAIN_PROGRESS=1)."""

from click.testing import CliRunner

from tradechain.cli import cli


def test_the_first_compile_and_a_deployment_show_progress(tmp_path, monkeypatch):
    import shutil

    from tradechain.project import project_root

    root = project_root()
    for part in ("contracts", "node_modules"):
        (tmp_path / part).symlink_to(root / part)
    shutil.copy(root / "package.json", tmp_path / "package.json")
    env = {"TRADECHAIN_ROOT": str(tmp_path), "TRADECHAIN_PROGRESS": "1", "TRADECHAIN_NETWORK": "", "TRADECHAIN_RPC": ""}
    result = CliRunner().invoke(cli, ["compile", "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert "… compiling" in result.stderr and "first build" in result.stderr
    assert '"testOnly"' in result.stdout and "… " not in result.stdout  # JSON on stdout stays clean
    shown = CliRunner().invoke(cli, ["deploy"], env=env)
    assert "… deploying TradeEscrow" in shown.stderr


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
