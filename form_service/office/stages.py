"""Review stages per scheme, from the campaign's ``review.stages``, and who may move them.

Allowed moves: forward to the next stage, or rejection (with a reason) from any stage
before the last. A rejected application stays rejected; the last stage is final.

Who: the application's unit must be in the user's scope (every office route checks that
first). A stage that names a ``level`` (Chongqing's registration by the district,
certification by the city; Shanxi's review by the recruiting unit; the expo town's
committee and town) may be performed only by a user whose unit is at that level or above
it (levels are ranked by their order in deployment.yaml): a district office can do a
committee's step for it, a committee cannot register. A stage marked ``above_unit``
(Chongqing's 报上一级…审核) may be performed only by an office above the applicant's unit,
so the body that received an application cannot also pass it on its own. A stage without
either may be performed by any office whose scope contains the application. Rejecting at a
stage needs the same right as approving it: who may decide the next step may also refuse it.

The volunteer number is assigned on entering the stage ``registered`` (or the last
stage if a scheme names none so), in the format of ``review.volunteer_number``.
"""

from __future__ import annotations

from dataclasses import dataclass

from pingan.campaigns import Campaign
from pingan.deployment import Deployment

REJECTED = "rejected"
REJECTED_NAME = "未通过审核"
MAX_REASON = 500


@dataclass(frozen=True)
class Stage:
    id: str
    name: str
    by: str | None
    level: str | None
    above_unit: bool = False


class Workflow:
    """One campaign's stages and the rules for moving between them."""

    def __init__(self, campaign: Campaign, deployment: Deployment):
        review = campaign.data.get("review") or {}
        specs = review.get("stages") or [{"id": "submitted", "name": "已提交"}]
        self.stages = [
            Stage(
                s["id"],
                s.get("name", s["id"]),
                s.get("by"),
                s.get("level"),
                s.get("above_unit", False),
            )
            for s in specs
        ]
        self._index = {stage.id: i for i, stage in enumerate(self.stages)}
        self._rank = {level["id"]: i for i, level in enumerate(deployment.settings["levels"])}
        self._levels = {level["id"]: level["name"] for level in deployment.settings["levels"]}
        self.number_format: str | None = review.get("volunteer_number")
        ids = [stage.id for stage in self.stages]
        self.numbering_stage = "registered" if "registered" in ids else ids[-1]

    def name(self, stage_id: str) -> str:
        if stage_id == REJECTED:
            return REJECTED_NAME
        index = self._index.get(stage_id)
        return self.stages[index].name if index is not None else stage_id

    def next_stage(self, stage_id: str) -> Stage | None:
        index = self._index.get(stage_id)
        if index is None or index + 1 >= len(self.stages):
            return None
        return self.stages[index + 1]

    def refusal(
        self, stage_id: str, action: str, user_level: str, unit_level: str | None = None
    ) -> str | None:
        """Why a user at *user_level* may not *action* ("approve"/"reject") now, or None.

        *unit_level* is the level of the applicant's unit, for ``above_unit`` stages.
        """
        if stage_id == REJECTED:
            return "该报名已被退回，不能再变更审核阶段"
        target = self.next_stage(stage_id)
        if target is None:
            return "该报名已完成全部审核阶段"
        if target.level and self._rank.get(user_level, 99) > self._rank.get(target.level, -1):
            who = self._levels.get(target.level, target.level)
            verb = "审核" if action == "approve" else "退回"
            return f"“{target.name}”须由{who}一级或更高一级的办公室{verb}"
        if target.above_unit and self._rank.get(user_level, 99) >= self._rank.get(unit_level, 99):
            verb = "审核" if action == "approve" else "退回"
            return f"“{target.name}”须由报名单位的上一级办公室{verb}"
        return None
