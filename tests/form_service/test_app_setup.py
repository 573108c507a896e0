"""Set-up: generated secrets, the ``pingan`` sub-commands, and the demo's static site at /."""

from __future__ import annotations

import stat

import pytest
from applicants import DEPLOYMENTS
from sqlalchemy import create_engine, inspect

from form_service import create_app
from pingan.cli import build_parser, main


def test_missing_secrets_are_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    for name in ("PINGAN_SECRET_KEY", "PINGAN_DATA_KEYS", "PINGAN_HMAC_KEY"):
        monkeypatch.delenv(name, raising=False)
    config = {"DATA_DIR": str(DEPLOYMENTS["wujin"]), "INSTANCE_DIR": str(tmp_path / "instance")}
    first = create_app(dict(config))
    second = create_app(dict(config))
    for key, filename in (("SECRET_KEY", "secret_key"), ("DATA_KEYS", "data_keys")):
        path = tmp_path / "instance" / filename
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert first.config[key] == second.config[key] == path.read_text().strip()
    assert (tmp_path / "instance" / ".gitignore").read_text().strip().endswith("*")
    assert first.config["DATABASE_URL"].endswith("instance/pingan.sqlite3")


def test_the_environment_configures_the_app(tmp_path, monkeypatch):
    monkeypatch.setenv("PINGAN_DATA_DIR", str(DEPLOYMENTS["shanxi-youth"]))
    monkeypatch.setenv("PINGAN_DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    monkeypatch.setenv("PINGAN_TODAY", "2026-12-01")
    monkeypatch.setenv("PINGAN_PUBLIC_URL", "https://apply.example.org")
    app = create_app({"INSTANCE_DIR": str(tmp_path / "instance")})
    assert "shanxi-2026" in app.extensions["pingan_forms"]
    assert app.config["TODAY"].isoformat() == "2026-12-01"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_db_upgrade_creates_the_tables(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'upgrade.sqlite3'}"
    monkeypatch.setenv("PINGAN_DATABASE_URL", url)
    monkeypatch.setenv("PINGAN_DATA_DIR", str(DEPLOYMENTS["wujin"]))
    monkeypatch.chdir(tmp_path)
    assert main(["db", "upgrade"]) == 0
    tables = set(inspect(create_engine(url)).get_table_names())
    assert {"applications", "stage_events", "idempotency_keys", "alembic_version"} <= tables


def test_serve_takes_host_port_site_and_data(tmp_path):
    args = build_parser().parse_args(
        ["serve", "--host", "0.0.0.0", "--port", "8080", "--site-dir", "s", "--data-dir", "d"]
    )
    assert (args.host, args.port, args.site_dir, args.data_dir) == ("0.0.0.0", 8080, "s", "d")


@pytest.fixture
def site_client(make_app, tmp_path):
    site = tmp_path / "site"
    (site / "notices" / "wujin-2026").mkdir(parents=True)
    (site / "index.html").write_text("<h1>首页</h1>", encoding="utf-8")
    (site / "notices" / "wujin-2026" / "index.html").write_text("<h1>公告</h1>", encoding="utf-8")
    (site / "apply-qr.svg").write_text("<svg/>", encoding="utf-8")
    (site / ".git").mkdir()
    (site / ".git" / "config").write_text("[core]", encoding="utf-8")
    (site / ".env").write_text("SECRET=1", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("not part of the site", encoding="utf-8")
    (tmp_path / "outside").mkdir()
    return make_app("wujin", SITE_DIR=str(site)).test_client()


def test_the_built_site_is_served_beside_the_service(site_client):
    assert "首页" in site_client.get("/").get_data(as_text=True)
    assert site_client.get("/notices/wujin-2026").status_code == 301
    assert "公告" in site_client.get("/notices/wujin-2026/").get_data(as_text=True)
    assert site_client.get("/apply/wujin-2026").status_code == 200  # the service still wins
    assert site_client.get("/../secret.txt").status_code == 404
    assert site_client.get("/%2e%2e/secret.txt").status_code == 404
    policy = site_client.get("/").headers["Content-Security-Policy"]
    assert "http" not in policy
    assert site_client.get("/").content_type == "text/html; charset=utf-8"
    assert site_client.get("/apply-qr.svg").content_type.startswith("image/svg+xml")


@pytest.mark.parametrize("path", ["/.env", "/.git/config", "/.git", "/.git/"])
def test_hidden_files_of_the_site_folder_are_not_served(site_client, path):
    assert site_client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/..", "/../outside", "/notices/../../outside"])
def test_folders_outside_the_site_are_neither_served_nor_revealed_by_a_redirect(site_client, path):
    assert site_client.get(path).status_code == 404


def test_without_a_site_the_root_points_to_the_campaigns(client):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/apply/")


def test_a_plain_postgresql_url_uses_the_installed_psycopg_3_driver():
    from form_service.db import make_engine

    engine = make_engine("postgresql://pingan:secret@127.0.0.1:5432/pingan")
    assert engine.url.drivername == "postgresql+psycopg"
    engine.dispose()


@pytest.mark.parametrize("path", ["/apply/", "/status", "/office/login"])
def test_every_service_page_names_its_icon(client, path):
    """Public and office pages link the service's favicon (no 404 for /favicon.ico)."""
    from bs4 import BeautifulSoup

    page = BeautifulSoup(client.get(path).data, "html.parser")
    icon = client.get(page.select_one("link[rel=icon]")["href"])
    assert icon.status_code == 200
    assert icon.mimetype == "image/svg+xml"
