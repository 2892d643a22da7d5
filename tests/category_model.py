"""A plain-Python model of the category rules, to check the SQL CASE that the store really runs
(tracker.domain.categories.sql_case) against: first matching rule wins, else 'other'."""

from __future__ import annotations

import re
from functools import lru_cache

from tracker.config import Rule
from tracker.domain.categories import EXCLUDED_APP


def categorize(app: str | None, title: str | None, rules: tuple[Rule, ...]) -> str:
    """The category of one (app, title) pair: first matching rule, else 'other'."""
    if app == EXCLUDED_APP:
        return EXCLUDED_APP
    for rule in rules:
        if _matches(rule, app or "", title or ""):
            return rule.category or "other"
    return "other"


def _matches(rule: Rule, app: str, title: str) -> bool:
    if rule.app is None and rule.title is None:
        return False
    if rule.app is not None and not _compile(rule.app).search(app):
        return False
    return rule.title is None or bool(_compile(rule.title).search(title))


@lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern:
    return re.compile(pattern)
