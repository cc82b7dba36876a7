"""Customers (SPEC 4): My Customers, the department, the public seas, and the batch
actions on them. Claims and assignments from a sea follow the same holding rules as
pools (store/holding.py); every action is one transaction with its audit events."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, case, false, func, literal, or_, select, update
from sqlalchemy.orm import Session, aliased

from leadtui import clock
from leadtui.i18n import t
from leadtui.store.access import Actor, department_member_ids, pool_access
from leadtui.store.audit import trail as audit
from leadtui.store.errors import Invalid, NotFound, Refused
from leadtui.store.fields import (
    CUSTOMER_COLUMNS,
    CUSTOMER_SEARCH_FIELDS,
    CUSTOMER_STAGES,
    FOLLOWUP_KINDS,
)
from leadtui.store.leads.convert import email_norm, mobile_norm
from leadtui.store.leads.lists import days_left, id_in
from leadtui.store.models import Contact, Customer, Deal, Department, FollowUp, Lead, Pool, User
from leadtui.store.pools.actions import (
    _Batch,
    _chunks,
    _names,
    _unique,
    claimed_today,
    lock_users,
    protect_until,
)
from leadtui.store.pools.holding import (
    claim_refusal,
    claim_room,
    cooldown_refusal,
    extended_protection,
    room_for,
    round_robin,
)
from leadtui.store.pools.settings import find_pool
from leadtui.store.records import (
    AuditRecord,
    BatchResult,
    ContactRecord,
    CustomerDetail,
    CustomerQuery,
    CustomerRow,
    DealRecord,
    FollowUpRecord,
)
from leadtui.store.search.engine import digits

if TYPE_CHECKING:
    from leadtui.store.service import Store

Owner = aliased(User, name="customer_owner")
Sea = aliased(Pool, name="customer_sea")

_EXPRESSIONS: dict[str, Any] = {name: getattr(Customer, name) for name in CUSTOMER_COLUMNS
                                if name not in ("owner", "public_sea", "days_left")}
_EXPRESSIONS.update({"owner": Owner.name, "public_sea": Sea.name,
                     # protect_until where the recycle rule applies (an owner, not locked,
                     # not blacklisted), so the column sorts by it; `_values` counts the days.
                     "days_left": case((and_(Customer.owner_id.is_not(None), Customer.locked.is_(False),
                                             Customer.status != "blacklisted"), Customer.protect_until))})
_STATE = (Customer.id, Customer.owner_id, Customer.public_sea_id, Customer.status, Customer.locked,
          Customer.tags, Customer.previous_owner_id, Customer.released_at, Customer.deleted_at, Customer.name,
          Customer.mobile_norm, Customer.email_norm)


# ----------------------------------------------------------------------------- who sees what


class CustomerStanding:
    """An actor's standing on customers: their own, their department's (managers),
    the seas they administer or belong to."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self.actor = actor
        self.team = set(department_member_ids(session, actor))
        self.seas = pool_access(session, actor, "sea")

    def role(self, c: Any) -> str | None:
        if self.actor.is_admin:
            return "admin"
        if c.owner_id == self.actor.id:
            return "owner"
        if c.owner_id is not None and c.owner_id in self.team:
            return "manager"
        if c.owner_id is None and c.public_sea_id is not None:
            if c.public_sea_id in self.seas.admin_of:
                return "sea_admin"
            if c.public_sea_id in self.seas.member_of:
                return "sea_member"
        return None

    def may_work(self, c: Any) -> bool:
        """Whether the actor may change the customer as its owner does (recycle, tags,
        blacklist, merge): the owner, the owner's manager, an admin; no one else,
        not a public sea's admin or member either (they may only assign or claim)."""
        return self.role(c) in WORKERS


