"""What every template may use, whichever blueprint drew it: the ``date`` and ``time``
filters, the words of a flag's severity and a goal's status (their colours are in
``_tags.html``), the "unallocated" choice of the worker filters, and the return form the family
page's manager actions (families/_manager_actions.html) draw for a pending closure."""
from flask import Flask

from ..forms.manager import UNALLOCATED, ReturnClosureForm
from ..models import GOAL_STATUSES
from ..services.clock import day_text, time_text

SEVERITY_LABELS = {"high": "High", "medium": "Medium", "low": "Low"}


def return_closure_form(family) -> ReturnClosureForm:
    return ReturnClosureForm(prefix=f"return-{family.id}", formdata=None)


def init_app(app: Flask) -> None:
    app.add_template_filter(day_text, "date")
    app.add_template_filter(time_text, "time")
    # Globals, not a context processor: the macros of _tags.html read them too.
    app.jinja_env.globals.update(
        goal_statuses=GOAL_STATUSES,
        return_closure_form=return_closure_form,
        severity_labels=SEVERITY_LABELS,
        unallocated_worker=UNALLOCATED,
    )
