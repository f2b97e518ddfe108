"""Blueprints, one per area of work."""
from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import admin, api, auth, errors, families, goals, main, notifications, reviews, visits

    errors.init_app(app)
    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(families.bp)
    app.register_blueprint(visits.bp)
    app.register_blueprint(goals.bp)
    app.register_blueprint(reviews.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(api.bp)
    from .caseload import bp as caseload_bp  # a manager's pages
    app.register_blueprint(caseload_bp)
    from .assessments import bp as assessments_bp  # assessments with a framework
    app.register_blueprint(assessments_bp)
    from .reports import bp as reports_bp  # outcome and local-area reports
    app.register_blueprint(reports_bp)
    from .records import bp as records_bp  # data protection: subject access, retention, legal hold
    app.register_blueprint(records_bp)
    from .accounts import bp as accounts_bp  # confirming accounts an administrator added
    app.register_blueprint(accounts_bp)
