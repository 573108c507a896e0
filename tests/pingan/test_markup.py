"""Markdown from the data: sanitised, and freed of the spaces YAML folding leaves in Chinese."""

from __future__ import annotations

import pytest

from pingan.markup import join_cjk_lines, render_markdown


@pytest.mark.parametrize(
    ("markdown", "kept", "removed"),
    [
        ("<script>alert(1)</script>正文", "正文", "<script"),
        ("[点我](javascript:alert(1))", "点我", "javascript:"),
        ('<img src="x" onerror="alert(1)">', "", "onerror"),
        ('<p style="color:red">文字</p>', "文字", "style="),
        ("![图](https://tracker.example/p.png)", "", "<img"),
        ("**加粗**", "<strong>加粗</strong>", "**"),
    ],
)
def test_markdown_from_data_is_sanitised(markdown, kept, removed):
    html = render_markdown(markdown)

    assert kept in html
    assert removed not in html


def test_folded_yaml_spaces_between_chinese_characters_are_removed():
    assert join_cjk_lines("公民均可报名， 审核通过后\n挂靠") == "公民均可报名，审核通过后挂靠"
    assert join_cjk_lines("年满 18 周岁") == "年满 18 周岁"
    assert join_cjk_lines("第一段。\n\n第二段。") == "第一段。\n\n第二段。"
