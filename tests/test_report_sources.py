"""The report says where its cited figures come from inside the repository, and colours only measured
figures as measured."""

from pathlib import Path

from tradechain.bench import report

ROOT = Path(__file__).resolve().parent.parent


def test_the_cited_figures_source_is_a_file_of_the_repository():
    source = Path(report.__file__).read_text()
    cited = ROOT / "docs" / "CITED.md"
    assert "docs/CITED.md" in source and cited.is_file() and "shared/" not in source
    text = cited.read_text()
    for low, high, label in report.CITED.values():
        authority = label.split("(")[-1].split(",")[0].split()[0]  # "BIS", "McKinsey", "Gao"
        assert authority in text, f"{label}: {authority} is not in docs/CITED.md"


def test_only_measured_figures_are_green():
    green = report.SOURCE_COLOURS["measured"]
    assert {s for s, c in report.SOURCE_COLOURS.items() if c == green} == {"measured", "measured (local anvil)"}
