"""Accessibility checks with axe-core, run inside the page a Selenium driver shows.

axe-core comes from the npm registry (never a browser download): the pinned version below is
installed once into build/axe/ by ``npm install`` and checked against its pinned integrity
hash. Neither node_modules nor axe.min.js is committed. This is the only place the version
is named; change both constants together (``npm view axe-core@X dist.integrity``).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE_CORE_VERSION = "4.14.1"
AXE_CORE_INTEGRITY = (
    "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/"
    "pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
)
AXE_DIR = ROOT / "build" / "axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
#: WCAG 2.0/2.1 levels A and AA, plus axe's best practices (landmarks, one h1, ...).
TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice")
#: (rule, selector) pairs excused on every page: Material's own markup that the theme cannot
#: reach without a patched copy of Material's templates.
MATERIAL_EXCLUSIONS = (
    # With navigation.indexes, partials/nav-item.html labels each section's nested <nav> by
    # its expand toggle, an icon-only <label>, so those navs have no (unique) name. The fix
    # is upstream's; overriding nav-item.html would mean owning a copy of Material's nav.
    ("landmark-unique", ".md-nav--primary nav.md-nav[aria-labelledby]"),
)

_RUN = """
const [tags, rulesOff, exclude, done] = arguments;
const rules = Object.fromEntries(rulesOff.map((id) => [id, {enabled: false}]));
axe.run(document, {runOnly: {type: "tag", values: tags}, rules, resultTypes: ["violations"]})
  .then((results) => {
    const excused = (rule, target) => {
      if (target.length !== 1 || typeof target[0] !== "string") return false;
      const element = document.querySelector(target[0]);
      return !!element
        && exclude.some(([id, selector]) => id === rule && element.closest(selector));
    };
    done(results.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.filter((n) => !excused(v.id, n.target))
        .map((n) => ({target: n.target, summary: n.failureSummary})),
    })).filter((v) => v.nodes.length));
  })
  .catch((error) => done({error: String(error)}));
"""


class AxeUnavailable(Exception):
    """axe-core is not installed and cannot be installed (no npm, or no registry)."""


def _installed_integrity() -> str | None:
    lock = AXE_DIR / "package-lock.json"
    if not (AXE_JS.exists() and lock.exists()):
        return None
    package = json.loads(lock.read_text(encoding="utf-8"))["packages"].get("node_modules/axe-core")
    if not package or package.get("version") != AXE_CORE_VERSION:
        return None
    return package.get("integrity")


def install_axe_core() -> Path:
    """Path of the pinned axe.min.js, running ``npm install`` into build/axe/ the first time."""
    AXE_DIR.mkdir(parents=True, exist_ok=True)
    with open(AXE_DIR / ".lock", "w") as lock:  # one installer at a time across pytest runs
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _installed_integrity() is None:
            npm = shutil.which("npm")
            if npm is None:
                raise AxeUnavailable("npm is not installed (Debian package npm)")
            result = subprocess.run(
                [npm, "install", "--prefix", str(AXE_DIR), "--save-exact", "--no-audit"]
                + ["--no-fund", "--loglevel=error", f"axe-core@{AXE_CORE_VERSION}"],
                capture_output=True,
                text=True,
                timeout=300,
            )
            if result.returncode != 0:
                raise AxeUnavailable(f"npm install axe-core failed:\n{result.stderr[-2000:]}")
        integrity = _installed_integrity()
    if integrity != AXE_CORE_INTEGRITY:
        raise RuntimeError(
            f"{AXE_DIR} holds axe-core with integrity {integrity}, expected "
            f"{AXE_CORE_INTEGRITY}; delete the folder and run again"
        )
    return AXE_JS


@cache
def axe_source() -> str:
    """The text of axe.min.js, installed on first use; skips locally, fails in CI, if absent."""
    try:
        return install_axe_core().read_text(encoding="utf-8")
    except AxeUnavailable as error:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the accessibility checks: {error}")
        pytest.skip(f"axe-core unavailable: {error}")


def axe_violations(
    driver, *, exclude: Iterable[tuple[str, str]] = (), rules_off: Iterable[str] = ()
) -> list[dict]:
    """axe's violations on the driver's current page, minus the excused (rule, selector) pairs."""
    driver.set_script_timeout(60)
    # The source goes into the script itself: an eval() inside the page would meet its CSP.
    result = driver.execute_async_script(
        axe_source() + _RUN,
        list(TAGS),
        list(rules_off),
        [list(pair) for pair in (*MATERIAL_EXCLUSIONS, *exclude)],
    )
    if isinstance(result, dict):
        raise RuntimeError(f"axe.run failed on {driver.current_url}: {result['error']}")
    return result


def format_violations(url: str, violations: list[dict]) -> str:
    """One block per rule: id, impact, what it asks for, and each offending element."""
    lines = [f"{len(violations)} accessibility rule(s) violated on {url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} "
            f"[{violation['helpUrl'].split('?')[0]}]"
        )
        for node in violation["nodes"]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    {' > '.join(map(str, node['target']))}: {summary[:300]}")
    return "\n".join(lines)


def assert_accessible(
    driver, *, exclude: Iterable[tuple[str, str]] = (), rules_off: Iterable[str] = ()
) -> None:
    """Fail with a readable list unless axe finds no WCAG 2.1 A/AA or best-practice violation.

    ``exclude`` holds (rule id, CSS selector) pairs: that rule is not reported for elements
    inside that selector. Keep each pair narrow and say why beside it; ``rules_off`` switches
    rules off for this one page only.
    """
    violations = axe_violations(driver, exclude=exclude, rules_off=rules_off)
    assert not violations, format_violations(driver.current_url, violations)
