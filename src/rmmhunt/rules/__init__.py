"""Sentinel rule YAML: model, loading and validation."""

from rmmhunt.rules.loader import RuleError, builtin_rules_dir, load_rules
from rmmhunt.rules.model import LoadedRule, Rule

__all__ = ["LoadedRule", "Rule", "RuleError", "builtin_rules_dir", "load_rules"]
