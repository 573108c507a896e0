"""``pingan check``: every kind of data error, reported as ``file:line: field: message``.

Each test breaks one thing in the small valid folder of conftest.py and states the exact
report line. Lines count from 1; in units.yaml, unit *i* is on line *i* + 2.
"""

from __future__ import annotations

import pytest
from tiny_deployment import CAMPAIGN, DEPLOYMENT, HONOURS, QUOTAS, UNITS, edit, small_jpeg

from pingan.cli import main
from pingan.deployment import DataError, check_deployment, load_deployment


def report(root) -> list[str]:
    return [str(problem) for problem in check_deployment(root)]


def test_the_fixture_folder_is_valid(data_dir):
    deployment = load_deployment(data_dir())
    assert [unit.id for unit, _ in deployment.tree.walk()] == ["qu", "dong", "dong-cun", "xi"]
    assert deployment.quotas["q2020"].total == 6410
    assert list(deployment.campaigns) == ["round-1"]


# --- the files themselves -------------------------------------------------------------


def test_yaml_syntax_error_names_the_line_of_the_unclosed_bracket(data_dir):
    root = data_dir(units=UNITS + "  - {id: nan, name: [南镇\n")
    assert report(root) == [
        "data/units.yaml:6: (文件): YAML 格式错误：方括号没有闭合（缺少“]”或“,”）"
    ]


def test_tab_indentation_is_explained(data_dir):
    root = data_dir(units="units:\n\t- {id: qu, name: 示例区}\n")
    assert report(root) == [
        "data/units.yaml:2: (文件): YAML 格式错误："
        "这一行用 Tab 缩进了；YAML 只能用空格缩进，请把 Tab 换成空格"
    ]


def test_duplicate_key_is_an_error_not_a_silent_overwrite(data_dir):
    root = data_dir(campaign=CAMPAIGN + "title: 又一个标题\n")
    assert report(root) == [
        "data/campaigns/round-1.yaml:13: (文件): YAML 格式错误：键“title”重复出现"
        "（同一层的键只能写一次，请删去或合并其中一个）"
    ]


def test_file_not_in_utf8_names_the_first_bad_line(data_dir):
    root = data_dir(units="units:\n  - {id: qu, name: 示例区}\n".encode("gbk"))
    assert report(root) == ["data/units.yaml:2: (文件): 文件不是 UTF-8 编码（请用 UTF-8 另存）"]


def test_control_character_is_named(data_dir):
    root = data_dir(campaign=edit(CAMPAIGN, "title: 示例招募", "title: 示例\x07招募"))
    assert report(root) == [
        "data/campaigns/round-1.yaml:2: (文件): 文件含有不可打印的控制字符 U+0007，请删除"
    ]


def test_missing_required_file(data_dir):
    assert report(data_dir(units=None)) == ["data/units.yaml:0: (文件): 缺少这个文件"]


def test_optional_files_may_be_absent(data_dir):
    root = data_dir(honours=None, quotas=None, campaign=None)
    assert report(root) == []


def test_missing_folder(data_dir):
    data_dir()
    assert report("nowhere") == ["nowhere:0: (目录): 数据目录不存在"]


def test_campaign_file_with_yml_extension_is_not_silently_ignored(data_dir):
    root = data_dir(**{"campaigns/round-2.yml": CAMPAIGN})
    assert report(root) == [
        "data/campaigns/round-2.yml:0: (文件): 活动文件的扩展名须为 .yaml，这个文件没有被读取"
    ]


# --- the schemas ----------------------------------------------------------------------


def test_missing_required_key(data_dir):
    root = data_dir(campaign=edit(CAMPAIGN, "title: 示例招募\n", ""))
    assert report(root) == ["data/campaigns/round-1.yaml:1: title: 缺少必填项"]


def test_unknown_key_is_reported_as_a_likely_typo(data_dir):
    root = data_dir(units=edit(UNITS, "parent: dong}", "parent: dong, parnet: dong}"))
    assert report(root) == [
        "data/units.yaml:5: units[3].parnet: 不认识的键（拼写错误？允许的键见 pingan/schemas/）"
    ]


def test_misspelt_required_key_gives_both_sides(data_dir):
    root = data_dir(campaign=edit(CAMPAIGN, "recruitment:", "recruitmnet:"))
    assert report(root) == [
        "data/campaigns/round-1.yaml:1: recruitment: 缺少必填项",
        "data/campaigns/round-1.yaml:5: recruitmnet: "
        "不认识的键（拼写错误？允许的键见 pingan/schemas/）",
    ]


