"""The project declares every library it uses, and its wheel builds a site outside a checkout."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tomllib
import zipfile
from importlib.metadata import entry_points, packages_distributions
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("pingan", "site_builder", "form_service")
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
#: What an sdist is made from (pyproject.toml, setup.py and MANIFEST.in say what it keeps).
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "mkdocs.yml", "theme")
#: Where setup.py puts mkdocs.yml and theme/ in the wheel (site_builder.commands looks there).
BUNDLED = "site_builder/bundled"
EXAMPLE = ROOT / "examples" / "shanxi-youth"
BUILD_DATE = "2026-11-23"
CACHES = shutil.ignore_patterns("__pycache__", "*.pyc")


# -- every import is declared -------------------------------------------------------------


def test_package_code_declares_every_library_it_imports():
    imported = _imports_in(*(ROOT / package for package in PACKAGES))
    imported.update((module, "mkdocs.yml") for module in _modules_named_in_mkdocs_yml())

    # PostgreSQL is the optional scale-out store: its driver is the ``postgres`` extra.
    declared = PROJECT["dependencies"] + PROJECT["optional-dependencies"]["postgres"]
    assert _undeclared(imported, declared) == {}


def test_tests_and_benchmarks_declare_every_library_they_import():
    imported = _imports_in(ROOT / "tests", ROOT / "benchmarks")
    declared = PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"]

    assert _undeclared(imported, declared) == {}


def _imports_in(*folders: Path) -> dict[str, str]:
    """Top-level module → the first file importing it, over every absolute import (those
    inside functions too) of the Python files in *folders*; the project's own modules
    and the standard library left out."""
    own = set(PACKAGES) | {"tests", "benchmarks"}
    for folder in folders:  # helper modules the tests import by name (pytest's pythonpath)
        own |= {path.stem for path in folder.rglob("*.py")}
    imported: dict[str, str] = {}
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.partition(".")[0]
                    if top not in own and top not in sys.stdlib_module_names:
                        imported.setdefault(top, str(path.relative_to(ROOT)))
    return imported


def _modules_named_in_mkdocs_yml() -> set[str]:
    """Modules mkdocs.yml uses: its theme, plugins and Markdown extensions (found through
    their entry points, as MkDocs finds them) and the functions its !!python tags name."""
    tagged: set[str] = set()

    class Loader(yaml.SafeLoader):
        pass

    def python_tag(loader, suffix, node):  # e.g. "object/apply:pymdownx.slugs.slugify"
        tagged.add(suffix.rpartition(":")[2].partition(".")[0])

    Loader.add_multi_constructor("tag:yaml.org,2002:python/", python_tag)
    Loader.add_constructor("!ENV", lambda loader, node: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)

    def names(entries: list) -> list[str]:
        return [next(iter(entry)) if isinstance(entry, dict) else entry for entry in entries]

    wanted = {
        "mkdocs.themes": [config["theme"]["name"]],
        "mkdocs.plugins": names(config["plugins"]),
        "markdown.extensions": names(config["markdown_extensions"]),
    }
    for group, entry_names in wanted.items():
        found = {entry.name: entry.module for entry in entry_points(group=group)}
        for name in entry_names:
            tagged.add(found.get(name, name).partition(".")[0])
    return tagged - set(PACKAGES)


def _undeclared(imported: dict[str, str], requirements: list[str]) -> dict[str, str]:
    """Modules in *imported* that no requirement in *requirements* provides, each with the
    file that imports it and the distribution that provides it here."""
    declared = {_canonical(re.match(r"[A-Za-z0-9._-]+", req)[0]) for req in requirements}
    providers = packages_distributions()
    missing = {}
    for module, where in sorted(imported.items()):
        distributions = {_canonical(name) for name in providers.get(module, [])}
        if not distributions & declared:
            missing[module] = f"{where} (from {', '.join(sorted(distributions)) or 'nothing'})"
    return missing


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# -- an installed wheel builds a site -------------------------------------------------------


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built as ``python -m build`` does (an sdist, then a wheel from it), from a
    copy of the sources and without the network (the test extra brings setuptools)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in (*SOURCES, *PACKAGES):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=CACHES)
        else:
            shutil.copy2(ROOT / name, source / name)
    build_sdist = f"import setuptools.build_meta as b; print(b.build_sdist({str(work)!r}))"
    sdist = _run([sys.executable, "-c", build_sdist], cwd=source).splitlines()[-1]
    with tarfile.open(work / sdist) as archive:
        archive.extractall(work / "unpacked", filter="data")
    (unpacked,) = (work / "unpacked").iterdir()
    pip_wheel = ["-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w"]
    _run([sys.executable, *pip_wheel, str(work / "dist"), str(unpacked)], cwd=work)
    (built,) = (work / "dist").glob("*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path) -> Path:
    """A fresh venv with only the wheel installed; the project's dependencies come from the
    test run's own environment through a .pth file, so no network is needed."""
    venv = wheel.parent / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=wheel.parent)
    python = venv / "bin" / "python"
    install = ["-m", "pip", "--python", str(python), "install", "-q", "--no-deps", str(wheel)]
    _run([sys.executable, *install], cwd=wheel.parent)
    purelib = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site_packages = _run([str(python), "-c", purelib], cwd=wheel.parent).strip()
    dependencies = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (Path(site_packages) / "test-dependencies.pth").write_text("\n".join(sorted(dependencies)))
    return venv


