"""Run every benchmark module (or those named: ``python -m benchmarks check``)."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import benchmarks

SKIP = {"synthetic"}


def main(names: list[str]) -> int:
    modules = names or sorted(
        info.name for info in pkgutil.iter_modules(benchmarks.__path__) if info.name not in SKIP
    )
    for name in modules:
        module = importlib.import_module(f"benchmarks.{name}")
        if hasattr(module, "run"):
            for line in module.run():
                print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
