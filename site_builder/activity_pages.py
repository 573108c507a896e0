"""The activities' pages: one per activity, an overall list and a list per unit.

Planned from the offices' published activities (``activities.json``, read by
``pingan.activities.load_activities``), like the notices from the campaigns. Each page
prints the places left when it was built and the dates that say whether sign-up is still
open, so it reads right between builds; a small script then shows the live places from
the form service's counts endpoint. Sign-up itself is the form service's activity page.
"""

from __future__ import annotations

from collections import defaultdict

from pingan.activities import ENDED, PublishedActivity, sorted_activities

from .pages import GeneratedPage, Site, SitePlan, list_page_uri, paginate

#: How many of a unit's activities its unit page shows before linking to its list.
ON_UNIT_PAGE = 5
LIST = "activities/index.md"


def activity_uri(activity_id: int) -> str:
    return f"activity/{activity_id}.md"


def unit_activities_uri(unit_id: str) -> str:
    return f"activities/unit/{unit_id}/index.md"


def signup_url(site: Site, activity: PublishedActivity) -> str:
    """The form service's page of the activity, where volunteers sign up."""
    return f"{site.form_url}/volunteer/activities/{activity.id}"


def places_url(site: Site, unit_id: str | None = None) -> str:
    """The counts endpoint: the places of a unit's activities ahead, or of all of them."""
    if unit_id is None:
        return f"{site.form_url}/api/v1/activities/places"
    return f"{site.form_url}/api/v1/units/{unit_id}/activities/places"


def plan_activities(site: Site, plan: SitePlan) -> str:
    """Add every activity's page and the lists; return the overall list's path."""
    activities = sorted_activities(site.activities or [], site.day)
    by_unit: dict[str, list[PublishedActivity]] = defaultdict(list)
    for activity in activities:
        by_unit[activity.unit].append(activity)
    site.unit_activities = dict(by_unit)
    tree = site.deployment.tree
    for activity in activities:
        context = {
            "activity": activity,
            "unit": tree[activity.unit],
            "status": activity.status(site.day),
            "signup_url": signup_url(site, activity),
            "places_url": places_url(site, activity.unit),
        }
        plan.add(
            GeneratedPage(activity_uri(activity.id), activity.title, "activity.html.j2", context)
        )
    _lists(site, plan, activities, "activities", "志愿服务活动", None)
    for unit_id, items in by_unit.items():
        title = f"{tree[unit_id].name}的志愿服务活动"
        _lists(site, plan, items, f"activities/unit/{unit_id}", title, unit_id)
    return LIST


def _lists(
    site: Site,
    plan: SitePlan,
    activities: list[PublishedActivity],
    folder: str,
    title: str,
    unit_id: str | None,
) -> None:
    """A paginated list: what is coming first, then what has ended (marked 已结束)."""
    chunks = paginate(activities, site.page_size, lambda n: list_page_uri(folder, n))
    for pager, chunk in chunks:
        heading = title if pager.number == 1 else f"{title}（第 {pager.number} 页）"
        context = {
            "heading": heading,
            "activities": chunk,
            "pager": pager,
            "unit": site.deployment.tree[unit_id] if unit_id else None,
            "ahead": sum(1 for a in activities if a.status(site.day) != ENDED),
            "places_url": places_url(site, unit_id),
        }
        page = GeneratedPage(pager.uris[pager.number - 1], heading, "activities.html.j2", context)
        # Later pages and the units' lists repeat cards of the first overall page's kind;
        # every activity's own page is in the search index.
        page.searchable = pager.number == 1 and unit_id is None
        plan.add(page)
