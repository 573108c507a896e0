"""``pingan preview``'s partial rebuild writes what a full build of the edited data writes.

Each test builds a deployment as the preview does, edits honours.yaml, rebuilds, and
compares every file of the site (pages, search index, sitemap, feeds) with a fresh full
build of the edited data. Real files, real builds; the clock pinned as in the other tests.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from site_helpers import ROOT, pinned_epoch
from test_site_scale import write_synthetic_deployment

from site_builder.commands import build_site
from site_builder.preview import Preview

pytestmark = pytest.mark.slow

SITE_URL = "http://127.0.0.1:8001/"


class Edited:
    """A deployment being previewed, and a full build of it to compare with."""

    def __init__(self, data_dir: Path, tmp_path: Path) -> None:
        self.data_dir = data_dir
        self.tmp_path = tmp_path
        self.preview = Preview(
            data_dir, tmp_path / "preview" / "site", form_url=None, site_url=SITE_URL
        )
        (tmp_path / "preview").mkdir()

    def edit(self, old: str, new: str, file: str = "honours.yaml") -> None:
        path = self.data_dir / file
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, old
        path.write_text(text.replace(old, new), encoding="utf-8")

    def rebuild(self) -> str:
        """Rebuild as the preview does; how it went ("partial" or "full")."""
        self.preview.build()
        assert self.preview.problems is None, self.preview.problems
        return self.preview.last

    @property
    def rendered(self) -> list[str]:
        assert self.preview.state is not None
        return self.preview.state.rendered

    def assert_same_as_full_build(self) -> None:
        fresh = self.tmp_path / "fresh"
        shutil.rmtree(fresh, ignore_errors=True)
        build_site(self.data_dir, fresh, site_url=SITE_URL)
        served = self.preview.site_dir.resolve()
        assert _files(served) == _files(fresh)
        index = "search/search_index.json"
        assert _entries(served / index) == _entries(fresh / index)
        differ = [
            name
            for name in _files(fresh)
            if (served / name).read_bytes() != (fresh / name).read_bytes()
        ]
        assert differ == []


def _files(root: Path) -> list[str]:
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())


def _entries(path: Path) -> list[dict]:
    return json.loads(path.read_bytes())["docs"]


@pytest.fixture
def chongqing(tmp_path: Path) -> Iterator[Edited]:
    data_dir = shutil.copytree(ROOT / "examples" / "chongqing", tmp_path / "chongqing")
    with pinned_epoch():
        edited = Edited(data_dir, tmp_path)
        assert edited.rebuild() == "full"
        yield edited
        edited.preview.remove()


@pytest.fixture
def synthetic(tmp_path: Path) -> Iterator[Edited]:
    """2,000 units: the pages are written by forked workers, the pages folder is outside
    the data folder, honours.yaml's items are one-line flow mappings."""
    data_dir = write_synthetic_deployment(tmp_path / "synthetic")
    with pinned_epoch():
        edited = Edited(data_dir, tmp_path)
        assert edited.rebuild() == "full"
        yield edited
        edited.preview.remove()


def test_a_story_edited_in_text_and_title(chongqing):
    chongqing.edit("楼道盗窃明显减少。", "楼道盗窃明显减少，预览中改写的句子。")
    chongqing.edit("title: 楼道里的守夜人", "title: 楼道里的守夜人们")

    assert chongqing.rebuild() == "partial"
    assert "story/community-guard.md" in chongqing.rendered
    assert "stories/index.md" in chongqing.rendered
    assert not [uri for uri in chongqing.rendered if uri.startswith("unit/")]
    served = chongqing.preview.site_dir
    assert "预览中改写的句子" in (served / "story/community-guard/index.html").read_text()
    index = (served / "search/search_index.json").read_text(encoding="utf-8")
    assert "预览中改写的句子" in index.replace("\u200b", "")
    chongqing.assert_same_as_full_build()


def test_a_story_moved_by_its_date_is_a_full_build(synthetic):
    # Story pages are planned newest first, and the search index and the sitemap list them
    # in that order: a new order is not patched in place.
    synthetic.edit(
        "id: s7, title: 故事7, date: 2025-01-08", "id: s7, title: 故事7, date: 2025-12-31"
    )

    assert synthetic.rebuild() == "full"
    synthetic.assert_same_as_full_build()


def test_edits_one_after_another_and_a_save_without_change(chongqing):
    chongqing.edit("楼道盗窃明显减少。", "楼道盗窃明显减少了。")
    assert chongqing.rebuild() == "partial"
    path = chongqing.data_dir / "honours.yaml"
    path.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert chongqing.rebuild() == "partial"
    assert chongqing.rendered == []
    chongqing.edit("楼道盗窃明显减少了。", "楼道盗窃又明显减少了。")
    assert chongqing.rebuild() == "partial"
    chongqing.assert_same_as_full_build()


def test_a_volunteer_edited(chongqing):
    text = (chongqing.data_dir / "honours.yaml").read_text(encoding="utf-8")
    person = next(line for line in text.splitlines() if line.strip().startswith("name: "))
    chongqing.edit(person, person + "（改）")

    assert chongqing.rebuild() == "partial"
    chongqing.assert_same_as_full_build()


def test_a_story_edited_in_a_large_deployment(synthetic):
    synthetic.edit(
        "title: 故事7, date: 2025-01-08, units: [v7], volunteers: [p7], body: 平安志愿者的故事。",
        "title: 故事七（改）, date: 2025-01-08, units: [v7], volunteers: [p7],"
        " body: 改写后的故事。",
    )

    assert synthetic.rebuild() == "partial"
    assert len(synthetic.rendered) < 10
    synthetic.assert_same_as_full_build()


def test_a_story_added_is_a_full_build(chongqing):
    chongqing.edit(
        "stories:\n",
        "stories:\n  - id: added\n    title: 新增的故事\n    date: 2025-11-21\n"
        "    example: true\n    body: 新增。\n",
    )
    assert chongqing.rebuild() == "full"
    chongqing.assert_same_as_full_build()


def test_another_file_edited_is_a_full_build(chongqing):
    chongqing.edit("楼道盗窃明显减少。", "楼道盗窃明显减少了。")
    text = (chongqing.data_dir / "deployment.yaml").read_text(encoding="utf-8")
    (chongqing.data_dir / "deployment.yaml").write_text(text + "\n", encoding="utf-8")
    assert chongqing.rebuild() == "full"
    chongqing.assert_same_as_full_build()


def test_a_data_error_in_a_story_is_shown_and_the_fix_rebuilt(chongqing):
    chongqing.edit("date: 2025-11-20", "date: 2025-13-40")
    chongqing.preview.build()
    assert chongqing.preview.problems is not None
    assert "honours.yaml" in chongqing.preview.problems
    served = chongqing.preview.site_dir
    assert "楼道盗窃明显减少。" in (served / "story/community-guard/index.html").read_text()

    chongqing.edit("date: 2025-13-40", "date: 2025-11-20")
    chongqing.edit("楼道盗窃明显减少。", "楼道盗窃明显减少了。")
    assert chongqing.rebuild() == "partial"
    chongqing.assert_same_as_full_build()
