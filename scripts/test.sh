#!/usr/bin/env bash
# Every test, against the real servers `make services` started:
# 1. the suites of every part, in parallel (a file's tests stay on one worker);
# 2. the end-to-end suite alone: it runs the whole platform as processes on two cores, and
#    its timing checks (a disabled user refused within 5 s) should not compete with (1);
# 3. tests that stop and restart a server (marked slow), alone, so they disturb nobody.
set -uo pipefail
cd "$(dirname "$0")/.."
paths=(libs/crmkit/tests services gateway/tests tests)
mkdir -p var/log
status=0
run() {
  .venv/bin/python -m pytest "$@"
  local s=$?
  # exit 5: nothing collected for that selection, which is not a failure
  if [ "$s" -ne 0 ] && [ "$s" -ne 5 ]; then status=$s; fi
}
run "${paths[@]}" -m "not slow" --ignore=tests/e2e -n 2 --dist loadfile -q
run tests/e2e -m "not slow" -q
run "${paths[@]}" -m slow -q
exit "$status"
