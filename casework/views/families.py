from flask import Blueprint

bp = Blueprint("families", __name__)


@bp.get("/families")
def index():
    return "families"


@bp.get("/families/new")
def new():
    return "new"
