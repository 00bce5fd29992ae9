"""`python -m benchmarks [NAME ...] [OPTIONS]`: run the named benchmark modules (default: all of them).

Options (everything from the first argument starting with "-") go to each named module, e.g.
`python -m benchmarks shapes --rows 1M 10M`; `python -m benchmarks NAME --help` lists a module's own.
"""

from __future__ import annotations

import importlib
import sys

# Each module has `main(argv: list[str]) -> None` and prints its own table.
BENCHMARKS = ["compile", "query", "pack", "shapes", "ingest"]


def main() -> None:
    args = sys.argv[1:]
    first_option = next((i for i, arg in enumerate(args) if arg.startswith("-")), len(args))
    names, options = args[:first_option] or BENCHMARKS, args[first_option:]
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        sys.exit(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(BENCHMARKS)}")
    for name in names:
        importlib.import_module(f"benchmarks.{name}").main(options)


if __name__ == "__main__":
    main()
