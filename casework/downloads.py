"""Files a response hands over to be saved rather than shown: the same file, and the same
headers, whether a page or the API answers with it."""
from __future__ import annotations

from flask import Response

from .services import subject_access


def attachment(body: str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def subject_access_json(export: dict) -> Response:
    """A subject access export as its JSON file (named by reference only, never a name)."""
    return attachment(subject_access.json_document(export), "application/json", subject_access.filename(export))
