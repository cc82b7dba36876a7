"""Who may do what to a pool's leads (SPEC 1, 3): every role × every action, one table.

The world (built fresh for every case, on each backend):

    users   boss      admin
            padmin    sales, Ops     admin of pool P
            mgr       manager, East  (the owner's department)
            owner     sales, East    member of P, owns the lead `owned`
            peer      sales, East    member of P (the target of "assign to a user")
            member    sales, West    member of P
            outsider  sales, North   member of pool Q only
    pools   P  admins padmin; members owner, peer, member; no hiding, members_see_detail off
            Q  members outsider (the target of "assign to another pool")
    leads   pooled   P, pooled
            owned    P, assigned to owner
            trashed  P, assigned to owner, in the trash

The roles are the five of the issue (admin, pool admin, manager of the owner's
department, plain member, non-member sales) plus the owner, so every action has
someone who may do it. Each cell says what the store answers:

    OK                     the batch did it (done == the lead, nothing refused)
    refused("text")        the batch refused it, with a reason containing text
    raises(Exc, "text")    the call raised Exc with a message containing text

and a refusal of any kind changes nothing: no lead, audit event or notification.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from leadtui.store.db import Database
from leadtui.store.errors import NotFound, Refused
from leadtui.store.models import AuditEvent, Customer, FollowUp, Lead, Notification
from leadtui.store.records import BatchResult, LeadQuery
from leadtui.store.service import Store
from tests.factories import NOW, count_rows, make_lead, make_pool, make_user, store_for

ROLES = ["admin", "pool_admin", "manager", "member", "non_member", "owner"]
LOGIN = {"admin": "boss", "pool_admin": "padmin", "manager": "mgr", "member": "member",
         "non_member": "outsider", "owner": "owner"}


@dataclass(frozen=True)
class Outcome:
    kind: str  # "ok" | "refused" | "raises" | "lists" | "masked"
    text: str = ""
    exc: type[Exception] | None = None
    listed: frozenset[str] = frozenset()

    def __repr__(self) -> str:
        return {"ok": "OK", "masked": "MASKED", "refused": f"refused({self.text!r})", "lists": f"lists{sorted(self.listed)}",
                "raises": f"raises({getattr(self.exc, '__name__', '?')}, {self.text!r})"}[self.kind]


OK = Outcome("ok")


def refused(text: str) -> Outcome:
    return Outcome("refused", text)


def raises(exc: type[Exception], text: str) -> Outcome:
    return Outcome("raises", text, exc)


def lists(*keys: str) -> Outcome:
    return Outcome("lists", listed=frozenset(keys))


MISSING = refused("does not exist or you may not see it")
ASSIGN_RULE = refused("only an admin of pool P may assign its leads")
RECLAIM_RULE = refused("only an admin of pool P may take its leads back")
RETURN_RULE = refused("only its owner may return it")
DELETE_RULE = refused("only an admin of pool P may delete its leads")
TRASH_RULE = raises(Refused, "Only an admin may restore or purge leads in the trash")
CONVERT_RULE = raises(Refused, "Only the owner, an admin of its pool or an admin may convert")
WORK_RULE = raises(Refused, "Only the owner, a collaborator or an admin of pool P may work")
MASKED = Outcome("masked")  # the detail of an unclaimed lead, masked (members_see_detail off)
HIDDEN = raises(NotFound, "does not exist or you may not see it")

#               admin   pool_admin  manager        member        non_member  owner
TABLE: dict[str, tuple[Outcome, ...]] = {
    "assign to a user":     (OK, OK, OK, ASSIGN_RULE, MISSING, ASSIGN_RULE),
    "assign to a pool":     (OK, OK, ASSIGN_RULE, ASSIGN_RULE, MISSING, ASSIGN_RULE),
    "claim":                (OK, OK, MISSING, OK, MISSING, OK),
    "reclaim":              (OK, OK, OK, RECLAIM_RULE, MISSING, RECLAIM_RULE),
    "return":               (RETURN_RULE, RETURN_RULE, RETURN_RULE, RETURN_RULE, MISSING, OK),
    "delete":               (OK, OK, DELETE_RULE, DELETE_RULE, MISSING, DELETE_RULE),
    "restore":              (OK, TRASH_RULE, TRASH_RULE, TRASH_RULE, TRASH_RULE, TRASH_RULE),
    "purge":                (OK, TRASH_RULE, TRASH_RULE, TRASH_RULE, TRASH_RULE, TRASH_RULE),
    "convert":              (OK, OK, OK, CONVERT_RULE, HIDDEN, OK),
    "add follow-up":        (OK, OK, OK, WORK_RULE, HIDDEN, OK),
    "view pooled detail":   (OK, OK, HIDDEN, MASKED, HIDDEN, MASKED),
    "list the pool":        (lists("pooled", "owned"), lists("pooled", "owned"), lists("owned"),
                             lists("pooled", "owned"), lists(), lists("pooled", "owned")),
}
assert all(len(row) == len(ROLES) for row in TABLE.values())


@dataclass
class PermWorld:
    db: Database
    leads: dict[str, int]
    pools: dict[str, int]
    users: dict[str, int]


def build(db: Database) -> PermWorld:
    users = {}
    for login, role, dept in [("boss", "admin", None), ("padmin", "sales", "Ops"), ("mgr", "manager", "East"),
                              ("owner", "sales", "East"), ("peer", "sales", "East"),
                              ("member", "sales", "West"), ("outsider", "sales", "North")]:
        users[login] = make_user(db, login, role, dept).id
    pools = {"P": make_pool(db, "P", admins=["padmin"], members=["owner", "peer", "member"], protect_days=7),
             "Q": make_pool(db, "Q", members=["outsider"])}
    leads = {
        "pooled": make_lead(db, "P", contact="Pooled Lead", mobile="13800000001"),
        "owned": make_lead(db, "P", owner="owner", contact="Owned Lead", mobile="13800000002"),
        "trashed": make_lead(db, "P", owner="owner", contact="Trashed Lead", mobile="13800000003"),
    }
    with db.write() as session:
        session.execute(update(Lead).where(Lead.id == leads["trashed"]).values(deleted_at=NOW - timedelta(days=1)))
    return PermWorld(db, leads, pools, users)


# What each action does, as the acting store: (call, the lead it acts on).
ACTIONS: dict[str, tuple[Callable[[Store, PermWorld], Any], str]] = {
    "assign to a user": (lambda s, w: s.assign_leads([w.leads["owned"]], ["peer"]), "owned"),
    "assign to a pool": (lambda s, w: s.assign_leads([w.leads["owned"]], to_pool="Q"), "owned"),
    "claim": (lambda s, w: s.claim_leads([w.leads["pooled"]]), "pooled"),
    "reclaim": (lambda s, w: s.reclaim_leads([w.leads["owned"]]), "owned"),
    "return": (lambda s, w: s.return_leads([w.leads["owned"]], "other: not a fit"), "owned"),
    "delete": (lambda s, w: s.delete_leads([w.leads["owned"]]), "owned"),
    "restore": (lambda s, w: s.restore_leads([w.leads["trashed"]]), "trashed"),
    "purge": (lambda s, w: s.purge_leads([w.leads["trashed"]]), "trashed"),
    "convert": (lambda s, w: s.convert_lead(w.leads["owned"]), "owned"),
    "add follow-up": (lambda s, w: s.add_followup(w.leads["owned"], "note", "called back"), "owned"),
    "view pooled detail": (lambda s, w: s.lead_detail(w.leads["pooled"]), "pooled"),
    "list the pool": (lambda s, w: s.list_leads(LeadQuery(screen="pool", pool_id=w.pools["P"]), limit=100),
                      "pooled"),
}
assert set(ACTIONS) == set(TABLE)


def snapshot(db: Database) -> tuple[object, ...]:
    with db.read() as session:
        leads = session.execute(select(Lead.id, Lead.pool_id, Lead.owner_id, Lead.status, Lead.deleted_at,
                                       Lead.previous_owner_id, Lead.handled, Lead.customer_id)
                                .order_by(Lead.id)).all()
    return (tuple(leads), count_rows(db, AuditEvent), count_rows(db, Notification), count_rows(db, FollowUp),
            count_rows(db, Customer))


def check_effect(action: str, w: PermWorld, actor: str) -> None:
    """The allowed action did what it says (beyond the store's own report)."""
    lead_id = w.leads[ACTIONS[action][1]]
    with w.db.read() as session:
        lead = session.get(Lead, lead_id)
        if action == "purge":
            assert lead is None
            return
        assert lead is not None
        if action == "assign to a user":
            assert (lead.owner_id, lead.status) == (w.users["peer"], "assigned")
        elif action == "assign to a pool":
            assert (lead.pool_id, lead.owner_id, lead.status) == (w.pools["Q"], None, "pooled")
        elif action == "claim":
            assert (lead.owner_id, lead.status) == (w.users[actor], "assigned")
        elif action in ("reclaim", "return"):
            assert (lead.owner_id, lead.status, lead.previous_owner_id) == (None, "pooled", w.users["owner"])
        elif action == "delete":
            assert lead.deleted_at == NOW
        elif action == "restore":
            assert lead.deleted_at is None and lead.owner_id == w.users["owner"]
        elif action == "convert":
            assert lead.status == "converted" and lead.customer_id is not None
        elif action == "add follow-up":
            assert lead.handled


CASES = [pytest.param(action, role, TABLE[action][i], id=f"{action}-{role}")
         for action in TABLE for i, role in enumerate(ROLES)]


@pytest.mark.parametrize("action, role, expected", CASES)
def test_role_x_action(db: Database, action: str, role: str, expected: Outcome) -> None:
    w = build(db)
    login = LOGIN[role]
    store = store_for(db, login)
    call, target = ACTIONS[action]
    lead_id = w.leads[target]
    before = snapshot(db)

    if expected.kind == "raises":
        assert expected.exc is not None
        with pytest.raises(expected.exc) as caught:
            call(store, w)
        assert expected.text in str(caught.value)
        assert snapshot(db) == before, "a refused action changed something"
        return

    result = call(store, w)

    if expected.kind == "lists":
        keys = {key for key, i in w.leads.items() if i in {row.id for row in result}}
        assert keys == set(expected.listed)
        assert snapshot(db) == before
        return

    if isinstance(result, BatchResult):
        if expected.kind == "ok":
            assert result.done == (lead_id,) and result.refused == (), result.summary
        else:
            assert result.done == ()
            assert [r.id for r in result.refused] == [lead_id]
            assert expected.text in result.refused[0].reason, result.refused[0].reason
            assert expected.text in result.summary
            assert snapshot(db) == before, "a refused action changed something"
            return
    elif expected.kind == "masked":
        assert result.masked and result.row.get("contact") == "P***** L***" and result.row.get("mobile") is None
        return
    else:
        assert expected.kind == "ok", f"{action} by {role} was not refused: {result!r}"
    check_effect(action, w, login)


def test_the_table_covers_every_role_and_action() -> None:
    """The issue's roles and actions, none left out (and the cases are what runs)."""
    assert {"admin", "pool_admin", "manager", "member", "non_member"} <= set(ROLES)
    assert {"assign to a user", "assign to a pool", "claim", "reclaim", "return", "delete", "restore", "purge",
            "convert", "add follow-up", "view pooled detail", "list the pool"} == set(TABLE)
    assert len(CASES) == len(ROLES) * len(TABLE)
