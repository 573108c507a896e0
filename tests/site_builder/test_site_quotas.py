"""Quota tables print the seeds' figures in the right cells."""

from __future__ import annotations

from site_helpers import example_site


def cells_by_row(page, table_selector: str = "#quota-table") -> dict[str, dict[str, str]]:
    """Row header text → {column header: cell text} for one table."""
    table = page.select_one(table_selector)
    headers = [th.get_text(strip=True) for th in table.select("thead th")]
    rows = {}
    for tr in table.select("tbody tr, tfoot tr"):
        cells = tr.find_all(["th", "td"])
        label = cells[0].get_text(strip=True)
        rows[label] = {
            header: cell.get_text(" ", strip=True)
            for header, cell in zip(headers, cells, strict=False)
        }
    return rows


def count_of(page, row_selector: str) -> int:
    return int(page.select_one(f"{row_selector} td.pingan-count")["data-value"])


def test_wujin_town_quota_is_four_percent_of_registered_population(wujin):
    rows = cells_by_row(wujin.page("quotas/wujin-2026/"))

    assert rows["湖塘"]["户籍人口"] == "158,253"
    assert rows["湖塘"]["名额"] == "6,330"
    assert rows["潞城"]["名额"] == "889"
    assert len([label for label in rows if label not in ("合计", "文件所列合计")]) == 17


def test_wujin_total_is_the_sum_of_rounded_town_quotas(wujin):
    page = wujin.page("quotas/wujin-2026/")

    assert count_of(page, "#quota-table tr.pingan-quota__grand") == 37596
    assert count_of(page, "#quota-table tr.pingan-quota__stated") == 37596
    assert page.select_one("tr.pingan-quota__grand .pingan-base")["data-value"] == "939870"
    levels = cells_by_row(page, ".pingan-level-totals")
    assert levels["镇（开发区、街道）"]["名额"] == "37,596"
    assert levels["区"]["名额"] == "37,596"  # the district's total is its towns' rounded quotas
    assert "村（社区）" not in levels  # invented villages carry no quota


def test_wujin_notice_states_the_planned_total_and_links_the_table(wujin):
    page = wujin.page("notices/wujin-2026/")

    assert page.select_one(".pingan-total").get_text(strip=True) == "37,596"
    assert page.select_one('a[href="../../quotas/wujin-2026/"]') is not None


def test_wujin_quota_rows_link_to_unit_pages(wujin):
    link = wujin.page("quotas/wujin-2026/").select_one('tr[data-unit="hutang"] th a')

    assert link["href"] == "../../unit/hutang/"
    assert wujin.path("unit/hutang/").is_file()


def test_progress_column_is_hidden_until_the_form_service_answers(wujin):
    page = wujin.page("quotas/wujin-2026/")
    table = page.select_one("#quota-table")

    assert table["data-progress-url"] == (
        "https://forms.example.org/api/v1/campaigns/wujin-2026/progress"
    )
    progress = table.select(".pingan-progress")
    assert progress and all(cell.has_attr("hidden") for cell in progress)
    assert table.select_one('tr[data-unit="hutang"] td[data-progress]')["data-progress"] == "hutang"
    grand = table.select_one("tr.pingan-quota__grand td[data-progress]")["data-progress"].split()
    assert len(grand) == 17
    rollup = page.select_one("#progress-rollup").get_text()
    assert '"hutang-village-a":"hutang"' in rollup
    assert "fetch(" in page.select_one("#progress-rollup").find_next("script").get_text()


def test_unit_page_shows_its_quota(wujin):
    page = wujin.page("unit/hutang/")

    assert page.select_one(".pingan-unit-quotas strong")["data-value"] == "6330"


def test_shanxi_allocations_to_34_units_total_30000(built_sites):
    site = example_site(built_sites, "shanxi-youth")
    quota_pages = sorted(site.root.glob("quotas/*/index.html"))
    assert quota_pages
    page = site.page(quota_pages[0].parent.relative_to(site.root).as_posix() + "/")
    rows = cells_by_row(page)

    assert rows["太原市"]["名额"] == "1,000"
    assert count_of(page, "#quota-table tr.pingan-quota__grand") == 30000
    assert len(page.select("#quota-table tbody tr.pingan-quota__unit")) == 34


def test_expo_town_categories_with_nested_sub_counts(built_sites):
    site = example_site(built_sites, "expo-town")
    quota_pages = sorted(site.root.glob("quotas/*/index.html"))
    assert quota_pages
    page = site.page(quota_pages[0].parent.relative_to(site.root).as_posix() + "/")
    categories = page.select("tr.pingan-category")
    third = categories[2]
    parts = page.select(f'tr.pingan-category__part[data-category="{third["data-category"]}"]')

    assert len(categories) == 9
    assert third.select_one("td.pingan-count")["data-value"] == "1205"
    assert len(parts) == 12
    assert sum(int(part.select_one("td.pingan-count")["data-value"]) for part in parts) == 1205
    ninth = categories[8].select_one("td.pingan-count")
    assert ninth["data-value"] == "1000" and ninth.get_text(strip=True).startswith("约")
    assert count_of(page, "tr.pingan-quota__grand") == 6249