def _visible(session: Session, actor: Actor, query: CustomerQuery) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [Customer.deleted_at.is_(None)]
    scope = query.scope
    if scope == "blacklist":
        conds.append(Customer.status == "blacklisted")
    else:
        conds.append(Customer.status != "blacklisted")  # hidden from the working lists
    if scope in ("mine", "blacklist") and not (scope == "blacklist" and actor.is_admin):
        team = department_member_ids(session, actor) if scope == "blacklist" else []
        conds.append(Customer.owner_id.in_([actor.id, *team]))
    elif scope == "dept":
        if actor.role != "manager" and not actor.is_admin:
            raise Refused("Only a manager may widen the list to the department")
        team = department_member_ids(session, actor) if actor.role == "manager" else []
        conds.append(Customer.owner_id.in_(team or [actor.id]) if not actor.is_admin or team
                     else Customer.owner_id.is_not(None))
    elif scope == "sea":
        conds.append(Customer.owner_id.is_(None))
        if query.sea_id is not None:
            conds.append(Customer.public_sea_id == query.sea_id)
        if not actor.is_admin:
            access = pool_access(session, actor, "sea")
            allowed = sorted(access.member_of | access.admin_of)
            conds.append(Customer.public_sea_id.in_(allowed) if allowed else false())
    elif scope == "all":
        if not actor.is_admin:
            raise Refused("Only an admin may list every customer")
    elif scope != "blacklist":
        raise Invalid("Unknown customer list {scope}", scope=scope)
    return conds


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _conditions(session: Session, actor: Actor, q: CustomerQuery) -> list[ColumnElement[bool]]:
    conds = _visible(session, actor, q)
    text = q.text.strip()
    if text:
        pattern = _like(text.casefold())
        options = [func.lower(getattr(Customer, f)).like(pattern, escape="\\") for f in CUSTOMER_SEARCH_FIELDS]
        number = digits(text)
        if number and len(number) >= 3 and len(number) >= len(text.replace(" ", "").replace("-", "")) - 3:
            options.append(Customer.mobile_norm.like(_like(number), escape="\\"))
        conds.append(or_(*options))
    for column, since, until in ((Customer.created_at, q.created_since, q.created_until),
                                 (Customer.assigned_at, q.assigned_since, q.assigned_until)):
        if since:
            conds.append(column >= since)
        if until:
            conds.append(column <= until)
    if q.tags_match not in ("any", "all"):
        raise Invalid("Tags match any or all, not {value}", value=q.tags_match)
    if q.tags:
        wrapped = literal(",") + func.coalesce(Customer.tags, "") + literal(",")
        tag_conds = [wrapped.like(_like("," + tag.strip() + ","), escape="\\") for tag in q.tags if tag.strip()]
        if tag_conds:
            conds.append(or_(*tag_conds) if q.tags_match == "any" else and_(*tag_conds))
    if q.sources:
        conds.append(Customer.source.in_(q.sources))
    for stage in q.stages:
        if stage not in CUSTOMER_STAGES:
            raise Invalid("Unknown stage {stage}: one of {choices}", stage=stage, choices=", ".join(CUSTOMER_STAGES))
    if q.stages:
        conds.append(Customer.stage.in_(q.stages))
    if q.ids is not None:
        conds.append(id_in(Customer.id, q.ids))
    return conds


def _select() -> Any:
    return (select(Customer.id, *(expr.label(key) for key, expr in _EXPRESSIONS.items()))
            .outerjoin(Owner, Owner.id == Customer.owner_id)
            .outerjoin(Sea, Sea.id == Customer.public_sea_id))


def _values(m: Any) -> dict[str, object]:
    values = {key: m[key] for key in CUSTOMER_COLUMNS}
    values["days_left"] = days_left(values["days_left"])  # type: ignore[arg-type]
    return values


def _matched(values: dict[str, object], text: str) -> str | None:
    text = text.strip().casefold()
    if not text:
        return None
    for field in CUSTOMER_SEARCH_FIELDS:
        if text in str(values.get(field) or "").casefold():
            return field
    return "mobile" if digits(text) and digits(text) in digits(values.get("mobile")) else None


def count_customers(store: Store, query: CustomerQuery) -> int:
    with store.db.read() as session:
        return session.scalar(select(func.count()).select_from(Customer)
                              .where(*_conditions(session, store.actor, query))) or 0


def list_customers(store: Store, query: CustomerQuery, offset: int = 0, limit: int = 100) -> list[CustomerRow]:
    if query.sort not in _EXPRESSIONS:
        raise Invalid("Cannot sort by {column}", column=query.sort)
    sort = _EXPRESSIONS[query.sort]
    order = [sort.desc().nulls_last(), Customer.id.desc()] if query.descending else \
        [sort.asc().nulls_last(), Customer.id.asc()]
    with store.db.read() as session:
        stmt = _select().where(*_conditions(session, store.actor, query)).order_by(*order).offset(offset).limit(limit)
        rows = []
        for m in session.execute(stmt).mappings():
            values = _values(m)
            rows.append(CustomerRow(m["id"], values, _matched(values, query.text)))
        return rows


