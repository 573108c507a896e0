"""A tiny, valid deployment as YAML texts; each test of the checker breaks one thing.

Units are written one per line (flow mappings), so unit *i* of units.yaml is on line i + 2.
"""

from __future__ import annotations

import io

from PIL import Image

DEPLOYMENT = """\
id: demo
name: 示例区平安志愿者
region: 示例区
scheme: {title: 示例方案, issuer: [示例区综治办], issued: 2020-01-01}
contact: {office: 示例区综治办, phone: 0519-0000000}
levels:
  - {id: district, name: 区}
  - {id: town, name: 镇}
  - {id: village, name: 村}
"""

UNITS = """\
units:
  - {id: qu, name: 示例区, level: district, kind: territorial}
  - {id: dong, name: 东, level: town, kind: territorial, parent: qu, registered_population: 158253}
  - {id: xi, name: 西, level: town, kind: territorial, parent: qu, registered_population: 2000}
  - {id: dong-cun, name: 东村, level: village, kind: territorial, parent: dong}
"""

QUOTAS = """\
quotas:
  - id: q2020
    title: 各镇名额
    rule: {rate: 0.04, base: registered_population, rounding: nearest, units: [dong, xi]}
    stated_total: 6410
"""

CAMPAIGN = """\
id: round-1
title: 示例招募
opens: 2026-01-01
closes: 2026-12-31
recruitment: open
quota: q2020
eligibility:
  age: {min: 18, max: 45}
service_types:
  - {id: patrol, name: 治安巡逻}
form:
  fields: [name, id_number, service_type, unit]
"""

HONOURS = (
    (
        "volunteers:\n"
        "  - {id: zhang, name: 张示例, unit: dong, honour: 先进个人, "
        "consent: {date: 2025-11-15, method: 书面}, year: 2025}\n"
    )
    + """\
projects:
  - {id: night-patrol, name: 夜间巡逻, unit: dong}
stories:
  - {id: s1, title: 巡逻一夜, date: 2025-05-01, units: [dong], volunteers: [zhang], body: 正文}
"""
)

DEFAULTS = {
    "deployment.yaml": DEPLOYMENT,
    "units.yaml": UNITS,
    "quotas.yaml": QUOTAS,
    "campaigns/round-1.yaml": CAMPAIGN,
    "honours.yaml": HONOURS,
}


def edit(text: str, old: str, new: str) -> str:
    """*text* with *old* replaced; *old* must occur exactly once (else the test is stale)."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in the fixture"
    return text.replace(old, new)


def small_jpeg() -> bytes:
    """A real, tiny JPEG: ``pingan check`` opens every photo the data names."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "gray").save(buffer, "JPEG")
    return buffer.getvalue()
