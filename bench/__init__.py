"""Benchmarks of Badgekeeper beside the reference implementations ("anchors"), in one run.

``python -m bench`` (``make bench``) installs the anchors into their own virtualenvs under
``bench/.anchors/``, starts a loopback issuer, runs every registered benchmark with both sides
interleaved, prints a summary and writes ``bench/RESULTS.md``. ``--quick`` runs a fast subset.

Layout: ``registry`` (the list of benchmarks, including those still to come), ``benchmarks/``
(one module per benchmark), ``anchors`` + ``runners/`` (the anchors' side, in their own venvs),
``ours`` (Badgekeeper's side), ``issuer`` + ``issuer_server`` (the loopback issuer), ``site`` +
``corpus`` + ``signing`` (the badges it serves), ``fixtures`` (large images), ``model``
(figures, budgets, statistics), ``report`` (RESULTS.md and the summary), ``machine`` (what ran
it), ``cli`` (the command).

This package's top level imports the standard library only: the runners import it from inside
the anchors' interpreters.
"""
