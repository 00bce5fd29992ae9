"""The RMM catalogue as the pack generator reads it, for benchmark data and hand-written baselines.

The pack's rules are generated from `src/rmmhunt/rules/catalogue/tools/*.yaml` by
`scripts/generate_pack.py`; the benchmark uses that same script's loader and indicator choices
(which signers and domains a rule keeps), so that its data plants what the rules look for and its
hand-written SQL asks for what the rules ask for.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "generate_pack.py"


@cache
def generate_pack() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_pack", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class ToolIndicators:
    slug: str
    name: str
    signers: list[str]  # as the signature rule matches them (`has`)
    process: list[dict[str, tuple[str, ...]]]  # PROCESS_FIELDS key -> values, one dict per matcher
    domains: list[str]  # as the network rule matches them (host part is one of them or a subdomain)


@cache
def tools() -> list[ToolIndicators]:
    gp = generate_pack()
    loaded, _policy = gp.load_catalogue()
    return [
        ToolIndicators(
            slug=tool.slug,
            name=tool.name,
            signers=gp.collapse([s.value for s in tool.signers], lambda broad, narrow: gp.has_term(narrow, broad)),
            process=[dict(m.fields) for m in tool.process],
            domains=gp.collapse([d.value for d in tool.domains], gp.domain_covers),
        )
        for tool in loaded
    ]
