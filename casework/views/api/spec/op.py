"""How an endpoint is described in ``operations``: the body it reads and its operation."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Body:
    """A JSON body read through ``form``. ``partial``: a change (members left out keep their
    values; ``keep`` are required all the same); ``required=False``: it may be left empty;
    ``corrects``: a correction, which changes at least one field of that form."""

    form: type
    name: str
    partial: bool = False
    keep: tuple[str, ...] = ()
    required: bool = True
    corrects: type | None = None  # a correction: it sends at least one field of this form


@dataclass(frozen=True)
class Op:
    id: str
    summary: str
    tag: str
    answers: dict[int, tuple[str, Any]]  # status: (description, model, schema or None)
    errors: dict[int, str | None] = field(default_factory=dict)  # status: description (None: the usual)
    body: Body | None = None
    query: type | None = None
    description: str | None = None
    public: bool = False
