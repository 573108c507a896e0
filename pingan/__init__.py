"""Domain model of pingan-portal: units, quotas, campaigns, eligibility and ID numbers.

Plain Python on purpose: the static-site builder and the form service both use it,
so it imports neither MkDocs nor Flask.
"""
