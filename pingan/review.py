"""The review workflow of a scheme: its stages, who may act at each, and what follows.

Plain Python over a campaign's ``review`` (its ``stages`` in order) and the deployment's
unit tree; the form service's office pages, status page, imports and exports call these
rules and only turn requests into calls of them.

**Stages and states.** An application starts at the first stage and moves forward one
stage per approval. The volunteer number is given on entering ``registered`` (or the last
stage, if a scheme names none so); from there on the applicant is a registered volunteer.
``rejected`` (退回, with a reason) and ``withdrawn`` (撤回 by the applicant) are not stages
of any scheme but end an application. Every stage id maps to one state: ``pending``,
``registered``, ``rejected`` or ``withdrawn``; pending and registered applications are
*open* and count for the rule on applying twice (``pingan.duplicates``), closed ones do not.

**What a rejection allows next.** The applicant may apply again (a new application; the
rejected one stays in the history), and an office may reopen the rejected application,
back to the stage at which it was rejected, if it may decide at that stage. A pending
application may be withdrawn by its applicant. A certificate exists only at the last
stage (Chongqing: after the city's identity check).

**Who may act.** An office may decide the step from stage S to the next stage T (approve
it, reject at it, or reopen to S) when:

- the application's unit is the office's unit or below it (its scope);
- T names a ``level``: the office is at that level or above it (levels rank by their order
  in deployment.yaml), so a town office may forward for a committee, but not register;
- T is ``above_previous`` (Chongqing's 报上一级领导小组办公室审核): the office is above the
  office that passed S, the receiving office that did 资料初审, never that office itself;
- the workflow keeps ``distinct_offices`` (Chongqing, whose document gives consecutive
  stages to different offices: the receiving office, the one above it, the district, the
  city): the office that passed S may not pass T too, unless the document gives both to
  it (a town received the application, so the district is both the office above it and
  the one that registers); and an office may not act for a lower one at S when the next
  stage is its own, or nobody could pass that one (the city may not register for a
  district, since it must then check identity itself).

The office "the document gives a stage to" (its *designated* office) is, for a stage with a
``level``, the applicant's unit or its ancestor at that level; for an ``above_previous``
stage, the office directly above the one that passed the stage before; else the
applicant's unit (the receiving office: the applicant chose it on the form).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .campaigns import Campaign
    from .deployment import Deployment

REJECTED = "rejected"
WITHDRAWN = "withdrawn"
#: Stages after which an application no longer counts: its applicant may apply again.
CLOSED_STAGES = frozenset({REJECTED, WITHDRAWN})
PENDING = "pending"
REGISTERED = "registered"
#: States that count for the rule on applying twice.
OPEN_STATES = frozenset({PENDING, REGISTERED})
#: How the office list, the status page and letters name the ends that are no stages.
CLOSED_NAMES = {REJECTED: "未通过审核", WITHDRAWN: "已撤回"}
MAX_REASON = 500
#: What an office does at a step, as the refusals say it.
VERBS = {"approve": "审核", "reject": "退回", "reopen": "恢复"}


@dataclass(frozen=True)
class Stage:
    id: str
    name: str
    by: str | None = None
    level: str | None = None
    above_previous: bool = False


@dataclass(frozen=True)
class Decision:
    """One stage change in an application's history, by the office of *unit* (or None)."""

    from_stage: str | None
    to_stage: str
    unit: str | None


def passed_by(history: Iterable[Decision]) -> dict[str, str]:
    """Stage id → the unit of the office that last moved the application into it.

    Only forward moves count: the submission (no ``from_stage``), a rejection and a
    reopening (which comes from ``rejected``) pass no stage.
    """
    offices: dict[str, str] = {}
    for decision in history:
        if decision.from_stage is None or decision.from_stage in CLOSED_STAGES:
            continue
        if decision.to_stage in CLOSED_STAGES or decision.unit is None:
            continue
        offices[decision.to_stage] = decision.unit
    return offices


def rejected_at(history: Iterable[Decision]) -> str | None:
    """The stage from which the application was last rejected (where a reopening goes)."""
    stage = None
    for decision in history:
        if decision.to_stage == REJECTED:
            stage = decision.from_stage
    return stage


