"""The SQLite file on a shared server (issue 13, items 3 and 6): made private, shared
with one group on request, a warning when others can read it, and no write into a
file that was replaced since it was opened."""

from __future__ import annotations

import grp
import json
import os
import shutil
import stat
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from leadtui import config
from leadtui.cli import app
from leadtui.store.db.engine import Database
from leadtui.store.errors import DatabaseReplaced
from leadtui.store.models import Lead
from leadtui.store.service import Store
from tests.factories import make_lead, make_pool, make_user

runner = CliRunner()


def mode(path: str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _leadtui_with_umask(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADTUI_")}
    return subprocess.run([sys.executable, "-m", "leadtui", *args], capture_output=True, text=True, env=env,
                          preexec_fn=lambda: os.umask(0o022), timeout=120)


def test_a_new_database_and_its_wal_are_private_whatever_the_umask(tmp_path) -> None:  # noqa: ANN001
    path = str(tmp_path / "crm.db")
    done = _leadtui_with_umask("init", "--db", path)
    assert done.returncode == 0, done.stderr
    assert mode(path) == 0o600
    # the -wal and -shm SQLite makes while a connection is open follow the file
    db = Database(f"sqlite:///{path}")
    with db.write() as session:
        session.execute(Lead.__table__.select().limit(1))
    for side in ("-wal", "-shm"):
        assert mode(path + side) == 0o600, side
    assert db.exposure() == []
    db.dispose()


def test_init_group_shares_the_file_and_its_folder_with_one_group(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(config, "os_login", lambda: "boss")
    group = grp.getgrgid(os.getgid()).gr_name  # a group the runner may always give files to
    path = str(tmp_path / "shared" / "crm.db")
    done = runner.invoke(app, ["init", "--db", path, "--group", group, "--json"])
    assert done.exit_code == 0, done.output
    assert mode(path) == 0o660 and os.stat(path).st_gid == os.getgid()
    folder = os.stat(os.path.dirname(path))
    assert folder.st_mode & stat.S_ISGID and folder.st_mode & stat.S_IRWXG == stat.S_IRWXG
    assert json.loads(done.stdout)["exposed"] == []


def test_an_unknown_group_is_refused(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(config, "os_login", lambda: "boss")
    done = runner.invoke(app, ["init", "--db", str(tmp_path / "x.db"), "--group", "no-such-group-here"])
    assert done.exit_code == 2 and "There is no group no-such-group-here" in done.stderr


def test_a_database_others_can_read_is_warned_of(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(config, "os_login", lambda: "boss")
    path = str(tmp_path / "open.db")
    assert runner.invoke(app, ["init", "--db", path]).exit_code == 0
    os.chmod(path, 0o644)
    done = runner.invoke(app, ["db", "status", "--db", path, "--json"])
    assert json.loads(done.stdout)["readable_by_others"][0] == path
    done = runner.invoke(app, ["db", "status", "--db", path], env={"COLUMNS": "300"})
    assert "every account on this server may read" in done.stdout and path in done.stdout


async def test_the_console_says_so_in_its_status_line(sqlite_db: Database) -> None:
    from leadtui.app import LeadApp
    from leadtui.widgets.status_line import StatusLine

    make_user(sqlite_db, "boss", "admin")
    os.chmod(sqlite_db.path, 0o644)
    app_ = LeadApp(Store(sqlite_db, "boss"))
    async with app_.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        line = app_.screen.query_one(StatusLine).render_text().plain
        assert "readable by all" in line


# ----------------------------------------------------------------------------- replaced under us


@pytest.fixture
def claimable(sqlite_db: Database) -> tuple[Database, int, int]:
    make_user(sqlite_db, "li", "sales")
    pool = make_pool(sqlite_db, "North", members=["li"])
    return sqlite_db, make_lead(sqlite_db, pool, contact="张伟"), make_lead(sqlite_db, pool, contact="李娜")


def _restore_backup(path: str, backup: str) -> None:
    """What an operator's restore does: the backup moved over the live file."""
    os.replace(backup, path)


def test_a_write_into_a_replaced_file_is_refused_and_reopen_works(claimable, tmp_path) -> None:  # noqa: ANN001
    db, first, second = claimable
    store = Store(db, "li")
    backup = str(tmp_path / "backup.db")
    shutil.copy(db.path, backup)
    _restore_backup(db.path, backup)
    with pytest.raises(DatabaseReplaced, match="moved, deleted or replaced"):
        store.claim_leads([first])
    with pytest.raises(DatabaseReplaced):
        store.change_feed().since(None)
    store.reopen()
    assert store.claim_leads([second]).done == (second,)
    # the claim went into the file that is there now
    fresh = Database(db.url)
    with fresh.read() as session:
        assert session.get(Lead, second).owner_id == store.actor.id
        assert session.get(Lead, first).owner_id is None
    fresh.dispose()


def test_a_deleted_file_is_refused_and_not_made_again(claimable) -> None:  # noqa: ANN001
    db, first, _ = claimable
    store = Store(db, "li")
    os.unlink(db.path)
    with pytest.raises(DatabaseReplaced):
        store.claim_leads([first])
    with pytest.raises(Exception, match="no database file"):
        store.reopen()
    assert not os.path.exists(db.path)


async def test_the_console_offers_to_reopen(claimable, tmp_path) -> None:  # noqa: ANN001
    from leadtui.app import LeadApp
    from leadtui.screens.reopen import ReopenDialog

    db, first, _ = claimable
    app_ = LeadApp(Store(db, "li"))
    async with app_.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        backup = str(tmp_path / "backup.db")
        shutil.copy(db.path, backup)
        _restore_backup(db.path, backup)
        app_.screen.call_store(app_.store.claim_leads, [first])
        for _ in range(50):
            await pilot.pause(0.05)
            if isinstance(app_.screen, ReopenDialog):
                break
        assert isinstance(app_.screen, ReopenDialog)
        await pilot.press("enter")
        for _ in range(50):
            await pilot.pause(0.05)
            if not isinstance(app_.screen, ReopenDialog):
                break
        assert not isinstance(app_.screen, ReopenDialog)
        assert app_.store.claim_leads([first]).done == (first,)


# ----------------------------------------------------------------------------- where a database is made


def test_a_uri_names_the_same_private_file(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "uri.db"
    done = _leadtui_with_umask("init", "--db", f"sqlite:///file:{path}?uri=true")
    assert done.returncode == 0, done.stderr
    assert mode(str(path)) == 0o600


@pytest.mark.parametrize("planted", ["crm.db", "crm.db-wal"])
def test_init_refuses_a_file_someone_else_put_there(tmp_path, monkeypatch, planted: str) -> None:  # noqa: ANN001
    monkeypatch.setattr(config, "os_login", lambda: "boss")
    (tmp_path / planted).write_bytes(b"")
    monkeypatch.setattr(os, "getuid", lambda: os.stat(tmp_path / planted).st_uid + 1)  # as if another's
    done = runner.invoke(app, ["init", "--db", str(tmp_path / "crm.db")])
    assert done.exit_code == 2 and "belongs to another account" in done.stderr


def test_init_refuses_a_link_and_a_folder_open_to_all(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(config, "os_login", lambda: "boss")
    (tmp_path / "elsewhere.db").write_bytes(b"")
    (tmp_path / "crm.db").symlink_to(tmp_path / "elsewhere.db")
    done = runner.invoke(app, ["init", "--db", str(tmp_path / "crm.db")])
    assert done.exit_code == 2 and "is a symbolic link" in done.stderr
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    done = runner.invoke(app, ["init", "--db", str(shared / "crm.db"), "--group", grp.getgrgid(os.getgid()).gr_name])
    assert done.exit_code == 2 and "writable by every account" in done.stderr
    assert not (shared / "crm.db").exists() and stat.S_IMODE(os.stat(shared).st_mode) == 0o1777
