"""`leadtui users ...`: users and departments (SPEC 1), and their SSH keys (SPEC 11)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from leadtui import i18n
from leadtui.cli._common import (
    AsOpt,
    DbOpt,
    G,
    JsonOpt,
    command_group,
    fail,
    guarded,
    open_store,
    out,
    print_json,
    print_table,
)
from leadtui.i18n import t

users_app = command_group("users", "Users and departments.")


SshKeyOpt = Annotated[list[str] | None, typer.Option(
    "--ssh-key", metavar="KEY|FILE",
    help="An SSH public key (\"ssh-ed25519 AAAA… comment\") or a .pub / authorized_keys file of them, for "
         "the locked-down mode (`leadtui ssh authorized-keys`); repeatable.")]


def ssh_keys_given(values: list[str] | None) -> list[str]:
    """Each --ssh-key as key lines: a file's non-blank, non-comment lines, or the key
    itself. A file is read only from the operator's own account, never through
    `leadtui shell` (the service account's files are not theirs)."""
    lines: list[str] = []
    for value in values or []:
        path = os.path.expanduser(value)
        if G.login is not None or value.lstrip().startswith(("ssh-", "ecdsa-", "sk-")):
            lines.append(value)  # over SSH not even looked up: whether a server file exists is not theirs to learn
        elif os.path.isfile(path):
            try:
                with open(path, encoding="utf-8") as fh:
                    lines += [line for line in fh.read().splitlines() if line.strip() and not line.startswith("#")]
            except (OSError, UnicodeDecodeError) as exc:
                fail(t("Cannot read the key file {path}: {error}", path=value, error=str(exc)), 2)
        else:
            lines.append(value)
    return lines


@users_app.command("add")
def users_add(
    login: Annotated[str, typer.Argument(metavar="LOGIN")],
    name: Annotated[str, typer.Option("--name", help="Display name.")],
    role: Annotated[str, typer.Option("--role", help="admin, manager or sales.")] = "sales",
    dept: Annotated[str | None, typer.Option("--dept", help="Department (created when new).")] = None,
    ssh_key: SshKeyOpt = None,
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Add a user (admins only)."""
    keys = ssh_keys_given(ssh_key)
    with guarded(json_):
        user = open_store(db, as_).add_user(login, name, role, dept, keys)
        if json_:
            print_json(user)
        else:
            out.print(t("Added {login} ({role}).", login=user.login, role=user.role))


@users_app.command("set")
def users_set(
    login: Annotated[str, typer.Argument(metavar="LOGIN")],
    name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
    role: Annotated[str | None, typer.Option("--role", help="admin, manager or sales.")] = None,
    dept: Annotated[str | None, typer.Option("--dept", help="Department (\"\" for none).")] = None,
    customer_cap: Annotated[str | None, typer.Option(
        "--customer-cap", help="Most customers the user may own; \"none\" for no cap.")] = None,
    ssh_key: SshKeyOpt = None,
    remove_ssh_key: Annotated[list[str] | None, typer.Option(
        "--remove-ssh-key", metavar="KEY|FINGERPRINT",
        help="Unbind an SSH key, given as the key or its SHA256:… fingerprint (`leadtui users list`); "
             "repeatable.")] = None,
    db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Change a user's name, role, department, customer holding cap or SSH keys (admins only)."""
    from leadtui.store.users.accounts import UNCHANGED

    cap: object = UNCHANGED
    if customer_cap is not None:
        if customer_cap.strip().lower() in ("none", ""):
            cap = None
        elif customer_cap.strip().isdigit():
            cap = int(customer_cap.strip())
        else:
            fail(t("--customer-cap wants a whole number or \"none\", not {value}", value=customer_cap), 2)
    with guarded(json_):
        user = open_store(db, as_).set_user(login, role=role, dept=dept, customer_cap=cap, name=name,
                                            add_keys=ssh_keys_given(ssh_key), remove_keys=remove_ssh_key or [])
        if json_:
            print_json(user)
        else:
            out.print(t("Changed {login}.", login=user.login))


@users_app.command("list")
def users_list(db: DbOpt = None, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """List the users."""
    with guarded(json_):
        users = open_store(db, as_).list_users()
        if json_:
            print_json(users)
        else:
            print_table([t("Login"), t("Name"), t("Role"), t("Department"), t("Customer cap"), t("SSH keys")],
                        [[u.login, u.name, i18n.label(u.role), u.department or "",
                          "" if u.customer_cap is None else u.customer_cap, len(u.ssh_keys) or ""]
                         for u in users], keep=(0, 2, 4, 5))