def test_typo_inside_a_form_field_mapping_is_pointed_at(data_dir):
    root = data_dir(
        campaign=edit(CAMPAIGN, "fields: [name,", "fields: [{field: name, requird: true},")
    )
    assert report(root) == [
        "data/campaigns/round-1.yaml:12: form.fields[0].requird: "
        "不认识的键（拼写错误？允许的键见 pingan/schemas/）"
    ]


def test_wrong_type(data_dir):
    root = data_dir(units=edit(UNITS, "registered_population: 2000", "registered_population: 两千"))
    assert report(root) == [
        "data/units.yaml:4: units[2].registered_population: 应为整数，实为“两千”"
    ]


def test_empty_value(data_dir):
    root = data_dir(campaign=edit(CAMPAIGN, "title: 示例招募", "title:"))
    assert report(root) == ["data/campaigns/round-1.yaml:2: title: 没有填写（应为文本）"]


def test_bad_enum_value_lists_the_choices(data_dir):
    root = data_dir(campaign=edit(CAMPAIGN, "recruitment: open", "recruitment: public"))
    assert report(root) == [
        "data/campaigns/round-1.yaml:5: recruitment: "
        "“public”不是允许的取值（可选：open、directed、mixed）"
    ]


def test_bad_id_pattern_says_what_an_id_may_contain(data_dir):
    root = data_dir(units=edit(UNITS, "id: dong-cun,", "id: Dong_Cun,"))
    assert report(root) == [
        "data/units.yaml:5: units[3].id: “Dong_Cun”格式不对："
        "只能用小写英文字母、数字和连字符“-”，并以字母或数字开头"
    ]


def test_date_that_does_not_exist(data_dir):
    root = data_dir(campaign=edit(CAMPAIGN, "closes: 2026-12-31", "closes: 2026-02-30"))
    assert report(root) == [
        "data/campaigns/round-1.yaml:4: closes: “2026-02-30”不是有效的日期（格式 YYYY-MM-DD）"
    ]


def test_date_in_the_wrong_format_is_reported_once(data_dir):
    root = data_dir(campaign=edit(CAMPAIGN, "closes: 2026-12-31", "closes: 2026-2-3"))
    assert report(root) == [
        "data/campaigns/round-1.yaml:4: closes: “2026-2-3”格式不对：日期格式为 YYYY-MM-DD"
    ]


def test_quota_table_with_both_rule_and_allocations(data_dir):
    root = data_dir(quotas=QUOTAS + "    allocations: [{unit: dong, count: 1}]\n")
    assert report(root) == [
        "data/quotas.yaml:2: quotas[0]: 须给出 rule、allocations、categories 中的一项，且只能一项"
    ]


# --- the unit tree --------------------------------------------------------------------


def test_unknown_parent(data_dir):
    root = data_dir(units=edit(UNITS, "parent: dong}", "parent: nan}"))
    assert report(root) == ["data/units.yaml:5: units[3].parent: 上级单位“nan”不存在"]


def test_parent_cycle(data_dir):
    units = edit(
        UNITS,
        "parent: qu, registered_population: 158253",
        "parent: dong-cun, registered_population: 158253",
    )
    assert report(data_dir(units=units)) == [
        "data/units.yaml:3: units[1].level: 层级“town”不低于上级单位“dong-cun”的层级“village”",
        "data/units.yaml:3: units[1].parent: 上级关系构成循环：dong → dong-cun → dong",
    ]


def test_unit_that_is_its_own_parent(data_dir):
    root = data_dir(units=edit(UNITS, "parent: dong}", "parent: dong-cun}"))
    assert report(root) == ["data/units.yaml:5: units[3].parent: 单位“dong-cun”不能是自己的上级"]


def test_child_level_must_be_below_the_parent_level(data_dir):
    root = data_dir(units=edit(UNITS, "level: village", "level: town"))
    assert report(root) == [
        "data/units.yaml:5: units[3].level: 层级“town”不低于上级单位“dong”的层级“town”"
    ]


def test_unknown_level(data_dir):
    root = data_dir(units=edit(UNITS, "level: village", "level: hamlet"))
    assert report(root) == [
        "data/units.yaml:5: units[3].level: 层级“hamlet”未在 deployment.yaml 的 levels 中定义"
        "（已定义：district、town、village）"
    ]