def customer_ids(store: Store, query: CustomerQuery) -> list[int]:
    with store.db.read() as session:
        return list(session.scalars(select(Customer.id).where(*_conditions(session, store.actor, query))))


def _load_one(session: Session, store: Store, customer_id: int) -> tuple[Customer, str]:
    customer = session.get(Customer, customer_id)
    role = CustomerStanding(session, store.actor).role(customer) if customer and customer.deleted_at is None else None
    if customer is None or role is None:
        raise NotFound("Customer #{id} does not exist or you may not see it", id=customer_id)
    return customer, role


def customer_detail(store: Store, customer_id: int) -> CustomerDetail:
    with store.db.read() as session:
        customer, _role = _load_one(session, store, customer_id)
        m = session.execute(_select().where(Customer.id == customer_id)).mappings().one()
        row = CustomerRow(customer_id, _values(m))
        contacts = tuple(ContactRecord(c.id, c.name, c.mobile, c.email, c.job_title) for c in session.scalars(
            select(Contact).where(Contact.customer_id == customer_id).order_by(Contact.id)))
        deals = tuple(DealRecord(d.id, d.name, d.amount, d.stage) for d in session.scalars(
            select(Deal).where(Deal.customer_id == customer_id).order_by(Deal.id)))
        followups = tuple(
            FollowUpRecord(f.id, f.created_at, login, f.kind, f.text, f.duration_s, f.outcome)
            for f, login in session.execute(
                select(FollowUp, User.login).join(User, User.id == FollowUp.author_id)
                .where(FollowUp.customer_id == customer_id).order_by(FollowUp.created_at.desc(), FollowUp.id.desc())))
        leads = tuple(session.execute(select(Lead.id, Lead.order_no).where(Lead.customer_id == customer_id)
                                      .order_by(Lead.id)).all())
        history: tuple[AuditRecord, ...] = audit.history(session, "customer", customer_id)
        return CustomerDetail(row, contacts, deals, followups, tuple((i, o) for i, o in leads), history,
                              row.values["days_left"])  # type: ignore[arg-type]


def add_customer_followup(store: Store, customer_id: int, kind: str, text: str,
                          duration_s: int | None = None, outcome: str = "") -> FollowUpRecord:
    if kind not in FOLLOWUP_KINDS:
        raise Invalid("Unknown follow-up kind {kind}: one of {choices}", kind=kind, choices=", ".join(FOLLOWUP_KINDS))
    if not (text or "").strip() and not (outcome or "").strip():
        raise Invalid("A follow-up needs a text")
    with store.db.write() as session:
        customer, role = _load_one(session, store, customer_id)
        if role not in ("admin", "owner", "manager"):
            raise Refused("Only the owner of customer {name} (or their manager) may work it; claim it first",
                          name=customer.name)
        now = clock.now()
        followup = FollowUp(customer_id=customer_id, author_id=store.actor.id, kind=kind, text=text.strip(),
                            duration_s=duration_s if kind == "call" else None, outcome=outcome.strip(),
                            created_at=now)
        session.add(followup)
        customer.last_followup_at = now
        if customer.owner_id is not None and customer.public_sea_id is not None:
            customer.protect_until = extended_protection(session.get(Pool, customer.public_sea_id),
                                                         customer.assigned_at, customer.protect_until, now)
        if customer.stage == "new":
            customer.stage = "contacted"
        session.flush()
        audit.record(session, store.actor.id, "followup", "customer", customer_id, {}, {"kind": kind})
        return FollowUpRecord(followup.id, now, store.actor.login, kind, followup.text, followup.duration_s,
                              followup.outcome)


# ----------------------------------------------------------------------------- batch helpers


def _lock(session: Session, ids: Sequence[int]) -> dict[int, Any]:
    # FOR NO KEY UPDATE, as pool_actions.lock_leads: a lead linked to the customer or
    # a follow-up written about it meanwhile only needs KEY SHARE, and waits for nothing.
    found: dict[int, Any] = {}
    for chunk in _chunks(sorted(ids)):
        for row in session.execute(select(*_STATE).where(Customer.id.in_(chunk)).order_by(Customer.id)
                                   .with_for_update(key_share=True)):
            found[row.id] = row
    return found


