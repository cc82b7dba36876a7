"""`leadtui bench batch` (issue 3): it runs, reports all three actions, and leaves a
consistent database behind. It asserts no timing (GUIDE, Tests): figures are printed."""

from __future__ import annotations

import json
from collections import Counter, defaultdict

from sqlalchemy import select
from typer.testing import CliRunner

from leadtui import cli
from leadtui.bench.batch import ACTIONS, run_batch_bench, table_rows
from leadtui.store.db.engine import Database
from leadtui.store.models import AuditEvent, Lead, Notification

N = 300


def test_bench_figures_and_a_consistent_database(db: Database) -> None:
    report = run_batch_bench(N, db.url)
    print("\n".join("  ".join(row) for row in table_rows(report)))

    assert [f.action for f in report.figures] == list(ACTIONS) == ["assign", "reclaim", "claim"]
    for figure in report.figures:
        assert figure.leads == N and figure.leadtui_s > 0
        assert figure.naive_s is not None and figure.naive_s > 0 and figure.ratio is not None
    assert report.summaries == {"assign": f"assigned {N} of {N}", "reclaim": f"took back {N} of {N}",
                                "claim": f"claimed {N} of {N}"}
    s1, s2, admin = report.user_ids["sales1"], report.user_ids["sales2"], report.user_ids["admin"]

    with db.read() as session:
        for which in ("fast", "naive"):
            ids = report.lead_ids[which]
            assert len(ids) == N
            rows = session.execute(select(Lead.id, Lead.pool_id, Lead.owner_id, Lead.status, Lead.deleted_at)
                                   .where(Lead.id.in_(ids))).all()
            # every lead ends claimed by sales1, in its pool, not deleted
            assert {(r.pool_id, r.owner_id, r.status, r.deleted_at) for r in rows} == \
                {(report.pool_ids[which], s1, "assigned", None)}
            trail: dict[int, list[AuditEvent]] = defaultdict(list)
            for event in session.scalars(select(AuditEvent).where(AuditEvent.entity == "lead",
                                                                  AuditEvent.entity_id.in_(ids))
                                         .order_by(AuditEvent.id)):
                trail[event.entity_id].append(event)
            assert set(trail) == set(ids)
            first_owner: Counter[int] = Counter()
            for lead_id, evs in trail.items():
                assert [e.action for e in evs] == ["assign", "reclaim", "claim"], lead_id
                assign, reclaim, claim = (json.loads(e.after) for e in evs)
                assert assign["owner_id"] in (s1, s2) and assign["status"] == "assigned"
                assert json.loads(evs[1].before)["owner_id"] == assign["owner_id"]
                assert reclaim["owner_id"] is None and reclaim["status"] == "pooled"
                assert claim["owner_id"] == s1 and claim["status"] == "assigned"
                assert [e.actor_id for e in evs] == [admin, admin, s1]
                first_owner[assign["owner_id"]] += 1
            assert first_owner == Counter({s1: N // 2 + N % 2, s2: N // 2})  # round-robin
            if which == "fast":
                # one batch (one transaction) per action
                for position in range(3):
                    assert len({evs[position].batch_id for evs in trail.values()}) == 1
        notes = Counter(session.execute(select(Notification.user_id, Notification.kind)).all())
        assert notes[(s1, "assigned")] == 1 and notes[(s2, "assigned")] == 1
        assert notes[(s1, "reclaimed")] == 1 and notes[(s2, "reclaimed")] == 1


def test_bench_runs_again_on_the_same_database(sqlite_db: Database) -> None:
    first = run_batch_bench(20, sqlite_db.url, naive=False)
    second = run_batch_bench(20, sqlite_db.url, naive=False)
    assert first.logins != second.logins and first.pool_ids != second.pool_ids
    assert all(f.naive_s is None and f.ratio is None for f in second.figures)


def test_bench_cli_json_on_a_fresh_temporary_database() -> None:
    result = CliRunner().invoke(cli.app, ["bench", "batch", "--leads", "30", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["leads"] == 30
    assert [f["action"] for f in out["figures"]] == ["assign", "reclaim", "claim"]
    assert all(f["leadtui_s"] > 0 and f["naive_s"] > 0 for f in out["figures"])
    result = CliRunner().invoke(cli.app, ["bench", "batch", "--leads", "0"])
    assert result.exit_code == 2
