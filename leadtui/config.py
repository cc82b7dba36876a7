"""Where settings come from: flag > environment (LEADTUI_*) > config file > default.

The config file is TOML at `$XDG_CONFIG_HOME/leadtui/config.toml` (or the
platform's equivalent), e.g.:

    db = "postgresql+psycopg://crm@dbhost/crm"
    lang = "zh"
    service_account = "crm"   # PostgreSQL's locked-down mode (see `leadtui shell`)

Identity is not a setting: the operator is the account of the process's real uid
(or, under `leadtui shell LOGIN`, the login bound to the SSH key). No environment
variable or config key can change it; only an admin's `--as` acts for someone else.
"""

from __future__ import annotations

import os
import pwd
import tomllib
from functools import cache
from pathlib import Path

from platformdirs import user_config_dir, user_data_dir


def data_dir() -> Path:
    return Path(os.environ.get("LEADTUI_HOME") or user_data_dir("leadtui"))


def config_path() -> Path:
    return Path(os.environ.get("LEADTUI_CONFIG") or Path(user_config_dir("leadtui")) / "config.toml")


@cache
def _file() -> dict[str, object]:
    path = config_path()
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SystemExit(f"leadtui: cannot read config file {path}: {exc}") from None


def _setting(flag: str | None, env: str, key: str) -> str | None:
    if flag:
        return flag
    if os.environ.get(env):
        return os.environ[env]
    value = _file().get(key)
    return str(value) if value else None


def default_db_url() -> str:
    return f"sqlite:///{data_dir() / 'leadtui.db'}"


def demo_db_url() -> str:
    return f"sqlite:///{data_dir() / 'demo.db'}"


def db_url(flag: str | None = None, default: str | None = None) -> str:
    url = _setting(flag, "LEADTUI_DB", "db") or default or default_db_url()
    if "://" not in url:  # a bare path means an SQLite file
        # Absolute, links left as they are: init checks what the path itself is.
        url = f"sqlite:///{os.path.abspath(os.path.expanduser(url))}"
    return url


def language(flag: str | None = None) -> str | None:
    return _setting(flag, "LEADTUI_LANG", "lang")


def os_login() -> str:
    """The operator: the account of the process's real uid (SPEC 1). Not LOGNAME or
    USER, which anyone can set (`LOGNAME=root leadtui users add …` made admins)."""
    return pwd.getpwuid(os.getuid()).pw_name


def service_account() -> str | None:
    """The OS account that owns a PostgreSQL database's locked-down mode (`leadtui
    shell`). From the config file only: the environment is the caller's to set."""
    value = _file().get("service_account")
    return str(value) if value else None
