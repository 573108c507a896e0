"""How a large export's ids are cut into the ranges its row workers read."""

from __future__ import annotations

from pingan.export.parallel import RANGE_ROWS, cut_ranges
from pingan.export.source import Source


def _source(first: int, last: int, count: int, match: bool) -> Source:
    return Source(
        driver="sqlite",
        database="unused",
        sql="",
        params=[],
        keys=[],
        first=first,
        last=last,
        count=count,
        match={"unit": ["hutang"]} if match else {},
    )


def _covers(ranges: list[tuple[int, int]], first: int, last: int) -> bool:
    return (
        ranges[0][0] == first
        and ranges[-1][1] == last + 1
        and all(a[1] == b[0] for a, b in zip(ranges, ranges[1:], strict=False))
    )


def test_a_plain_id_range_source_is_cut_by_ids_however_large_the_table():
    # a quarter of 400 million ids selected: no range may hold more rows than RANGE_ROWS
    source = _source(1, 400_000_000, 100_000_000, match=True)
    ranges = cut_ranges(source, workers=2)
    assert _covers(ranges, 1, 400_000_000)
    assert max(hi - lo for lo, hi in ranges) <= RANGE_ROWS


def test_a_selection_filtered_in_sql_is_cut_by_selected_rows():
    source = _source(1, 10_000_000, 200_000, match=False)
    ranges = cut_ranges(source, workers=2)
    assert _covers(ranges, 1, 10_000_000)
    assert len(ranges) == 200_000 // RANGE_ROWS


def test_each_worker_gets_at_least_four_ranges():
    ranges = cut_ranges(_source(1, 25_000, 25_000, match=True), workers=2)
    assert len(ranges) == 8 and _covers(ranges, 1, 25_000)
