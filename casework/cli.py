"""Command-line interface: ``flask --app casework COMMAND``."""
import json
import random
import sys
import time
from datetime import date, datetime

import click
from flask import Flask, current_app
from flask_migrate import upgrade

from .extensions import db
from .services import accounts, clock, demo
from .services.errors import ValidationFailed


def init_app(app: Flask) -> None:
    app.cli.add_command(init_db)
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)
    app.cli.add_command(run_jobs)
    app.cli.add_command(scheduler_command)


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


@click.command("seed-demo")
@click.option("--families", "family_count", type=click.IntRange(1, 200_000),
              default=demo.DEFAULT_FAMILIES, show_default=True,
              help="How many families, open and closed (about a fifth closed).")
@click.option("--seed", type=int, default=2026, show_default=True,
              help="The same seed gives the same demo service (dated from today).")
def seed_demo(family_count, seed):
    """Fill the database with a realistic demo service (alongside any data already there)."""
    try:
        demo.check_can_seed(db.session)
    except ValidationFailed as error:
        db.session.rollback()
        click.echo(f"Error: {error.message}", err=True)
        raise SystemExit(1)
    today = clock.local_date(clock.current_time())
    password_hash = accounts.hash_password(demo.DEMO_PASSWORD)  # once, for every demo user
    started = time.perf_counter()
    with click.progressbar(length=family_count, label="Creating families", file=sys.stderr) as bar:
        try:
            result = demo.seed_demo(
                db.session,
                today,
                random.Random(seed),
                families=family_count,
                password_hash=password_hash,
                prefix=current_app.config["CASEWORK_REFERENCE_PREFIX"],
                progress=bar.update,
            )
        except ValidationFailed as error:
            db.session.rollback()
            click.echo(f"\nError: {error.message}", err=True)
            raise SystemExit(1)
        db.session.commit()
    elapsed = time.perf_counter() - started
    counts = result.counts
    click.echo(
        f"Created {counts['families']:,} families ({result.references[0]} to {result.references[1]}) "
        f"in {counts['teams']:,} teams with {counts['users']:,} users: "
        f"{counts.get('children', 0):,} children, {counts.get('visits', 0):,} visits, "
        f"{counts.get('goals', 0):,} goals, {counts.get('goal_ratings', 0):,} ratings, "
        f"{counts.get('reviews', 0):,} reviews, in {elapsed:.1f} s (seed {seed}, dated from {today:%-d %B %Y})."
    )
    _print_logins(result)


def _print_logins(result, teams_shown=2):
    logins = result.logins
    click.echo("")
    click.echo(f"Demo logins. Every demo user's password is: {demo.DEMO_PASSWORD}")
    shown = [l for l in logins if l.team is None or l.team in {t.name for t in result.teams[:teams_shown]}]
    hidden = result.teams[teams_shown:]
    width = max(len(email) for email in [l.email for l in shown] + [t.manager.email for t in hidden[:8]])
    click.echo(f"  {'e-mail'.ljust(width)}  {'role'.ljust(7)}  team")
    for login in shown:
        click.echo(f"  {login.email.ljust(width)}  {login.role.ljust(7)}  {login.team or '-'}")
    if hidden:
        click.echo(f"  ... and {len(hidden)} more teams, each with a manager and its workers, e.g.:")
        for team in hidden[:8]:
            click.echo(f"  {team.manager.email.ljust(width)}  {'manager'.ljust(7)}  {team.name}")
        click.echo(f"  Every demo e-mail ends in @{demo.DEMO_DOMAIN}; the admin can list them all "
                   "under Users and teams.")


def parse_now(value: str | None) -> datetime:
    """``--now``: a date means the sweep's hour (06:00) local time on it; a datetime without
    an offset is local time."""
    if not value:
        return clock.current_time()
    try:
        if len(value) == 10:
            return clock.sweep_time(date.fromisoformat(value))
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+HH:MM]", param_hint="--now") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=clock.service_zone())


@click.command("run-jobs")
@click.option("--now", "now_text", metavar="ISO_DATE_OR_DATETIME", help="Run as if it were this moment.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def run_jobs(now_text, as_json):
    """Run the daily sweep once: reminders, overdue reviews, flags, e-mail."""
    from .services.sweep import run_daily

    summary = run_daily(db.session, parse_now(now_text))
    click.echo(json.dumps(summary.as_dict()) if as_json else summary.line())


@click.command("scheduler")
def scheduler_command():
    """Run the scheduler in the foreground (the one process that owns scheduled jobs)."""
    from . import scheduler

    scheduler.run(current_app._get_current_object(), echo=click.echo)

