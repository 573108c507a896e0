"""Defence in depth for the rule "no ID number in any log line".

The code never logs personal data; this filter also blanks anything that looks like an
ID number or a mainland mobile number in records of the app's and werkzeug's loggers, in
case a future change or a library message carries one.
"""

from __future__ import annotations

import logging
import re

_PATTERNS = [
    re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])"),
    re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])"),
]


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub("[redacted]", text)
    return text


class RedactingFilter(logging.Filter):
    """Replaces ID-number and mobile-number look-alikes in a record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True

    @classmethod
    def install(cls, *loggers: logging.Logger) -> None:
        for logger in loggers:
            if not any(isinstance(f, cls) for f in logger.filters):
                logger.addFilter(cls())
