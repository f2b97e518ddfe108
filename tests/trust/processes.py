"""Real operating-system processes against the test run's own database, for the trust tests
of concurrency, crash safety and the scheduler.

The parent (a test) describes its database with ``database_spec(app)``; a child started with
``start_python`` rebuilds the same application with ``child_app(spec)`` (on PostgreSQL in the
run's own schema, through the same ``search_path`` option as tests/conftest.py). A ``flask``
command in a child reads ``DATABASE_URL`` from ``child_env(app)`` instead."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]


def database_spec(app) -> dict:
    """What a child needs to open the test database: its URL and the engine's connect options."""
    options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("connect_args", {}).get("options")
    return {"url": app.config["SQLALCHEMY_DATABASE_URI"], "options": options}


def cli_database_url(app) -> str:
    """``DATABASE_URL`` for a ``flask --app casework`` child: on PostgreSQL the schema travels
    in the URL as ``?options=-csearch_path%3D<schema>``."""
    spec = database_spec(app)
    if not spec["options"]:
        return spec["url"]
    separator = "&" if "?" in spec["url"] else "?"
    return f"{spec['url']}{separator}options={quote(spec['options'], safe='')}"


def child_env(app, **extra: str) -> dict:
    """The environment of a child: this checkout importable, the test database, no mail server
    and no other ``DATABASE_URL`` or settings inherited from the shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "CASEWORK_", "DATABASE_URL", "FLASK_"))}
    env.update(PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", DATABASE_URL=cli_database_url(app), **extra)
    return env


def child_app(spec: dict):
    """In a child: the application on the parent's database, with the test settings."""
    from casework import create_app
    from casework.config import TestingConfig

    options = dict(TestingConfig.SQLALCHEMY_ENGINE_OPTIONS)
    if spec.get("options"):
        options["connect_args"] = {"options": spec["options"]}

    class ChildConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = spec["url"]
        SQLALCHEMY_ENGINE_OPTIONS = options

    return create_app(ChildConfig)


def is_sqlite(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def sqlite_path(app) -> str:
    return make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database


class Child:
    """A child process whose output lines are collected as they come (stdout and stderr
    merged), so a test can wait for a line, then kill it at the moment it chooses."""

    def __init__(self, args: list[str], env: dict, stdin: bool = False):
        self.args = args
        self.process = subprocess.Popen(
            args, cwd=ROOT, env=env, text=True, bufsize=1,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def send(self, text: str) -> None:
        self.process.stdin.write(text)
        self.process.stdin.flush()

    def wait_for(self, predicate, timeout: float) -> str | None:
        """The first output line for which ``predicate`` holds, waiting up to ``timeout``."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self._changed:
            while True:
                for line in self.lines[seen:]:
                    if predicate(line):
                        return line
                seen = len(self.lines)
                left = deadline - time.monotonic()
                if left <= 0 or (not self._reader.is_alive() and seen == len(self.lines)):
                    return None
                self._changed.wait(min(left, 0.1))

    def has(self, text: str) -> bool:
        with self._changed:
            return any(text in line for line in self.lines)

    def pause(self) -> None:
        """SIGSTOP: frozen where it stands until ``resume``."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL: no clean-up, no atexit, no rollback from the process itself."""
        if self.alive():
            os.kill(self.process.pid, signal.SIGKILL)
        self.finish()

    def finish(self, timeout: float = 30) -> int:
        code = self.process.wait(timeout)
        self._reader.join(5)
        return code

    def output(self) -> str:
        with self._changed:
            return "\n".join(self.lines)


def start_python(module: str, payload: dict, app, stdin: bool = False) -> Child:
    """``python -m module '<payload as JSON>'`` in this checkout, against the test database."""
    return Child([sys.executable, "-m", module, json.dumps(payload)], child_env(app), stdin=stdin)
