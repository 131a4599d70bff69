"""Insigne: issue Open Badges from files in git."""

__version__ = "0.1.0"
