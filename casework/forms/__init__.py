"""Forms: the one place input is parsed and checked. The HTML views use them with CSRF; the
JSON API feeds them the request body through ``from_json`` so both answer the same messages."""
from .json_body import from_json  # noqa: F401
