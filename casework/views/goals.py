from flask import Blueprint

bp = Blueprint("goals", __name__)
