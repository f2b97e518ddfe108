"""casework's benchmark: ``scripts/bench`` (``python -m benchmarks``). See ``run.py``.

It sits outside the ``casework`` package and nothing in the application imports it: the web
workers the benchmark starts load ``benchmarks.wsgi``, which wraps the ordinary
``create_app()`` with ``probe.install``."""
