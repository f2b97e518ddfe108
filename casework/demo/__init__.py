"""The demo service that ``flask seed-demo`` and ``scripts/demo`` load: generated data, not a
domain rule, so it lives beside the services rather than among them.

- ``seed``: ``seed_demo``, which plans the service and writes it in bulk;
- ``staff``: teams, managers, workers and the administrator, their logins;
- ``families``: the families, who is in them, and which are going badly;
- ``record``: one family's record as rows, and the dated shape of its work;
- ``goals``, ``visits``, ``reviews``: the rows of each kind of work;
- ``words``: names, places and the notes workers write.
"""
