"""Auto-assign rules (SPEC 5): per lead pool, an ordered list of at most ten rules.

Each rule is a list of conditions on lead fields (all must hold) and the users who
share the matching leads round-robin, skipping anyone at the pool's holding cap. The
first rule that matches wins; a lead no rule can place stays pooled. `apply_rules` is
the one place rules run: on intake, on import, when a lead is edited, and from
`rules run` for leads that matched while every target was full.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from leadtui import clock
from leadtui.store.audit import trail as audit
from leadtui.store.errors import Invalid, Refused
from leadtui.store.fields import MAX_RULES, RULE_FIELDS, RULE_OPS, SOURCES
from leadtui.store.models import AssignRule, Lead, Pool, User
from leadtui.store.pools.holding import room_for, round_robin
from leadtui.store.pools.settings import find_pool
from leadtui.store.records import AssignRuleRecord, RuleCondition
from leadtui.store.search.engine import normalize

if TYPE_CHECKING:
    from leadtui.store.service import Store

__all__ = ["MAX_RULES", "RULE_FIELDS", "RULE_OPS", "add_rule", "apply_rules", "list_rules", "remove_rule"]


# ----------------------------------------------------------------------------- matching


def _choices(value: str) -> list[str]:
    return [normalize(v) for v in value.replace("，", ",").split(",") if v.strip()]


def condition_holds(condition: RuleCondition, lead: Lead) -> bool:
    """Forgiving like the search: case, full-width forms and outer spaces do not count."""
    have = normalize(getattr(lead, condition.field, "") or "")
    want = normalize(condition.value)
    if condition.op == "equals":
        return have == want
    if condition.op == "contains":
        return bool(want) and want in have
    return have in _choices(condition.value)


def _conditions(rule: AssignRule) -> tuple[RuleCondition, ...]:
    return tuple(RuleCondition(*c) for c in json.loads(rule.conditions))


def _rules(session: Session, pool_id: int, lock: bool = False) -> list[AssignRule]:
    stmt = select(AssignRule).where(AssignRule.pool_id == pool_id).order_by(AssignRule.position)
    # Locked while applying: two intakes at once on PostgreSQL share the turn correctly.
    return list(session.scalars(stmt.with_for_update() if lock else stmt))


def apply_rules(session: Session, leads: Sequence[Lead], actor_id: int | None = None,
                batch_id: str = "") -> list[tuple[int, int]]:
    """Give the pooled leads among `leads` to the first rule that matches each.

    Returns (lead id, user id) for every lead assigned. Leads a rule matched but could
    not place (every target at the cap) are marked `awaiting_rule` for `rules run`.
    Runs inside the caller's write transaction: its audit events and notifications
    go in with the intake, import or edit that triggered it.

    `leads` are Lead rows, whose changes the flush at the end writes, or — intake's
    bulk path (store/intake.py), which writes them itself in one executemany — plain
    objects with the same attributes: only attributes are read and set here.
    """
    from leadtui.store.pools.actions import held_counts, protect_until

    by_pool: dict[int, list[Lead]] = {}
    for lead in leads:
        if lead.status == "pooled" and lead.owner_id is None and lead.deleted_at is None:
            by_pool.setdefault(lead.pool_id, []).append(lead)
    placed: list[tuple[int, int]] = []
    events: list[dict[str, object]] = []
    now = clock.now()
    batch_id = batch_id or audit.new_batch_id()
    for pool_id, pooled in by_pool.items():
        rules = _rules(session, pool_id, lock=True)
        if not rules:
            continue
        pool = session.get(Pool, pool_id)
        assert pool is not None
        matched: dict[int, list[Lead]] = {}
        conditions = [(r, _conditions(r)) for r in rules]  # parsed once, not once per lead
        for lead in pooled:
            rule = next((r for r, conds in conditions if all(condition_holds(c, lead) for c in conds)), None)
            if rule is not None:
                matched.setdefault(rule.id, []).append(lead)
            elif lead.awaiting_rule:
                lead.awaiting_rule = False  # edited so that no rule matches any more
        for rule in rules:
            if rule.id not in matched:
                continue
            targets = [int(u) for u in json.loads(rule.targets)]
            active = set(session.scalars(select(User.id).where(User.id.in_(targets), User.active.is_(True))))
            targets = [u for u in targets if u in active]
            if not targets:
                continue
            # Continue the turn where this rule's last lead left it.
            start = rule.next_target % len(targets)
            order = targets[start:] + targets[:start]
            room = room_for(pool.holding_cap, held_counts(session, pool, order))
            plan, unplaced, _ = round_robin(matched[rule.id], order, room,
                                            avoid=lambda lead: lead.previous_owner_id if _cooling(pool, lead, now)
                                            else None)
            receiver_of = {lead.id: user for user, got in plan.items() for lead in got}
            last = next((receiver_of[lead.id] for lead in reversed(matched[rule.id]) if lead.id in receiver_of),
                        None)
            if last is not None:
                rule.next_target = (targets.index(last) + 1) % len(targets)
            for lead in matched[rule.id]:
                user_id = receiver_of.get(lead.id)
                if user_id is None:
                    lead.awaiting_rule = True
                    continue
                lead.owner_id, lead.status, lead.assigned_at = user_id, "assigned", now
                lead.protect_until, lead.awaiting_rule = protect_until(pool, now), False
                placed.append((lead.id, user_id))
                events.append({"actor_id": actor_id, "action": "auto_assign", "entity": "lead", "entity_id": lead.id,
                               "before": {"owner_id": None, "status": "pooled"},
                               "after": {"owner_id": user_id, "status": "assigned", "rule": rule.position},
                               "batch_id": batch_id, "pool_id": pool.id})
            for user_id, got in plan.items():
                audit.notify(session, user_id, "auto_assigned", "lead", got[0].id,
                             json.dumps({"pool": pool.name, "n": len(got)}, ensure_ascii=False))
    audit.record_many(session, events)  # one statement, however many leads the rules placed
    session.flush()
    return placed


def _cooling(pool: Pool, lead: Lead, now: datetime) -> bool:
    """A rule never hands a lead back to the owner it just left, inside the cooldown."""
    return bool(pool.cooldown_days and lead.released_at
                and now < lead.released_at + timedelta(days=pool.cooldown_days))


# ----------------------------------------------------------------------------- managing rules


def _require_admin(store: Store) -> None:
    if not store.actor.is_admin:
        raise Refused("Only an admin may change auto-assign rules")


def _record(session: Session, pool: Pool, rule: AssignRule) -> AssignRuleRecord:
    ids = [int(u) for u in json.loads(rule.targets)]
    logins = dict(session.execute(select(User.id, User.login).where(User.id.in_(ids))).all())
    return AssignRuleRecord(pool.name, rule.position, _conditions(rule), tuple(logins.get(u, "?") for u in ids))


def list_rules(store: Store, pool: str | int) -> list[AssignRuleRecord]:
    with store.db.read() as session:
        found = find_pool(session, pool, "lead")
        if not (store.actor.is_admin or store.actor.id in _pool_admin_ids(session, found.id)):
            raise Refused("Only an admin or an admin of pool {pool} may see its rules", pool=found.name)
        return [_record(session, found, r) for r in _rules(session, found.id)]


def _pool_admin_ids(session: Session, pool_id: int) -> set[int]:
    from leadtui.store.models import PoolAdmin

    return set(session.scalars(select(PoolAdmin.user_id).where(PoolAdmin.pool_id == pool_id)))


def _checked_conditions(conditions: Sequence[Sequence[str]]) -> list[list[str]]:
    checked = []
    for cond in conditions:
        if len(cond) != 3:
            raise Invalid("A condition is FIELD OP VALUE, not {value}", value=" ".join(map(str, cond)))
        field, op, value = (str(x).strip() for x in cond)
        if field not in RULE_FIELDS:
            raise Invalid("A rule cannot test {field}: one of {choices}", field=field, choices=", ".join(RULE_FIELDS))
        if op not in RULE_OPS:
            raise Invalid("Unknown condition {op}: one of {choices}", op=op, choices=", ".join(RULE_OPS))
        if not value:
            raise Invalid("The condition on {field} needs a value", field=field)
        if field == "source":
            wanted = _choices(value) if op == "in" else [normalize(value)] if op == "equals" else []
            unknown = [v for v in wanted if v not in SOURCES]
            if unknown:
                raise Invalid("Unknown source {source}: one of {choices}", source=unknown[0],
                              choices=", ".join(SOURCES))
        checked.append([field, op, value])
    if not checked:
        raise Invalid("A rule needs at least one condition")
    return checked


def add_rule(store: Store, pool: str | int, conditions: Sequence[Sequence[str]], targets: Sequence[str],
             position: int | None = None) -> AssignRuleRecord:
    """Add a rule at `position` (1-based; default last); the ones after it move down."""
    _require_admin(store)
    checked = _checked_conditions(conditions)
    logins = list(dict.fromkeys(x.strip() for x in targets if x and x.strip()))
    if not logins:
        raise Invalid("A rule needs one or more target users")
    with store.db.write() as session:
        found = find_pool(session, pool, "lead")
        ids = dict(session.execute(select(User.login, User.id).where(User.login.in_(logins),
                                                                      User.active.is_(True))).all())
        missing = [x for x in logins if x not in ids]
        if missing:
            raise Invalid("There is no user {login}", login=missing[0])
        count = session.scalar(select(func.count()).select_from(AssignRule)
                               .where(AssignRule.pool_id == found.id)) or 0
        if count >= MAX_RULES:
            raise Refused("Pool {pool} has {n} rules already, the most allowed; remove one first",
                          pool=found.name, n=MAX_RULES)
        if position is None:
            position = count + 1
        if not 1 <= position <= count + 1:
            raise Invalid("Position {position} is outside 1–{last}", position=position, last=count + 1)
        session.execute(update(AssignRule).where(AssignRule.pool_id == found.id, AssignRule.position >= position)
                        .values(position=AssignRule.position + 1))
        rule = AssignRule(pool_id=found.id, position=position, conditions=json.dumps(checked, ensure_ascii=False),
                          targets=json.dumps([ids[x] for x in logins]), next_target=0)
        session.add(rule)
        session.flush()
        record = _record(session, found, rule)
        audit.record(session, store.actor.id, "rule_add", "pool", found.id, {},
                     {"position": position, "rule": record.describe()}, pool_id=found.id)
        return record


def remove_rule(store: Store, pool: str | int, position: int) -> AssignRuleRecord:
    _require_admin(store)
    with store.db.write() as session:
        found = find_pool(session, pool, "lead")
        rule = session.scalar(select(AssignRule).where(AssignRule.pool_id == found.id,
                                                       AssignRule.position == position))
        if rule is None:
            raise Invalid("Pool {pool} has no rule {position}", pool=found.name, position=position)
        record = _record(session, found, rule)
        session.delete(rule)
        session.flush()
        session.execute(update(AssignRule).where(AssignRule.pool_id == found.id, AssignRule.position > position)
                        .values(position=AssignRule.position - 1))
        audit.record(session, store.actor.id, "rule_remove", "pool", found.id,
                     {"position": position, "rule": record.describe()}, {}, pool_id=found.id)
        return record
