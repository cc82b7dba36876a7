"""SSH public keys bound to logins: the locked-down mode (SPEC 11).

One service account owns the database; operators reach it over SSH, and sshd knows
them only by the key they connect with. Each key is stored with the one login it
opens, and `leadtui ssh authorized-keys` writes the service account's
`authorized_keys` from them (leadtui/cli/ssh.py), each key forced to run `leadtui shell LOGIN`.

A key is taken only as `TYPE BASE64 [COMMENT]` and written back from its parsed parts:
authorized_keys options (`command=…`, `from=…`) or a line break in what an admin
pastes can never reach the file, where they would change what a key may do.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadtui import clock, config
from leadtui.safe import one_line
from leadtui.store.errors import Invalid, Refused
from leadtui.store.models import SshKey, User

if TYPE_CHECKING:
    from leadtui.store.db.engine import Database

KINDS = frozenset({
    "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
})
_COMMENT_MAX = 200


@dataclass(frozen=True)
class PublicKey:
    kind: str
    blob: str  # base64, as authorized_keys holds it
    comment: str = ""

    @property
    def fingerprint(self) -> str:
        """As `ssh-keygen -l` prints it: SHA256 of the key, base64 without padding."""
        digest = hashlib.sha256(base64.b64decode(self.blob)).digest()
        return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")

    @property
    def line(self) -> str:
        return " ".join(filter(None, (self.kind, self.blob, self.comment)))


def parse(text: str) -> PublicKey:
    """`ssh-ed25519 AAAA… comment` as a key, or Invalid saying what is wrong."""
    parts = text.strip().split(None, 2)
    shown = one_line(text.strip())[:40]
    if len(parts) < 2 or parts[0] not in KINDS:
        raise Invalid("{key}… is not an SSH public key: give it as `ssh-ed25519 AAAA… comment` (a .pub file's "
                      "line), with no options before it", key=shown)
    kind, blob = parts[0], parts[1]
    try:
        raw = base64.b64decode(blob, validate=True)
        (length,) = struct.unpack(">I", raw[:4])
        named = raw[4:4 + length].decode("ascii")
    except (binascii.Error, struct.error, UnicodeDecodeError):
        named = None
    if named != kind:
        raise Invalid("{key}… is not an SSH public key: its base64 part is damaged or of another type",
                      key=shown)
    comment = one_line(parts[2]).strip()[:_COMMENT_MAX] if len(parts) > 2 else ""
    return PublicKey(kind, blob, comment)


def keys_of(session: Session, user_id: int) -> list[PublicKey]:
    return [PublicKey(k.kind, k.blob, k.comment) for k in session.scalars(
        select(SshKey).where(SshKey.user_id == user_id).order_by(SshKey.id))]


def add_keys(session: Session, user: User, keys: Iterable[PublicKey]) -> list[str]:
    """Bind keys to a user; a key that opens another login is refused (one key, one
    login: otherwise sshd would pick whichever line comes first)."""
    added = []
    for key in keys:
        holder = session.scalar(select(User.login).join(SshKey, SshKey.user_id == User.id)
                                .where(SshKey.blob == key.blob))
        if holder == user.login:
            continue
        if holder is not None:
            raise Refused("The SSH key {fingerprint} already opens login {login}; a key opens one login only",
                          fingerprint=key.fingerprint, login=holder)
        session.add(SshKey(user_id=user.id, kind=key.kind, blob=key.blob, comment=key.comment,
                           added_at=clock.now()))
        added.append(key.fingerprint)
    session.flush()
    return added


def remove_keys(session: Session, user: User, given: Iterable[str]) -> list[str]:
    """Unbind keys, each given as the key itself or its SHA256 fingerprint."""
    held = {k.blob: k for k in session.scalars(select(SshKey).where(SshKey.user_id == user.id))}
    by_print = {PublicKey(k.kind, k.blob).fingerprint: k for k in held.values()}
    removed = []
    for text in given:
        text = text.strip()
        row = by_print.get(text) or (held.get(parse(text).blob) if not text.startswith("SHA256:") else None)
        if row is None:
            raise Invalid("{login} has no SSH key {key}", login=user.login, key=one_line(text)[:60])
        session.delete(row)
        removed.append(PublicKey(row.kind, row.blob).fingerprint)
    session.flush()
    return removed


def authorized(session: Session) -> list[tuple[str, PublicKey]]:
    """(login, key) of every active user's keys, by login: what authorized_keys lists."""
    rows = session.execute(select(User.login, SshKey).join(SshKey, SshKey.user_id == User.id)
                           .where(User.active.is_(True)).order_by(User.login, SshKey.id))
    return [(login, PublicKey(k.kind, k.blob, k.comment)) for login, k in rows]


def check_service_account(database: Database) -> None:
    """`leadtui shell` and `leadtui ssh` serve the locked-down mode and run only as its
    service account: the owner of the SQLite file, or on PostgreSQL the account the
    config file names. Anyone else running `leadtui shell boss` gets nothing: their own
    identity is their uid, which they cannot change. (On PostgreSQL the config file is
    the caller's own, so this only keeps honest people out: whoever holds the role's
    credentials can write the database anyway, docs/operations.md.)"""
    me = config.os_login()
    if database.is_sqlite:
        path = database.path
        try:
            owner_uid = os.stat(path).st_uid if path else None
        except OSError as exc:
            raise Invalid("Cannot read the database file {path}: {error}", path=path,
                          error=exc.strerror or str(exc)) from None
        if owner_uid != os.getuid():
            raise Refused("leadtui shell and leadtui ssh run only as the account that owns the database file "
                          "{path}; {login} does not", path=path or ":memory:", login=me)
        return
    service = config.service_account()
    if not service:
        raise Refused("On PostgreSQL, leadtui shell and leadtui ssh run only as the service account named by "
                      "`service_account = \"…\"` in the config file, and none is named")
    if service != me:
        raise Refused("leadtui shell and leadtui ssh run only as the service account {service}; {login} is not it",
                      service=service, login=me)
