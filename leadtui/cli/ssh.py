"""The locked-down mode (SPEC 11): `leadtui ssh authorized-keys` and `leadtui shell LOGIN`.

As gitolite does: one service account owns the database, operators have no shell on
the server, and sshd knows each of them by their key. Every key bound to a login
(`leadtui users add|set LOGIN --ssh-key KEY`) becomes one line of the service
account's authorized_keys,

    command="/path/to/leadtui [--db URL] shell LOGIN",restrict,pty ssh-ed25519 AAAA… comment

so whatever the operator asks sshd for, sshd runs `leadtui shell LOGIN`: the console
as LOGIN, or the leadtui command line the operator gave (SSH_ORIGINAL_COMMAND), split
as a shell would split it but never run by one, as LOGIN. `restrict` turns off port,
agent and X11 forwarding; `pty` lets the console have a terminal.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from leadtui import config, safe
from leadtui.cli._common import (
    DbOpt,
    G,
    JsonOpt,
    app,
    command_group,
    fail,
    guarded,
    open_db,
    out,
    print_json,
    run_console,
)
from leadtui.i18n import t

ssh_app = command_group("ssh", "The locked-down mode: operators reach leadtui over SSH with their key, and nothing "
                           "else (run as the service account that owns the database).")

BEGIN = "# leadtui: begin — written by `leadtui ssh authorized-keys --write`; edits inside are replaced"
END = "# leadtui: end"

# What a command line given over SSH may not hold: another identity, database or
# clock, and the commands that make, serve or benchmark databases (and read or write
# the service's files) rather than act as the operator in one.
FORBIDDEN_OPTIONS = ("--as", "--db", "--now")
FORBIDDEN_COMMANDS = frozenset({"shell", "init", "ssh", "demo", "bench", "db"})


def leadtui_command() -> list[str]:
    """How sshd should start this leadtui: its script by absolute path, else python -m."""
    script = Path(sys.argv[0])
    if script.name == "leadtui" and script.is_file():
        return [str(script.absolute())]
    found = shutil.which("leadtui")
    if found:
        return [os.path.abspath(found)]
    return [sys.executable, "-m", "leadtui"]


def authorized_line(login: str, key_line: str, db_url: str | None) -> str:
    argv = [*leadtui_command(), *(["--db", db_url] if db_url else []), "shell", login]
    # sshd hands the command to the account's shell: each word quoted for it, then the
    # whole escaped for the option's double quotes.
    command = " ".join(shlex.quote(a) for a in argv).replace('"', '\\"')
    return f'command="{command}",restrict,pty {key_line}'


def _block(db_url: str | None) -> list[str]:
    from leadtui.store.users import ssh_keys

    database = open_db(db_url)
    try:
        ssh_keys.check_service_account(database)
        with database.read() as session:
            bound = ssh_keys.authorized(session)
    finally:
        database.dispose()
    return [BEGIN, *(authorized_line(login, key.line, db_url) for login, key in bound), END]


def _merged(block: list[str], path: Path) -> str:
    """The new block first (sshd takes the first line that holds a key, so a key that
    also has a line of its own further down still opens only leadtui), then the lines
    the file had outside any earlier block, kept as they were."""
    kept: list[str] = []
    try:
        inside = False
        for line in path.read_text(encoding="utf-8").splitlines():
            if line == BEGIN:
                inside = True
            elif line == END and inside:
                inside = False
            elif not inside:
                kept.append(line)
    except FileNotFoundError:
        pass
    return "\n".join(block + kept) + "\n"


def write_atomically(path: Path, text: str) -> None:
    """authorized_keys replaced in one rename, mode 0600 from the start: sshd never
    reads half a file, and no other account can read or change it."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".authorized_keys.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            os.fchmod(fh.fileno(), 0o600)
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def default_keys_file() -> Path:
    return Path.home() / ".ssh" / "authorized_keys"


@ssh_app.command("authorized-keys")
def authorized_keys(
    db: DbOpt = None,
    write: Annotated[bool, typer.Option("--write", help="Replace leadtui's lines in the authorized_keys file "
                                                        "(atomically, mode 0600) instead of printing them.")] = False,
    file: Annotated[str | None, typer.Option("--file", metavar="PATH",
                                             help="The file --write replaces (default ~/.ssh/authorized_keys).")
                    ] = None,
    json_: JsonOpt = False,
) -> None:
    """Print (or --write) the service account's authorized_keys: one line per SSH key, each
    forced to run `leadtui shell LOGIN` as its login. Run it as the service account."""
    url = db or G.db or os.environ.get("LEADTUI_DB") or None
    with guarded(json_):
        block = _block(config.db_url(url) if url else None)
    lines = block[1:-1]
    if not write:
        if json_:
            print_json({"lines": lines})
        else:
            print("\n".join(lines))
        return
    target = Path(file).expanduser() if file else default_keys_file()
    try:
        write_atomically(target, _merged(block, target))
    except OSError as exc:
        fail(t("Cannot write {path}: {error}", path=str(target), error=exc.strerror or str(exc)), 4, json_)
    if json_:
        print_json({"file": str(target), "keys": len(lines)})
    else:
        out.print(Text(safe.one_line(t("Wrote {n} key line(s) to {path}", n=len(lines), path=str(target)))))


def _refused_in_shell(argv: list[str]) -> str | None:
    """Why a command line given over SSH may not run, or None."""
    for word in argv:
        option = word.split("=", 1)[0]
        if option in FORBIDDEN_OPTIONS:
            return t("{option} is not allowed over SSH: you are who your key says, on the service's database",
                     option=option)
    command = _command_word(argv)
    if command in FORBIDDEN_COMMANDS:
        return t("`{command}` is not allowed over SSH", command=command)
    return None


def _command_word(argv: list[str]) -> str | None:
    """The first word that is not the global --lang option or its value."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word == "--lang":
            skip = True
        elif not word.startswith("-"):
            return word
    return None


@app.command("shell")
def shell(
    login: Annotated[str, typer.Argument(metavar="LOGIN", help="The login the SSH key belongs to.")],
    db: DbOpt = None,
) -> None:
    """What sshd runs for an operator's key (see `leadtui ssh authorized-keys`): the console as
    LOGIN, or the leadtui command in SSH_ORIGINAL_COMMAND as LOGIN. Runs only as the service
    account that owns the database."""
    from leadtui.store.service import Store
    from leadtui.store.users import ssh_keys

    with guarded():
        database = open_db(db)
        ssh_keys.check_service_account(database)
        Store(database, login)  # an unknown or removed login stops here, with the message to give
    try:
        argv = shlex.split(os.environ.get("SSH_ORIGINAL_COMMAND", ""))
    except ValueError as exc:
        fail(t("Cannot read the command {command}: {error}", command=os.environ["SSH_ORIGINAL_COMMAND"],
               error=str(exc)), 2)
    if argv and argv[0] == "leadtui":
        argv = argv[1:]  # `ssh server leadtui leads list` as well as `ssh server leads list`
    refusal = _refused_in_shell(argv)
    if refusal:
        fail(refusal, 2)
    if not argv and not (sys.stdin.isatty() and sys.stdout.isatty()):
        fail(t("The console needs a terminal: connect with `ssh -t`, or give a leadtui command "
               "(e.g. `ssh SERVER leads list`)"), 2)
    G.login, G.shell_db, G.as_login = login, database.url, None
    try:
        if not argv:
            run_console(None)
        else:
            # The same command line parser, in this process: nothing passes through a shell.
            app(args=argv, prog_name="leadtui")
    finally:
        G.login = G.shell_db = None