def test_duplicate_level_id(data_dir):
    root = data_dir(deployment=DEPLOYMENT + "  - {id: town, name: 街道}\n")
    assert report(root) == ["data/deployment.yaml:10: levels[3].id: 层级编号“town”重复"]


def test_more_than_one_root(data_dir):
    units = edit(
        UNITS,
        "level: town, kind: territorial, parent: qu, registered_population: 2000",
        "level: district, kind: territorial, registered_population: 2000",
    )
    assert report(data_dir(units=units)) == [
        "data/units.yaml:1: units: 应恰有一个最高层单位（没有 parent），现有 2 个：qu、xi"
    ]


def test_duplicate_unit_id_blames_only_the_repeat(data_dir):
    root = data_dir(
        units=UNITS + "  - {id: xi, name: 又一个西镇, level: town, kind: territorial}\n"
    )
    assert report(root) == ["data/units.yaml:6: units[4].id: 单位编号“xi”重复"]


# --- quotas ---------------------------------------------------------------------------

CATEGORIES = """\
  - id: expo
    title: 招募类别
    categories:
      - id: patrol
        number: 1
        name: 治安巡防
        count: 30
        recruitment: directed
        parts: [{name: 派出所, count: 10}, {name: 保安公司, count: 20}]
      - id: public
        number: 9
        name: 社会招募
        count: 1000
        approximate: true
        basis: 51 个居委 × 20 名
        recruitment: open
        parts: [{name: 各居委, count: 1020}]
"""


def test_rule_over_a_unit_without_the_population_base(data_dir):
    root = data_dir(quotas=edit(QUOTAS, "units: [dong, xi]", "units: [dong, xi, dong-cun]"))
    assert report(root) == [
        "data/quotas.yaml:4: quotas[0].rule.units[2]: "
        "单位“dong-cun”没有户籍人口（registered_population），无法按比例计算名额"
    ]


def test_quota_naming_an_unknown_unit(data_dir):
    root = data_dir(quotas=edit(QUOTAS, "units: [dong, xi]", "units: [dong, nan]"))
    assert report(root) == [
        "data/quotas.yaml:4: quotas[0].rule.units[1]: 单位“nan”不存在（见 units.yaml）"
    ]


def test_quota_listing_a_unit_twice(data_dir):
    root = data_dir(quotas=edit(QUOTAS, "units: [dong, xi]", "units: [dong, xi, dong]"))
    assert report(root) == [
        "data/quotas.yaml:4: quotas[0].rule.units[2]: 单位“dong”在这张名额表中出现了两次"
    ]


def test_category_sub_counts_must_add_up(data_dir):
    root = data_dir(quotas=QUOTAS + edit(CATEGORIES, "count: 30", "count: 31"))
    assert report(root) == [
        "data/quotas.yaml:12: quotas[1].categories[0].count: 分项之和 30 与类别人数 31 不符"
    ]


def test_approximate_category_is_kept_as_stated(data_dir):
    """The expo town's category 9: "约1000", though 51 committees × 20 = 1,020."""
    deployment = load_deployment(data_dir(quotas=QUOTAS + CATEGORIES))
    table = deployment.quotas["expo"]
    assert [(c.count, c.parts_total, c.approximate) for c in table.categories] == [
        (30, 30, False),
        (1000, 1020, True),
    ]
    assert table.total == 1030


def test_stated_total_must_match_the_sum(data_dir):
    root = data_dir(quotas=edit(QUOTAS, "stated_total: 6410", "stated_total: 6411"))
    assert report(root) == [
        "data/quotas.yaml:5: quotas[0].stated_total: 文件所列合计 6411 与各项之和 6410 不符"
    ]


def test_approximate_stated_total_is_accepted(data_dir):
    quotas = edit(
        QUOTAS, "stated_total: 6410", "stated_total: 6400\n    stated_total_approximate: true"
    )
    table = load_deployment(data_dir(quotas=quotas)).quotas["q2020"]
    assert (table.total, table.stated_total, table.stated_total_approximate) == (6410, 6400, True)


# --- campaigns ------------------------------------------------------------------------


def test_campaign_closing_before_it_opens(data_dir):
    root = data_dir(campaign=edit(CAMPAIGN, "closes: 2026-12-31", "closes: 2025-12-31"))
    assert report(root) == [
        "data/campaigns/round-1.yaml:4: closes: 截止日期 2025-12-31 早于开始日期 2026-01-01"
    ]


