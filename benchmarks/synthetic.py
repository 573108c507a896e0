"""A synthetic deployment of any size: one district, towns, villages, one rule quota.

Optionally an honour roll (``people`` exemplary volunteers, ``stories`` stories naming
them), so that site builds have per-person and per-story pages at scale. Every person is
invented (``example: true``).
"""

from __future__ import annotations

from pathlib import Path

import yaml


def write_deployment(
    root: Path,
    towns: int,
    villages_per_town: int,
    *,
    people: int = 0,
    stories: int = 0,
    campaigns: int = 1,
) -> Path:
    """Write a valid deployment with 1 + towns × (1 + villages_per_town) units and
    *campaigns* recruitment rounds (every other one with the quota table)."""
    (root / "campaigns").mkdir(parents=True, exist_ok=True)
    settings = {
        "id": "synthetic",
        "name": "合成测试部署",
        "region": "示例区",
        "scheme": {"title": "合成方案", "issuer": ["示例办公室"], "issued": "2026-01-01"},
        "levels": [
            {"id": "district", "name": "区"},
            {"id": "town", "name": "镇"},
            {"id": "village", "name": "村"},
        ],
    }
    units = [{"id": "d", "name": "示例区", "level": "district", "kind": "territorial"}]
    town_ids = []
    for t in range(towns):
        town = f"t{t}"
        town_ids.append(town)
        units.append(
            {
                "id": town,
                "name": f"第{t}镇",
                "level": "town",
                "kind": "territorial",
                "parent": "d",
                "registered_population": 10_000 + 37 * t,
            }
        )
        units.extend(
            {
                "id": f"{town}-v{v}",
                "name": f"第{t}镇第{v}村",
                "level": "village",
                "kind": "territorial",
                "parent": town,
                "example": True,
            }
            for v in range(villages_per_town)
        )
    quota = {
        "id": "q",
        "title": "名额",
        "rule": {
            "rate": 0.04,
            "base": "registered_population",
            "rounding": "nearest",
            "units": town_ids,
        },
    }
    rounds = [
        {
            "id": "c" if n == 0 else f"c{n}",
            "title": "合成招募" if n == 0 else f"合成招募第{n + 1}轮",
            "opens": f"{2026 - n // 12}-{1 + n % 12:02d}-01",
            "closes": "2027-12-31" if n == 0 else f"{2026 - n // 12}-{1 + n % 12:02d}-28",
            "recruitment": "open",
            **({"quota": "q"} if n % 2 == 0 else {}),
            "eligibility": {"age": {"min": 18}},
            "application_units": {"levels": ["village"]},
            "form": {"fields": ["name", "id_number", "unit"]},
        }
        for n in range(campaigns)
    ]
    dump = {"allow_unicode": True, "sort_keys": False}
    (root / "deployment.yaml").write_text(yaml.safe_dump(settings, **dump), encoding="utf-8")
    (root / "units.yaml").write_text(yaml.safe_dump({"units": units}, **dump), encoding="utf-8")
    (root / "quotas.yaml").write_text(yaml.safe_dump({"quotas": [quota]}, **dump), encoding="utf-8")
    for campaign in rounds:
        path = root / "campaigns" / f"{campaign['id']}.yaml"
        path.write_text(yaml.safe_dump(campaign, **dump), encoding="utf-8")
    if people or stories:
        honours = _honours([u["id"] for u in units if u["level"] == "village"], people, stories)
        (root / "honours.yaml").write_text(yaml.safe_dump(honours, **dump), encoding="utf-8")
    return root


def _honours(villages: list[str], people: int, stories: int) -> dict:
    """Invented exemplary volunteers spread over the villages, and stories about them."""
    volunteers = [
        {
            "id": f"p{n}",
            "name": f"示例{n}号",
            "unit": villages[n % len(villages)],
            "honour": "平安志愿者先进个人",
            "year": 2020 + n % 6,
            "stars": 1 + n % 5,
            "points": 100 + n,
            "example": True,
            "consent": {"date": "2025-11-15", "method": "书面", "example": True},
            "story": f"（示例）坚持夜间巡逻 {1 + n % 9} 年，协助调解邻里纠纷，"
            "宣传防范电信诈骗知识。",
        }
        for n in range(people)
    ]
    story_list = [
        {
            "id": f"s{n}",
            "title": f"平安故事第{n}篇",
            "date": f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}",
            "units": [villages[n % len(villages)]],
            "volunteers": [f"p{n % people}"] if people else [],
            "example": True,
            "body": "（示例）一名平安志愿者带动身边的邻居加入服务分队，"
            "每周两次参加社区巡逻，护送学生上下学。\n\n" * 3,
        }
        for n in range(stories)
    ]
    return {"volunteers": volunteers, "stories": story_list}
