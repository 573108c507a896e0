"""Markdown written in the YAML data, rendered and sanitised: one rule for site and form.

Data files are edited by publicity staff, so their Markdown is treated as untrusted: it is
rendered with Python-Markdown and cleaned with nh3 (no scripts, styles, images, event
handlers or unsafe URL schemes) before the site or the form service embeds it.
"""

from __future__ import annotations

import re
import threading

import markdown
import nh3

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h3", "h4",
    "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
_SCHEMES = {"http", "https", "mailto", "tel"}
#: CJK characters and full-width punctuation; a line break or space between two of them is
#: an artefact of YAML line folding, never intended in Chinese text.
_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef\u201c\u201d\u2018\u2019"
_CJK_GAP = re.compile(f"(?<=[{_CJK}])[ \\t]*\\n?[ \\t]*(?=[{_CJK}])")


def join_cjk_lines(text: str) -> str:
    """Remove the spaces and single line breaks YAML folding leaves between Chinese characters."""
    return _CJK_GAP.sub("", text)


_local = threading.local()


def _converter() -> markdown.Markdown:
    """One Markdown instance per thread, reset between texts (a new one per text costs more
    than the conversion: a site build renders thousands)."""
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = markdown.Markdown(
            extensions=["tables", "sane_lists"], output_format="html"
        )
    return converter


def render_markdown(text: str | None) -> str:
    """Safe HTML for Markdown from the data; an empty string for empty text."""
    if not text:
        return ""
    html = _converter().reset().convert(join_cjk_lines(text))
    return nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes=_SCHEMES)