#: The window rule (pingan/checks/campaigns.py): a dated or emergency round names its closing
#: day, a long-term one (常年招募) must not, a reserve round may or may not.
DATED_NEEDS = "1: closes: 定期招募须写明截止日期；常年招募的请写 window: long_term"
EMERGENCY_NEEDS = "1: closes: 短期应急招募须写明截止日期；常年招募的请写 window: long_term"
LONG_TERM_REFUSES = (
    "4: closes: 长期招募（常年招募）没有截止日期：请删除 closes，或改为 window: dated"
)
UNKNOWN = "5: window: “forever”不是允许的取值（可选：dated、long_term、emergency、reserve）"
#: (id, window line, whether closes stays, expected "line: field: message").
WINDOW_CASES = [
    ("dated-by-default", "", False, [DATED_NEEDS]),
    ("dated", "window: dated\n", False, [DATED_NEEDS]),
    ("emergency", "window: emergency\n", False, [EMERGENCY_NEEDS]),
    ("emergency-closes", "window: emergency\n", True, []),
    ("long-term", "window: long_term\n", False, []),
    ("long-term-closes", "window: long_term\n", True, [LONG_TERM_REFUSES]),
    ("reserve", "window: reserve\n", False, []),
    ("reserve-closes", "window: reserve\n", True, []),
    ("unknown", "window: forever\n", True, [UNKNOWN]),
]


@pytest.mark.parametrize(
    ("window", "closes", "problems"),
    [case[1:] for case in WINDOW_CASES],
    ids=[case[0] for case in WINDOW_CASES],
)
def test_closing_date_follows_the_window(data_dir, window, closes, problems):
    text = edit(
        CAMPAIGN, "closes: 2026-12-31\n", ("closes: 2026-12-31\n" if closes else "") + window
    )
    assert report(data_dir(campaign=text)) == [
        f"data/campaigns/round-1.yaml:{problem}" for problem in problems
    ]


def test_a_long_term_round_loads_without_a_closing_date(data_dir):
    root = data_dir(campaign=edit(CAMPAIGN, "closes: 2026-12-31", "window: long_term"))
    campaign = load_deployment(root).campaigns["round-1"]
    assert (campaign.window, campaign.closes, campaign.deadline_text()) == (
        "long_term",
        None,
        "常年招募，长期有效",
    )


def test_age_maximum_below_minimum(data_dir):
    root = data_dir(campaign=edit(CAMPAIGN, "max: 45", "max: 16"))
    assert report(root) == [
        "data/campaigns/round-1.yaml:8: eligibility.age.max: 年龄上限 16 小于下限 18"
    ]


def test_unknown_quota(data_dir):
    root = data_dir(campaign=edit(CAMPAIGN, "quota: q2020", "quota: q2021"))
    assert report(root) == [
        "data/campaigns/round-1.yaml:6: quota: 名额表“q2021”不存在（见 quotas.yaml）"
    ]


def test_campaign_naming_a_broken_quota_table_is_not_blamed_too(data_dir):
    root = data_dir(quotas=edit(QUOTAS, "units: [dong, xi]", "units: [dong, nan]"))
    assert [line.split(":")[0] for line in report(root)] == ["data/quotas.yaml"]


def test_unknown_form_field(data_dir):
    root = data_dir(campaign=edit(CAMPAIGN, "fields: [name,", "fields: [nmae,"))
    assert report(root) == [
        "data/campaigns/round-1.yaml:12: form.fields[0]: "
        "表单字段“nmae”不在 application.schema.yaml 中"
    ]


def test_duplicate_form_field(data_dir):
    root = data_dir(campaign=edit(CAMPAIGN, "fields: [name,", "fields: [name, name,"))
    assert report(root) == ["data/campaigns/round-1.yaml:12: form.fields[1]: 表单字段“name”重复"]


def test_service_type_field_without_service_types(data_dir):
    root = data_dir(
        campaign=edit(CAMPAIGN, "service_types:\n  - {id: patrol, name: 治安巡逻}\n", "")
    )
    assert report(root) == [
        "data/campaigns/round-1.yaml:10: form.fields[2]: "
        "使用了 service_type 字段，但没有列出 service_types"
    ]


