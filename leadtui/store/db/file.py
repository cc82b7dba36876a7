"""The SQLite file on a shared server (SPEC 11): who may read it, and whether it is
still the file leadtui opened.

- A new database file is made readable and writable by its owner only (0600), or by
  one group the admin names (`leadtui init --group crm`: 0660). SQLite gives its
  `-wal` and `-shm` files the database file's mode bits, so they follow; the group of
  those files is the creating process's unless the folder has the setgid bit, which
  `--group` sets when it owns the folder.
- `exposure` names what any local account may read or write (the file, its -wal,
  -shm), for the console's status line and `leadtui db status`.
- `identity` is the file's (device, inode): a restore from backup with `mv`, or a
  deleted file, leaves an open connection writing into an unlinked file that nobody
  will ever read again, so every write and every live-refresh look compares it first.

Whoever can write the file can change anything in it without leadtui; these modes
keep the other accounts out, they do not make the file safe from its owner or group.
"""

from __future__ import annotations

import grp
import os
import stat
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy.engine import make_url

from leadtui.i18n import t
from leadtui.store.errors import Invalid

PRIVATE = 0o600
SHARED = 0o660
SIDE_FILES = ("-wal", "-shm", "-journal")


def sqlite_path(url: str) -> str | None:
    """The file behind a SQLite URL, also when given as a `file:` URI (`?uri=true`);
    None for PostgreSQL and for memory databases."""
    parsed = make_url(url)
    path = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or path in ("", ":memory:"):
        return None
    if path.startswith("file:") and str(parsed.query.get("uri", "")).lower() in ("true", "1"):
        uri = urlsplit(path)
        if uri.path in ("", ":memory:") or "memory" in parse_qs(uri.query).get("mode", []):
            return None
        path = unquote(uri.path)
    return str(Path(path).expanduser())


def group_id(name: str) -> int:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise Invalid("There is no group {group} on this server", group=name) from None


def create(path: str, group: str | None = None) -> None:
    """Make the empty database file with its mode set before anything is in it (an
    empty file is a valid SQLite database). Exclusive: an existing file is left alone."""
    Path(path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
    except FileExistsError:
        return
    try:
        os.fchmod(fd, PRIVATE)  # the umask may have taken bits away; never adds any
    finally:
        os.close(fd)
    if group:
        share(path, group)


def _open_to_all(folder: str) -> bool:
    try:
        return bool(os.stat(folder).st_mode & stat.S_IWOTH)
    except OSError:
        return False


def check_new_home(path: str) -> None:
    """Where `init` and `demo` make (or reuse) a database, nobody else may have put
    anything first: a file, a -wal whose pages SQLite would replay into the new
    database, or a link pointing elsewhere; and the folder must not let every account
    add such files later (SQLite makes the -wal and -shm afresh at each open)."""
    folder = os.path.dirname(os.path.abspath(path))
    if _open_to_all(folder):
        raise Invalid("The folder {folder} is writable by every account, who could put files beside the "
                      "database for SQLite to read: make it in a folder of its own (e.g. `install -d -m 2770 -g "
                      "GROUP /srv/crm`)", folder=folder)
    for name in [path, *(path + s for s in SIDE_FILES)]:
        try:
            info = os.lstat(name)
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(info.st_mode):
            raise Invalid("{path} is a symbolic link: leadtui makes its database in a file of its own", path=name)
        if info.st_uid != os.getuid():
            raise Invalid("{path} belongs to another account: leadtui makes its database in a file of its own; "
                          "remove it or choose another path", path=name)


def share(path: str, group: str) -> list[str]:
    """Give the database (and its side files) to `group`, read-write (0660). Returns
    what the operator still has to do themself (a folder they do not own)."""
    gid = group_id(group)
    for name in [path, *(path + s for s in SIDE_FILES)]:
        if not os.path.exists(name):
            continue
        try:
            os.chown(name, -1, gid)
            os.chmod(name, SHARED)
        except PermissionError:
            raise Invalid("Cannot give {path} to group {group}: only its owner may, and only to a group "
                          "they belong to", path=name, group=group) from None
    folder = os.path.dirname(os.path.abspath(path))
    info = os.stat(folder)
    wanted = stat.S_ISGID | stat.S_IRWXG
    if info.st_gid == gid and info.st_mode & wanted == wanted:
        return []
    if info.st_uid != os.getuid() or info.st_mode & stat.S_IWOTH:
        return [folder]  # not ours to change (and a folder open to all is nobody's to give away)
    # The -wal and -shm files SQLite makes in this folder then belong to the group
    # too, whichever member's process makes them.
    os.chown(folder, -1, gid)
    os.chmod(folder, stat.S_IMODE(info.st_mode) | wanted)
    return []


def exposure(path: str) -> list[str]:
    """The database's files that every account on the server may read or write, and
    its folder when every account may add files to it."""
    folder = os.path.dirname(os.path.abspath(path))
    exposed = [folder] if _open_to_all(folder) else []
    for name in [path, *(path + s for s in SIDE_FILES)]:
        try:
            mode = os.stat(name).st_mode
        except OSError:
            continue
        if mode & (stat.S_IROTH | stat.S_IWOTH):
            exposed.append(name)
    return exposed


def warning(exposed: list[str]) -> str:
    return t("Warning: every account on this server may read or write {files}: run `chmod 600` on the files "
             "and `chmod o-rwx` on the folder (or `leadtui init --group GROUP` to share them with one group)",
             files=", ".join(exposed))


def identity(path: str) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino
