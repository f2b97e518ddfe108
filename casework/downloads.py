"""Files a response hands over to be saved rather than shown: the same file, and the same
headers, whether a page or the API answers with it."""
from __future__ import annotations

import csv
import io

from flask import Response

from .services import subject_access


def attachment(body: str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def subject_access_json(export: dict) -> Response:
    """A subject access export as its JSON file (named by reference only, never a name)."""
    return attachment(subject_access.json_document(export), "application/json", subject_access.filename(export))


def csv_cell(value) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_download(rows, filename: str) -> Response:
    """``rows`` as a CSV file (never cached), each cell safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    response = attachment(out.getvalue(), "text/csv", filename)
    response.headers["Cache-Control"] = "no-store"
    return response
