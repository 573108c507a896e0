"""The public site: a MkDocs plugin that turns a deployment's data into pages.

The domain model lives in :mod:`pingan`; this package only renders it, and never imports
Flask (the form service is a separate side of the ``pingan`` command).
"""
