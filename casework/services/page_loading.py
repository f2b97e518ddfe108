"""Loading several kinds of rows in one statement, for a page that shows many small sections
(the family page): each section's query is one part of a UNION ALL, its columns spread over
shared, typed slots, so the page costs a fixed, small number of statements whatever it shows.

Rows come back as plain dicts, each part in its own order (kept by a row number, as a UNION
has no order of its own). ``detached`` makes a read-only model instance of one, for the
templates and rules written for models: an attribute not loaded raises rather than quietly
sending a statement of its own."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Select, cast, func, inspect, literal_column, null, select, union_all
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.types import TypeDecorator


@dataclass(frozen=True)
class Part:
    """One section's rows: ``query`` names its columns (labelled uniquely), ``order_by`` its
    order, ``limit`` how many it shows at most."""

    query: Select
    order_by: tuple = ()
    limit: int | None = None


def model_columns(model, *extra) -> Select:
    """``select()`` of every column of ``model`` (a model or an alias of one) under its
    attribute's name, and ``extra`` (labelled) columns."""
    return select(*(getattr(model, attr.key).label(attr.key) for attr in inspect(model).mapper.column_attrs), *extra)


def _slot_kind(column_type) -> str:
    """Columns of one kind share a slot; their type reads the values back (a date from
    SQLite's text, say), so a slot holds one type only."""
    if isinstance(column_type, TypeDecorator):
        return type(column_type).__name__
    return column_type._type_affinity.__name__ if column_type._type_affinity else type(column_type).__name__


class PartsQuery:
    """One statement of several parts, built once (its values are bound parameters): building
    a statement of many parts costs more than running it."""

    def __init__(self, parts: dict[str, Part]):
        subqueries = {}
        for name, part in parts.items():
            query = part.query.add_columns(func.row_number().over(order_by=part.order_by).label("_n"))
            if part.limit is not None:
                query = query.order_by(*part.order_by).limit(part.limit)
            subqueries[name] = query.subquery()
        slots: list = []  # (kind, type) of each slot
        self.placed: dict[str, dict[int, str]] = {}  # part -> {slot: column}
        for name, sub in subqueries.items():
            used: dict[str, int] = defaultdict(int)
            self.placed[name] = {}
            for column in sub.c:
                if column.key == "_n":
                    continue
                kind = _slot_kind(column.type)
                matching = [i for i, (k, _type) in enumerate(slots) if k == kind]
                if used[kind] == len(matching):
                    slots.append((kind, column.type))
                    matching.append(len(slots) - 1)
                self.placed[name][matching[used[kind]]] = column.key
                used[kind] += 1
        selects = []
        for number, (name, sub) in enumerate(subqueries.items()):
            columns = [sub.c[self.placed[name][i]].label(f"s{i}") if i in self.placed[name]
                       else cast(null(), slot_type).label(f"s{i}") for i, (_kind, slot_type) in enumerate(slots)]
            selects.append(select(literal_column(str(number)).label("_part"), sub.c._n, *columns))
        self.statement = selects[0] if len(selects) == 1 else union_all(*selects)
        self.names = list(subqueries)

    def load(self, session: Session, **values) -> dict[str, list[dict]]:
        """``{part: [row as a dict, in the part's order]}``, the parameters bound to ``values``."""
        found: dict[str, list] = {name: [] for name in self.names}
        for row in session.execute(self.statement, values):
            found[self.names[row[0]]].append(row)
        loaded = {}
        for name, rows in found.items():
            rows.sort(key=lambda row: row[1])
            loaded[name] = [{column: row[2 + i] for i, column in self.placed[name].items()} for row in rows]
        return loaded


def detached(model, values: dict, **related):
    """A read-only ``model`` instance of ``values`` (its columns), with ``related`` (its
    relationships) set as loaded."""
    instance = inspect(model).class_manager.new_instance()
    instance.__dict__.update(values)
    make_transient_to_detached(instance)
    for key, value in related.items():
        set_committed_value(instance, key, value)
    return instance
