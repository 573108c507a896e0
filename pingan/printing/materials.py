"""The poster and the paper form of a campaign, as complete HTML pages."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2

from ..campaigns import Campaign, application_units, campaign_fields
from ..deployment import Deployment
from ..eligibility import age_range_text
from ..fields import kind_of
from ..qrcodes import qr_svg

#: A choice list longer than this is a line to write on (a city has thousands of units).
MOST_BOXES = 16


@cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def poster_url(form_url: str, campaign: Campaign, unit: str | None = None, via: str | None = None):
    """The form's address a poster's QR code opens: the unit or grid worker pre-filled."""
    query = urlencode([(key, value) for key, value in (("unit", unit), ("via", via)) if value])
    return f"{form_url.rstrip('/')}/apply/{campaign.id}" + (f"?{query}" if query else "")


def prefilled_unit(deployment: Deployment, campaign: Campaign, unit: str) -> str | None:
    """The application unit a QR code of *unit* pre-fills: itself or the nearest above it
    (a village squad's poster pre-fills its town where the towns take the applications)."""
    allowed = set(application_units(campaign, deployment))
    for candidate in [unit] + [above.id for above in deployment.tree.ancestors(unit)]:
        if candidate in allowed:
            return candidate
    return None


def poster_html(
    deployment: Deployment,
    campaign: Campaign,
    form_url: str,
    unit: str | None = None,
    via: str | None = None,
) -> str:
    """An A4 recruitment poster: who may apply, what volunteers do, how to apply, QR code."""
    eligibility = campaign.data["eligibility"]
    url = poster_url(form_url, campaign, unit, via)
    return (
        _templates()
        .get_template("poster.html.j2")
        .render(
            deployment=deployment,
            campaign=campaign,
            unit=deployment.tree[unit] if unit else None,
            age=age_range_text(eligibility["age"]) if eligibility.get("age") else None,
            conditions=eligibility.get("conditions", []),
            duties=campaign.data.get("duties", []),
            deadline=campaign.deadline_text(),
            url=url,
            status_url=f"{form_url.rstrip('/')}/status",
            qr=qr_svg(url, f"{campaign.title}报名二维码", scale=8),
            accepts_public=campaign.accepts_public(),
        )
    )


def grid_cards_html(
    deployment: Deployment, campaign: Campaign, form_url: str, workers: list[dict[str, Any]]
) -> str:
    """A sheet of QR cards, one per grid worker: scanned, the form opens with the grid
    worker's code (``via``) and their station's application unit filled in."""
    cards = []
    for worker in workers:
        unit = prefilled_unit(deployment, campaign, worker["unit"])
        url = poster_url(form_url, campaign, unit, worker["code"])
        cards.append(
            {
                "worker": worker,
                "station": deployment.tree[worker["unit"]].name,
                "url": url,
                "qr": qr_svg(url, f"{worker['name']}的报名二维码", scale=5),
            }
        )
    return (
        _templates()
        .get_template("grid_cards.html.j2")
        .render(deployment=deployment, campaign=campaign, cards=cards)
    )


def paper_form_html(deployment: Deployment, campaign: Campaign) -> str:
    """A blank registration form with the online form's fields, for people who apply on
    paper; an office enters it through the roster import's validation."""
    rows = [_paper_field(field) for field in campaign_fields(campaign, deployment)]
    declarations = campaign.data["eligibility"].get("declarations", [])
    return (
        _templates()
        .get_template("paper_form.html.j2")
        .render(
            deployment=deployment,
            campaign=campaign,
            title=campaign.data["form"]["title"],
            rows=rows,
            declarations=[declaration["text"] for declaration in declarations],
        )
    )


def _paper_field(field: dict[str, Any]) -> dict[str, Any]:
    kind = kind_of(field)
    layout = kind.paper
    choices = [label for _, label in field.get("choices") or []]
    if layout == "choice" and not choices and kind.type == "boolean":
        choices = [kind.to_text(True, {}, field), kind.to_text(False, {}, field)]
    if layout in ("choice", "choices") and (not choices or len(choices) > MOST_BOXES):
        layout = "line"
    return {
        "title": field["title"],
        "required": bool(field.get("constraints", {}).get("required")),
        "layout": layout,
        "cells": kind.paper_cells,
        "choices": choices,
        "several": layout == "choices",
    }
