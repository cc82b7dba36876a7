"""The holding rules pools and public seas share (SPEC 3, 4): the holding cap, the
daily claim limit, the cooldown of a previous owner, and round-robin assignment.

Leads (pool_actions.py) and customers (customers.py) both decide with these, so a
sea's cap or cooldown cannot drift from a pool's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from leadtui.i18n import t
from leadtui.store.models import Pool

UNLIMITED = 10**9
T = TypeVar("T")


def cooldown_refusal(pool: Pool, user_id: int, user_name: str, previous_owner_id: int | None,
                     released_at: datetime | None, now: datetime) -> str | None:
    """Why a previous owner may not take a record back yet, or None."""
    if (pool.cooldown_days and previous_owner_id == user_id and released_at
            and now < released_at + timedelta(days=pool.cooldown_days)):
        if pool.kind == "sea":
            return t("{user} let it go less than {days} days ago; public sea {pool} allows claiming it back "
                     "after {days} days", user=user_name, days=pool.cooldown_days, pool=pool.name)
        return t("{user} let it go less than {days} days ago; pool {pool} allows claiming it back after {days} days",
                 user=user_name, days=pool.cooldown_days, pool=pool.name)
    return None


def claim_room(pool: Pool, held: int, claimed_today: int) -> int:
    """How many more one user may claim from `pool` now (the holding cap and the
    daily claim limit, whichever leaves less)."""
    room = UNLIMITED
    if pool.holding_cap is not None:
        room = max(0, pool.holding_cap - held)
    if pool.daily_claim_limit is not None:
        room = min(room, max(0, pool.daily_claim_limit - claimed_today))
    return room


def claim_refusal(pool: Pool, user_name: str, held: int, claimed_today: int) -> str:
    """Why a claim is refused, in the counts that refused it: callers pass what the
    user holds and has claimed today *after* the rows their batch took, so a batch
    of three under a limit of two says "claimed 2 of 2 … 0 left", not the counts it
    started from."""
    sea = pool.kind == "sea"
    cap_room = UNLIMITED if pool.holding_cap is None else max(0, pool.holding_cap - held)
    daily_room = UNLIMITED if pool.daily_claim_limit is None else max(0, pool.daily_claim_limit - claimed_today)
    if daily_room < cap_room:
        if sea:
            return t("{user} claimed {n} of {limit} customers allowed per day in public sea {pool}; {left} left "
                     "today", user=user_name, n=claimed_today, limit=pool.daily_claim_limit, pool=pool.name,
                     left=daily_room)
        return t("{user} claimed {n} of {limit} leads allowed per day in pool {pool}; {left} left today",
                 user=user_name, n=claimed_today, limit=pool.daily_claim_limit, pool=pool.name, left=daily_room)
    if sea:
        return t("{user} holds {held} of {cap} customers allowed in public sea {pool}; {left} left",
                 user=user_name, held=held, cap=pool.holding_cap, pool=pool.name, left=cap_room)
    return t("{user} holds {held} of {cap} leads allowed in pool {pool}; {left} left",
             user=user_name, held=held, cap=pool.holding_cap, pool=pool.name, left=cap_room)


def round_robin(items: Sequence[T], target_ids: Sequence[int], room: dict[int, int],
                skip: Callable[[T], str | None] = lambda item: None,
                avoid: Callable[[T], int | None] = lambda item: None,
                ) -> tuple[dict[int, list[T]], list[T], list[tuple[T, str]]]:
    """Share `items` among the targets in turn, evenly, skipping anyone with no room.

    Returns the plan (target -> items), the items nobody had room for, and the items
    `skip` refused (with its reason). 100 items to 3 targets: 34 / 33 / 33. An item
    never goes to the target `avoid` names for it (its current owner).
    """
    plan: dict[int, list[T]] = defaultdict(list)
    unplaced: list[T] = []
    skipped: list[tuple[T, str]] = []
    turn = 0
    for item in items:
        reason = skip(item)
        if reason:
            skipped.append((item, reason))
            continue
        for step in range(len(target_ids)):
            target = target_ids[(turn + step) % len(target_ids)]
            if room[target] > 0 and target != avoid(item):
                room[target] -= 1
                plan[target].append(item)
                turn = (turn + step + 1) % len(target_ids)
                break
        else:
            unplaced.append(item)
    return plan, unplaced, skipped


def room_for(cap: int | None, held: dict[int, int]) -> dict[int, int]:
    return {user_id: UNLIMITED if cap is None else max(0, cap - n) for user_id, n in held.items()}



def extended_protection(pool: Pool | None, assigned_at: datetime | None, current: datetime | None,
                        now: datetime) -> datetime | None:
    """SPEC 3: a follow-up extends protection to now + protect_days, never past
    assigned_at + max_protect_days, and never shortens it. Leads and customers alike."""
    if pool is None or not pool.protect_days or assigned_at is None:
        return current
    until = now + timedelta(days=pool.protect_days)
    if pool.max_protect_days:
        until = min(until, assigned_at + timedelta(days=pool.max_protect_days))
    return until if current is None or until > current else current
