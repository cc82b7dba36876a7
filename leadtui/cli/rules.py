"""`leadtui rules ...` (SPEC 5): the auto-assign rules of a pool, and the rule runner."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text
from typer.core import TyperCommand

from leadtui import safe
from leadtui.cli._common import (
    AsOpt,
    DbOpt,
    JsonOpt,
    command_group,
    fail,
    guarded,
    open_store,
    out,
    print_json,
    print_table,
)
from leadtui.i18n import t

LISTED = 20  # `rules run` names this many of each kind, then says how many more

rules_app = command_group("rules", "Auto-assign rules and the rule runner (recycle, warnings).")


@rules_app.command("run")
def rules_run(db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """Run every rule once, now (or at --now): recycle, warn, auto-assign. For cron."""
    with guarded(json_):
        report = open_store(db, as_).run_rules()
    if json_:
        print_json({"recycled_leads": report.recycled_leads, "recycled_customers": report.recycled_customers,
                    "warned_leads": report.warned_leads, "warned_customers": report.warned_customers,
                    "assigned": [{"id": i, "to": login} for i, login in report.assigned],
                    "order_nos": {str(i): n for i, n in report.order_nos},
                    "customer_names": {str(i): n for i, n in report.customer_names},
                    "summary": report.summary()})
        return
    out.print(Text(report.summary()))
    sections = ((t("Recycled leads"), [report.lead_label(i) for i in report.recycled_leads]),
                (t("Recycled customers"), [report.customer_label(i) for i in report.recycled_customers]),
                (t("Warned leads"), [report.lead_label(i) for i in report.warned_leads]),
                (t("Warned customers"), [report.customer_label(i) for i in report.warned_customers]),
                (t("Auto-assigned"), [f"{report.lead_label(i)} → {login}" for i, login in report.assigned]))
    for title, items in sections:
        if items:
            shown = ", ".join(items[:LISTED])
            if len(items) > LISTED:
                shown += t(" and {n} more", n=len(items) - LISTED)
            out.print(Text(safe.one_line(f"  {title} ({len(items)}): {shown}")))


@rules_app.command("list")
def rules_list(
    pool: Annotated[list[str] | None, typer.Option("--pool", help="A pool (name or id); repeatable. "
                                                                  "Default: every pool.")] = None,
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """The auto-assign rules of the pools, in the order they are tried."""
    with guarded(json_):
        store = open_store(db, as_)
        names = pool or [p.name for p in store.list_pools() if p.i_am_admin or store.actor.is_admin]
        rules = [r for name in names for r in store.list_rules(name)]
    if json_:
        print_json(rules)
        return
    print_table([t("Pool"), "#", t("Conditions"), t("To")],
                [[r.pool, r.position, r.conditions_text(), ", ".join(r.targets)] for r in rules],
                keep=(0, 1), wrap=(2, 3))


def join_when(args: list[str]) -> list[str]:
    """`--when address contains 上海` (three words, as issue 5 writes it) becomes
    `--when "address contains 上海"`: the words after --when up to the next option
    are one condition. A quoted condition passes as it is."""
    joined: list[str] = []
    i = 0
    while i < len(args):
        joined.append(args[i])
        if args[i] == "--when":
            j = i + 1
            while j < len(args) and not args[j].startswith("-"):
                j += 1
            if j > i + 1:
                joined.append(" ".join(args[i + 1:j]))
            i = j
        else:
            i += 1
    return joined


class _WhenCommand(TyperCommand):
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, join_when(args))


def _parse_when(when: list[str]) -> list[tuple[str, str, str]]:
    conditions = []
    for text in when:
        parts = text.split(None, 2)
        if len(parts) != 3:
            fail(t("--when wants FIELD OP VALUE, e.g. --when 'source equals booking', not {value}", value=text), 2)
        conditions.append((parts[0], parts[1], parts[2]))
    return conditions


@rules_app.command("add", cls=_WhenCommand)
def rules_add(
    pool: Annotated[str, typer.Option("--pool", help="The pool (name or id).")],
    when: Annotated[list[str], typer.Option("--when", help="FIELD OP VALUE, as three words (--when address "
                                                           "contains 上海) or one quoted (--when 'address contains "
                                                           "上海'); OP one of equals, contains, in (comma-separated "
                                                           "choices); repeatable: all must hold.")],
    to: Annotated[list[str], typer.Option("--to", help="Target login; repeatable: round-robin.")],
    position: Annotated[int | None, typer.Option("--position", help="1 = tried first (default: last).")] = None,
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Add an auto-assign rule to a pool (admins; at most 10 per pool)."""
    conditions = _parse_when(when)
    with guarded(json_):
        rule = open_store(db, as_).add_rule(pool, conditions, to, position)
    if json_:
        print_json(rule)
    else:
        out.print(Text(t("Rule {n} of pool {pool}: {rule}", n=rule.position, pool=rule.pool, rule=rule.describe())))


@rules_app.command("remove")
def rules_remove(
    pool: Annotated[str, typer.Option("--pool", help="The pool (name or id).")],
    position: Annotated[int, typer.Argument(help="The rule's number (rules list).")],
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Remove an auto-assign rule; the ones after it move up."""
    with guarded(json_):
        rule = open_store(db, as_).remove_rule(pool, position)
    if json_:
        print_json(rule)
    else:
        out.print(Text(t("Removed rule {n} of pool {pool}: {rule}", n=position, pool=rule.pool,
                         rule=rule.describe())))
