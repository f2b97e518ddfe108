"""``flask --app casework backup PATH``: a consistent copy of a SQLite database while the app
runs (SQLite's online backup API), or the pg_dump and pg_restore lines for PostgreSQL."""
from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from . import factories


@pytest.fixture
def cli(app, db):
    runner = app.test_cli_runner()

    def invoke(*args):
        db.session.commit()  # the command must see what the test wrote
        result = runner.invoke(args=[str(arg) for arg in args])
        db.session.rollback()
        return result

    return invoke


@pytest.fixture
def sqlite_file(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's online backup: the suite runs on PostgreSQL")
    return Path(db.engine.url.database)


@pytest.fixture
def postgresql(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the pg_dump hint: the suite runs on SQLite")


def count_families(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT count(*) FROM families").fetchone()[0]
    finally:
        connection.close()


def test_the_copy_opens_and_holds_the_records(cli, db, sqlite_file, worker, tmp_path):
    for _ in range(3):
        factories.FamilyFactory(worker=worker)
    target = tmp_path / "casework-backup.sqlite3"

    result = cli("backup", target)

    assert result.exit_code == 0, result.output
    assert count_families(target) == 3
    assert "(3 families)" in result.output and " KB" in result.output  # the size
    assert "To restore it" in result.output and "init-db" in result.output
    assert str(sqlite_file) in result.output  # where to copy it back to
    # A self-contained file, readable by its owner only, with no temporary file left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["casework-backup.sqlite3"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    connection = sqlite3.connect(target)
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    connection.close()


def test_works_while_others_read_and_write(cli, db, sqlite_file, worker, tmp_path):
    factories.FamilyFactory(worker=worker, household_name="Committed")
    db.session.commit()
    reader = sqlite3.connect(sqlite_file, isolation_level=None, timeout=1)
    writer = sqlite3.connect(sqlite_file, isolation_level=None, timeout=1)
    try:
        # Another request is part-way through reading ...
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM families").fetchone()[0] == 1
        # ... and another holds the write lock with a change not yet committed.
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE families SET household_name = 'Uncommitted'")

        result = cli("backup", tmp_path / "copy.sqlite3")

        assert result.exit_code == 0, result.output
        copy = sqlite3.connect(tmp_path / "copy.sqlite3")
        assert copy.execute("SELECT household_name FROM families").fetchall() == [("Committed",)]
        copy.close()
    finally:
        reader.rollback()
        writer.rollback()
        reader.close()
        writer.close()


def test_refuses_to_overwrite_an_existing_file_without_force(cli, db, sqlite_file, worker, tmp_path):
    factories.FamilyFactory(worker=worker)
    target = tmp_path / "backup.sqlite3"
    target.write_text("last week's backup")

    result = cli("backup", target)

    assert result.exit_code == 1
    assert "already exists" in result.output and "--force" in result.output
    assert target.read_text() == "last week's backup"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.sqlite3"]

    result = cli("backup", target, "--force")
    assert result.exit_code == 0, result.output
    assert count_families(target) == 1


@pytest.mark.parametrize("where, message", [
    ("missing/backup.sqlite3", "does not exist"),
    ("a-file/backup.sqlite3", "is not a directory"),
    (".", "is a directory"),
])
def test_a_bad_path_is_a_clear_error_not_a_traceback(cli, db, tmp_path, where, message):
    (tmp_path / "a-file").write_text("")
    result = cli("backup", tmp_path / where)
    assert result.exit_code == 1
    assert "Error: " in result.output and message in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_directory_is_a_clear_error(cli, db, sqlite_file, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = cli("backup", locked / "backup.sqlite3")
    assert result.exit_code == 1
    assert "cannot write" in result.output and "Traceback" not in result.output


def test_postgresql_prints_the_pg_dump_and_pg_restore_lines(cli, db, postgresql, tmp_path):
    url = db.engine.url
    target = tmp_path / "casework.dump"

    result = cli("backup", target)

    assert result.exit_code == 0, result.output
    connection = f"--host={url.host} --port={url.port or 5432} --username={url.username} --dbname={url.database}"
    schema = db.session.connection().exec_driver_sql("SELECT current_schema()").scalar()
    only = f" --schema={schema}" if schema != "public" else ""  # the suite's own schema
    assert f"pg_dump {connection}{only} --format=custom --file={target}" in result.output
    assert f"pg_restore {connection} --clean --if-exists --no-owner --single-transaction {target}" in result.output
    assert "init-db" in result.output
    assert not target.exists()  # a hint: nothing is run
