"""Which generated pages an edit of the data can change, for the preview's partial rebuild.

A generated page is what its template makes of its context and of what the template reads
from ``site`` (``site.deployment.stories``, ``site.photos``…). After an edit the site is
planned again, and a page must be rendered again when its context differs from the last
plan's or when its template reads a part of the data that changed. The parts are the
:class:`~pingan.deployment.Deployment`'s fields, plus ``photos`` (the processed photos),
``day`` and ``site.<field>`` for the site's other inputs (the offices' activities…).

What a template reads from ``site`` is found in its source (and in the templates it
imports, includes or extends): a use this module does not know, or ``site`` handed on
whole, counts as reading everything, so a new template costs time rather than correctness.
A context value computed later (:class:`~site_builder.pages.Later`) that is given the
deployment or the site reads everything too, unless :data:`LATER_READS` says less.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from functools import cache
from typing import Any

from jinja2 import nodes

from pingan.campaigns import campaign_fields
from pingan.deployment import Deployment

from . import charts, pages
from .pages import Later, Site
from .render import environment

#: Every part of the data a page can depend on.
SECTIONS = frozenset(field.name for field in dataclasses.fields(Deployment)) | {"photos", "day"}
#: The parts honours.yaml holds (and the honour roll is made of).
HONOURS = frozenset({"volunteers", "projects", "stories"})
#: What ``site`` handed on whole reads: every part, whatever changed.
EVERYTHING = SECTIONS | {f"site.{f.name}" for f in dataclasses.fields(Site)}

#: What ``site.<name>`` reads, for its properties and methods and the fields that stand for
#: parts of the data. Settings of the build (URLs, page size) are not data: an edit of the
#: data leaves them as they were. Any other field of Site (the build's other inputs, such
#: as the form service's counts) is the part ``site.<field>``, changed when its value is.
_SITE_READS: dict[str, frozenset[str]] = {
    "photos": frozenset({"photos"}),
    "day": frozenset({"day"}),
    # pingan.honours.honour_roll: the volunteers (and the decisions, an input of their own).
    "has_roll": frozenset({"volunteers"}),
    "roll": frozenset({"volunteers", "tree", "settings", "day"}),
    "shown_people": frozenset({"volunteers", "tree", "settings", "day"}),
    "form_url": frozenset(),
    "status_url": frozenset(),
    "apply_url": frozenset(),
    "progress_url": frozenset(),
    "url": frozenset(),
    "link": frozenset(),
    "use_directory_urls": frozenset(),
    "page_size": frozenset(),
    "tree_limit": frozenset(),
}
#: Site fields compared as parts of their own (the others are in _SITE_READS).
_SITE_FIELDS = (
    frozenset(f.name for f in dataclasses.fields(Site) if not f.name.startswith("_"))
    - {"deployment", "photos", "day"}
    - set(_SITE_READS)
)
#: What ``site.deployment.<name>`` reads, besides the fields themselves.
_DEPLOYMENT_READS: dict[str, frozenset[str]] = {
    "id": frozenset({"settings"}),
    "name": frozenset({"settings"}),
    "level_name": frozenset({"settings"}),
    "content_dir": frozenset({"settings", "root"}),
    "photos_dir": frozenset({"root"}),
    "open_campaigns": frozenset({"campaigns"}),
}

#: What the templates' functions (site_builder.render's globals) read of ``site`` or the
#: part of it they are given: the activities' links only the form service's URLs
#: (site_builder.activity_pages), a unit's chart the counts, unit tree and colours.
_CALL_READS: dict[str, frozenset[str]] = {
    "activity_signup_url": frozenset(),
    "activity_places_url": frozenset(),
    "unit_hours_chart": frozenset({"site.statistics", "tree", "settings"}),
}

#: What the functions of the plans' Later values read of the deployment or site they are
#: given, where that is less than everything: each of these reads the unit tree, settings,
#: quota tables, campaigns or grid workers, never honours.yaml's lists. Looked up by name,
#: so that a renamed function reads everything until it is listed again.
_LATER_FUNCTIONS = {
    pages: ("_level_totals", "_kind_totals"),
    charts: ("quota_charts", "applications_chart", "hours_chart", "station_chart"),
}
LATER_READS: dict[Any, frozenset[str]] = {
    campaign_fields: SECTIONS - HONOURS,
    **{
        function: SECTIONS - HONOURS
        for module, names in _LATER_FUNCTIONS.items()
        for name in names
        if (function := getattr(module, name, None)) is not None
    },
}


def changed_sections(old_site: Site, new_site: Site) -> frozenset[str]:
    """The parts of the data that differ between two plans' sites."""
    changed = {
        name
        for name in SECTIONS - {"photos", "day"}
        if (before := getattr(old_site.deployment, name))
        is not (after := getattr(new_site.deployment, name))
        and before != after
    }
    if _photos(old_site) != _photos(new_site):
        changed.add("photos")
    if old_site.day != new_site.day:
        changed.add("day")
    for name in _SITE_FIELDS:
        before, after = getattr(old_site, name), getattr(new_site, name)
        if before is not after and before != after:
            changed.add(f"site.{name}")
    return frozenset(changed)


