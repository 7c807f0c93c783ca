"""Benchmarks of consultbot's speed and footprint (issue 9). Not tests: run them by hand, e.g.
``python -m bench.throughput``; CI runs a tiny version of each (``tests/test_bench_smoke.py``).

Built: ``throughput`` (answers through the webhook, with the bare-aiogram floor), ``memory`` (RSS after
many residents stopped mid-survey), ``startup`` (``consultbot run`` to its first getUpdates).
Still to come, with the features they measure: ``broadcast`` (queued invitations against a rate-limited
fake: ``BenchTelegram.rate_limit`` is the hook) and ``export`` (CSV/XLSX/JSON of 1,000,000 answers).
"""
