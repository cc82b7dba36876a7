"""The locked-down mode (SPEC 11, issue 13): SSH keys bound to logins, the service
account's authorized_keys, `leadtui shell LOGIN`, and all of it through a real sshd.

The sshd test runs when /usr/sbin/sshd and ssh are there; with LEADTUI_TEST_SSHD=1
(set by .ci/run, which installs them) a missing one fails the test instead.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import stat
import subprocess
import time
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from leadtui import config
from leadtui.cli import ssh as cli_ssh
from leadtui.cli import app
from leadtui.store.db.engine import Database
from leadtui.store.errors import Invalid, Refused
from leadtui.store.users import ssh_keys
from tests.factories import make_lead, make_pool, make_user

runner = CliRunner()
ME = pwd.getpwuid(os.getuid()).pw_name

LI_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK2nCE89Ob+PNbOpu4mDRPeVdCJeQFWs+/carEI/DNiI li@laptop"
LI_PRINT = "SHA256:xS6BSTRpUKqillg5mp7H6hLmS3uYVG8EhB3JvkAfEDA"  # as ssh-keygen -l prints it
WANG_KEY = ("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDPvG7ZxV9eZwGBMN4md0ZhI1a+gk06t0qx1rD5E+NKfcTh9Aqa+Gjj5bLFvmJG1554"
            "NGioxAiRVwU3ALlK6V5QySHbRUPl+SQkYbPzavWslCOU9szyhp2OPBGGpRt2oYXseRChqmY8EM8bweW5Y+GOm/zqoltmfAdGH/rK3w"
            "gpsxqQlm5P81AwUE/IwMZ/1G92v1EmiDl9Gi0m4YvxVReDHqAKhUsIMXQv9UWMt44t1QyGe+N4vCYzByOWRNVN+Ap+XMuQ5QPHw5R"
            "mbaKLU5w8tXUPhvTi6mf1DNxoT3DkOTHs1KQOqArVyMReAuvKTq1/28ucw0+lMno1e12wwdBF wang@pc")


# ----------------------------------------------------------------------------- keys


def test_a_public_key_is_parsed_and_fingerprinted_as_ssh_keygen_does() -> None:
    key = ssh_keys.parse(LI_KEY)
    assert (key.kind, key.comment, key.fingerprint) == ("ssh-ed25519", "li@laptop", LI_PRINT)
    assert key.line == LI_KEY


@pytest.mark.parametrize("text", [
    'command="/bin/sh",no-pty ' + LI_KEY,  # options before the key would reach authorized_keys
    "ssh-ed25519",
    "ssh-ed25519 not-base64!",
    "ssh-rsa " + LI_KEY.split()[1],  # an ed25519 blob named rsa
    "hello world",
])
def test_what_is_not_a_bare_public_key_is_refused(text: str) -> None:
    with pytest.raises(Invalid, match="is not an SSH public key"):
        ssh_keys.parse(text)


def test_a_comment_cannot_break_the_line() -> None:
    key = ssh_keys.parse(LI_KEY.rsplit(" ", 1)[0] + " x\ncommand=\"/bin/sh\" \x1b[2J")
    assert "\n" not in key.line and "\x1b" not in key.line


def test_keys_are_bound_to_one_login_each(world) -> None:  # noqa: ANN001
    boss = world.store("boss")
    assert boss.set_user("li", add_keys=[LI_KEY]).ssh_keys == (f"{LI_PRINT} li@laptop",)
    with pytest.raises(Refused, match="already opens login li"):
        boss.set_user("wang", add_keys=[LI_KEY])
    with pytest.raises(Refused, match="Only an admin"):
        world.store("li").set_user("li", add_keys=[WANG_KEY])
    assert boss.set_user("li", remove_keys=[LI_PRINT]).ssh_keys == ()
    assert boss.add_user("chen", "Chen", keys=[WANG_KEY]).ssh_keys[0].endswith("wang@pc")


@pytest.fixture
def served(tmp_path, monkeypatch) -> str:  # noqa: ANN001
    """A database owned by the account running the tests (its service account), with
    li and wang, each with a key and a lead of their own."""
    monkeypatch.setattr(config, "os_login", lambda: ME)
    for var in ("LEADTUI_DB", "SSH_ORIGINAL_COMMAND"):
        monkeypatch.delenv(var, raising=False)
    path = str(tmp_path / "crm.db")
    db = Database(f"sqlite:///{path}")
    db.create_schema()
    make_user(db, ME, "admin")
    make_user(db, "li", "sales")
    make_user(db, "wang", "sales")
    make_lead(db, make_pool(db, "North", members=["li"]), owner="li", contact="李娜的线索")
    make_lead(db, make_pool(db, "South", members=["wang"]), owner="wang", contact="王芳的线索")
    db.dispose()
    key_file = tmp_path / "li.pub"
    key_file.write_text("# li's keys\n" + LI_KEY + "\n")
    assert runner.invoke(app, ["--db", path, "users", "set", "li", "--ssh-key", str(key_file)]).exit_code == 0
    assert runner.invoke(app, ["--db", path, "users", "set", "wang", "--ssh-key", WANG_KEY]).exit_code == 0
    return path


def test_users_list_shows_the_keys(served: str) -> None:
    users = {u["login"]: u for u in json.loads(runner.invoke(app, ["--db", served, "users", "list", "--json"]).stdout)}
    assert users["li"]["ssh_keys"] == [f"{LI_PRINT} li@laptop"]
    done = runner.invoke(app, ["--db", served, "users", "set", "li", "--remove-ssh-key", LI_KEY])
    assert done.exit_code == 0, done.output
    done = runner.invoke(app, ["--db", served, "users", "set", "li", "--remove-ssh-key", LI_PRINT])
    assert done.exit_code == 2 and "li has no SSH key" in done.stderr


# ----------------------------------------------------------------------------- authorized_keys


def test_authorized_keys_forces_each_key_to_its_login(served: str) -> None:
    done = runner.invoke(app, ["ssh", "authorized-keys", "--db", served])
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    assert len(lines) == 2
    for line, login, key in zip(lines, ("li", "wang"), (LI_KEY, WANG_KEY)):
        command, rest = line.split('",', 1)
        assert command.startswith('command="/') and command.endswith(f"--db sqlite:///{served} shell {login}")
        assert rest == f"restrict,pty {key}"


def test_write_replaces_its_lines_atomically_and_keeps_the_others(served: str, tmp_path) -> None:  # noqa: ANN001
    target = tmp_path / "ssh" / "authorized_keys"
    target.parent.mkdir()
    target.write_text("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOpsAdminKeyxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx ops@host\n")
    for _ in range(2):  # twice: the second run replaces the block, it does not add one
        done = runner.invoke(app, ["ssh", "authorized-keys", "--db", served, "--write", "--file", str(target)])
        assert done.exit_code == 0, done.output
    text = target.read_text().splitlines()
    assert text[0] == cli_ssh.BEGIN and text[3] == cli_ssh.END and text[4].endswith("ops@host")
    assert len(text) == 5 and stat.S_IMODE(target.stat().st_mode) == 0o600


def test_only_the_service_account_serves(served: str, monkeypatch) -> None:  # noqa: ANN001
    os.chmod(served, 0o666)  # even a file others may write is not theirs to serve
    monkeypatch.setattr(ssh_keys.os, "getuid", lambda: os.stat(served).st_uid + 1)
    for args in (["shell", "li", "--db", served], ["ssh", "authorized-keys", "--db", served]):
        done = runner.invoke(app, args)
        assert done.exit_code == 1 and "run only as the account that owns the database file" in done.stderr


# ----------------------------------------------------------------------------- leadtui shell


def shell(db: str, login: str, command: str | None) -> object:
    env = {"SSH_ORIGINAL_COMMAND": command} if command is not None else {}
    return runner.invoke(app, ["shell", login, "--db", db], env=env)


def test_shell_runs_the_given_command_as_the_login(served: str) -> None:
    done = shell(served, "li", "leads list --json")
    assert done.exit_code == 0, done.output
    assert [lead["contact"] for lead in json.loads(done.stdout)] == ["李娜的线索"]
    done = shell(served, "wang", "leadtui leads list --json")
    assert [lead["contact"] for lead in json.loads(done.stdout)] == ["王芳的线索"]


@pytest.mark.parametrize(("command", "refusal"), [
    ("leads list --as wang", "--as is not allowed over SSH"),
    ("--as=wang leads list", "--as is not allowed over SSH"),
    ("leads list --db /tmp/other.db", "--db is not allowed over SSH"),
    ("--now 2030-01-01 claim 1", "--now is not allowed over SSH"),
    ("shell wang", "`shell` is not allowed over SSH"),
    ("--lang zh init", "`init` is not allowed over SSH"),
    ("ssh authorized-keys", "`ssh` is not allowed over SSH"),
    ("db upgrade", "`db` is not allowed over SSH"),
    ("demo --no-tui", "`demo` is not allowed over SSH"),
    ("leads list 'unclosed", "Cannot read the command"),
])
def test_shell_refuses_what_would_change_who_or_where(served: str, command: str, refusal: str) -> None:
    done = shell(served, "li", command)
    assert done.exit_code == 2 and refusal in done.stderr


def test_shell_never_runs_a_shell(served: str, tmp_path) -> None:  # noqa: ANN001
    marker = tmp_path / "ran"
    done = shell(served, "li", f"/bin/sh -c 'touch {marker}'; touch {marker}")
    assert done.exit_code == 2 and not marker.exists()


def test_shell_keeps_the_service_files_out_of_reach(served: str, tmp_path) -> None:  # noqa: ANN001
    done = shell(served, "li", f"export --out {tmp_path / 'x.csv'}")
    assert done.exit_code == 2 and "takes - (standard input or output)" in done.stderr
    done = shell(served, "li", f"search --queries-file {served} --json")
    assert done.exit_code == 2
    done = shell(served, "li", "export --out - --format csv")
    assert done.exit_code == 0, done.output
    assert "李娜的线索" in done.stdout and "王芳的线索" not in done.stdout


def test_shell_refuses_an_unknown_login(served: str) -> None:
    done = shell(served, "ghost", "leads list")
    assert done.exit_code != 0 and "Unknown login ghost" in done.stderr


def test_the_console_needs_a_terminal(served: str) -> None:
    done = shell(served, "li", None)
    assert done.exit_code == 2 and "needs a terminal" in done.stderr


# ----------------------------------------------------------------------------- through a real sshd


def _tools() -> dict[str, str] | None:
    found = {name: shutil.which(name) or (f"/usr/sbin/{name}" if os.path.exists(f"/usr/sbin/{name}") else None)
             for name in ("sshd", "ssh", "ssh-keygen")}
    return None if None in found.values() else found  # type: ignore[return-value]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def sshd(served: str, tmp_path) -> dict[str, object]:  # noqa: ANN001
    tools = _tools()
    if tools is None:
        if os.environ.get("LEADTUI_TEST_SSHD"):
            pytest.fail("LEADTUI_TEST_SSHD is set but sshd, ssh or ssh-keygen is missing")
        pytest.skip("no sshd/ssh here: the real-sshd test is skipped")
    if os.getuid() == 0:
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege-separation directory
    folder = tmp_path / "sshd"
    folder.mkdir()
    keys = {}
    for name in ("host", "li", "wang"):
        subprocess.run([tools["ssh-keygen"], "-q", "-t", "ed25519", "-N", "", "-C", f"{name}@test",
                        "-f", str(folder / name)], check=True)
        keys[name] = folder / name
    for login in ("li", "wang"):
        runner.invoke(app, ["--db", served, "users", "set", login, "--ssh-key", str(keys[login]) + ".pub"])
    authorized = folder / "authorized_keys"
    done = runner.invoke(app, ["ssh", "authorized-keys", "--db", served, "--write", "--file", str(authorized)])
    assert done.exit_code == 0, done.output
    port = _free_port()
    config_file = folder / "sshd_config"
    config_file.write_text("\n".join([
        f"Port {port}", "ListenAddress 127.0.0.1", f"HostKey {keys['host']}",
        f"AuthorizedKeysFile {authorized}", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
        "PubkeyAuthentication yes", "StrictModes no", "UsePAM no", "PermitRootLogin prohibit-password",
        f"AllowUsers {ME}", f"PidFile {folder / 'sshd.pid'}", "",
    ]))
    server = subprocess.Popen([tools["sshd"], "-D", "-e", "-f", str(config_file)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if server.poll() is not None:
                pytest.fail(f"sshd did not start: {server.stdout.read().decode(errors='replace')}")  # type: ignore[union-attr]
            time.sleep(0.1)
    yield {"port": port, "keys": keys, "ssh": tools["ssh"]}
    server.terminate()
    server.wait(timeout=10)


def _ssh(server: dict[str, object], who: str, *args: str, tty: bool = False) -> subprocess.CompletedProcess[str]:
    command = [str(server["ssh"]), "-F", "/dev/null", "-i", str(server["keys"][who]),  # type: ignore[index]
               "-p", str(server["port"]), "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
               "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
               "-o", "ConnectTimeout=10", "-tt" if tty else "-T", f"{ME}@127.0.0.1", *args]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEADTUI_", "SSH_"))}
    return subprocess.run(command, capture_output=True, text=True, timeout=90, env=env, input="")


def test_through_sshd_each_key_gets_its_own_answer_and_no_shell(sshd: dict[str, object], tmp_path) -> None:  # noqa: ANN001
    done = _ssh(sshd, "li", "leads", "list", "--json")
    assert done.returncode == 0, done.stderr
    assert [lead["contact"] for lead in json.loads(done.stdout)] == ["李娜的线索"]
    done = _ssh(sshd, "wang", "leads list --json")
    assert [lead["contact"] for lead in json.loads(done.stdout)] == ["王芳的线索"]
    # no shell: the command is leadtui's to read, and it names no leadtui command
    marker = tmp_path / "pwned"
    done = _ssh(sshd, "li", f"sh -c 'id; touch {marker}'")
    assert done.returncode == 2 and "No such command" in done.stderr and "uid=" not in done.stdout
    assert not marker.exists()
    done = _ssh(sshd, "li", "leads list --as wang --json")
    assert done.returncode == 2 and "--as is not allowed over SSH" in done.stderr
    # no command and no terminal: said, not a console writing escapes into a pipe
    done = _ssh(sshd, "li")
    assert done.returncode == 2 and "needs a terminal" in done.stderr


def test_through_sshd_a_terminal_gets_the_console(sshd: dict[str, object]) -> None:
    command = [str(sshd["ssh"]), "-F", "/dev/null", "-i", str(sshd["keys"]["li"]),  # type: ignore[index]
               "-p", str(sshd["port"]), "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
               "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
               "-tt", f"{ME}@127.0.0.1"]
    console = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen = b""
    deadline = time.monotonic() + 60
    os.set_blocking(console.stdout.fileno(), False)  # type: ignore[union-attr]
    while time.monotonic() < deadline and "@li".encode() not in seen:
        chunk = console.stdout.read() or b""  # type: ignore[union-attr]
        seen += chunk
        time.sleep(0.2)
    console.stdin.write(b"q")  # type: ignore[union-attr]
    console.stdin.flush()  # type: ignore[union-attr]
    try:
        console.wait(timeout=20)
    finally:
        console.kill()
    assert "@li".encode() in seen  # the status line: li's console


def test_on_postgresql_the_service_account_is_the_one_the_config_names(monkeypatch) -> None:  # noqa: ANN001
    postgres = SimpleNamespace(is_sqlite=False, path=None)
    monkeypatch.setattr(config, "os_login", lambda: "crm")
    monkeypatch.setattr(config, "service_account", lambda: None)
    with pytest.raises(Refused, match="none is named"):
        ssh_keys.check_service_account(postgres)
    monkeypatch.setattr(config, "service_account", lambda: "someone.else")
    with pytest.raises(Refused, match="only as the service account someone.else; crm is not it"):
        ssh_keys.check_service_account(postgres)
    monkeypatch.setattr(config, "service_account", lambda: "crm")
    ssh_keys.check_service_account(postgres)


@pytest.mark.parametrize("form", ["sqlite:///file:{path}?uri=true", "sqlite:///{path}?uri=true"])
def test_a_sqlite_uri_is_still_the_file_and_its_owner(served: str, monkeypatch, form: str) -> None:  # noqa: ANN001
    """A `file:` URI names the same file: the service-account rule is its owner's, never
    the PostgreSQL rule that reads the caller's own config file."""
    monkeypatch.setattr(config, "service_account", lambda: ME)  # as an attacker's config file would say
    monkeypatch.setattr(ssh_keys.os, "getuid", lambda: os.stat(served).st_uid + 1)
    done = runner.invoke(app, ["shell", "li", "--db", form.format(path=served)],
                         env={"SSH_ORIGINAL_COMMAND": "users set li --role admin"})
    assert done.exit_code == 1 and "owns the database file" in done.stderr


