"""`leadtui bench concurrency` (issue 8), the short version: four processes for a few
seconds on the same pools, on SQLite and on PostgreSQL (LEADTUI_TEST_PG). Every
action ran, and every check of the audit trail against the tables holds. No timing
is asserted (GUIDE, Tests): the figures are printed."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from leadtui import cli
from leadtui.bench import concurrency as bench_concurrency
from leadtui.bench.concurrency import (
    ACTIONS,
    ActionFigure,
    Check,
    ConcurrencyReport,
    run_concurrency_bench,
    table_rows,
)
from leadtui.store.db.engine import Database

CHECKS = ["one owner at a time", "trail = state", "holding cap", "daily limit", "conversions, follow-ups",
          "no lock errors", "no other errors"]


def test_four_processes_at_once_keep_every_invariant(db: Database) -> None:
    report = run_concurrency_bench(workers=4, seconds=3, url=db.url, leads_per_pool=300)
    print("\n".join("  ".join(row) for row in table_rows(report)), f"\n{report.ops_per_s:.0f} ops/s")
    assert [c.name for c in report.checks] == CHECKS
    assert report.ok, [c for c in report.checks if not c.ok]
    assert report.errors == []
    assert set(report.figures) == set(ACTIONS)
    for action, figure in report.figures.items():
        assert figure.calls > 0 and figure.percentile(50) is not None, action  # every action ran
        assert figure.done + figure.refused > 0, action
    assert report.plan is not None and len(report.plan.admins) == 1 and len(report.plan.members) == 3


def test_the_command_prints_figures_and_fails_on_a_broken_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command's wiring and output (the run itself is the test above)."""
    runner = CliRunner()
    assert runner.invoke(cli.app, ["bench", "concurrency", "--workers", "0"]).exit_code == 2
    asked: dict[str, object] = {}

    def fake(workers: int, seconds: float, url: str | None, progress=None) -> ConcurrencyReport:  # noqa: ANN001
        asked.update(workers=workers, seconds=seconds, url=url)
        report = ConcurrencyReport(url or "sqlite", workers, seconds, elapsed=2.0)
        report.figures = {a: ActionFigure(a, calls=4, done=3, refused=1, latencies=[0.01, 0.02, 0.03, 0.2])
                          for a in ACTIONS}
        report.checks = [Check(name, True, "fine") for name in CHECKS]
        return report

    monkeypatch.setattr(bench_concurrency, "run_concurrency_bench", fake)
    result = runner.invoke(cli.app, ["bench", "concurrency", "--workers", "3", "--seconds", "2", "--json"])
    assert result.exit_code == 0, result.output
    assert asked == {"workers": 3, "seconds": 2.0, "url": None}
    out = json.loads(result.stdout)
    assert out["ok"] is True and out["calls"] == 24 and out["ops_per_s"] == 12.0
    assert out["actions"]["claim"] == {"calls": 4, "done": 3, "refused": 1, "p50_ms": 20.0, "p99_ms": 200.0}
    assert [c["name"] for c in out["checks"]] == CHECKS

    def broken(*args, **kwargs) -> ConcurrencyReport:  # noqa: ANN002, ANN003
        report = fake(*args, **kwargs)
        report.checks[0] = Check(CHECKS[0], False, "lead 7: claim to b while a held it")
        return report

    monkeypatch.setattr(bench_concurrency, "run_concurrency_bench", broken)
    result = runner.invoke(cli.app, ["bench", "concurrency", "--seconds", "1"])
    assert result.exit_code == 1
    assert "FAIL one owner at a time: lead 7: claim to b while a held it" in result.stdout
    assert "24 store calls in 2.0 s by 16 processes: 12 operations per second" in result.stdout
