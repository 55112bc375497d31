"""`make bench`: the spec §11 performance figures (P1 to P4, P6, P8 to P10) on the W5k workload.

``python -m tests.bench.run`` generates the workload from whatever kinds can be created in bulk
(:mod:`tests.bench.kinds`), serves the sandbox with uvicorn in a child process, measures, prints
a table and writes ``bench-results.json`` at the repository root. Timings are reported, never
asserted; the smoke test only checks that the machinery runs and counts calls correctly.
"""

import warnings

# the probe reuses tests.harness, whose starlette TestClient import warns; the pytest
# configuration ignores the same warning
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
