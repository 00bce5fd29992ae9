"""What running one rule with exclusions gives: the rows kept, and the rows each exclusion set aside."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa


@dataclass(frozen=True, slots=True)
class Suppression:
    """The rule's result on the source rows one exclusion removed (each row counted for the first
    exclusion, in file order, that matches it)."""

    exclusion_id: str
    table: pa.Table


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    kept: pa.Table
    suppressed: list[Suppression] = field(default_factory=list)
    # ids whose removed source rows gave at least one match (an exclusion removing only rows the rule would not
    # have matched changed nothing, and is reported unused)
    matched_exclusions: frozenset[str] = frozenset()