class Workflow:
    """One campaign's stages and the rules for moving between them."""

    def __init__(self, campaign: Campaign, deployment: Deployment):
        review = campaign.data.get("review") or {}
        specs = review.get("stages") or [{"id": "submitted", "name": "已提交"}]
        self.stages = [
            Stage(
                spec["id"],
                spec.get("name", spec["id"]),
                spec.get("by"),
                spec.get("level"),
                spec.get("above_previous", False),
            )
            for spec in specs
        ]
        self._index = {stage.id: i for i, stage in enumerate(self.stages)}
        levels = deployment.settings["levels"]
        self._rank = {level["id"]: i for i, level in enumerate(levels)}
        self._level_names = {level["id"]: level["name"] for level in levels}
        self._tree = deployment.tree
        self.number_format: str | None = review.get("volunteer_number")
        self.distinct_offices: bool = review.get("distinct_offices", False)
        self.certificate_issuer: str = (
            review.get("certificate_issuer") or campaign.data.get("issuer") or deployment.name
        )
        ids = [stage.id for stage in self.stages]
        self.first = ids[0]
        self.final = ids[-1]
        self.numbering_stage = REGISTERED if REGISTERED in ids else ids[-1]

    # --- stages and states ---------------------------------------------------------------

    def name(self, stage_id: str) -> str:
        if stage_id in CLOSED_NAMES:
            return CLOSED_NAMES[stage_id]
        index = self._index.get(stage_id)
        return self.stages[index].name if index is not None else stage_id

    def state(self, stage_id: str) -> str:
        """``pending``, ``registered``, ``rejected`` or ``withdrawn``."""
        if stage_id in CLOSED_STAGES:
            return stage_id
        index = self._index.get(stage_id, -1)
        return REGISTERED if index >= self._index[self.numbering_stage] else PENDING

    def next_stage(self, stage_id: str) -> Stage | None:
        index = self._index.get(stage_id)
        if index is None or index + 1 >= len(self.stages):
            return None
        return self.stages[index + 1]

    def choices(self) -> list[tuple[str, str]]:
        """Every value an application's stage can take, with its name: the stages in order,
        then the ends that are no stages (what an export's stage column may hold)."""
        return [(stage.id, stage.name) for stage in self.stages] + list(CLOSED_NAMES.items())

    def stage(self, stage_id: str) -> Stage | None:
        index = self._index.get(stage_id)
        return self.stages[index] if index is not None else None

    # --- who may act -----------------------------------------------------------------------

    def refusal(
        self,
        stage_id: str,
        action: str,
        office: str,
        unit: str,
        history: Iterable[Decision] = (),
    ) -> str | None:
        """Why the office of unit *office* may not *action* an application now, or None.

        *action* is ``approve`` (to the next stage) or ``reject``; *unit* is the
        application's unit, *history* its stage changes in order.
        """
        if stage_id == REJECTED:
            return "该报名已被退回，不能再变更审核阶段"
        if stage_id == WITHDRAWN:
            return "申请人已撤回该报名，不能再变更审核阶段"
        return self._step_refusal(stage_id, action, office, unit, passed_by(history))

    def reopen_refusal(
        self, stage_id: str, office: str, unit: str, history: Iterable[Decision] = ()
    ) -> str | None:
        """Why the office of *office* may not reopen the application, or None.

        A rejected application goes back to the stage at which it was rejected, by an
        office that may decide the step from there, as the office that rejected it could.
        """
        history = list(history)
        if stage_id != REJECTED:
            return "只有被退回的报名可以恢复审核"
        back = rejected_at(history)
        if back is None or back not in self._index:
            return "找不到该报名被退回时所处的审核阶段，不能恢复"
        return self._step_refusal(back, "reopen", office, unit, passed_by(history))

    def withdrawal_refusal(self, stage_id: str) -> str | None:
        """Why the applicant may not withdraw now (only pending applications), or None."""
        state = self.state(stage_id)
        if state == PENDING:
            return None
        if state == REGISTERED:
            return "您已登记为平安志愿者，报名不能撤回；如需退出，请联系所在单位"
        return "该报名已经结束，无需撤回"

    def certificate_refusal(self, stage_id: str) -> str | None:
        """Why no certificate can be printed now: only at the last stage, or None."""
        if stage_id == self.final:
            return None
        return f"证书须在“{self.stages[-1].name}”之后颁发，该报名尚未完成全部审核阶段"

    def _step_refusal(
        self, stage_id: str, action: str, office: str, unit: str, passed: Mapping[str, str]
    ) -> str | None:
        verb = VERBS.get(action, "审核")
        current = self.stage(stage_id)
        target = self.next_stage(stage_id)
        if current is None:
            return f"该报名所处的阶段“{stage_id}”不在本次招募的审核流程中"
        if target is None:
            return "该报名已完成全部审核阶段"
        tree = self._tree
        if unit not in tree or office not in tree:
            return "该报名不在本办公室的管辖范围内"
        above_unit = [u.id for u in tree.ancestors(unit)]
        if office != unit and office not in above_unit:
            return "该报名不在本办公室的管辖范围内"
        if target.level and self._rank_of(office) > self._rank.get(target.level, -1):
            who = self._level_names.get(target.level, target.level)
            return f"“{target.name}”须由{who}一级或更高一级的办公室{verb}"
        if target.above_previous:
            receiving = passed.get(stage_id, unit)
            if office not in [u.id for u in tree.ancestors(receiving)]:
                return (
                    f"“{target.name}”须由通过“{current.name}”的办公室"
                    f"（{tree[receiving].name}）的上一级办公室{verb}"
                )
        after = self.next_stage(target.id)
        if after is not None and after.above_previous and tree[office].parent is None:
            return (
                f"“{target.name}”之后须报上一级办公室“{after.name}”，"
                f"本办公室没有上一级，“{target.name}”须由下级办公室{verb}"
            )
        if self.distinct_offices:
            return self._distinct_refusal(current, target, verb, office, unit, passed)
        return None

    def _distinct_refusal(
        self,
        current: Stage,
        target: Stage,
        verb: str,
        office: str,
        unit: str,
        passed: Mapping[str, str],
    ) -> str | None:
        """The rule that one office does not pass two consecutive stages (see the module)."""
        designated = self._designated(target, unit, passed)
        if passed.get(current.id) == office and not (
            office == designated and office == self._designated(current, unit, passed)
        ):
            return f"本办公室已通过“{current.name}”，“{target.name}”须由另一办公室{verb}"
        after = self.next_stage(target.id)
        if after is not None and office != designated:
            if office == self._designated(after, unit, {**passed, target.id: office}):
                owner = self._tree[designated].name if designated in self._tree else "其他办公室"
                return (
                    f"“{target.name}”须由{owner}{verb}：其后的“{after.name}”由本办公室办理，"
                    "同一办公室不能连续通过两个阶段"
                )
        return None

    def _designated(self, stage: Stage, unit: str, passed: Mapping[str, str]) -> str | None:
        """The unit of the office the document gives *stage* to, for an application of *unit*."""
        if stage.level:
            return next((u.id for u in self._tree.path(unit) if u.level == stage.level), None)
        if stage.above_previous:
            index = self._index[stage.id]
            before = self.stages[index - 1].id if index else None
            receiving = passed.get(before, unit) if before else unit
            return self._tree[receiving].parent
        return unit

    def _rank_of(self, unit: str) -> int:
        return self._rank.get(self._tree[unit].level, len(self._rank))


def workflows(deployment: Deployment) -> dict[str, Workflow]:
    """Every campaign's workflow, by campaign id."""
    return {cid: Workflow(campaign, deployment) for cid, campaign in deployment.campaigns.items()}


def state_of(stage_id: str, workflow: Workflow | None) -> str:
    """The state of a stage of a campaign that may no longer be in the deployment."""
    if workflow is not None:
        return workflow.state(stage_id)
    return stage_id if stage_id in CLOSED_STAGES else PENDING


def history_of(rows: Iterable[Any]) -> list[Decision]:
    """Decisions from rows with ``from_stage``, ``to_stage`` and ``unit`` (stage events)."""
    return [Decision(row.from_stage, row.to_stage, row.unit) for row in rows]
