"""Blueprints, one per area of work."""
from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import admin, api, auth, families, goals, main, visits

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(families.bp)
    app.register_blueprint(visits.bp)
    app.register_blueprint(goals.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(api.bp)
