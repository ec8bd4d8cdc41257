"""Scripts that run inside the anchors' own virtualenvs (stdlib + the anchor only).

The harness starts them as ``ANCHOR_PYTHON -m bench.runners.NAME`` from the repository root and
talks to them in JSON lines (see :mod:`bench.runners.protocol`). Nothing here may import the
harness or Badgekeeper: those live in another interpreter.
"""
