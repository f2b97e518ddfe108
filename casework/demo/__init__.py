"""The demo service that ``flask seed-demo`` and ``scripts/demo`` load: generated data, not a
domain rule, so it lives beside the services rather than among them."""
