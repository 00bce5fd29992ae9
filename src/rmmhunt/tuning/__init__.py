"""Tuning: exclusions for sanctioned use, and Sentinel watchlists."""

from rmmhunt.tuning.outcome import RuleOutcome, Suppression

__all__ = ["RuleOutcome", "Suppression"]
