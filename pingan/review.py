"""The review workflow of a scheme: its stages, who may act at each, and what follows.

Plain Python over a campaign's ``review.stages`` and the deployment's unit tree; the form
service's office pages, status page, imports and exports call these rules.
"""

from __future__ import annotations

REJECTED = "rejected"
WITHDRAWN = "withdrawn"
#: Stages after which an application no longer counts: its applicant may apply again.
CLOSED_STAGES = frozenset({REJECTED, WITHDRAWN})
