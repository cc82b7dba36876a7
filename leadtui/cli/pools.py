"""`leadtui pools ...` and `leadtui seas ...`: lead pools and public seas share their settings (SPEC 3, 4)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from leadtui.cli._common import (
    AsOpt,
    DbOpt,
    JsonOpt,
    command_group,
    fail,
    guarded,
    open_store,
    print_json,
    print_table,
)
from leadtui.i18n import t

OptInt = int | None


def _pool_settings(holding_cap: OptInt, cap_counts_own: bool | None, daily_claim_limit: OptInt,
                   protect_days: OptInt, max_protect_days: OptInt, cooldown_days: OptInt,
                   notify_before_days: OptInt, return_to: str | None, reasons: list[str] | None,
                   hide_assigned: bool | None, hide_converted: bool | None, members_see_detail: bool | None,
                   recycle_own_created: bool | None) -> dict[str, Any]:
    return {"holding_cap": holding_cap, "cap_counts_own_created": cap_counts_own,
            "daily_claim_limit": daily_claim_limit, "protect_days": protect_days,
            "max_protect_days": max_protect_days, "cooldown_days": cooldown_days,
            "notify_before_days": notify_before_days, "return_to": return_to,
            "return_reasons": reasons, "hide_assigned": hide_assigned, "hide_converted": hide_converted,
            "members_see_detail": members_see_detail, "recycle_own_created": recycle_own_created}


def _print_pool(pool: Any) -> None:
    rows = [[t("Field"), t("Value")]]
    for key, value in vars(pool).items():
        if key in ("i_am_admin", "i_am_member"):
            continue
        if isinstance(value, tuple):
            value = ", ".join(value)
        rows.append([key, "" if value is None else value])
    print_table(rows[0], rows[1:], keep=(0,), wrap=(1,))


AdminOpt = Annotated[list[str] | None, typer.Option("--admin", help="Pool admin login (repeatable).")]
MemberOpt = Annotated[list[str] | None, typer.Option("--member", help="Member login (repeatable).")]
MemberDeptOpt = Annotated[list[str] | None, typer.Option("--member-dept", help="Member department (repeatable).")]
CapOpt = Annotated[int | None, typer.Option("--holding-cap", help="Most leads one member may hold.")]
CapOwnOpt = Annotated[bool | None, typer.Option("--cap-counts-own/--cap-ignores-own",
                                                help="Count leads members created themselves.")]
DailyOpt = Annotated[int | None, typer.Option("--daily-claim-limit", help="Most claims per member per day.")]
ProtectOpt = Annotated[int | None, typer.Option("--protect-days", help="Days an owner keeps a lead.")]
MaxProtectOpt = Annotated[int | None, typer.Option("--max-protect-days", help="Follow-ups extend up to this.")]
CooldownOpt = Annotated[int | None, typer.Option("--cooldown-days", help="Days before a previous owner may claim again.")]
NotifyOpt = Annotated[int | None, typer.Option("--notify-before-days", help="Warn the owner this early.")]
ReturnToOpt = Annotated[str | None, typer.Option("--return-to", help="origin, choose, or a pool name.")]
ReasonOpt = Annotated[list[str] | None, typer.Option("--reason", help="A return reason (repeatable).")]
HideAssignedOpt = Annotated[bool | None, typer.Option("--hide-assigned/--show-assigned",
                                                      help="Members do not see assigned leads.")]
HideConvertedOpt = Annotated[bool | None, typer.Option("--hide-converted/--show-converted",
                                                       help="Members do not see converted leads.")]
SeeDetailOpt = Annotated[bool | None, typer.Option("--members-see-detail/--members-no-detail",
                                                   help="Members may open pooled leads' detail.")]
RecycleOwnOpt = Annotated[bool | None, typer.Option("--recycle-own-created/--keep-own-created",
                                                    help="Leads members created follow the recycle rules.")]


def _settings_commands(group: typer.Typer, kind: str, noun: str, column: str) -> None:
    """`add`, `set`, `list` and `show` for lead pools (kind "lead") or public seas
    ("sea"): the same settings, the same commands."""
    is_pool = kind == "lead"
    DefaultOpt = Annotated[bool, typer.Option("--default", hidden=not is_pool,  # noqa: N806
                                              help="Intake's default pool (pools only).")]

    def _default(default: bool) -> dict[str, Any]:
        if default and not is_pool:
            fail(t("--default is for lead pools, not public seas"), 2)
        return {"default": default} if is_pool else {}

    @group.command("add")
    def add(
        name: Annotated[str, typer.Argument(metavar="NAME")], admin: AdminOpt = None, member: MemberOpt = None,
        member_dept: MemberDeptOpt = None,
        holding_cap: CapOpt = None, cap_counts_own: CapOwnOpt = None, daily_claim_limit: DailyOpt = None,
        protect_days: ProtectOpt = None, max_protect_days: MaxProtectOpt = None, cooldown_days: CooldownOpt = None,
        notify_before_days: NotifyOpt = None, return_to: ReturnToOpt = None, reason: ReasonOpt = None,
        hide_assigned: HideAssignedOpt = None, hide_converted: HideConvertedOpt = None,
        members_see_detail: SeeDetailOpt = None, recycle_own_created: RecycleOwnOpt = None,
        default: bool = False,  # annotated below: the option differs for seas
        db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
    ) -> None:
        settings = _pool_settings(holding_cap, cap_counts_own, daily_claim_limit, protect_days, max_protect_days,
                                  cooldown_days, notify_before_days, return_to, reason, hide_assigned,
                                  hide_converted, members_see_detail, recycle_own_created)
        with guarded(json_):
            pool = open_store(db, as_).add_pool(name, kind=kind, admins=admin or (), members=member or (),
                                                member_depts=member_dept or (), **_default(default), **settings)
            print_json(pool) if json_ else _print_pool(pool)

    @group.command("set")
    def set_(
        name: Annotated[str, typer.Argument(metavar="NAME")], admin: AdminOpt = None, member: MemberOpt = None,
        member_dept: MemberDeptOpt = None,
        holding_cap: CapOpt = None, cap_counts_own: CapOwnOpt = None, daily_claim_limit: DailyOpt = None,
        protect_days: ProtectOpt = None, max_protect_days: MaxProtectOpt = None, cooldown_days: CooldownOpt = None,
        notify_before_days: NotifyOpt = None, return_to: ReturnToOpt = None, reason: ReasonOpt = None,
        hide_assigned: HideAssignedOpt = None, hide_converted: HideConvertedOpt = None,
        members_see_detail: SeeDetailOpt = None, recycle_own_created: RecycleOwnOpt = None,
        rename: Annotated[str | None, typer.Option("--rename", metavar="NAME", help="A new name.")] = None,
        default: bool = False,  # annotated below: the option differs for seas
        db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
    ) -> None:
        settings = _pool_settings(holding_cap, cap_counts_own, daily_claim_limit, protect_days, max_protect_days,
                                  cooldown_days, notify_before_days, return_to, reason, hide_assigned,
                                  hide_converted, members_see_detail, recycle_own_created)
        with guarded(json_):
            pool = open_store(db, as_).set_pool(name, kind=kind, rename=rename, admins=admin, members=member,
                                                member_depts=member_dept, **_default(default), **settings)
            print_json(pool) if json_ else _print_pool(pool)

    @group.command("list")
    def list_(db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
        with guarded(json_):
            pools = open_store(db, as_).list_pools(kind)
            if json_:
                print_json(pools)
                return
            print_table([t(column), t("Cap"), t("Daily"), t("Protect"), t("Cooldown"), t("Admins"), t("Members")],
                        [[p.name + (" *" if p.is_default else ""), p.holding_cap, p.daily_claim_limit,
                          p.protect_days, p.cooldown_days, ", ".join(p.admins),
                          ", ".join(p.member_users + p.member_departments)]
                         for p in pools], keep=(0, 1, 2, 3, 4), wrap=(5, 6))

    @group.command("show")
    def show(name: Annotated[str, typer.Argument(metavar="NAME")], db: DbOpt = None, as_: AsOpt = None,
             json_: JsonOpt = False) -> None:
        with guarded(json_):
            pool = open_store(db, as_).show_pool(name, kind)
            print_json(pool) if json_ else _print_pool(pool)

    for command in (add, set_):  # a name in the factory, which the module's string annotations cannot see
        command.__annotations__["default"] = DefaultOpt
    # The help each command shows: the same words, for a pool or a public sea.
    add.__doc__ = f"Create a {noun} (admins)."
    set_.__doc__ = (f"Change a {noun}'s settings (admins). Lists given (--admin, --member, --reason…) "
                    "replace the old ones.")
    list_.__doc__ = f"The {noun}s you may see."
    show.__doc__ = f"One {noun}'s settings and members."


pools_app = command_group("pools", "Lead pools and their settings.")
seas_app = command_group("seas", "Public seas of customers and their settings (the same settings as pools).")
_settings_commands(pools_app, "lead", "pool", "Pool")
_settings_commands(seas_app, "sea", "public sea", "Public sea")
