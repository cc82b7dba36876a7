"""Merge duplicate customers into one (SPEC 4), in one transaction.

Each field of the main record keeps its first non-empty value, from the main record
first and then the others in the order given; tags are united. Contacts, deals,
follow-ups and converted leads move to the main record; nothing is lost on the way:
a deal whose name the main record already has is renamed "NAME (from #ID)", and a
contact is dropped only when it repeats one of the main's (same name and mobile)
and adds no value. The others go to the trash.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from leadtui import clock
from leadtui.store.audit import trail as audit
from leadtui.store.customers.actions import CustomerStanding
from leadtui.store.errors import Invalid, NotFound, Refused
from leadtui.store.leads.convert import email_norm, mobile_norm
from leadtui.store.models import Contact, Customer, Deal, FollowUp, Lead
from leadtui.store.search.engine import normalize

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from leadtui.store.service import Store

MERGED_FIELDS = ("nickname", "mobile", "phone", "email", "wechat", "qq", "address", "company",
                 "website", "external_id", "source")


def _split_tags(value: str | None) -> list[str]:
    return [x.strip() for x in (value or "").split(",") if x.strip()]


def _check_permission(session: Session, store: Store, customers: list[Customer]) -> None:
    """Every customer of a merge is one the operator may see and change, by the rules
    of the other customer actions (customers.CustomerStanding): a merge changes the
    main record and trashes the others. A public sea's customers have no owner: only
    an admin merges them (sea admins assign them, members claim them)."""
    standing = CustomerStanding(session, store.actor)
    for c in customers:
        if standing.role(c) is None:
            # As the other actions say it: not telling "absent" from "not yours".
            raise NotFound("Customer #{id} does not exist or you may not see it", id=c.id)
    for c in customers:
        if not standing.may_work(c):
            raise Refused("Only an admin, the owners' manager or the owner of every customer may merge them; "
                          "customer #{id} is not yours", id=c.id)


def _contact_key(c: Contact) -> tuple[str, str]:
    return normalize(c.name), mobile_norm(c.mobile)


def _adds_nothing(dup: Contact, kept: Contact) -> bool:
    """Every field of `dup` is empty or equal to `kept`'s: dropping it loses nothing."""
    pairs = ((dup.email, kept.email, email_norm), (dup.job_title, kept.job_title, normalize))
    return all(not (mine or "").strip() or norm(mine) == norm(theirs) for mine, theirs, norm in pairs)


def _free_deal_name(name: str, other_id: int, taken: set[str]) -> str:
    suffix = f" (from #{other_id})"
    base = name[: 200 - len(suffix)]
    candidate, n = base + suffix, 2
    while normalize(candidate) in taken:
        extra = f" (from #{other_id}, {n})"
        candidate, n = name[: 200 - len(extra)] + extra, n + 1
    return candidate


