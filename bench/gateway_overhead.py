"""Gateway overhead: `GET /api/v1/me` through the gateway versus straight to identity.

Starts the whole stack, signs up one tenant, then measures p50/p95 latency, their ratio and
requests/s at concurrency 1 and 32 (see stack_bench.py). `make bench` runs it together with
signup_latency.py on one stack: `python bench/stack_bench.py`.
"""

from stack_bench import main

if __name__ == "__main__":
    main(["overhead"])
