"""Benchmarks of consultbot's speed and footprint (issue 9). Not tests: run them by hand, e.g.
``python -m bench.throughput``; CI runs a tiny version of each (``tests/test_bench_*smoke.py``).

``throughput`` (answers through the webhook, with the bare-aiogram floor), ``memory`` (RSS after many
residents stopped mid-survey), ``startup`` (``consultbot run`` to its first getUpdates), ``broadcast``
(queued invitations through ``consultbot sender`` against a fake enforcing Telegram's limits) and
``export`` (CSV/XLSX/JSON of 1,000,000 answers against a raw cursor and the database's own dump).
"""
