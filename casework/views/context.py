"""What every page's template may use, whichever blueprint drew it: the words and colours of a
flag's severity, the "unallocated" choice of the worker filters, and the return form the
family page's manager actions (families/_manager_actions.html) draw for a pending closure."""
from flask import Flask

from ..forms.manager import UNALLOCATED, ReturnClosureForm

SEVERITY_LABELS = {"high": "High", "medium": "Medium", "low": "Low"}
SEVERITY_TAGS = {"high": "govuk-tag--red", "medium": "govuk-tag--orange", "low": "govuk-tag--grey"}


def page_helpers() -> dict:
    return {
        "return_closure_form": lambda family: ReturnClosureForm(prefix=f"return-{family.id}", formdata=None),
        "severity_labels": SEVERITY_LABELS,
        "severity_tags": SEVERITY_TAGS,
        "unallocated_worker": UNALLOCATED,
    }


def init_app(app: Flask) -> None:
    app.context_processor(page_helpers)
