"""Any stored text prints: templates and JSON show a lone surrogate as U+FFFD, never fail."""

from __future__ import annotations

import json

import pytest
from flask import jsonify, render_template_string
from markupsafe import Markup

SURROGATE = "x\ud800y"
SHOWN = "x\ufffdy"


def rendered(app, source: str, **context) -> bytes:
    """The bytes a response would carry for *source* rendered with *context*."""
    with app.test_request_context():
        return app.make_response(render_template_string(source, **context)).get_data()


def test_a_template_prints_a_lone_surrogate_as_a_replacement_character(app):
    body = rendered(
        app,
        "<p>{{ text }}</p><p>{{ items | join('、') }}</p>",
        text=SURROGATE,
        items=["a", SURROGATE],
    )
    assert body.decode() == f"<p>{SHOWN}</p><p>a、{SHOWN}</p>"


def test_markup_stays_markup_and_text_is_still_escaped(app):
    body = rendered(
        app, "{{ safe }}|{{ unsafe }}", safe=Markup(f"<b>{SURROGATE}</b>"), unsafe=f"<{SURROGATE}>"
    )
    assert body.decode() == f"<b>{SHOWN}</b>|&lt;{SHOWN}&gt;"


def test_other_values_print_as_before(app):
    assert rendered(app, "{{ n }} {{ none }} {{ missing }}|", n=3, none=None).decode() == "3 None |"


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_json_responses_carry_a_replacement_character(app, ensure_ascii: bool):
    app.json.ensure_ascii = ensure_ascii
    with app.test_request_context():
        body = jsonify({"answers": [SURROGATE], SURROGATE: "ok", "emoji": "😀"}).get_data()
    assert json.loads(body.decode("utf-8")) == {"answers": [SHOWN], SHOWN: "ok", "emoji": "😀"}
