"""The settings table: documented in the README, the only source of the keys the code reads.

Modelled on Datasette's documentation tests: loop over the registry (``SETTINGS``) and
assert each entry is documented, and scan the code for keys the registry lacks. Refresh
the README's table after changing a setting with::

    .venv/bin/python -c "from form_service.config import markdown_table as t; print(t())"
"""

from __future__ import annotations

import ast
import datetime
import re
from pathlib import Path

import pytest
from applicants import DEPLOYMENTS, get_db_of

from form_service import create_app
from form_service.config import (
    BY_KEY,
    DERIVED,
    FIXED,
    SETTINGS,
    boolean,
    date,
    environment_config,
    finish_config,
    integer,
    markdown_table,
    text,
)

ROOT = Path(__file__).resolve().parents[2]
_ROW = re.compile(r"^\| `(?P<env>PINGAN_\w+)` \| (?P<default>.*) \| (?P<help>.*) \|$")


def readme_settings() -> dict[str, str]:
    """Each row of the README's "Settings" table, by variable."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    return {match["env"]: line for line in section.splitlines() if (match := _ROW.match(line))}


def test_every_setting_is_documented_in_the_readme():
    missing = [setting.env for setting in SETTINGS if setting.env not in readme_settings()]
    assert missing == [], f"README's Settings table lacks {missing}"


def test_the_readme_documents_no_setting_that_does_not_exist():
    known = {setting.env for setting in SETTINGS}
    unknown = [env for env in readme_settings() if env not in known]
    assert unknown == [], f"README's Settings table documents unknown {unknown}"


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda setting: setting.env)
def test_the_readme_gives_each_setting_its_default_and_meaning(setting):
    [row] = [line for line in markdown_table().splitlines() if f"`{setting.env}`" in line]
    assert readme_settings()[setting.env] == row


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda setting: setting.env)
def test_each_setting_has_a_one_line_explanation(setting):
    assert setting.env == "PINGAN_" + setting.key
    assert setting.help.endswith(".") and "\n" not in setting.help and "|" not in setting.help


# --- every key the code reads is a setting -------------------------------------------------


def _is_config(node: ast.expr) -> bool:
    """``config``, ``app.config``, ``current_app.config``, ``self.config``…"""
    return (isinstance(node, ast.Name) and node.id == "config") or (
        isinstance(node, ast.Attribute) and node.attr == "config"
    )


def config_keys_in(source: str) -> set[str]:
    """Keys of ``config[...]``, ``config.get(...)`` and ``config.setdefault(...)`` in *source*."""
    keys = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Subscript) and _is_config(node.value):
            key = node.slice
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("get", "setdefault", "pop")
            and _is_config(node.func.value)
            and node.args
        ):
            key = node.args[0]
        else:
            continue
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            keys.add(key.value)
    return keys


def config_keys_read_by_the_service() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "form_service").rglob("*.py")):
        for key in config_keys_in(path.read_text(encoding="utf-8")):
            found.setdefault(key, []).append(str(path.relative_to(ROOT)))
    return found


def test_the_scan_finds_config_reads_in_every_form():
    source = (
        'a = current_app.config["A"]\nb = app.config.get("B")\n'
        'config = current_app.config\nc = config["C"]\napp.config.setdefault("D", 1)\n'
        'e = context.config.attributes["E"]\n'
    )
    assert config_keys_in(source) == {"A", "B", "C", "D"}


def test_every_config_key_the_service_reads_is_a_setting():
    found = config_keys_read_by_the_service()
    assert {"IMPORT_MAX_ROWS", "OFFICE_LOCKOUT_MINUTES", "EXPORT_DIR", "SMTP_HOST"} <= set(found)
    unknown = {
        key: paths
        for key, paths in found.items()
        if key not in BY_KEY and key not in FIXED and key not in DERIVED
    }
    assert unknown == {}, "add these to SETTINGS in form_service/config.py and the README"


# --- reading and parsing -------------------------------------------------------------------


def read(environ: dict[str, str], tmp_path: Path, **overrides) -> dict:
    config = {setting.key: setting.default for setting in SETTINGS}
    config.update(environment_config(environ))
    config.update(overrides)
    finish_config(config, tmp_path)
    return config


def test_every_setting_is_read_from_its_pingan_variable():
    sample = {text: "x", integer: "7", boolean: "off", date: "2026-01-02"}
    environ = {setting.env: sample[setting.parse] for setting in SETTINGS}
    assert set(environment_config(environ)) == set(BY_KEY)


@pytest.mark.parametrize(
    ("environ", "key", "value"),
    [
        ({"PINGAN_OFFICE_LOCKOUT_MINUTES": "45"}, "OFFICE_LOCKOUT_MINUTES", 45),
        ({"PINGAN_IMPORT_MAX_ROWS": "5_000"}, "IMPORT_MAX_ROWS", 5000),
        ({"PINGAN_EXPORT_BACKGROUND_THRESHOLD": "0"}, "EXPORT_BACKGROUND_THRESHOLD", 0),
        ({"PINGAN_TRUSTED_PROXIES": "1"}, "TRUSTED_PROXIES", 1),
        ({"PINGAN_AUTO_MIGRATE": "no"}, "AUTO_MIGRATE", False),
        ({}, "AUTO_MIGRATE", True),
        ({"PINGAN_DATABASE_URL": "postgresql://db/pingan"}, "AUTO_MIGRATE", False),
        ({"PINGAN_TODAY": "2026-12-01"}, "TODAY", datetime.date(2026, 12, 1)),
        ({"PINGAN_SMTP_HOST": "mail.example"}, "SMTP_PORT", 587),
        ({"PINGAN_SMTP_HOST": "m", "PINGAN_SMTP_STARTTLS": "0"}, "SMTP_PORT", 25),
        ({"PINGAN_SMTP_HOST": "mail.example"}, "SMTP_FROM", "noreply@mail.example"),
        ({"PINGAN_SMTP_FROM": "a@b.cn", "PINGAN_SMTP_HOST": "m"}, "SMTP_FROM", "a@b.cn"),
        ({"PINGAN_SMTP_HOST": ""}, "SMTP_HOST", None),
    ],
)
def test_a_setting_parses_its_own_text(tmp_path, environ, key, value):
    assert read(environ, tmp_path)[key] == value


def test_a_bad_value_names_its_variable(tmp_path):
    with pytest.raises(ValueError, match="PINGAN_OFFICE_LOCKOUT_FAILURES='five'"):
        read({"PINGAN_OFFICE_LOCKOUT_FAILURES": "five"}, tmp_path)
    with pytest.raises(ValueError, match="PINGAN_SMTP_STARTTLS='maybe'"):
        read({"PINGAN_SMTP_STARTTLS": "maybe"}, tmp_path)


def test_paths_in_the_instance_folder_follow_it(tmp_path):
    config = read({}, tmp_path)
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'pingan.sqlite3'}"
    assert config["EXPORT_DIR"] == str(tmp_path / "exports")


def test_a_dict_overrides_the_environment_and_text_in_it_is_parsed(tmp_path, monkeypatch):
    monkeypatch.setenv("PINGAN_IMPORT_MAX_ROWS", "100")
    monkeypatch.setenv("PINGAN_OFFICE_SESSION_IDLE_MINUTES", "10")
    app = create_app(
        {
            "DATA_DIR": str(DEPLOYMENTS["wujin"]),
            "INSTANCE_DIR": str(tmp_path / "instance"),
            "IMPORT_MAX_ROWS": 3,
            "EXPORT_BACKGROUND_THRESHOLD": "5",
        }
    )
    get_db_of(app).dispose()
    assert app.config["IMPORT_MAX_ROWS"] == 3
    assert app.config["OFFICE_SESSION_IDLE_MINUTES"] == 10
    assert app.config["EXPORT_BACKGROUND_THRESHOLD"] == 5
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
