"""Where settings come from: flag > environment (LEADTUI_*) > config file > default.

The config file is TOML at `$XDG_CONFIG_HOME/leadtui/config.toml` (or the
platform's equivalent), e.g.:

    db = "postgresql+psycopg://crm@dbhost/crm"
    lang = "zh"
"""

from __future__ import annotations

import getpass
import os
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
        url = f"sqlite:///{Path(url).expanduser().resolve()}"
    return url


def language(flag: str | None = None) -> str | None:
    return _setting(flag, "LEADTUI_LANG", "lang")


def os_login() -> str:
    """The operator is the OS login of the process (SPEC 1)."""
    return getpass.getuser()


def as_login(flag: str | None = None) -> str | None:
    return _setting(flag, "LEADTUI_AS", "as")
