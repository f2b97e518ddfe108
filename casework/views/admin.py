from flask import Blueprint

bp = Blueprint("admin", __name__)


@bp.get("/admin/users")
def users():
    return "users"
