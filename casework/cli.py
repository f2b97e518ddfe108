"""Command-line interface: ``flask --app casework COMMAND``."""
import functools
import json
import os
import random
import re
import shlex
import sqlite3
import sys
import time
from datetime import date, datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask_migrate import upgrade

from .database import refresh_statistics
from .demo import seed as demo_seed
from .demo import staff as demo_staff
from .extensions import db
from .models import Role
from .services import accounts, clock
from .services.errors import ValidationFailed
from .services.outcome_store import rebuild_missing_outcomes


def init_app(app: Flask) -> None:
    app.cli.add_command(init_db)
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)
    app.cli.add_command(run_jobs)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(backup_command)


def _schema_problem() -> str | None:
    """Why the database cannot be used yet, in words, or None: it has no schema (init-db has
    not been run) or an older one than this version of casework (init-db upgrades it)."""
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    wanted = set(ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config()).get_heads())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if not current:
        return ("the database has no tables yet. Run `flask --app casework init-db` first to create them, "
                "then run this command again.")
    if current != wanted:
        return ("the database is not up to date with this version of casework. Run `flask --app casework init-db` "
                "to upgrade it, then run this command again.")
    return None


def needs_schema(command):
    """For a command that reads or writes records: on a database that ``init-db`` has not
    created (or upgraded), say so and exit with status 1, instead of an SQL traceback."""

    @functools.wraps(command)
    def checked(*args, **kwargs):
        problem = _schema_problem()
        if problem:
            click.echo(f"Error: {problem}", err=True)
            raise SystemExit(1)
        return command(*args, **kwargs)

    return checked


