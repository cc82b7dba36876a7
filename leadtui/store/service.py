"""The one shared layer: a `Store` is the acting user on one database.

The console and the CLI both call these methods; each is one business action in
one transaction (the functions live in the modules named here; binding them as
methods keeps one definition of each).
"""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from leadtui.store.access import Actor, resolve_actor
from leadtui.store.audit import inbox
from leadtui.store.customers import actions as customers
from leadtui.store.customers import dupes as customer_dupes
from leadtui.store.customers import merge as customer_merge
from leadtui.store.db.changes import ChangeFeed
from leadtui.store.db.engine import Database
from leadtui.store.exchange import export, lead_import
from leadtui.store.leads import convert
from leadtui.store.leads import edit as lead_edit
from leadtui.store.leads import lists as leads
from leadtui.store.models import Department, Notification
from leadtui.store.pools import actions as pool_actions
from leadtui.store.pools import settings as pools
from leadtui.store.records import UserRecord
from leadtui.store.rules import assign as assign_rules
from leadtui.store.rules import run as rules
from leadtui.store.users import accounts as users
from leadtui.store.users import prefs

_FEED_LOCK = threading.Lock()


class Store:
    def __init__(self, db: Database, os_login: str, as_login: str | None = None) -> None:
        self._logins = (os_login, as_login)
        self._feed: ChangeFeed | None = None
        self._open(db)

    def _open(self, db: Database) -> None:
        os_login, as_login = self._logins
        with db.read() as session:
            # The operator is who runs leadtui; the actor whom they act as (an admin's --as).
            self.operator: Actor = resolve_actor(session, os_login)
            self.actor: Actor = resolve_actor(session, os_login, as_login)
            dept = session.get(Department, self.actor.department_id) if self.actor.department_id else None
        # The audit trail names the operator where an event names someone else (--as)
        # or no one (a rules run): Database.acting.
        self.db = db.acting(self.operator.id)
        self.user = UserRecord(self.actor.id, self.actor.login, self.actor.name, self.actor.role,
                               dept.name if dept else None)

    def reopen(self) -> None:
        """Open the database file now at the path again (after a restore replaced the
        one this store had open): same operator and actor, looked up again there."""
        from leadtui.store.db.schema import check_schema, where

        old, fresh = self.db, self.db.reopened()
        try:
            check_schema(fresh.engine, where(fresh.engine.url))
            self._open(fresh)
        except BaseException:
            fresh.dispose()
            raise
        self.close_change_feed()
        old.dispose()

    # leads
    count_leads = leads.count_leads
    list_leads = leads.list_leads
    lead_ids = leads.lead_ids
    lead_detail = leads.lead_detail
    add_followup = leads.add_followup
    edit_lead = lead_edit.edit_lead
    preview_conversion = convert.preview_conversion
    convert_lead = convert.convert_lead
    # pools and their actions (SPEC 3)
    list_pools = pools.list_pools
    show_pool = pools.show_pool
    add_pool = pools.add_pool
    set_pool = pools.set_pool
    assign_leads = pool_actions.assign_leads
    claim_leads = pool_actions.claim_leads
    reclaim_leads = pool_actions.reclaim_leads
    return_leads = pool_actions.return_leads
    delete_leads = pool_actions.delete_leads
    restore_leads = pool_actions.restore_leads
    purge_leads = pool_actions.purge_leads
    empty_trash = pool_actions.empty_trash
    deleted_times = pool_actions.deleted_times
    # customers and public seas (SPEC 4)
    count_customers = customers.count_customers
    list_customers = customers.list_customers
    customer_ids = customers.customer_ids
    customer_detail = customers.customer_detail
    add_customer_followup = customers.add_customer_followup
    change_owner = customers.change_owner
    assign_customers = customers.assign_customers
    claim_customers = customers.claim_customers
    recycle_customers = customers.recycle_customers
    tag_customers = customers.tag_customers
    lock_customers = customers.lock_customers
    blacklist_customers = customers.blacklist_customers
    delete_customers = customers.delete_customers
    check_new_customer = customer_dupes.check_new_customer
    add_customer = customer_dupes.add_customer
    merge_customers = customer_merge.merge_customers
    list_seas = customers.list_seas
    # rules (SPEC 5)
    list_rules = assign_rules.list_rules
    add_rule = assign_rules.add_rule
    remove_rule = assign_rules.remove_rule
    run_rules = rules.run_rules
    # inbox and audit (SPEC 6)
    list_notifications = inbox.list_notifications
    mark_read = inbox.mark_read
    list_audit = inbox.list_audit
    # export (SPEC 7)
    export_records = export.export_records
    export_calls = export.export_calls
    # import and intake (SPEC 7)
    import_leads = lead_import.import_leads
    ingest_leads = lead_import.ingest_leads
    # users and preferences
    add_user = users.add_user
    list_users = users.list_users
    set_user = users.set_user
    get_columns = prefs.get_columns
    set_columns = prefs.set_columns

    def change_feed(self) -> ChangeFeed:
        """What other operators commit, for the console's live refresh: one feed
        (one extra connection) per Store, made on first use; `close_change_feed` ends it."""
        with _FEED_LOCK:
            if self._feed is None or self._feed.closed:
                self._feed = ChangeFeed(self.db)
            return self._feed

    def close_change_feed(self) -> None:
        with _FEED_LOCK:
            if self._feed is not None:
                self._feed.close()
                self._feed = None

    def warm_search(self) -> None:
        """Load what the typo search keeps in memory (see store/search.py)."""
        from leadtui.store.search import engine as search

        with self.db.read() as session:
            search.warm(session)

    def unread_count(self) -> int:
        with self.db.read() as session:
            return session.scalar(select(func.count()).select_from(Notification).where(
                Notification.user_id == self.actor.id, Notification.read_at.is_(None))) or 0
