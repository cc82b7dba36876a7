"""`leadtui bench export` / `bench import` (issue 7) at a tiny size: they run, print
their figures beside the naive way, and import what they say. No timing is asserted."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from leadtui import cli
from leadtui.bench.exchange import run_export_bench, run_import_bench, table_rows


def test_export_bench_figures() -> None:
    report = run_export_bench(25)
    print("\n".join("  ".join(row) for row in table_rows(report)))
    xlsx, csv_ = report.figures
    assert (xlsx.step, xlsx.rows, csv_.step) == ("export xlsx", 25, "export csv")
    assert xlsx.leadtui_s > 0 and xlsx.naive_s is not None and xlsx.naive_s > 0 and xlsx.ratio is not None
    assert report.result.rows == 25 and len(report.result.fields) == report.extra["fields"] == 30  # type: ignore[attr-defined]


def test_import_bench_figures_and_counts() -> None:
    report = run_import_bench(240, fmt="csv", naive_rows=12)
    print("\n".join("  ".join(row) for row in table_rows(report)))
    total, read, check, write = report.figures
    assert total.step == "import csv" and total.naive_scaled and total.naive_s is not None
    assert [f.step.strip() for f in (read, check, write)] == ["read the file", "check + duplicates", "write (batches)"]
    s = report.extra["summary"]
    assert s["read"] == 240 == s["imported"] + s["merged"] + s["skipped"] + s["rejected"]  # type: ignore[index]
    assert s["rejected"] >= 1 and s["auto_assigned"] > 0  # type: ignore[index]


def test_bench_commands_print_json() -> None:
    runner = CliRunner()
    result = runner.invoke(cli.app, ["bench", "export", "--leads", "10", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["bench"] == "export" and out["figures"][0]["naive_s"] > 0
    result = runner.invoke(cli.app, ["bench", "import", "--rows", "50", "--naive-rows", "0", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["rows"] == 50 and out["figures"][0]["naive_s"] is None and out["summary"]["read"] == 50
    assert runner.invoke(cli.app, ["bench", "export", "--leads", "2001"]).exit_code == 2
    assert runner.invoke(cli.app, ["bench", "import", "--rows", "0"]).exit_code == 2
