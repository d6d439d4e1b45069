"""Benchmarks of the figures operators feel (issue 5): ``python -m bench`` runs them all.

Not part of the test suite: they start real console processes and a real Chromium, seed a
million-row database and take about a quarter of an hour. ``bench/results/`` (git-ignored) keeps
what each run measured and the seeded database files, which later runs reuse.
"""
