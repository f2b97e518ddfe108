"""casework: case management for family support services working with children at risk of
neglect."""
import os
import secrets
from pathlib import Path

from flask import Flask

from .config import Config, settings_from_environment
from .extensions import csrf, db, login_manager, migrate


def create_app(config=None):
    """Build the application.

    With no ``config``: the defaults, then ``instance/config.py``, then the environment
    (``DATABASE_URL``, ``SECRET_KEY``, ...). A mapping overrides all of those. A config class
    (the tests') is used alone, so an exported ``DATABASE_URL`` can never point the test suite
    at a real database."""
    app = Flask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    if isinstance(config, type):
        app.config.from_object(config)
    else:
        app.config.from_object(Config)
        app.config.from_pyfile("config.py", silent=True)
        app.config.update(settings_from_environment())
        app.config.update(config or {})
    app.config.setdefault(
        "SQLALCHEMY_DATABASE_URI",
        "sqlite:///" + os.path.join(app.instance_path, "casework.sqlite3"),
    )
    if app.debug:
        # The development server speaks plain HTTP; a Secure cookie would never come back.
        app.config["SESSION_COOKIE_SECURE"] = False
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(app.instance_path)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)

    from . import database, limits

    limits.init_app(app)
    database.init_app(app)

    from .views import register_blueprints

    register_blueprints(app)

    from . import cli, partner_gate, security

    cli.init_app(app)
    security.init_app(app)
    # After security's own checks: the gate reads the signed-in user (casework/partner_gate.py).
    partner_gate.init_app(app)
    return app


def _instance_secret_key(instance_path):
    """Generated once into the instance folder so sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