def _load(session: Session, store: Store, ids: list[int], batch: _Batch) -> tuple[list[Any], CustomerStanding]:
    if not ids:
        raise Invalid("No customers given")
    rows = _lock(session, ids)
    standing = CustomerStanding(session, store.actor)
    visible = []
    for customer_id in ids:
        c = rows.get(customer_id)
        if c is None or c.deleted_at is not None or standing.role(c) is None:
            batch.refuse(customer_id, t("does not exist or you may not see it"))
        else:
            visible.append(c)
    return visible, standing


def _update(session: Session, ids: Sequence[int], where: Sequence[Any], values: dict[str, Any]) -> set[int]:
    changed: set[int] = set()
    for chunk in _chunks(list(ids)):
        changed.update(session.scalars(update(Customer).where(Customer.id.in_(chunk), *where).values(**values)
                                       .returning(Customer.id).execution_options(synchronize_session=False)))
    return changed


def _state(c: Any, names: dict[int, str], seas: dict[int, str]) -> dict[str, object]:
    return {"owner_id": c.owner_id, "owner": names.get(c.owner_id) if c.owner_id else None,
            "pool_id": c.public_sea_id, "pool": seas.get(c.public_sea_id), "status": c.status}


def _sea_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Pool.id, Pool.name).where(Pool.kind == "sea")).all())


def customers_held(session: Session, user_ids: Sequence[int]) -> dict[int, int]:
    """How many customers each user works now (the per-user customer holding cap):
    those following, as add_customer counts them; blacklisted ones do not count."""
    counts = {u: 0 for u in user_ids}
    counts.update(dict(session.execute(
        select(Customer.owner_id, func.count()).where(Customer.owner_id.in_(list(user_ids)),
                                                      Customer.status == "following", Customer.deleted_at.is_(None))
        .group_by(Customer.owner_id)).all()))
    return counts


def _user_room(session: Session, user_ids: Sequence[int]) -> tuple[dict[int, int], dict[int, tuple[int, int]]]:
    caps = dict(session.execute(select(User.id, User.customer_cap).where(User.id.in_(list(user_ids)))).all())
    held = customers_held(session, user_ids)
    room = {u: (10**9 if caps.get(u) is None else max(0, caps[u] - held[u])) for u in user_ids}
    return room, {u: (held[u], caps[u]) for u in user_ids if caps.get(u) is not None}


def _sea_held(session: Session, sea: Pool, user_ids: Sequence[int]) -> dict[int, int]:
    counts = {u: 0 for u in user_ids}
    counts.update(dict(session.execute(
        select(Customer.owner_id, func.count()).where(
            Customer.public_sea_id == sea.id, Customer.owner_id.in_(list(user_ids)),
            Customer.status == "following", Customer.deleted_at.is_(None)).group_by(Customer.owner_id)).all()))
    return counts


def _cap_words(user: str, held_cap: tuple[int, int]) -> str:
    return t("{user} owns {n} of {cap} customers allowed", user=user, n=held_cap[0], cap=held_cap[1])


def _targets(session: Session, logins: Sequence[str], dept: str | None) -> list[Any]:
    rows = []
    if dept:
        dept_id = session.scalar(select(Department.id).where(Department.name == dept))
        if dept_id is None:
            raise NotFound("There is no department {name}", name=dept)
        rows = list(session.execute(select(User.id, User.login, User.name).where(
            User.department_id == dept_id, User.active.is_(True)).order_by(User.login)).all())
        if not rows:
            raise Invalid("Department {name} has nobody in it", name=dept)
    for login in dict.fromkeys(logins):
        row = session.execute(select(User.id, User.login, User.name).where(
            User.login == login, User.active.is_(True))).first()
        if row is None:
            raise Invalid("There is no user {login}", login=login)
        if row.id not in {r.id for r in rows}:
            rows.append(row)
    if not rows:
        raise Invalid("Give one or more users or a department")
    return rows


def _new_owner_values(target_id: int, now: datetime, sea: Pool | None) -> dict[str, Any]:
    return {"owner_id": target_id, "status": "following", "assigned_at": now,
            "protect_until": protect_until(sea, now) if sea is not None else None,
            "previous_owner_id": func.coalesce(Customer.owner_id, Customer.previous_owner_id),
            "released_at": case((Customer.owner_id.is_not(None), now), else_=Customer.released_at)}


# ----------------------------------------------------------------------------- change owner / assign


def change_owner(store: Store, customer_ids: Sequence[int], to_logins: Sequence[str] = (),
                 to_dept: str | None = None) -> BatchResult:
    """To one or more users or a whole department: several share the customers
    round-robin, evenly, skipping anyone at their customer holding cap."""
    return _give(store, "owner", customer_ids, to_logins, to_dept)


