"""Performance figures for pingan-portal: ``python -m benchmarks`` prints them.

Speed is measured here, not asserted in tests. Each module offers ``run() -> list[str]``
lines of figures; ``__main__`` runs them all (or those named on the command line).
"""
