"""The schema files: JSON Schema for the YAML documents, Table Schema for applications."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

SCHEMA_DIR = Path(__file__).parent

DOCUMENT_SCHEMAS = {
    "deployment": "deployment.schema.yaml",
    "units": "units.schema.yaml",
    "quotas": "quotas.schema.yaml",
    "campaign": "campaign.schema.yaml",
    "honours": "honours.schema.yaml",
    "records": "records.schema.yaml",
    "grid_workers": "grid_workers.schema.yaml",
    # Not a file of the data folder: the offices' decisions the build reads (honours.json).
    "honour_decisions": "honour_decisions.schema.yaml",
    # Nor this: the offices' published activities the build reads (activities.json).
    "activities": "activities.schema.yaml",
    # Nor this: the form service's aggregate counts for the charts (statistics.json).
    "statistics": "statistics.schema.yaml",
}


def read_schema(filename: str) -> dict[str, Any]:
    """A schema file as plain data."""
    with (SCHEMA_DIR / filename).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@cache
def _registry() -> Registry:
    resources = [
        (path.name, Resource.from_contents(read_schema(path.name)))
        for path in SCHEMA_DIR.glob("*.schema.yaml")
        if path.name != "application.schema.yaml"
    ]
    return Registry().with_resources(resources)


@cache
def document_validator(kind: str) -> Draft202012Validator:
    """A JSON Schema validator for one kind of YAML document."""
    schema = read_schema(DOCUMENT_SCHEMAS[kind])
    return Draft202012Validator(schema, registry=_registry(), format_checker=FormatChecker())


@cache
def application_fields() -> dict[str, dict[str, Any]]:
    """The application field catalogue (Table Schema fields) keyed by field name."""
    return {field["name"]: field for field in read_schema("application.schema.yaml")["fields"]}