def _photos(site: Site) -> dict[str, Any]:
    """The site's photos as published (whether the cache had them does not show)."""
    return {name: dataclasses.replace(photo, reused=False) for name, photo in site.photos.items()}


@cache
def template_reads(name: str) -> frozenset[str]:
    """What the template *name* (with what it imports) reads through ``site``."""
    env = environment()
    source, _, _ = env.loader.get_source(env, name)
    reads: set[str] = set()
    for node in _walk(env.parse(source), reads):
        if isinstance(node, nodes.Import | nodes.FromImport | nodes.Include | nodes.Extends):
            target = node.template
            if isinstance(target, nodes.Const) and isinstance(target.value, str):
                reads |= template_reads(target.value)
            else:
                return EVERYTHING
    return frozenset(reads)


def _walk(node: nodes.Node, reads: set[str]) -> Iterable[nodes.Node]:
    """Every node of the template, noting each use of ``site`` in *reads*."""
    chain = _site_chain(node)
    if chain is not None:
        reads |= _reads_of(chain)
        return
    yield node
    called = _called(node)
    for child in node.iter_child_nodes():
        if called is not None and _site_chain(child) is not None:
            reads |= called  # site (or its data) handed to a function that says what it reads
        else:
            yield from _walk(child, reads)


def _called(node: nodes.Node) -> frozenset[str] | None:
    """What the template function *node* calls reads of a ``site`` given to it."""
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name):
        return _CALL_READS.get(node.node.name)
    return None


def _site_chain(node: nodes.Node) -> list[str] | None:
    """``site.a.b`` → ["a", "b"]; None when *node* is not an attribute chain on ``site``."""
    attributes = []
    while isinstance(node, nodes.Getattr):
        attributes.insert(0, node.attr)
        node = node.node
    if isinstance(node, nodes.Name) and node.name == "site":
        return attributes
    return None


def _reads_of(chain: list[str]) -> frozenset[str]:
    if not chain:
        return EVERYTHING  # site handed on whole
    if chain[0] in _SITE_FIELDS:
        return frozenset({f"site.{chain[0]}"})
    if chain[0] != "deployment":
        return _SITE_READS.get(chain[0], EVERYTHING)
    if len(chain) == 1:
        return EVERYTHING
    if chain[1] in SECTIONS:
        return frozenset({chain[1]})
    return _DEPLOYMENT_READS.get(chain[1], EVERYTHING)


#: Values compared with == right away.
_PLAIN = frozenset({str, int, float, bool, type(None), datetime.date})
#: Containers this long are remembered once compared (pages share them).
_SHARED = 32


class PageChanges:
    """Compares pages planned again with the last plan's, for one edit.

    Pages share values (every story page holds the same table of people): each pair of
    values is compared once."""

    def __init__(self, changed: frozenset[str]) -> None:
        self.changed = changed
        self._seen: dict[tuple[int, int, frozenset[str]], bool] = {}

    def page_changed(self, old: pages.GeneratedPage, new: pages.GeneratedPage) -> bool:
        """Whether *new* (the same page planned again) may render differently from *old*."""
        return (
            old.title != new.title
            or bool(template_reads(new.template) & self.changed)
            or not self.same(old.context, new.context)
        )

    def same(self, old: Any, new: Any, reads: frozenset[str] = EVERYTHING) -> bool:
        """Whether two context values render alike; a deployment or site in them stands for
        the parts *reads* says are read of it."""
        if old is new:
            return True
        if type(old) is not type(new):
            return False
        if type(old) in _PLAIN:
            return bool(old == new)
        if isinstance(old, Deployment | Site):
            return not (reads & self.changed)
        if isinstance(old, list | tuple | dict) and len(old) < _SHARED:
            return self._same(old, new, reads)
        key = (id(old), id(new), reads)
        if key not in self._seen:
            self._seen[key] = self._same(old, new, reads)
        return self._seen[key]

    def _same(self, old: Any, new: Any, reads: frozenset[str]) -> bool:
        if isinstance(old, Later):
            reads = LATER_READS.get(old.func, EVERYTHING)
            return (
                old.func is new.func
                and self.same(old.args, new.args, reads)
                and self.same(old.keywords, new.keywords, reads)
            )
        # Part by part, so that what pages share is compared once and what they hold of
        # the deployment is taken as it is read.
        if isinstance(old, list | tuple):
            return len(old) == len(new) and all(
                a is b or self.same(a, b, reads) for a, b in zip(old, new, strict=True)
            )
        if isinstance(old, dict):
            return old.keys() == new.keys() and all(
                value is new[key] or self.same(value, new[key], reads) for key, value in old.items()
            )
        return bool(old == new)
