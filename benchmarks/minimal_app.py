"""The reference for ``submit``: a minimal Flask app that stores one row per POST.

``gunicorn 'benchmarks.minimal_app:create_app()'`` with ``PINGAN_DATABASE_URL`` set. It
reads the JSON body and inserts it in one write transaction through ``form_service.db``'s
engine, so SQLite gets the service's settings (WAL, ``synchronous=FULL``, ``BEGIN
IMMEDIATE``) and PostgreSQL the same driver: what any Flask app must at least do to store a
submission durably. ``GET /ping`` answers without the database, to measure the client.
"""

from __future__ import annotations

import json
import os

from flask import Flask, jsonify, request
from sqlalchemy import Column, Integer, MetaData, Table, Text, insert

from form_service.db import make_engine

metadata = MetaData()
submissions = Table(
    "minimal_submissions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("body", Text, nullable=False),
)


def create_tables(url: str) -> None:
    """Create the one table (before the workers start, so they never race to)."""
    engine = make_engine(url)
    try:
        metadata.create_all(engine.execution_options(sqlite_immediate=True))
    finally:
        engine.dispose()


def create_app() -> Flask:
    app = Flask(__name__)
    writer = make_engine(os.environ["PINGAN_DATABASE_URL"]).execution_options(sqlite_immediate=True)

    @app.post("/submit")
    def submit():
        body = request.get_json()
        with writer.begin() as connection:
            connection.execute(insert(submissions).values(body=json.dumps(body)))
        return jsonify({"stored": True}), 201

    @app.get("/ping")
    def ping():
        return "ok"

    return app
