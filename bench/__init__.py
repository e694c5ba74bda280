"""`make bench` / `python -m bench`: the performance harness of issue 3.

1. Builds (or reuses) a separate database `portal_bench_<size>` on the portal's PostgreSQL server
   and fills it with a deterministic synthetic corpus through the real loader (corpus.py, load.py).
2. Starts the production server as `make serve` does (gunicorn behind `manage.py boot`) on a
   free loopback port and drives it with wrk, one query type at a time (drive.py, server.py).
3. Prints p50/p95/p99, requests/s and the share of the ceiling page's throughput per query
   type, the web workers' memory, and the targets as PASS/FAIL lines; writes JSON to
   .data/bench/ (report.py).
4. Times `manage.py import_trials` on synthetic ClinicalTrials.gov JSON when that reader exists
   (importer.py).

Nothing here is imported by the portal; docs/benchmarks.md explains how to run it.
"""