def test_shell_imports_from_standard_input_only(served: str) -> None:
    csv_text = "Contact,Mobile\n赵磊,13912345678\nbad row,12\n"
    done = runner.invoke(app, ["--db", served, "users", "set", "li", "--role", "admin"])
    assert done.exit_code == 0
    env = {"SSH_ORIGINAL_COMMAND": "import - --format csv --json"}
    done = runner.invoke(app, ["shell", "li", "--db", served], env=env, input=csv_text)
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    assert (result["source"], result["imported"], result["rejected"], result["rejects_path"]) == ("-", 1, 1, None)
    assert "12" in result["problems"][0]["reason"]
    for command in ("import /etc/passwd.csv", "import - --format csv --rejects /tmp/r.csv"):
        done = runner.invoke(app, ["shell", "li", "--db", served], env={"SSH_ORIGINAL_COMMAND": command})
        assert done.exit_code == 2 and "takes - (standard input or output)" in done.stderr
    done = runner.invoke(app, ["shell", "li", "--db", served], env={"SSH_ORIGINAL_COMMAND": "import -"})
    assert done.exit_code == 2 and "wants --format" in done.stderr


def test_shell_does_not_tell_which_server_files_exist(served: str) -> None:
    answers = set()
    for path in (served, "/no/such/file"):
        done = shell(served, ME, f"users set li --ssh-key {path}")
        answers.add((done.exit_code, done.stderr.split("…", 1)[1]))  # the same words after the value
    assert len(answers) == 1 and "is not an SSH public key" in answers.pop()[1]
