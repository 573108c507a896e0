"""Honours: consent to be named, and the honour roll the site shows on a given day.

An honour is written in honours.yaml by publicity staff, or nominated in the office pages,
or both; person, honour and year say it is the same honour.
"""

from __future__ import annotations

#: How a person may give consent to be named and pictured (the schema's enum says the same).
CONSENT_METHODS = ("书面", "当面", "电话", "短信", "微信", "电子邮件")
