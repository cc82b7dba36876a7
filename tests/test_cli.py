"""The command line: the same store, --json output, clear refusals, exit codes."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from leadtui import cli, config

runner = CliRunner()


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> str:
    monkeypatch.setattr(config, "os_login", lambda: "boss")
    monkeypatch.delenv("LEADTUI_DB", raising=False)
    monkeypatch.delenv("LEADTUI_AS", raising=False)
    url = f"sqlite:///{tmp_path}/cli.db"
    result = runner.invoke(cli.app, ["init", "--db", url, "--name", "The Boss"])
    assert result.exit_code == 0, result.output
    return url


def run(*args: str):  # noqa: ANN201
    return runner.invoke(cli.app, list(args))


def seed_leads(url: str) -> list[int]:
    from leadtui.store.db.engine import Database
    from leadtui.store.leads import intake

    db = Database(url)
    with db.write() as session:
        pool = intake.default_pool_id(session)
        ids = [intake.add_lead(session, {"contact": "张伟", "mobile": "13800138000", "company": "星辰科技"},
                               pool_id=pool).id,
               intake.add_lead(session, {"contact": "Emma Brown", "email": "emma@example.com"},
                               pool_id=pool, source="booking").id]
    return ids


def test_init_makes_the_os_login_the_first_admin(db_url: str) -> None:
    result = run("users", "list", "--db", db_url, "--json")
    assert result.exit_code == 0, result.output
    users = json.loads(result.stdout)
    assert [(u["login"], u["role"]) for u in users] == [("boss", "admin")]


def test_users_add_and_refusals(db_url: str, monkeypatch) -> None:
    result = run("users", "add", "li.na", "--name", "李娜", "--role", "sales", "--dept", "East", "--db", db_url)
    assert result.exit_code == 0, result.output
    result = run("users", "add", "li.na", "--name", "again", "--db", db_url)
    assert result.exit_code != 0 and "exists already" in result.stderr
    result = run("users", "add", "x", "--name", "X", "--role", "king", "--db", db_url)
    assert result.exit_code == 2 and "Unknown role" in result.stderr
    # a sales user may not add users, nor act as someone else
    monkeypatch.setattr(config, "os_login", lambda: "li.na")
    result = run("users", "add", "y", "--name", "Y", "--db", db_url)
    assert result.exit_code != 0 and "Only an admin" in result.stderr
    result = run("--as", "boss", "users", "list", "--db", db_url)
    assert result.exit_code != 0 and "Only an admin may act as another user" in result.stderr


def test_unknown_login_is_told_the_command(db_url: str, monkeypatch) -> None:
    monkeypatch.setattr(config, "os_login", lambda: "stranger")
    result = run("leads", "list", "--db", db_url)
    assert result.exit_code != 0
    assert "leadtui users add stranger" in result.stderr


def test_leads_list_json_has_the_fields(db_url: str) -> None:
    seed_leads(db_url)
    result = run("leads", "list", "--db", db_url, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 2
    for key in ("id", "order_no", "contact", "mobile", "business", "source", "status", "pool", "owner",
                "submitted_at"):
        assert key in rows[0]
    result = run("leads", "list", "--db", db_url, "--json", "--query", "138-0013-8000")
    assert [r["contact"] for r in json.loads(result.stdout)] == ["张伟"]
    assert json.loads(result.stdout)[0]["matched_field"] == "mobile"
    result = run("leads", "list", "--db", db_url, "--json", "--source", "booking")
    assert [r["contact"] for r in json.loads(result.stdout)] == ["Emma Brown"]
    result = run("leads", "list", "--db", db_url, "--source", "fax-machine")
    assert result.exit_code == 2 and "Unknown source" in result.stderr
    result = run("leads", "list", "--db", db_url, "--since", "yesterday")
    assert result.exit_code == 2 and "--since" in result.stderr


def test_followup_and_convert(db_url: str) -> None:
    lead, other = seed_leads(db_url)
    result = run("followup", str(lead), "--kind", "call", "--text", "rang", "--duration", "95",
                 "--outcome", "interested", "--db", db_url, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["duration_s"] == 95
    result = run("followup", str(lead), "--kind", "note", "--text", "", "--db", db_url)
    assert result.exit_code == 2 and "needs a text" in result.stderr
    result = run("convert", str(lead), "--contact", "--deal", "First order", "--amount", "1200.50",
                 "--db", db_url, "--json")
    assert result.exit_code == 0, result.output
    converted = json.loads(result.stdout)
    assert converted["customer_kind"] == "enterprise"
    assert converted["linked_existing"] is False and converted["customer_id"]
    result = run("convert", str(lead), "--db", db_url, "--json")
    assert result.exit_code == 1 and "already converted" in result.stderr
    assert "error" in json.loads(result.stdout)
    result = run("convert", str(other), "--db", db_url, "--json")
    assert json.loads(result.stdout)["customer_kind"] == "individual"
    result = run("leads", "list", "--screen", "converted", "--db", db_url, "--json")
    assert len(json.loads(result.stdout)) == 2
    result = run("convert", "99999", "--db", db_url)
    assert result.exit_code == 3 and "does not exist" in result.stderr


def test_a_database_without_schema_says_what_to_run(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(config, "os_login", lambda: "boss")
    result = run("leads", "list", "--db", f"sqlite:///{tmp_path}/empty.db")
    assert result.exit_code == 2 and "leadtui init" in result.stderr


def test_every_command_has_help() -> None:
    for args in ([], ["init"], ["demo"], ["users", "add"], ["users", "list"], ["leads", "list"],
                 ["leads", "show"], ["followup"], ["convert"]):
        result = runner.invoke(cli.app, [*args, "--help"])
        assert result.exit_code == 0, (args, result.output)


def test_users_set_changes_the_customer_cap_which_then_refuses_owner_changes(db_url: str, monkeypatch) -> None:
    assert run("users", "add", "li.na", "--name", "李娜", "--db", db_url).exit_code == 0
    result = run("users", "set", "li.na", "--customer-cap", "1", "--dept", "East", "--db", db_url, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["customer_cap"] == 1
    assert json.loads(result.stdout)["department"] == "East"
    for name in ("甲公司", "乙公司"):
        assert run("customers", "add", "--name", name, "--db", db_url).exit_code == 0
    ids = [c["id"] for c in json.loads(run("customers", "list", "--mine", "--db", db_url, "--json").stdout)]
    result = run("customers", "owner", *map(str, ids), "--to", "li.na", "--db", db_url)
    assert result.exit_code == 0 and "moved 1 of 2" in result.stdout  # a batch reports what it did
    assert "li.na owns 1 of 1 customers allowed" in result.stdout
    result = run("customers", "owner", str(ids[1]), "--to", "li.na", "--db", db_url)
    assert result.exit_code != 0 and "1 of 1 customers allowed" in result.stdout + result.stderr
    # "none" lifts the cap; bad values are refused with the option named
    assert run("users", "set", "li.na", "--customer-cap", "none", "--db", db_url).exit_code == 0
    result = run("users", "set", "li.na", "--customer-cap", "-3", "--db", db_url)
    assert result.exit_code == 2 and "--customer-cap" in result.stderr
    result = run("users", "set", "nobody", "--role", "sales", "--db", db_url)
    assert result.exit_code == 3 and "No user nobody" in result.stderr
    result = run("users", "set", "boss", "--role", "sales", "--db", db_url)
    assert result.exit_code != 0 and "own admin role" in result.stderr
    monkeypatch.setattr(config, "os_login", lambda: "li.na")
    result = run("users", "set", "li.na", "--customer-cap", "99", "--db", db_url)
    assert result.exit_code != 0 and "Only an admin may change users" in result.stderr