def test_other_documents_than_the_id_card_need_entered_sex_and_birth_date(data_dir):
    other_documents = "age: {min: 18, max: 45}\n  document_types: [resident_id, passport]"
    root = data_dir(campaign=edit(CAMPAIGN, "age: {min: 18, max: 45}", other_documents))
    assert report(root) == [
        "data/campaigns/round-1.yaml:9: eligibility.document_types: "
        "接受居民身份证以外的证件时，表单须包含 id_type、sex、birth_date 字段"
    ]
    with_fields = edit(
        root.joinpath("campaigns/round-1.yaml").read_text(encoding="utf-8"),
        "fields: [name,",
        "fields: [name, id_type, sex, birth_date,",
    )
    assert report(data_dir(campaign=with_fields)) == []


def test_category_field_without_categories(data_dir):
    root = data_dir(campaign=edit(CAMPAIGN, "fields: [name,", "fields: [category, name,"))
    assert report(root) == [
        "data/campaigns/round-1.yaml:12: form.fields[0]: 使用了 category 字段，但名额表没有招募类别"
    ]


def test_unit_field_with_no_unit_to_choose(data_dir):
    root = data_dir(campaign=edit(CAMPAIGN, "quota: q2020\n", ""))
    assert report(root) == [
        "data/campaigns/round-1.yaml:11: form.fields[3]: "
        "没有可以报名的单位：请设置 application_units 或 quota"
    ]


def test_application_units_with_unknown_level_and_unit(data_dir):
    campaign = CAMPAIGN + "application_units: {levels: [town, hamlet], units: [nan]}\n"
    assert report(data_dir(campaign=campaign)) == [
        "data/campaigns/round-1.yaml:13: application_units.levels[1]: 层级“hamlet”未定义",
        "data/campaigns/round-1.yaml:13: application_units.units[0]: "
        "单位“nan”不存在（见 units.yaml）",
    ]


def test_roster_column_that_is_neither_a_field_nor_derived(data_dir):
    campaign = CAMPAIGN + (
        "roster:\n  title: 花名册\n  columns:\n"
        "    - {title: 姓名, field: name}\n    - {title: 年龄, field: agee}\n"
    )
    assert report(data_dir(campaign=campaign)) == [
        "data/campaigns/round-1.yaml:17: roster.columns[1].field: 名单列“agee”既不是表单字段"
        "也不是可计算的列（reference、age、stage、volunteer_number、submitted_at）"
    ]


def test_phase_ending_before_it_starts(data_dir):
    campaign = CAMPAIGN + (
        "phases:\n"
        "  - {name: 报名, start: 2017-05-10, end: 2017-05}\n"
        "  - {name: 培训, start: 2017-06, end: 2017-05-31}\n"
    )
    assert report(data_dir(campaign=campaign)) == [
        "data/campaigns/round-1.yaml:15: phases[1].end: 结束时间 2017-05-31 早于开始时间 2017-06"
    ]


def test_duplicate_campaign_id_across_files(data_dir):
    root = data_dir(**{"campaigns/round-1-copy.yaml": CAMPAIGN})
    assert report(root) == [
        "data/campaigns/round-1.yaml:1: id: "
        "活动编号“round-1”与 data/campaigns/round-1-copy.yaml 重复"
    ]


# --- honours --------------------------------------------------------------------------


def test_unknown_unit_of_a_volunteer(data_dir):
    root = data_dir(honours=edit(HONOURS, "unit: dong, honour", "unit: nan, honour"))
    assert report(root) == [
        "data/honours.yaml:2: volunteers[0].unit: 单位“nan”不存在（见 units.yaml）"
    ]


def test_unknown_unit_of_a_project(data_dir):
    root = data_dir(
        honours=edit(HONOURS, "name: 夜间巡逻, unit: dong", "name: 夜间巡逻, unit: nan")
    )
    assert report(root) == [
        "data/honours.yaml:4: projects[0].unit: 单位“nan”不存在（见 units.yaml）"
    ]


def test_unknown_unit_in_a_story(data_dir):
    root = data_dir(honours=edit(HONOURS, "units: [dong]", "units: [dong, nan]"))
    assert report(root) == [
        "data/honours.yaml:6: stories[0].units[1]: 单位“nan”不存在（见 units.yaml）"
    ]


def test_unknown_volunteer_in_a_story(data_dir):
    root = data_dir(honours=edit(HONOURS, "volunteers: [zhang]", "volunteers: [li]"))
    assert report(root) == ["data/honours.yaml:6: stories[0].volunteers[0]: 志愿者“li”不在光荣榜中"]


