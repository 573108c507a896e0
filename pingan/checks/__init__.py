"""Cross-checks of schema-valid documents, one module per kind of document.

Each ``check_*`` adds every problem it finds to a ``Problems`` list and never raises on
bad data; ``pingan.deployment`` runs them in order (units, quotas, campaigns, honours).
"""
