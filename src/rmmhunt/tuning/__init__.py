"""Tuning: exclusions for sanctioned use, and Sentinel watchlists."""

from rmmhunt.tuning.loader import ExclusionError, load_exclusions
from rmmhunt.tuning.model import Conditions, Exclusion, ExclusionSet
from rmmhunt.tuning.outcome import RuleOutcome, Suppression
from rmmhunt.tuning.run import run_rule

__all__ = [
    "Conditions",
    "Exclusion",
    "ExclusionError",
    "ExclusionSet",
    "RuleOutcome",
    "Suppression",
    "load_exclusions",
    "run_rule",
]