def assign_customers(store: Store, customer_ids: Sequence[int], to_logins: Sequence[str]) -> BatchResult:
    """From a public sea to users (its admins, admins), under the sea's holding cap too."""
    return _give(store, "assign", customer_ids, to_logins, None)


def _give(store: Store, action: str, customer_ids: Sequence[int], to_logins: Sequence[str],
          to_dept: str | None) -> BatchResult:
    batch = _Batch(action, store.actor, entity="customer")
    ids = _unique(customer_ids)
    with store.db.write() as session:
        targets = _targets(session, to_logins, to_dept)
        target_ids = [u.id for u in targets]
        lock_users(session, target_ids)
        rows, standing = _load(session, store, ids, batch)
        now = clock.now()
        names = _names(session, [c.owner_id for c in rows] + target_ids)
        seas = {p.id: p for p in session.scalars(select(Pool).where(Pool.kind == "sea"))}
        sea_names = {i: p.name for i, p in seas.items()}
        user_room, user_caps = _user_room(session, target_ids)
        given: dict[int, int] = defaultdict(int)
        # (sea, in the sea): owned customers keep their sea for the protection period.
        groups: dict[tuple[int | None, bool], list[Any]] = defaultdict(list)
        for c in rows:
            role = standing.role(c)
            in_sea = c.owner_id is None
            allowed = (role in ("admin", "sea_admin") if action == "assign" or in_sea
                       else role in ("admin", "owner", "manager"))
            if action == "assign" and not in_sea:
                batch.refuse(c.id, t("not in a public sea"))
            elif not allowed:
                batch.refuse(c.id, t("only its owner, their manager or an admin may give customer {name} away",
                                     name=c.name) if not in_sea else
                             t("only an admin of the public sea may assign its customers"))
            elif c.status == "blacklisted":
                batch.refuse(c.id, t("blacklisted"))
            else:
                groups[(c.public_sea_id, in_sea)].append(c)
        turn = 0
        for (sea_id, in_sea), group in groups.items():
            sea = seas.get(sea_id) if sea_id is not None else None
            # The users' own caps are shared by every group of the batch; a sea's cap
            # counts only the customers taken out of that sea.
            room = dict(user_room)
            if in_sea and sea is not None and sea.holding_cap is not None:
                sea_room = room_for(sea.holding_cap, _sea_held(session, sea, target_ids))
                room = {u: min(room[u], sea_room[u]) for u in target_ids}
            # Each group starts where the last one stopped, so the batch stays even.
            order = target_ids[turn:] + target_ids[:turn]
            plan, unplaced, skipped = round_robin(
                group, order, room,
                skip=lambda c: t("{user}'s already", user=names.get(c.owner_id, "?"))
                if target_ids == [c.owner_id] else None,
                avoid=lambda c: c.owner_id)
            placed = sum(len(v) for v in plan.values())
            turn = (turn + placed) % len(target_ids)
            for c, reason in skipped:
                batch.refuse(c.id, reason)
            for target in targets:
                chosen = plan.get(target.id, [])
                changed = _update(session, [c.id for c in chosen], [Customer.deleted_at.is_(None)],
                                  _new_owner_values(target.id, now, sea))
                for c in chosen:
                    if c.id not in changed:
                        batch.refuse(c.id, t("taken by someone else"))
                        continue
                    user_room[target.id] -= 1
                    given[target.id] += 1
                    before = _state(c, names, sea_names)
                    batch.done.append(c.id)
                    batch.event(c, before, {**before, "owner_id": target.id, "owner": target.login,
                                            "status": "following"})
                    batch.notify(target.id, "customers_assigned", c.id)
                    batch.notify(c.owner_id, "customers_taken", c.id)
            for c in unplaced:
                words = [_cap_words(names.get(u, "?"), (user_caps[u][0] + given[u], user_caps[u][1]))
                         for u in target_ids if u in user_caps]
                if in_sea and sea is not None and sea.holding_cap is not None:
                    words.append(t("at most {cap} customers each from public sea {pool}", cap=sea.holding_cap,
                                   pool=sea.name))
                batch.refuse(c.id, "; ".join(words) or t("nobody has room"))
        return batch.finish(session, len(ids))


# ----------------------------------------------------------------------------- claim from a sea


