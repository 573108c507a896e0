"""The rule on applying twice, over the applications one person already has.

One function for every way in (the online form, the JSON API, an office's roster import):
given the person's earlier applications in the deployment (found by the keyed hash of the
ID number) and the campaign and unit applied to, the sentence that refuses the new
application, or None.

- Only open applications count, pending or registered (``pingan.review.OPEN_STATES``): a
  rejected or withdrawn one stays in the history and its applicant may apply again.
- One open application per campaign (the database's partial unique index holds the same
  rule against concurrent submissions).
- Where the campaign refuses volunteers of other teams (``double_registration``:
  ``refused``, or ``refused_in_principle`` as Shanxi's 已担任其他行业志愿者的，原则上不再
  招募为青年平安志愿者), an open application in another unit of the scheme refuses the
  new one; one in the same unit from an earlier round is the person's own: a registered
  volunteer is told so, a pending applicant is pointed to that application.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .review import OPEN_STATES, REGISTERED

STATUS_HINT = "可凭报名编号在“报名进度查询”页面查看审核进度"


@dataclass(frozen=True)
class Earlier:
    """An application the person already has: its campaign, unit and review state."""

    campaign: str
    unit: str
    state: str


def duplicate_problem(
    earlier: Iterable[Earlier],
    *,
    campaign: str,
    unit: str | None,
    rule: str = "allowed",
    contact: str = "",
) -> str | None:
    """Why the person may not apply to *campaign* (for *unit*) again, or None.

    *rule* is the campaign's ``eligibility.double_registration``; *contact* names whom to
    ask about an exception.
    """
    current = [e for e in earlier if e.state in OPEN_STATES]
    same_round = [e for e in current if e.campaign == campaign]
    if any(e.state == REGISTERED for e in same_round):
        return "该证件号码已通过本次招募的审核，登记为平安志愿者，无需再次报名"
    if same_round:
        return f"该证件号码已报名本次招募，正在审核，请勿重复报名；{STATUS_HINT}"
    if rule == "allowed":
        return None
    own = [e for e in current if e.unit == unit]
    ask = f"；如需更新登记信息，请联系{contact}" if contact else ""
    if any(e.state == REGISTERED for e in own):
        return f"该证件号码已在此前的招募中登记为本单位的平安志愿者，无需再次报名{ask}"
    if own:
        return f"该证件号码已在此前的招募中向本单位报名，正在审核，请勿重复报名；{STATUS_HINT}"
    if current:
        principle = "原则上" if rule == "refused_in_principle" else ""
        special = f"；如有特殊情况，请联系{contact}" if contact else ""
        return (
            "该证件号码已在本地区其他平安志愿者队伍报名或登记。按本次招募的规定，"
            f"已担任其他行业志愿者的{principle}不再招募{special}"
        )
    return None
