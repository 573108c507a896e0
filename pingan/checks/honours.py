"""The honour roll, service projects and stories: units, people and photos they name."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..honours import CONSENT_METHODS, HAND_TYPED_FIGURES, hand_typed_figures_shown
from ..problems import Problems
from .common import check_unit_ref, report_duplicates

if TYPE_CHECKING:
    from ..deployment import Deployment


def check_honours(deployment: Deployment, file: str, doc: Any, problems: Problems) -> None:
    """Repeated ids, unknown units and people, and photos missing, misplaced or unusable."""
    tree = deployment.tree
    people = report_duplicates(
        doc.get("volunteers", []), file, doc, "volunteers", "志愿者", problems
    )
    report_duplicates(doc.get("projects", []), file, doc, "projects", "服务项目", problems)
    report_duplicates(doc.get("stories", []), file, doc, "stories", "故事", problems)
    for index, person in enumerate(doc.get("volunteers", [])):
        check_unit_ref(tree, person["unit"], file, doc, ["volunteers", index, "unit"], problems)
        _check_consent(person, file, doc, ["volunteers", index], problems)
        if "photo" in person:
            path = ["volunteers", index, "photo"]
            _check_photo(deployment, person["photo"], file, doc, path, problems)
    for index, project in enumerate(doc.get("projects", [])):
        if "unit" in project:
            check_unit_ref(tree, project["unit"], file, doc, ["projects", index, "unit"], problems)
    for index, story in enumerate(doc.get("stories", [])):
        for i, unit_id in enumerate(story.get("units", [])):
            check_unit_ref(tree, unit_id, file, doc, ["stories", index, "units", i], problems)
        for i, person in enumerate(story.get("volunteers", [])):
            if person not in people:
                path = ["stories", index, "volunteers", i]
                problems.at(file, doc, path, f"志愿者“{person}”不在光荣榜中")
        for i, photo in enumerate(story.get("photos", [])):
            path = ["stories", index, "photos", i]
            _check_photo(deployment, photo, file, doc, path, problems)


def check_hand_typed_figures(
    deployment: Deployment, file: str, doc: Any, problems: Problems
) -> None:
    """Stars and points typed into honours.yaml where the deployment keeps records: the
    honour roll shows the recorded ones there, so a typed figure would never show and
    could contradict the record. Runs once records.yaml has been read."""
    if hand_typed_figures_shown(deployment):
        return
    for index, person in enumerate(doc.get("volunteers", [])):
        for key, title in HAND_TYPED_FIGURES.items():
            if key in person:
                problems.at(
                    file,
                    doc,
                    ["volunteers", index, key],
                    f"“{person['name']}”的{title}（{key}）是手工填写的：本方案有志愿者档案"
                    "（records.yaml），光荣榜只显示档案记录的星级和积分。请删除此项；"
                    "要显示此人的档案记录，请在办公页面从志愿者档案中提名此人",
                )


def _check_consent(person: Any, file: str, doc: Any, path: list, problems: Problems) -> None:
    """Nobody is named on the site without their recorded consent (date and how given)."""
    consent = person.get("consent")
    if consent is None:
        problems.at(
            file,
            doc,
            path + ["consent"],
            f"“{person['name']}”没有记录本人同意公开姓名和照片：请写明 consent 的"
            f"日期（date）和方式（method：{'、'.join(CONSENT_METHODS)}）",
        )
    elif consent.get("example") and not person.get("example"):
        problems.at(
            file,
            doc,
            path + ["consent", "example"],
            f"“{person['name']}”不是示例人物（没有 example: true），其同意记录不能标为示例",
        )


def _check_photo(
    deployment: Deployment, photo: str, file: str, doc: Any, path: list, problems: Problems
) -> None:
    """A photo is a readable picture of a usable size and format inside photos/."""
    if Path(photo).is_absolute() or ".." in Path(photo).parts:
        problems.at(file, doc, path, f"照片“{photo}”须是 photos/ 目录中的文件名")
    elif not (deployment.photos_dir / photo).is_file():
        problems.at(file, doc, path, f"照片文件 photos/{photo} 不存在")
    else:
        # Pillow and libheif load only for a deployment that has photos (~50 ms).
        from ..photos import PhotoError, inspect_photo

        try:
            inspect_photo(deployment.photos_dir / photo, f"photos/{photo}")
        except PhotoError as error:
            problems.at(file, doc, path, error.message)
