"""Run every benchmark module (or those named: ``python -m benchmarks check``).

``--quick`` measures each module at its smaller sizes (a smoke run of a minute or two);
``--full`` adds the slow sizes (the 1,000,000-row export). The mode reaches the modules
through ``PINGAN_BENCH`` (see ``sizes.py``).
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import time

import benchmarks

#: Helper modules without figures of their own.
SKIP = {"synthetic", "sizes", "apps", "minimal_app", "profile_conf"}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("modules", nargs="*", help="modules to run (default: all)")
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--quick", action="store_true", help="smaller sizes only")
    sizes.add_argument("--full", action="store_true", help="add the slow sizes (1M-row export)")
    args = parser.parse_args(argv)
    if args.quick or args.full:
        os.environ["PINGAN_BENCH"] = "quick" if args.quick else "full"
    modules = args.modules or sorted(
        info.name for info in pkgutil.iter_modules(benchmarks.__path__) if info.name not in SKIP
    )
    started = time.perf_counter()
    for name in modules:
        module = importlib.import_module(f"benchmarks.{name}")
        if hasattr(module, "run"):
            begun = time.perf_counter()
            for line in module.run():
                print(line, flush=True)
            print(f"{name}: module took {time.perf_counter() - begun:.0f} s", flush=True)
    mode = os.environ.get("PINGAN_BENCH", "default")
    print(f"benchmarks ({mode}): {time.perf_counter() - started:.0f} s in total", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
