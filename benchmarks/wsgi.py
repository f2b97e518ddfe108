"""The application the benchmark runs under gunicorn: casework's own ``create_app()`` (settings
from the environment, as ``wsgi.py``), wrapped with the benchmark's probe (statement counts on
every answer, the SQL floor on request). Not for production: use ``wsgi:app``."""
from benchmarks.probe import install
from casework import create_app

app = create_app()
install(app)
