"""Blueprints, one per area of work."""
from flask import Flask

from . import (
    accounts,
    admin,
    api,
    assessments,
    auth,
    chronology,
    closures,
    context,
    diary,
    errors,
    families,
    flags,
    goals,
    main,
    notifications,
    offline,
    partners,
    people,
    phases,
    records,
    referrals,
    reports,
    reviews,
    team,
    transfers,
    visits,
    voices,
)


def register_blueprints(app: Flask) -> None:
    errors.init_app(app)
    context.init_app(app)
    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(families.bp)
    app.register_blueprint(referrals.bp)
    app.register_blueprint(people.bp)
    app.register_blueprint(phases.bp)
    app.register_blueprint(chronology.bp)
    app.register_blueprint(visits.bp)
    app.register_blueprint(goals.bp)
    app.register_blueprint(reviews.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(team.bp)  # a manager's pages
    app.register_blueprint(transfers.bp)
    app.register_blueprint(closures.bp)
    app.register_blueprint(flags.bp)
    app.register_blueprint(assessments.bp)  # assessments with a framework
    app.register_blueprint(reports.bp)  # outcome and local-area reports
    app.register_blueprint(records.bp)  # data protection: subject access, retention, legal hold
    app.register_blueprint(partners.bp)  # the Team Around the Family
    app.register_blueprint(accounts.bp)  # confirming accounts an administrator added
    app.register_blueprint(diary.bp)  # the visit diary and the calendar feed
    app.register_blueprint(voices.bp)  # the child's voice
    app.register_blueprint(offline.bp)  # offline use of a device; visits that could not be recorded
