"""Domain rules. Every function takes a session (and a ``now`` where time matters) so the
HTML views, the JSON API, the CLI and the scheduler all share them."""