def merge_customers(store: Store, main_id: int, other_ids: Sequence[int]) -> int:
    """Merge `other_ids` into `main_id`; returns the main id."""
    others = list(dict.fromkeys(int(i) for i in other_ids))
    if main_id in others:
        raise Refused("Customer #{id} cannot be merged with itself", id=main_id)
    if not others:
        raise Invalid("A merge needs at least two customers")
    ids = [main_id, *others]
    actor = store.actor
    with store.db.write() as session:
        rows = {c.id: c for c in session.scalars(
            select(Customer).where(Customer.id.in_(ids)).order_by(Customer.id).with_for_update())}
        for cid in ids:
            c = rows.get(cid)
            if c is None or c.deleted_at is not None:
                raise NotFound("Customer #{id} does not exist or is in the trash", id=cid)
        main, merged = rows[main_id], [rows[i] for i in others]
        _check_permission(session, store, [main, *merged])
        now = clock.now()

        before: dict[str, object] = {}
        after: dict[str, object] = {}
        for field in MERGED_FIELDS:
            current = getattr(main, field) or ""
            if current.strip():
                continue
            value = next((getattr(o, field) for o in merged if (getattr(o, field) or "").strip()), None)
            if value is not None:
                before[field], after[field] = current, value
                setattr(main, field, value)
        tags = list(dict.fromkeys(tag for c in (main, *merged) for tag in _split_tags(c.tags)))
        if tags != _split_tags(main.tags):
            before["tags"], after["tags"] = main.tags, ",".join(tags)
            main.tags = ",".join(tags)
        main.mobile_norm = mobile_norm(main.mobile)
        main.email_norm = email_norm(main.email)
        followed = [c.last_followup_at for c in (main, *merged) if c.last_followup_at is not None]
        if followed and max(followed) != main.last_followup_at:
            before["last_followup_at"], after["last_followup_at"] = main.last_followup_at, max(followed)
            main.last_followup_at = max(followed)

        # Contacts: kept unless one of the main's (or one already moved) says the same.
        kept: dict[tuple[str, str], list[Contact]] = {}
        for c in session.scalars(select(Contact).where(Contact.customer_id == main_id).order_by(Contact.id)):
            kept.setdefault(_contact_key(c), []).append(c)
        dropped: list[int] = []
        moved_contacts = 0
        # Deals: names are unique per customer; a colliding one is renamed, never lost.
        taken = {normalize(n) for n in session.scalars(select(Deal.name).where(Deal.customer_id == main_id))}
        renamed: dict[int, list[str]] = {}
        moved_deals = 0
        for other in merged:
            for c in session.scalars(select(Contact).where(Contact.customer_id == other.id).order_by(Contact.id)):
                same = kept.get(_contact_key(c), [])
                if any(_adds_nothing(c, k) for k in same):
                    dropped.append(c.id)
                    session.delete(c)
                    continue
                c.customer_id = main_id
                kept.setdefault(_contact_key(c), []).append(c)
                moved_contacts += 1
            for d in session.scalars(select(Deal).where(Deal.customer_id == other.id).order_by(Deal.id)):
                if normalize(d.name) in taken:
                    new_name = _free_deal_name(d.name, other.id, taken)
                    renamed[d.id] = [d.name, new_name]
                    d.name = new_name
                taken.add(normalize(d.name))
                d.customer_id = main_id
                moved_deals += 1
        session.flush()
        moved_followups = session.execute(
            update(FollowUp).where(FollowUp.customer_id.in_(others)).values(customer_id=main_id)
            .execution_options(synchronize_session=False)).rowcount
        moved_leads = session.execute(
            update(Lead).where(Lead.customer_id.in_(others)).values(customer_id=main_id)
            .execution_options(synchronize_session=False)).rowcount

        batch_id = audit.new_batch_id()
        reason = "merge of " + ", ".join(f"#{i}" for i in others)
        after.update({"merged": others, "contacts_moved": moved_contacts, "contacts_dropped": dropped,
                      "deals_moved": moved_deals, "deals_renamed": renamed,
                      "followups_moved": moved_followups, "leads_moved": moved_leads})
        audit.record(session, actor.id, "merge", "customer", main_id, before, after,
                     reason=reason, batch_id=batch_id)
        losers: dict[int, int] = {}
        for other in merged:
            other.deleted_at = now
            audit.record(session, actor.id, "merge", "customer", other.id,
                         {"deleted_at": None}, {"deleted_at": now, "merged_into": main_id},
                         reason=f"merged into #{main_id}", batch_id=batch_id)
            if other.owner_id is not None and other.owner_id not in (actor.id, main.owner_id):
                losers[other.owner_id] = losers.get(other.owner_id, 0) + 1
        # The words are made when the inbox is read, in the reader's language (store/inbox.py).
        for user_id, n in losers.items():
            audit.notify(session, user_id, "customers_taken", "customer", main_id,
                         json.dumps({"actor": actor.name, "n": n}, ensure_ascii=False))
        return main_id
