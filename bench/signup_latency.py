"""Sign-up and login latency through the gateway.

Starts the whole stack, then times 20 tenant sign-ups to `active` one after another (status
polled every 50 ms) and 50 logins (see stack_bench.py). `make bench` runs it together with
gateway_overhead.py on one stack: `python bench/stack_bench.py`.
"""

from stack_bench import main

if __name__ == "__main__":
    main(["signup"])
