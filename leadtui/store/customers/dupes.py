"""Creating a customer by hand, with the duplicate check of SPEC 4.

- The exact rule: a customer with the same name (NFKC, case and surrounding spaces
  ignored), or the same normalised mobile or email, already exists: creation is refused
  and the match named.
- The fuzzy rule: customers with similar names (rapidfuzz) are listed; the operator
  may go on (`force`).

Both rules look at every customer that is not in the trash, not only those the
operator may see: a duplicate hidden in a colleague's list is still a duplicate. Only
the id, the name and why it matched leave the store.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process
from sqlalchemy import func, select, text

from leadtui import clock
from leadtui.i18n import label, t
from leadtui.store.audit import trail as audit
from leadtui.store.errors import Invalid, Refused
from leadtui.store.leads.convert import email_norm, mobile_norm
from leadtui.store.models import Customer, User
from leadtui.store.pools.actions import lock_users
from leadtui.store.records import DuplicateCheck, SimilarCustomer
from leadtui.store.search.engine import normalize

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from leadtui.store.service import Store

SIMILAR_CUTOFF = 80
SIMILAR_LIMIT = 5

# Legal forms say nothing about which company it is: "上海星辰科技有限公司" and
# "上海星辰科技公司" are the same company, "上海星辰科技有限公司" and
# "上海明月科技有限公司" are not, though they share half their characters.
_ZH_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "公司", "集团")
_EN_FORMS = {"co", "company", "corp", "corporation", "inc", "incorporated", "limited", "ltd", "llc",
             "plc", "gmbh"}
_PUNCT = re.compile(r"[.,;:()\[\]（）【】、，。·&/\\-]+")

# The word for what matched, shown in the refusal (translated through t()).
MATCH_WORDS = {"name": "name", "mobile": "mobile number", "email": "email address"}

# Advisory lock key: on PostgreSQL, two operators adding the same customer at once
# would both pass the check under READ COMMITTED; this serialises creations.
_CREATE_LOCK = 0x1EAD_C057


def name_key(name: str | None) -> str:
    """The name as the exact rule compares it."""
    return normalize(name)


def similarity_key(name: str | None) -> str:
    """The name as the fuzzy rule compares it: normalised, legal form dropped."""
    full = normalize(name)
    key = _PUNCT.sub(" ", full)
    changed = True
    while changed:
        changed = False
        key = key.strip()
        for form in _ZH_FORMS:
            if key.endswith(form) and len(key) > len(form):
                key, changed = key[: -len(form)], True
                break
        words = key.split()
        if len(words) > 1 and words[-1] in _EN_FORMS:
            key, changed = " ".join(words[:-1]), True
    key = " ".join(key.split())
    return key or full


def _find(session: Session, name: str, mobile: str, email: str) -> DuplicateCheck:
    name_k = name_key(name)
    m, e = mobile_norm(mobile), email_norm(email)
    rows = session.execute(select(Customer.id, Customer.name, Customer.mobile_norm, Customer.email_norm)
                           .where(Customer.deleted_at.is_(None)).order_by(Customer.id)).all()
    exact: SimilarCustomer | None = None
    for by, hit in (("name", lambda r: bool(name_k) and name_key(r.name) == name_k),
                    ("mobile", lambda r: bool(m) and r.mobile_norm == m),
                    ("email", lambda r: bool(e) and r.email_norm == e)):
        found = next((r for r in rows if hit(r)), None)
        if found is not None:
            exact = SimilarCustomer(found.id, found.name, 100.0, by)
            break
    similar: list[SimilarCustomer] = []
    key = similarity_key(name)
    if key:
        choices = {r.id: similarity_key(r.name) for r in rows if exact is None or r.id != exact.id}
        names = {r.id: r.name for r in rows}
        # The better of two scores: `ratio` sees typos and swapped letters ("merge mian"
        # / "merge main": 90), `token_sort_ratio` words in another order ("Smith John" /
        # "John Smith"); alone, each misses what the other sees (token_sort_ratio gives
        # the swapped letters 50). WRatio is not used: its partial match lists "Li Ning
        # Sports" for "Li" (90).
        best: dict[int, float] = {}
        for scorer in (fuzz.ratio, fuzz.token_sort_ratio):
            for _choice, score, cid in process.extract(key, choices, scorer=scorer, score_cutoff=SIMILAR_CUTOFF,
                                                       limit=None):
                best[cid] = max(best.get(cid, 0.0), float(score))
        for cid, score in sorted(best.items(), key=lambda item: (-item[1], item[0]))[:SIMILAR_LIMIT]:
            similar.append(SimilarCustomer(cid, names[cid], round(score, 1), "similar name"))
    return DuplicateCheck(exact, tuple(similar))


def check_new_customer(store: Store, name: str, mobile: str = "", email: str = "") -> DuplicateCheck:
    """What creating a customer with these details would run into."""
    with store.db.read() as session:
        return _find(session, name or "", mobile or "", email or "")


def _clean(value: str | None) -> str:
    return unicodedata.normalize("NFC", (value or "").strip())


_MOBILE_CHARS = re.compile(r"^[0-9+\-().\s]+$")


def _validate(fields: dict[str, str], kind: str | None) -> None:
    if not fields["name"]:
        raise Invalid("A customer needs a name")
    mobile = fields["mobile"]
    if mobile:
        m = mobile_norm(mobile)
        raw = unicodedata.normalize("NFKC", mobile).strip()
        # "+1 415 555 0100" has 11 digits starting with 1 too: a country code must be 86.
        foreign = raw.startswith("+") and not raw[1:].lstrip(" (").startswith("86")
        if not _MOBILE_CHARS.match(raw) or foreign or len(m) != 11 or m[0] != "1":
            raise Invalid("Mobile {mobile} is not a mainland mobile number (11 digits starting with 1)",
                          mobile=mobile)
    email = fields["email"]
    if email:
        local, at, domain = email.partition("@")
        if (not at or not local or "@" in domain or any(c.isspace() for c in email)
                or "." not in domain.strip(".") or domain.startswith(".") or domain.endswith(".")):
            raise Invalid("Email {email} is not an email address", email=email)
    if kind is not None and kind not in ("enterprise", "individual"):
        raise Invalid("Customer kind {kind} must be enterprise or individual", kind=kind)
    for field, value in fields.items():
        limit = getattr(Customer.__table__.c[field].type, "length", None)
        if limit and len(value) > limit:
            raise Invalid("{field} is longer than {n} characters", field=label(field), n=limit)


def _refuse_exact(exact: SimilarCustomer, check: DuplicateCheck) -> Refused:
    error = Refused("Customer #{id} {name} has the same {field}", id=exact.id, name=exact.name,
                    field=t(MATCH_WORDS[exact.matched_by]))
    error.check = check  # type: ignore[attr-defined]  # the TUI shows the match from it
    return error


def _refuse_similar(check: DuplicateCheck) -> Refused:
    listing = ", ".join(f"#{s.id} {s.name} ({s.score:.0f})" for s in check.similar)
    # How to go on differs (the CLI's --force, the console's Save again): each says it.
    error = Refused("Similar customers exist: {similar}", similar=listing)
    error.check = check  # type: ignore[attr-defined]
    return error


def add_customer(store: Store, name: str, *, mobile: str = "", email: str = "", company: str = "",
                 kind: str | None = None, phone: str = "", wechat: str = "", qq: str = "",
                 address: str = "", website: str = "", source: str = "", tags: str = "",
                 force: bool = False) -> tuple[int, DuplicateCheck]:
    """A customer owned by the operator. An exact duplicate is always refused; similar
    names are refused unless `force`. Returns the new id and the check it passed."""
    actor = store.actor
    fields = {"name": _clean(name), "mobile": _clean(mobile), "email": _clean(email),
              "company": _clean(company), "phone": _clean(phone), "wechat": _clean(wechat),
              "qq": _clean(qq), "address": _clean(address), "website": _clean(website),
              "source": _clean(source)}
    _validate(fields, kind)
    tag_list = list(dict.fromkeys(x.strip() for x in (tags or "").split(",") if x.strip()))
    with store.db.write() as session:
        if not store.db.is_sqlite:  # SQLite: BEGIN IMMEDIATE already serialises writers
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CREATE_LOCK})
        lock_users(session, [actor.id])
        check = _find(session, fields["name"], fields["mobile"], fields["email"])
        if check.exact is not None:
            raise _refuse_exact(check.exact, check)
        if check.similar and not force:
            raise _refuse_similar(check)
        cap = session.scalar(select(User.customer_cap).where(User.id == actor.id))
        if cap is not None:
            held = session.scalar(select(func.count()).select_from(Customer).where(
                Customer.owner_id == actor.id, Customer.status == "following",
                Customer.deleted_at.is_(None))) or 0
            if held >= cap:
                raise Refused("{user} owns {n} of {cap} customers allowed", user=actor.name, n=held, cap=cap)
        now = clock.now()
        customer = Customer(
            kind=kind or ("enterprise" if fields["company"] else "individual"),
            mobile_norm=mobile_norm(fields["mobile"]), email_norm=email_norm(fields["email"]),
            status="following", owner_id=actor.id, stage="new", created_at=now, assigned_at=now,
            tags=",".join(tag_list), **fields,
        )
        session.add(customer)
        session.flush()
        audit.record(session, actor.id, "create", "customer", customer.id, {},
                     {"name": customer.name, "kind": customer.kind, "owner_id": actor.id,
                      "mobile": customer.mobile, "email": customer.email, "company": customer.company,
                      "similar": [s.id for s in check.similar]},
                     reason="added by hand despite similar names" if check.similar else "")
        return customer.id, check
