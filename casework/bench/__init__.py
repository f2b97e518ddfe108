"""casework's benchmark: ``scripts/bench`` (``python -m casework.bench``). See ``run.py``.

Nothing in the application imports this package: the web workers the benchmark starts load
``casework.bench.wsgi``, which wraps the ordinary ``create_app()`` with ``probe.install``."""