def test_missing_photo_file(data_dir):
    root = data_dir(honours=edit(HONOURS, "year: 2025}", "year: 2025, photo: zhang.jpg}"))
    assert report(root) == [
        "data/honours.yaml:2: volunteers[0].photo: 照片文件 photos/zhang.jpg 不存在"
    ]
    (root / "photos").mkdir()
    (root / "photos" / "zhang.jpg").write_bytes(small_jpeg())
    assert report(root) == []


def test_photo_outside_the_photos_folder(data_dir):
    root = data_dir(honours=edit(HONOURS, "year: 2025}", "year: 2025, photo: ../units.yaml}"))
    assert report(root) == [
        "data/honours.yaml:2: volunteers[0].photo: 照片“../units.yaml”须是 photos/ 目录中的文件名"
    ]


# --- the report as a whole ------------------------------------------------------------


def test_every_problem_of_every_file_is_reported_at_once(data_dir):
    root = data_dir(
        units=edit(UNITS, "parent: dong}", "parent: nan}"),
        campaign=edit(CAMPAIGN, "recruitment: open", "recruitment: public"),
        honours="volunteers: [\n",
        quotas=edit(QUOTAS, "stated_total: 6410", "stated_total: 6411"),
    )
    assert report(root) == [
        "data/honours.yaml:2: (文件): YAML 格式错误：这里缺少值（“[”“{”“- ”或“: ”之后没有内容）",
        "data/campaigns/round-1.yaml:5: recruitment: "
        "“public”不是允许的取值（可选：open、directed、mixed）",
        "data/units.yaml:5: units[3].parent: 上级单位“nan”不存在",
        "data/quotas.yaml:5: quotas[0].stated_total: 文件所列合计 6411 与各项之和 6410 不符",
    ]


def test_load_deployment_raises_data_error_with_every_problem(data_dir):
    root = data_dir(campaign=edit(CAMPAIGN, "max: 45", "max: 16"))
    with pytest.raises(DataError) as caught:
        load_deployment(root)
    assert len(caught.value.problems) == 1
    assert str(caught.value) == caught.value.problems.report()


def test_cli_check_prints_the_report_to_stderr_and_exits_1(data_dir, capsys):
    root = data_dir(units=edit(UNITS, "parent: dong}", "parent: nan}"))
    assert main(["check", str(root)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "data/units.yaml:5: units[3].parent: 上级单位“nan”不存在\n发现 1 个问题。\n"


def test_cli_check_passes_a_good_folder(data_dir, capsys):
    assert main(["check", str(data_dir())]) == 0
    assert capsys.readouterr().out == "data: 数据检查通过。\n"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("- id: round-1\n- title: 示例\n", id="list-at-top"),
        pytest.param("", id="empty"),
        pytest.param("# only a comment\n", id="comment-only"),
        pytest.param("示例招募\n", id="plain-text"),
        pytest.param("id: round-1\n\ttitle: 示例\n", id="tab-indent"),
        pytest.param("[a, b]: 1\n", id="list-as-key"),
        pytest.param("? {a: 1}\n: 1\n", id="mapping-as-key"),
        pytest.param("no: 1\n2017: 2\nnull: 3\n", id="non-text-keys"),
        pytest.param(CAMPAIGN + "---\nid: x\n", id="two-documents"),
        pytest.param(CAMPAIGN + "summary: *nowhere\n", id="undefined-alias"),
        pytest.param("eligibility: [1, 2]\nform: {fields: {a: 1}}\n", id="wrong-shapes"),
        pytest.param(b"\xff\xfe\x00\x00", id="binary"),
    ],
)
def test_bad_campaign_files_never_crash_the_cli(data_dir, capsys, text):
    assert main(["check", str(data_dir(campaign=text))]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.startswith("data/campaigns/round-1.yaml:")


@pytest.mark.parametrize(
    "name, text",
    [
        ("deployment", "levels: 3\n"),
        ("units", "units: [qu, dong]\n"),
        (
            "units",
            "units:\n  - {id: qu, name: 区, level: district, kind: territorial, parent: qu}\n",
        ),
        ("quotas", "quotas: {id: x}\n"),
        ("honours", "volunteers: [{id: a}]\nstories: 1\n"),
    ],
)
def test_bad_shapes_in_other_files_never_crash(data_dir, name, text):
    problems = check_deployment(data_dir(**{name: text}))
    assert f"data/{name}.yaml" in {problem.file for problem in problems}
