"""`leadtui search` and the two benches of issue 6, on small databases."""

from __future__ import annotations

import json

import pytest

from tests.test_cli import db_url, run, seed_leads  # noqa: F401 - the fixture


def test_search_ranks_hits_and_says_what_matched(db_url: str, tmp_path) -> None:  # noqa: F811, ANN001
    ids = seed_leads(db_url)
    result = run("search", "138 0013 8000", "--db", db_url, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"id": ids[0], "score": 100, "matched_field": "mobile", "exact": True}]
    result = run("search", "emma browm", "--db", db_url, "--json")  # a typo
    [hit] = json.loads(result.stdout)
    assert hit["id"] == ids[1] and hit["exact"] is False and hit["score"] < 100
    assert hit["matched_field"] == "contact"
    result = run("search", "星辰", "--db", db_url)
    assert result.exit_code == 0 and "星辰科技" in result.stdout and "1 hit(s)" in result.stderr
    naive = run("search", "星辰", "--db", db_url, "--engine", "naive", "--json")
    assert [h["id"] for h in json.loads(naive.stdout)] == [ids[0]]


def test_a_queries_file_prints_one_json_line_per_query(db_url: str, tmp_path) -> None:  # noqa: F811, ANN001
    ids = seed_leads(db_url)
    queries = tmp_path / "q.txt"
    queries.write_text("张伟\n\nemma\nnobody-here\n", encoding="utf-8")
    result = run("search", "--queries-file", str(queries), "--json", "--db", db_url, "--limit", "5")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["query"] for line in lines] == ["张伟", "emma", "nobody-here"]
    assert [[h["id"] for h in line["hits"]] for line in lines] == [[ids[0]], [ids[1]], []]
    assert all(isinstance(line["ms"], float) and line["ms"] >= 0 for line in lines)
    assert "Peak memory" in result.stderr


@pytest.mark.parametrize("args, message", [
    ([], "Give a query"),
    (["x", "--queries-file", "f"], "Give a query"),
    (["x", "--screen", "mine"], "--screen is one of"),
    (["x", "--limit", "0"], "--limit must be at least 1"),
    (["x", "--engine", "fast"], "--engine is leadtui or naive"),
    (["--queries-file", "/nonexistent/q.txt", "--json"], "Cannot read"),
    (["x", "--screen", "pool"], "--screen pool wants --pool"),
])
def test_bad_search_input_is_refused_clearly(db_url: str, args: list[str], message: str) -> None:  # noqa: F811
    result = run("search", *args, "--db", db_url)
    assert result.exit_code == 2 and message in result.stderr, result.output


def test_bench_search_prints_figures_beside_the_naive_way(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    # the search processes the bench starts are this login too (getpass reads LOGNAME first)
    monkeypatch.setenv("LOGNAME", "boss")
    monkeypatch.setenv("LEADTUI_HOME", str(tmp_path))
    result = run("bench", "search", "--leads", "300", "--db", f"sqlite:///{tmp_path}/b.db", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["leads"] == 300 and report["leadtui"]["p50_ms"] > 0 and report["naive"]["p50_ms"] > 0
    assert report["leadtui"]["rss_mb"] > 10 and report["index_mb"] > 0 and report["intake_leads_per_s"] > 0
    assert set(report["queries"]) == {"cn2", "name", "mobile", "email", "company", "typo", "none"}
    assert report["typo_top10"] is not None
    again = run("bench", "search", "--leads", "300", "--db", f"sqlite:///{tmp_path}/b.db", "--no-naive")
    assert again.exit_code == 0 and "typo" in again.stdout and "≥ 90%" in again.stdout  # the database reused


def test_bench_console_prints_its_figures(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("LOGNAME", "boss")
    result = run("bench", "console", "--leads", "300", "--db", f"sqlite:///{tmp_path}/c.db", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    for key in ("launch_s", "count_s", "page_down_s", "jump_end_s", "search_s", "naive_end_s", "import_s"):
        assert report[key] >= 0, key
    assert report["rss_mb"] > 10


def test_db_reindex_rebuilds_and_the_search_still_finds(db_url: str) -> None:  # noqa: F811
    ids = seed_leads(db_url)
    result = run("db", "reindex", "--db", db_url, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["postings_rows"] > 0
    result = run("search", "星辰", "--db", db_url, "--json")
    assert [h["id"] for h in json.loads(result.stdout)] == [ids[0]]
    result = run("db", "reindex", "--db", db_url)
    assert result.exit_code == 0 and "Rebuilt the search index" in result.stdout