@click.command("init-db")
def init_db():
    """Create or upgrade the schema (safe to run again)."""
    upgrade()
    # Families closed before their outcome measures were kept (or by an older casework): the
    # outcomes report reads only what is kept.
    written = rebuild_missing_outcomes(db.session)
    refresh_statistics(db.session)
    db.session.commit()
    if written:
        click.echo(f"Kept the outcome measures of {written:,} closed {'family' if written == 1 else 'families'}.")
    click.echo("The database is up to date.")


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="The person's full name.")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--team", "team_name", help="Their team; created if new (workers and managers).")
@click.option("--agency", help="A partner's agency (the school, the health visitor...).")
@click.option("--password", help="Prompted for when absent.")
@needs_schema
def create_user(email, name, role, team_name, agency, password):
    """Create a user (and their team if it is new)."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_user(db.session, email, name, role, team_name, password, agency=agency)
    except ValidationFailed as error:
        db.session.rollback()
        for field, messages in error.fields.items():
            for message in messages:
                click.echo(f"Error: {field}: {message}", err=True)
        raise SystemExit(1) from None
    db.session.commit()
    click.echo(f"Created {user.role} {user.email} in team {user.team.name if user.team else '-'}.")


@click.command("seed-demo")
@click.option("--families", "family_count", type=click.IntRange(1, 200_000),
              default=demo_seed.DEFAULT_FAMILIES, show_default=True,
              help="How many families, open and closed (about a fifth closed).")
@click.option("--seed", type=int, default=2026, show_default=True,
              help="The same seed gives the same demo service (dated from today).")
@needs_schema
def seed_demo(family_count, seed):
    """Fill the database with a realistic demo service (alongside any data already there)."""
    try:
        demo_seed.check_can_seed(db.session)
    except ValidationFailed as error:
        db.session.rollback()
        click.echo(f"Error: {error.message}", err=True)
        raise SystemExit(1) from None
    today = clock.local_date(clock.current_time())
    password_hash = accounts.hash_password(demo_staff.DEMO_PASSWORD)  # once, for every demo user
    started = time.perf_counter()
    with click.progressbar(length=family_count, label="Creating families", file=sys.stderr) as bar:
        try:
            result = demo_seed.seed_demo(
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
            raise SystemExit(1) from None
        db.session.commit()
    elapsed = time.perf_counter() - started
    counts = result.counts
    click.echo(
        f"Created {counts['families']:,} families ({result.references[0]} to {result.references[1]}) "
        f"in {counts['teams']:,} teams with {counts['users']:,} users: "
        f"{counts.get('children', 0):,} children, {counts.get('visits', 0):,} visits, "
        f"{counts.get('goals', 0):,} goals, {counts.get('goal_ratings', 0):,} ratings, "
        f"{counts.get('reviews', 0):,} reviews, in {elapsed:.1f} s "
        f"(seed {seed}, dated from {clock.long_day_text(today)})."
    )
    _print_logins(result)


def _print_logins(result, teams_shown=2):
    logins = result.logins
    click.echo("")
    click.echo(f"Demo logins. Every demo user's password is: {demo_staff.DEMO_PASSWORD}")
    shown = [entry for entry in logins
             if entry.team is None or entry.team in {t.name for t in result.teams[:teams_shown]}]
    hidden = result.teams[teams_shown:]
    width = max(len(email) for email in [entry.email for entry in shown] + [t.manager.email for t in hidden[:8]])
    click.echo(f"  {'e-mail'.ljust(width)}  {'role'.ljust(7)}  team")
    for login in shown:
        click.echo(f"  {login.email.ljust(width)}  {login.role.ljust(7)}  {login.team or '-'}")
    if hidden:
        click.echo(f"  ... and {len(hidden)} more teams, each with a manager and its workers, e.g.:")
        for team in hidden[:8]:
            click.echo(f"  {team.manager.email.ljust(width)}  {'manager'.ljust(7)}  {team.name}")
        click.echo(f"  Every demo e-mail ends in @{demo_staff.DEMO_DOMAIN}; the admin can list them all "
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
@needs_schema
def run_jobs(now_text, as_json):
    """Run the daily sweep once: reminders, overdue reviews, flags, e-mail."""
    from .scheduler import run_daily

    summary = run_daily(parse_now(now_text))
    click.echo(json.dumps(summary.as_dict()) if as_json else summary.line())


@click.command("scheduler")
def scheduler_command():
    """Run the scheduler in the foreground (the one process that owns scheduled jobs)."""
    from . import scheduler

    scheduler.run(current_app._get_current_object(), echo=click.echo)



@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH if it already exists.")
def backup_command(path, force):
    """A consistent copy of the database, safe while the app runs.

    SQLite: copied with SQLite's online backup API into PATH. PostgreSQL: prints the
    pg_dump command to run (and the pg_restore command that brings it back)."""
    dialect = db.engine.dialect.name
    try:
        target = _backup_target(path, force, must_be_free=dialect == "sqlite")
        if dialect == "sqlite":
            _backup_sqlite(target, force)
        elif dialect == "postgresql":
            _backup_postgresql_hint(target)
        else:
            raise click.ClickException(f"backup does not know how to copy a {dialect} database.")
    except click.ClickException as error:
        click.echo(f"Error: {error.message}", err=True)
        raise SystemExit(1) from None


def _backup_target(path: Path, force: bool, must_be_free: bool) -> Path:
    """PATH made absolute, after the checks that give a clear message instead of a traceback."""
    target = path.expanduser().absolute()
    directory = target.parent
    if not directory.exists():
        raise click.ClickException(f"the directory {directory} does not exist.")
    if not directory.is_dir():
        raise click.ClickException(f"{directory} is not a directory.")
    if target.is_dir():
        raise click.ClickException(
            f"{target} is a directory; name a file in it, e.g. {target / 'casework-backup.sqlite3'}.")
    if must_be_free and target.exists() and not force:
        raise click.ClickException(f"{target} already exists; choose another name, or add --force to overwrite it.")
    if must_be_free and not os.access(directory, os.W_OK | os.X_OK):
        raise click.ClickException(f"cannot write to the directory {directory} (permission denied).")
    return target


def _human_size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024


def _backup_sqlite(target: Path, force: bool) -> None:
    source = db.engine.url.database
    if not source or source == ":memory:" or source.startswith("file:"):
        raise click.ClickException("the database is not a plain SQLite file, so there is nothing to copy.")
    source = Path(source).absolute()
    if not source.is_file():
        raise click.ClickException(f"the database file {source} does not exist (has init-db been run?).")
    if target.exists() and target.resolve() == source.resolve():
        raise click.ClickException("PATH is the database itself; name another file.")
    started = time.perf_counter()
    # Copy into a temporary file beside PATH, then move it into place: PATH is either the
    # whole, checked copy or untouched, never half written.
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        # Readable by its owner only, like the records in it; and a clear error if PATH's
        # directory cannot be written.
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        # mode=rw: never create an empty database where the real one should be.
        src = sqlite3.connect(f"{source.as_uri()}?mode=rw", uri=True, timeout=30)
        try:
            dst = sqlite3.connect(partial)
            try:
                # One step (pages=-1): the whole database as of one moment, under a read
                # transaction. In WAL mode (casework's) readers never block writers, so the app
                # carries on meanwhile; committed work only, whatever others have open.
                src.backup(dst)
                # A single self-contained file: no -wal beside the copy.
                dst.execute("PRAGMA journal_mode = DELETE")
                check = dst.execute("PRAGMA quick_check").fetchone()[0]
                has_families = dst.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'families'"
                ).fetchone()[0]
                families = dst.execute("SELECT count(*) FROM families").fetchone()[0] if has_families else 0
            finally:
                dst.close()
        finally:
            src.close()
        if check != "ok":
            raise click.ClickException(f"the copy failed SQLite's check ({check}); it was not kept.")
        if force:
            os.replace(partial, target)
        else:
            os.link(partial, target)  # fails if PATH appeared meanwhile: never overwrite it
            partial.unlink()
    except sqlite3.Error as error:
        raise click.ClickException(f"could not copy the database: {error}.") from None
    except FileExistsError:
        raise click.ClickException(
            f"{target} already exists; choose another name, or add --force to overwrite it.") from None
    except OSError as error:
        raise click.ClickException(f"cannot write {target}: {error.strerror or error}.") from None
    finally:
        if partial.exists():
            partial.unlink()
    elapsed = time.perf_counter() - started
    size = target.stat().st_size
    click.echo(f"Backed up {source} to {target}: {_human_size(size)} ({families:,} families), "
               f"checked, in {elapsed:.1f} s.")
    click.echo("")
    click.echo("To restore it: stop casework (the web server and the scheduler), then")
    click.echo(f"  rm -f {shlex.quote(str(source))}-wal {shlex.quote(str(source))}-shm")
    click.echo(f"  cp {shlex.quote(str(target))} {shlex.quote(str(source))}")
    click.echo("  flask --app casework init-db")
    click.echo("and start casework again. The backup holds records about children: keep it as safe as the database.")


def _backup_postgresql_hint(target: Path) -> None:
    url = db.engine.url
    connection = []
    if url.host:
        connection.append(f"--host={shlex.quote(url.host)}")
    if url.port:
        connection.append(f"--port={url.port}")
    if url.username:
        connection.append(f"--username={shlex.quote(url.username)}")
    dbname = url.database or ""
    if url.query:
        # Settings such as sslmode travel in a libpq connection string.
        dbname = " ".join([f"dbname={dbname}"] + [
            f"{key}={value}" for key, values in sorted(url.query.items())
            for value in ([values] if isinstance(values, str) else values)
            if key != "options"
        ])
    connection.append(f"--dbname={shlex.quote(dbname)}")
    schema = _current_schema()
    only_schema = [f"--schema={shlex.quote(schema)}"] if schema and schema != "public" else []
    dump = ["pg_dump", *connection, *only_schema, "--format=custom", f"--file={shlex.quote(str(target))}"]
    restore = ["pg_restore", *connection, "--clean", "--if-exists", "--no-owner", "--single-transaction",
               shlex.quote(str(target))]
    click.echo("casework runs on PostgreSQL: back it up with pg_dump, which takes a consistent snapshot")
    click.echo("while the app runs. On a machine with the PostgreSQL client tools, run:")
    click.echo("")
    click.echo("  " + " ".join(dump))
    click.echo("")
    click.echo("and to restore that file (stop casework first, then run init-db):")
    click.echo("")
    click.echo("  " + " ".join(restore))
    click.echo("  flask --app casework init-db")
    click.echo("")
    if url.password:
        click.echo("pg_dump and pg_restore ask for the password; or put it in ~/.pgpass (or PGPASSWORD).")
    if target.exists():
        click.echo(f"Note: {target} already exists; pg_dump will overwrite it.")
    click.echo("Use pg_dump and pg_restore of the server's major version or newer.")


def _current_schema() -> str | None:
    """The schema casework's tables live in, when a ``search_path`` option names one (as in
    ``?options=-csearch_path%3Dcasework`` or the engine's ``connect_args``); else ``public``."""
    options = [db.engine.url.query.get("options") or ""]
    connect_args = current_app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("connect_args", {})
    options.append(connect_args.get("options") or "")
    for option in options:
        found = re.search(r"search_path\s*=\s*([^\s,]+)", option if isinstance(option, str) else " ".join(option))
        if found:
            return found.group(1)
    return "public"