@pytest.mark.slow
def test_wheel_carries_mkdocs_yml_theme_and_every_package_data_file(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for source in [ROOT / "mkdocs.yml", *sorted((ROOT / "theme").rglob("*"))]:
            if source.is_file():
                bundled = f"{BUNDLED}/{source.relative_to(ROOT).as_posix()}"
                assert archive.read(bundled) == source.read_bytes(), bundled
    copied = wheel.parent.parent / "source"  # what the fixture built it from
    data_files = {
        path.relative_to(copied).as_posix()
        for package in PACKAGES
        for path in (copied / package).rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts
    }
    assert "form_service/office/static/office.css" in data_files
    assert data_files - names == set()


@pytest.mark.slow
def test_installed_wheel_builds_the_same_site_as_the_checkout(installed, tmp_path):
    where = "from site_builder.commands import DEFAULT_CONFIG; print(DEFAULT_CONFIG)"
    config = _run([str(installed / "bin" / "python"), "-c", where], cwd=tmp_path).strip()
    assert Path(config).is_relative_to(installed) and config.endswith(f"{BUNDLED}/mkdocs.yml")

    build = [str(EXAMPLE), "--site-dir", "site", "--build-date", BUILD_DATE]
    _run([str(installed / "bin" / "pingan"), "build", *build], cwd=tmp_path / "wheel")
    _run([str(Path(sys.executable).parent / "pingan"), "build", *build], cwd=tmp_path / "checkout")

    home = BeautifulSoup((tmp_path / "wheel/site/index.html").read_bytes(), "lxml")
    assert home.select_one('meta[name="referrer"]')["content"] == "same-origin"  # theme/main.html
    assert home.select_one('[data-md-component="search"][role="dialog"]')["aria-label"]
    assert home.select_one('link[href$="assets/stylesheets/pingan.css"]') is not None
    from_wheel, from_checkout = _files(tmp_path / "wheel/site"), _files(tmp_path / "checkout/site")
    assert sorted(from_wheel) == sorted(from_checkout)
    assert [name for name in from_wheel if from_wheel[name] != from_checkout[name]] == []


def _files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file()
    }


def _run(command: list[str], cwd: Path) -> str:
    """Run *command* in *cwd* (made if missing) without the checkout on its path; its stdout."""
    cwd.mkdir(parents=True, exist_ok=True)
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result.stdout
