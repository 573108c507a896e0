"""The row workers' reader: one connection kept from range to range reads what a connection
per range reads (SQLite and PostgreSQL), the answers as dicts although PostgreSQL sends
them as JSON text, and leaves no transaction open between ranges (a PostgreSQL snapshot
held for a whole export would keep VACUUM from the table's dead rows)."""

from __future__ import annotations

from offices import OfficeApplicant

from form_service.office.exports import ExportRequest, export_source
from pingan.export.source import Reader, read


def test_one_connection_reads_every_range_as_a_connection_each(office_app):
    app = office_app("shanxi-youth")
    applicant = OfficeApplicant(app, "shanxi-2026")
    stored = [applicant.stored(unit="taiyuan" if n % 3 else "datong") for n in range(9)]
    app.config["EXPORT_PARALLEL_ROWS"] = 0
    request = ExportRequest("shanxi", ("shanxi-2026",), None, False)
    with app.app_context():
        source = export_source(app.extensions["pingan_deployment"], request)
    ranges = source.ranges(4)
    assert len(ranges) >= 3
    apart = [[r for batch in read(source, lo, hi) for r in batch] for lo, hi in ranges]
    with Reader(source) as reader:
        together = []
        for lo, hi in ranges:
            together.append([r for batch in reader.read(lo, hi) for r in batch])
            if source.driver == "postgresql":
                assert reader.connection.info.transaction_status.name == "IDLE"
    assert together == apart
    records = [r for part in together for r in part]
    assert [r["reference"] for r in records] == [a.reference for a in stored]
    assert all(isinstance(r["answers"], dict) and r["answers"] for r in records)
    assert not any("unreadable" in r for r in records)
