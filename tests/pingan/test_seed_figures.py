"""The seeds' quota tables, copied here by hand, are what the reference deployments compute.

Each table below is transcribed from a document in ../shared/seeds/ (file named in each
section). The deployments compute their figures from their YAML; these tests say that the
result is the document's figure, row by row and in total.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pingan.campaigns import campaign_fields
from pingan.deployment import Deployment, load_deployment
from pingan.quotas import QuotaTable, apply_rate

ROOT = Path(__file__).resolve().parents[2]


def quota_table(deployment: Deployment, table_id: str) -> QuotaTable:
    return deployment.quotas[table_id]


def rows_by_name(deployment: Deployment, table: QuotaTable) -> list[tuple[str, int]]:
    """(name as the document's table prints it, count) in the data's order."""
    return [(deployment.tree[row.unit].label, row.count) for row in table.rows]


# --- Wujin (000_fde1df1a64e61bc4.txt, 附件: 各镇（开发区、街道）校定的平安志愿者数) -------------

WUJIN_TABLE = [  # 各镇（街道）, 户籍人口, 应建志愿者数
    ("湖塘", 158253, 6330),
    ("牛塘", 42269, 1691),
    ("洛阳", 52444, 2098),
    ("雪堰", 78971, 3159),
    ("前黄", 66669, 2667),
    ("嘉泽", 75411, 3016),
    ("湟里", 63512, 2540),
    ("西湖", 26053, 1042),
    ("南夏墅", 59069, 2363),
    ("礼嘉", 48424, 1937),
    ("高新北区", 33877, 1355),
    ("遥观", 46697, 1868),
    ("横林", 51514, 2061),
    ("横山桥", 60071, 2403),
    ("戚墅堰", 40267, 1611),
    ("丁堰", 14138, 566),
    ("潞城", 22231, 889),
]
WUJIN_POPULATION_TOTAL = 939870
WUJIN_QUOTA_TOTAL = 37596


@pytest.fixture(scope="module")
def wujin() -> Deployment:
    return load_deployment(ROOT / "data")


def test_wujin_table_has_seventeen_towns_summing_to_the_stated_totals():
    assert len(WUJIN_TABLE) == 17
    assert sum(population for _, population, _ in WUJIN_TABLE) == WUJIN_POPULATION_TOTAL
    assert sum(quota for _, _, quota in WUJIN_TABLE) == WUJIN_QUOTA_TOTAL


@pytest.mark.parametrize("town, population, quota", WUJIN_TABLE)
def test_wujin_each_town_quota_is_four_percent_of_its_registered_population(
    wujin, town, population, quota
):
    table = quota_table(wujin, "wujin-2017")
    row = next(row for row in table.rows if wujin.tree[row.unit].label == town)
    assert row.base == population
    assert row.count == quota
    assert apply_rate(0.04, population, "nearest") == quota


def test_wujin_rows_follow_the_seed_table_in_order(wujin):
    table = quota_table(wujin, "wujin-2017")
    assert rows_by_name(wujin, table) == [(town, quota) for town, _, quota in WUJIN_TABLE]


def test_wujin_total_is_the_sum_of_rounded_town_quotas_not_four_percent_of_the_total(wujin):
    table = quota_table(wujin, "wujin-2017")
    assert table.base_total == WUJIN_POPULATION_TOTAL
    assert table.total == table.stated_total == WUJIN_QUOTA_TOTAL
    # 4 % of the whole district would round to one fewer: the table adds rounded figures.
    assert apply_rate(0.04, WUJIN_POPULATION_TOTAL, "nearest") == 37595
    assert table.totals_by_unit(wujin.tree)["wujin"] == WUJIN_QUOTA_TOTAL


# --- Chongqing (001_5752e206589abfbd.txt, 三（一）) ------------------------------------------


@pytest.fixture(scope="module")
def chongqing() -> Deployment:
    return load_deployment(ROOT / "examples" / "chongqing")


def test_chongqing_one_million_is_a_floor_at_city_level_only(chongqing):
    table = quota_table(chongqing, "chongqing-2010")
    assert [(row.unit, row.count, row.minimum) for row in table.rows] == [
        ("chongqing", 1_000_000, True)
    ]
    assert chongqing.tree["chongqing"].level == "city"
    assert table.totals_by_level(chongqing.tree) == {"city": 1_000_000}
    assert table.total == table.stated_total == 1_000_000


def test_chongqing_target_is_one_percent_of_resident_population(chongqing):
    target = chongqing.settings["scheme"]["target"]
    assert (target["rate"], target["base"], target["count"]) == (
        0.01,
        "resident_population",
        1_000_000,
    )


# --- Shanxi (002_3717ce342deb0734.txt, 附件2: 全省青年平安志愿者名额分配表) -----------------

SHANXI_CITIES = [
    ("太原市", 1000),
    ("大同市", 1000),
    ("阳泉市", 500),
    ("长治市", 1000),
    ("晋城市", 600),
    ("朔州市", 500),
    ("晋中市", 1000),
    ("忻州市", 1000),
    ("吕梁市", 1000),
    ("临汾市", 1000),
    ("运城市", 1000),
]
SHANXI_UNIVERSITIES = [  # left column after the cities, then the top of the right column
    ("山西大学", 1000),
    ("太原理工大学", 1000),
    ("山西农业大学", 1000),
    ("山西医科大学", 1000),
    ("山西师范大学", 1000),
    ("山西财经大学", 1000),
    ("中北大学", 1000),
    ("太原科技大学", 1000),
]
SHANXI_COLLEGES = [
    ("长治医学院", 800),
    ("山西中医学院", 800),
    ("山西大同大学", 800),
    ("太原师范学院", 800),
    ("忻州师范学院", 800),
    ("运城学院", 800),
    ("晋中学院", 800),
    ("长治学院", 800),
    ("太原工业学院", 800),
    ("吕梁学院", 800),
    ("山西传媒学院", 800),
    ("太原学院", 800),
    ("山西工商学院", 800),
]
SHANXI_BODIES = [("省直", 1000), ("国资委", 1000)]
SHANXI_TABLE = SHANXI_CITIES + SHANXI_UNIVERSITIES + SHANXI_COLLEGES + SHANXI_BODIES


@pytest.fixture(scope="module")
def shanxi() -> Deployment:
    return load_deployment(ROOT / "examples" / "shanxi-youth")


def test_shanxi_table_groups_add_up_as_the_document_says():
    assert len(SHANXI_TABLE) == 34
    assert (len(SHANXI_CITIES), sum(count for _, count in SHANXI_CITIES)) == (11, 9600)
    assert {count for _, count in SHANXI_UNIVERSITIES} == {1000} and len(SHANXI_UNIVERSITIES) == 8
    assert {count for _, count in SHANXI_COLLEGES} == {800} and len(SHANXI_COLLEGES) == 13
    assert len(SHANXI_UNIVERSITIES + SHANXI_COLLEGES) == 21
    assert sum(count for _, count in SHANXI_TABLE) == 30000


def test_shanxi_allocations_are_the_seed_table(shanxi):
    table = quota_table(shanxi, "shanxi-2014")
    assert rows_by_name(shanxi, table) == SHANXI_TABLE
    assert table.total == table.stated_total == 30000


def test_shanxi_units_sit_under_the_provincial_root_by_kind(shanxi):
    table = quota_table(shanxi, "shanxi-2014")
    units = [shanxi.tree[row.unit] for row in table.rows]
    assert {unit.parent for unit in units} == {"shanxi"}
    assert shanxi.tree["shanxi"].short_name == "团省委"
    kinds = [unit.kind for unit in units]
    assert kinds == ["territorial"] * 11 + ["university"] * 21 + ["body"] * 2
    assert table.totals_by_unit(shanxi.tree)["shanxi"] == 30000


# --- Expo town (003_a51f215abf5ce4f7.txt, 三、1 招募范围) ------------------------------------

EXPO_CATEGORIES = [  # (number, count, sub-counts as the text lists them)
    (1, 229, []),
    (2, 349, [285, 50, 14]),
    (3, 1205, [285, 140, 107, 30, 21, 37, 97, 74, 84, 83, 48, 199]),
    (4, 2289, []),
    (5, 650, []),
    (6, 140, []),
    (7, 70, []),
    (8, 317, []),
    (9, 1000, []),  # "按照每个居委20名的规模，共计约1000人"
]
EXPO_STATED_TOTAL = 6249  # "以上9个方面共计约6249人"


@pytest.fixture(scope="module")
def expo() -> Deployment:
    return load_deployment(ROOT / "examples" / "expo-town")


def test_expo_sub_counts_add_up_to_their_categories_and_categories_to_the_total():
    for _, count, parts in EXPO_CATEGORIES:
        assert not parts or sum(parts) == count
    assert sum(count for _, count, _ in EXPO_CATEGORIES) == EXPO_STATED_TOTAL


def test_expo_categories_are_the_seed_list(expo):
    table = quota_table(expo, "expo-2009")
    assert [
        (category.number, category.count, [part["count"] for part in category.parts])
        for category in table.categories
    ] == EXPO_CATEGORIES
    assert table.total == table.stated_total == EXPO_STATED_TOTAL
    assert table.stated_total_approximate


def test_expo_category_nine_is_kept_as_stated_though_51_times_20_is_1020(expo):
    building_guards = quota_table(expo, "expo-2009").categories[8]
    assert building_guards.count == 1000 != 51 * 20
    assert building_guards.approximate
    assert building_guards.basis == "51 个居委 × 20 名"


def test_expo_categories_one_to_eight_are_directed_and_nine_is_open(expo):
    categories = quota_table(expo, "expo-2009").categories
    assert [category.recruitment for category in categories] == ["directed"] * 8 + ["open"]
    assert all(category.filed_by for category in categories)


# --- Forms, rosters and rules the documents fix ------------------------------------------

SHANXI_FORM = [  # 附件3 山西省平安志愿者登记表, left to right, top to bottom (photo left out)
    "姓名",
    "性别",
    "出生年月",
    "民族",
    "政治面貌",
    "身份证号码",
    "所在地区（县/区）",
    "工作单位/职业",
    "文化程度",
    "通信地址",
    "手机",
    "固定电话",
    "QQ 号码",
    "个人特长",
    "健康状况",
    "服务时间",
    "服务类型",
]
SHANXI_SERVICE_TYPES = [  # 附件3 服务类型（勾选）, with 行业平安志愿者's five sectors grouped
    ("社区平安志愿者", None),
    ("交通行业平安志愿者", "行业平安志愿者"),
    ("住建行业平安志愿者", "行业平安志愿者"),
    ("旅游行业平安志愿者", "行业平安志愿者"),
    ("团员青年平安志愿者", "行业平安志愿者"),
    ("教育行业平安志愿者", "行业平安志愿者"),
    ("企事业单位内部平安志愿者", None),
    ("应急平安志愿者", None),
]
SHANXI_ROSTER = [  # 附件4 全省青年平安志愿者名单汇总表
    "姓名",
    "性别",
    "年龄",
    "单位",
    "专业或特长",
    "身份证号",
    "健康状况",
    "服务时间",
    "服务项目",
    "联系方式",
]


@pytest.mark.parametrize("campaign_id", ["shanxi-2014", "shanxi-2026"])
def test_shanxi_form_roster_and_service_types_follow_the_annexes(shanxi, campaign_id):
    campaign = shanxi.campaigns[campaign_id]
    titles = [field["title"] for field in campaign_fields(campaign, shanxi)]
    assert [title for title in titles if title in SHANXI_FORM] == SHANXI_FORM
    assert [(c["name"], c.get("group")) for c in campaign.data["service_types"]] == (
        SHANXI_SERVICE_TYPES
    )
    assert [column["title"] for column in campaign.data["roster"]["columns"]] == SHANXI_ROSTER
    eligibility = campaign.data["eligibility"]
    assert (eligibility["age"]["min"], eligibility["age"]["max"]) == (18, 45)
    assert len(eligibility["residence"]["options"]) == 2
    assert eligibility["double_registration"] == "refused_in_principle"
    assert [role["title"] for role in campaign.data["roles"]] == [
        "宣传员",
        "信息员",
        "调解员",
        "帮教员",
        "治安员",
        "处突员",
    ]


def test_shanxi_work_phases_keep_their_dates(shanxi):
    phases = shanxi.campaigns["shanxi-2014"].data["phases"]
    assert [(phase["start"], phase["end"]) for phase in phases] == [
        ("2014-10", "2014-10"),
        ("2014-11", "2014-12"),
        ("2015-01", "2015-06"),
        ("2015-07", "2015-12"),
        ("2016-01", "2016-12"),
    ]


def test_chongqing_activities_by_setting_list_seven_and_six_items(chongqing):
    activities = chongqing.campaigns["chongqing-2026"].data["activities"]
    numbered = [
        sum(1 for line in item["text"].splitlines() if line[:2].rstrip(".").isdigit())
        for item in activities
    ]
    assert numbered == [7, 6, 0]
    assert len(chongqing.campaigns["chongqing-2026"].data["training"]["topics"]) == 5


def test_expo_open_recruitment_is_18_to_65_in_principle(expo):
    eligibility = expo.campaigns["expo-2026"].data["eligibility"]
    assert eligibility["age"] == {"min": 18, "max": 65, "in_principle": True}
    assert "resident_id" in eligibility["document_types"]
    assert len(eligibility["document_types"]) > 1
    assert len(expo.projects) == 6


def test_county_training_counts_and_star_range():
    county = load_deployment(ROOT / "examples" / "county-alliance")
    frequency = county.campaigns["county-2026"].data["training"]["frequency"]
    assert [(item["who"], item["per_year"]) for item in frequency] == [
        ("骨干志愿者", "4"),
        ("普通志愿者", "1–2"),
    ]
    stars = county.settings["recognition"]["stars"]
    assert (stars["min"], stars["max"]) == (1, 5)
    facts = {fact["label"]: fact["value"] for fact in county.settings["facts"]}
    assert (facts["村（居）志愿者工作站"], facts["专业志愿队伍"]) == (208, 16)
    assert "via" in county.campaigns["county-2026"].field_names
