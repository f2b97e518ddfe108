"""Command-line interface: ``flask --app casework COMMAND``."""
import click
from flask import Flask
from flask_migrate import upgrade

from .extensions import db
from .services import accounts
from .services.errors import ValidationFailed


def init_app(app: Flask) -> None:
    app.cli.add_command(init_db)
    app.cli.add_command(create_user)


@click.command("init-db")
def init_db():
    """Create or upgrade the schema (safe to run again)."""
    upgrade()
    click.echo("The database is up to date.")


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="The person's full name.")
@click.option("--role", required=True, type=click.Choice(["worker", "manager", "admin"]))
@click.option("--team", "team_name", required=True, help="Their team; created if new.")
@click.option("--password", help="Prompted for when absent.")
def create_user(email, name, role, team_name, password):
    """Create a user (and their team if it is new)."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_user(db.session, email, name, role, team_name, password)
    except ValidationFailed as error:
        db.session.rollback()
        for field, messages in error.fields.items():
            for message in messages:
                click.echo(f"Error: {field}: {message}", err=True)
        raise SystemExit(1)
    db.session.commit()
    click.echo(f"Created {user.role} {user.email} in team {user.team.name if user.team else '-'}.")
