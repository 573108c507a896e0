"""The certificate of service record (志愿服务记录证明) as a complete HTML page: the office's
print view and, through ``html_to_pdf``, its PDF, from the same HTML and CSS."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

from .materials import _templates


@dataclass(frozen=True)
class ServiceRecord:
    """What a certificate prints, as issued (dates already in words)."""

    deployment: str
    issuer: str
    name: str
    volunteer_number: str
    volunteer_unit: str
    hours: str
    activities: int
    period_start: str
    period_end: str
    issued_on: str
    code: str  # grouped, as printed
    verify_url: str


def service_record_html(record: ServiceRecord) -> str:
    return _templates().get_template("service_record.html.j2").render(record=record)


def style_hashes(html: str) -> list[str]:
    """CSP source expressions ('sha256-…') of the page's inline style elements, so the print
    view can be served under a policy that allows exactly them and nothing else inline."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in re.findall(r"<style>(.*?)</style>", html, flags=re.S)
    ]
