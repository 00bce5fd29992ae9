"""`python -m benchmarks [NAME ...]`: run the named benchmark modules (default: all of them)."""

from __future__ import annotations

import importlib
import sys

# Each module has `main(argv: list[str]) -> None` and prints its own table.
BENCHMARKS = ["compile", "query", "pack", "shapes", "ingest"]


def main() -> None:
    names = sys.argv[1:] or BENCHMARKS
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        sys.exit(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(BENCHMARKS)}")
    for name in names:
        importlib.import_module(f"benchmarks.{name}").main([])


if __name__ == "__main__":
    main()
