"""How the code is layered: the JSON API is a face of its own over the services, and never
reaches into the HTML views (what both faces need lives in services/ or a shared module)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import casework

PACKAGE = Path(casework.__file__).parent
API = PACKAGE / "views" / "api"


def imported_modules(source: str, package: str) -> list[tuple[int, str]]:
    """``[(line, dotted module)]`` for every import in ``source``, a module of ``package``;
    relative imports resolved, and ``from m import y`` counted as ``m`` and ``m.y`` (y may be a
    module itself)."""
    here = package.split(".")
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = here[:len(here) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.append((node.lineno, module))
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
    return found


def is_html_view(module: str) -> bool:
    """A module of casework.views outside casework.views.api (pages, their helpers)."""
    parts = module.split(".")
    return parts[:2] == ["casework", "views"] and len(parts) > 2 and parts[2] != "api"


def test_no_api_module_imports_an_html_view():
    modules = sorted(API.rglob("*.py"))
    assert len(modules) > 10  # the API's modules were found
    offending = [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}"
        for path in modules
        for line, module in imported_modules(path.read_text(), ".".join(["casework", *path.relative_to(
            PACKAGE).parts[:-1]]))
        if is_html_view(module)
    ]
    assert offending == []


@pytest.mark.parametrize("line", ["from ..records import parse_redact", "from .. import helpers",
                                  "from casework.views.records import parse_redact", "import casework.views.visits"])
def test_the_check_sees_an_html_view_however_it_is_imported(line):
    assert any(is_html_view(module) for _, module in imported_modules(line, "casework.views.api"))


@pytest.mark.parametrize("line", ["from . import bp", "from .core import api_now", "from .. import api",
                                  "from ...services import subject_access", "from ...downloads import attachment"])
def test_the_check_lets_the_api_import_its_own_modules_and_the_services(line):
    assert not any(is_html_view(module) for _, module in imported_modules(line, "casework.views.api"))