def claim_customers(store: Store, customer_ids: Sequence[int]) -> BatchResult:
    """A member of a public sea takes customers: the sea's cap, daily limit and
    cooldown (the pools' rules), and the user's own customer holding cap."""
    actor = store.actor
    batch = _Batch("claim", actor, entity="customer")
    ids = _unique(customer_ids)
    with store.db.write() as session:
        lock_users(session, [actor.id])
        rows, standing = _load(session, store, ids, batch)
        now = clock.now()
        seas = {p.id: p for p in session.scalars(select(Pool).where(Pool.kind == "sea"))}
        sea_names = {i: p.name for i, p in seas.items()}
        by_sea: dict[int, list[Any]] = defaultdict(list)
        for c in rows:
            sea = seas.get(c.public_sea_id) if c.public_sea_id is not None else None
            if c.owner_id == actor.id:
                batch.refuse(c.id, t("yours already"))
            elif c.owner_id is not None or sea is None:
                batch.refuse(c.id, t("taken by someone else"))
            elif c.status == "blacklisted":
                batch.refuse(c.id, t("blacklisted"))
            elif standing.role(c) not in ("admin", "sea_admin", "sea_member"):
                batch.refuse(c.id, t("{user} is not a member of public sea {pool}", user=actor.name, pool=sea.name))
            elif cooling := cooldown_refusal(sea, actor.id, actor.name, c.previous_owner_id, c.released_at, now):
                batch.refuse(c.id, cooling)
            else:
                by_sea[sea.id].append(c)
        user_room, user_caps = _user_room(session, [actor.id])
        names = _names(session, [actor.id])
        for sea_id, candidates in by_sea.items():
            sea = seas[sea_id]
            held = _sea_held(session, sea, [actor.id])[actor.id] if sea.holding_cap is not None else 0
            today = claimed_today(session, sea, actor.id, now) if sea.daily_claim_limit is not None else 0
            room = claim_room(sea, held, today)
            capped = user_room[actor.id] < room
            if capped:
                room = user_room[actor.id]
            taken, left = 0, candidates
            # A customer someone else took meanwhile leaves its place to the next one.
            while left and taken < room:
                take, left = left[:room - taken], left[room - taken:]
                changed = _update(session, [c.id for c in take],
                                  [Customer.owner_id.is_(None), Customer.deleted_at.is_(None)],
                                  _new_owner_values(actor.id, now, sea))
                for c in take:
                    if c.id not in changed:
                        batch.refuse(c.id, t("taken by someone else"))
                        continue
                    taken += 1
                    before = _state(c, names, sea_names)
                    batch.done.append(c.id)
                    batch.event(c, before, {**before, "owner_id": actor.id, "owner": actor.login,
                                            "status": "following"})
            user_room[actor.id] -= taken
            # The refusal states what refused these: the counts with this batch's claims.
            if capped:
                cap = user_caps[actor.id][1]
                why = _cap_words(actor.name, (cap - user_room[actor.id], cap))
            else:
                why = claim_refusal(sea, actor.name, held + taken, today + taken)
            for c in left:
                batch.refuse(c.id, why)
        return batch.finish(session, len(ids))


# ----------------------------------------------------------------------------- recycle, tags, lock, blacklist, delete


def _each(store: Store, action: str, customer_ids: Sequence[int], roles: tuple[str, ...], refusal: str,
          apply: Any) -> BatchResult:
    """The frame of the simple batch actions: lock, check the standing, let `apply`
    change each allowed customer (returning its after-state, or a refusal string)."""
    batch = _Batch(action, store.actor, entity="customer")
    ids = _unique(customer_ids)
    with store.db.write() as session:
        rows, standing = _load(session, store, ids, batch)
        names = _names(session, [c.owner_id for c in rows])
        sea_names = _sea_names(session)
        allowed = []
        for c in rows:
            role = standing.role(c)
            if role == "owner" and store.actor.role == "manager":
                role = "manager"  # what a manager may do to the team's customers, also to their own
            if role in roles:
                allowed.append(c)
            else:
                batch.refuse(c.id, t(refusal, name=c.name))
        apply(session, batch, allowed, names, sea_names)
        return batch.finish(session, len(ids))


WORKERS = ("admin", "owner", "manager")


