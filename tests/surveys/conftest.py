"""Fixtures of the survey engine's tests (the helpers themselves live in support.py)."""

from tests.surveys.support import all_types, mini, shipped

__all__ = ["all_types", "mini", "shipped"]
