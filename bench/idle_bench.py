"""What a whole stack costs while nobody uses it: CPU seconds per minute of each kind of
process (relays, consumers, APIs, workers), read from /proc after a warm-up.

Run: `python bench/idle_bench.py [--seconds 60]` (servers up). Stack `bench_idle`, offset 6000.
"""

import argparse
import os
import time
from collections import defaultdict
from pathlib import Path

from crmkit.settings import Settings
from crmkit.testing.stack import start_stack

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children[parent].append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def sample(processes: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far by kind: the last word of the stack's process name (`relay`,
    `consumer`, `api`, `worker`, `gateway`, `web`), children included."""
    totals: dict[str, float] = defaultdict(float)
    for name, root in processes.items():
        for pid in descendants(root):
            try:
                totals[name.rsplit("-", 1)[-1]] += cpu_seconds(pid)
            except OSError:
                continue
    return totals


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    stack = start_stack(Settings(), name="bench_idle", offset=6000)
    try:
        roots = {name: process.pid for name, process in stack.processes.items()}
        time.sleep(20)  # start-up work settles
        before = sample(roots)
        time.sleep(args.seconds)
        after = sample(roots)
        per_minute = {k: (after[k] - before.get(k, 0.0)) * 60 / args.seconds for k in after}
        print(f"idle stack, CPU seconds per minute by process kind ({args.seconds:.0f} s sampled)")
        for kind, used in sorted(per_minute.items(), key=lambda item: -item[1]):
            print(f"  {kind:14s} {used:6.2f}")
        print(f"  {'all':14s} {sum(per_minute.values()):6.2f}")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