def recycle_customers(store: Store, customer_ids: Sequence[int], sea: str | int | None = None) -> BatchResult:
    """Back to the public sea: the owner is cleared and kept as previous owner (for
    the cooldown); customers without a sea go to the one the operator names."""
    now = clock.now()

    def apply(session: Session, batch: _Batch, rows: list[Any], names: dict[int, str], seas: dict[int, str]) -> None:
        chosen = find_pool(session, sea, "sea") if sea not in (None, "") else None
        by_sea: dict[int, list[Any]] = defaultdict(list)
        for c in rows:
            target = chosen.id if chosen is not None else c.public_sea_id
            if c.owner_id is None:
                batch.refuse(c.id, t("in the public sea already"))
            elif c.status == "blacklisted":  # the sea would take it off the blacklist
                batch.refuse(c.id, t("blacklisted"))
            elif c.locked:
                batch.refuse(c.id, t("locked: unlock it first"))
            elif target is None:
                batch.refuse(c.id, t("it has no public sea: choose one"))
            else:
                by_sea[target].append(c)
        for target, group in by_sea.items():
            changed = _update(session, [c.id for c in group], [Customer.owner_id.is_not(None)], {
                "owner_id": None, "status": "public_sea", "public_sea_id": target,
                "previous_owner_id": Customer.owner_id, "released_at": now, "protect_until": None})
            for c in group:
                if c.id not in changed:
                    batch.refuse(c.id, t("taken by someone else"))
                    continue
                before = _state(c, names, seas)
                batch.done.append(c.id)
                batch.event(c, before, {"owner_id": None, "owner": None, "pool_id": target,
                                        "pool": seas.get(target), "status": "public_sea"})
                batch.notify(c.owner_id, "customers_taken", c.id)

    return _each(store, "recycle", customer_ids, WORKERS,
                 "only its owner, their manager or an admin may recycle customer {name}", apply)


def _split_tags(value: str | Sequence[str]) -> list[str]:
    items = value.split(",") if isinstance(value, str) else value
    return list(dict.fromkeys(t_.strip() for t_ in items if t_ and t_.strip()))


def tag_customers(store: Store, customer_ids: Sequence[int], add: Sequence[str] = (),
                  set_to: Sequence[str] | None = None) -> BatchResult:
    """Add tags to, or set the tags of, customers."""
    if (set_to is None) == (not add):
        raise Invalid("Add tags or set tags, one of the two")
    new = _split_tags(set_to if set_to is not None else add)
    if any("," in tag for tag in new):
        raise Invalid("A tag cannot hold a comma")

    def apply(session: Session, batch: _Batch, rows: list[Any], names: dict[int, str], seas: dict[int, str]) -> None:
        for c in rows:
            old = _split_tags(c.tags or "")
            tags = new if set_to is not None else list(dict.fromkeys(old + new))
            _update(session, [c.id], [], {"tags": ",".join(tags)})
            batch.done.append(c.id)
            batch.event(c, {"tags": ",".join(old)}, {"tags": ",".join(tags)})

    return _each(store, "tag", customer_ids, WORKERS, "only its owner, their manager or an admin may tag {name}",
                 apply)


def lock_customers(store: Store, customer_ids: Sequence[int], locked: bool = True) -> BatchResult:
    """A locked customer never falls into the public sea by rule (managers, admins)."""
    def apply(session: Session, batch: _Batch, rows: list[Any], names: dict[int, str], seas: dict[int, str]) -> None:
        changed = _update(session, [c.id for c in rows], [Customer.locked.is_(not locked)], {"locked": locked})
        for c in rows:
            if c.id in changed:
                batch.done.append(c.id)
                batch.event(c, {"locked": c.locked}, {"locked": locked})
            else:
                batch.refuse(c.id, t("locked already") if locked else t("not locked"))

    return _each(store, "lock" if locked else "unlock", customer_ids, ("admin", "manager"),
                 "only a manager or an admin may lock or unlock customer {name}", apply)


def blacklist_customers(store: Store, customer_ids: Sequence[int]) -> BatchResult:
    """Hidden from the working lists, listed under the blacklist filter; the open
    leads with its mobile or email get the tag "blacklist"."""
    def apply(session: Session, batch: _Batch, rows: list[Any], names: dict[int, str], seas: dict[int, str]) -> None:
        for c in rows:
            if c.status == "blacklisted":
                batch.refuse(c.id, t("blacklisted already"))
                continue
            _update(session, [c.id], [], {"status": "blacklisted"})
            batch.done.append(c.id)
            batch.event(c, _state(c, names, seas), {**_state(c, names, seas), "status": "blacklisted"})
            _flag_leads(session, batch, c)

    return _each(store, "blacklist", customer_ids, WORKERS,
                 "only its owner, their manager or an admin may blacklist customer {name}", apply)


_FULLWIDTH = str.maketrans("0123456789+()", "０１２３４５６７８９＋（）")


def _starting_with(column: Any, prefix: str) -> ColumnElement[bool]:
    """`column` starts with `prefix`, as a range the column's index serves (LIKE
    'x%' does not use it on SQLite; a range does, on both backends)."""
    return and_(column >= prefix, column < prefix[:-1] + chr(ord(prefix[-1]) + 1))


def leads_with_contact(session: Session, mobile: str, email: str) -> set[int]:
    """The leads whose mobile or email, normalised as the duplicate check does
    (store/convert.py), is `mobile` / `email` (already normalised).

    Leads keep the mobile as typed ("138-0013-8000", "+86 138 0013 8000", full
    width): the candidates are read off the mobile and email indexes by how such a
    value can begin, and a normalised comparison in Python decides."""
    found: set[int] = set()
    if mobile:
        starts = {mobile[:3], "+86", "86", "0086", "(+86", "(86", "+ 86"}
        starts |= {p.translate(_FULLWIDTH) for p in starts}
        ends = or_(Lead.mobile.like(f"%{mobile[-4:]}%"), Lead.mobile.like(f"%{mobile[-4:].translate(_FULLWIDTH)}%"))
        rows = session.execute(select(Lead.id, Lead.mobile).where(
            or_(*(_starting_with(Lead.mobile, p) for p in sorted(starts))), ends)).all()
        found |= {lead_id for lead_id, raw in rows if mobile_norm(raw) == mobile}
    if email:
        head = email[:2]
        starts = {a + b for a in {head[:1], head[:1].upper()} for b in {head[1:], head[1:].upper()}}
        rows = session.execute(select(Lead.id, Lead.email).where(
            or_(*(_starting_with(Lead.email, p) for p in sorted(starts))),
            Lead.email.ilike(_like(email.rpartition("@")[2]), escape="\\"))).all()
        found |= {lead_id for lead_id, raw in rows if email_norm(raw) == email}
    return found


def _flag_leads(session: Session, batch: _Batch, c: Any) -> None:
    """The open leads of a blacklisted customer (its own, or with its mobile or
    email) get the tag "blacklist"; each change is an audit event of the batch."""
    ids = leads_with_contact(session, c.mobile_norm, c.email_norm)
    ids |= set(session.scalars(select(Lead.id).where(Lead.customer_id == c.id)))
    if not ids:
        return
    leads = session.execute(select(Lead.id, Lead.tags, Lead.pool_id).where(
        id_in(Lead.id, sorted(ids)), Lead.status != "converted", Lead.deleted_at.is_(None))).all()
    for lead_id, tags, pool_id in leads:
        current = _split_tags(tags or "")
        if "blacklist" in current:
            continue
        new = ",".join([*current, "blacklist"])
        session.execute(update(Lead).where(Lead.id == lead_id).values(tags=new)
                        .execution_options(synchronize_session=False))
        batch.events.append({"actor_id": batch.actor.id, "action": "tag", "entity": "lead", "entity_id": lead_id,
                             "before": {"tags": tags or ""}, "after": {"tags": new},
                             "reason": t("customer #{id} {name} was blacklisted", id=c.id, name=c.name),
                             "batch_id": batch.batch_id, "pool_id": pool_id})


def delete_customers(store: Store, customer_ids: Sequence[int]) -> BatchResult:
    """Into the trash (managers for their department, admins)."""
    now = clock.now()

    def apply(session: Session, batch: _Batch, rows: list[Any], names: dict[int, str], seas: dict[int, str]) -> None:
        changed = _update(session, [c.id for c in rows], [Customer.deleted_at.is_(None)], {"deleted_at": now})
        for c in rows:
            if c.id in changed:
                batch.done.append(c.id)
                batch.event(c, _state(c, names, seas), {**_state(c, names, seas), "deleted": True})
                batch.notify(c.owner_id, "customers_taken", c.id)

    return _each(store, "delete", customer_ids, ("admin", "manager"),
                 "only a manager or an admin may delete customer {name}", apply)


def list_seas(store: Store) -> list[Any]:
    from leadtui.store.pools.settings import list_pools

    return list_pools(store, "sea")

