#!/usr/bin/env bash
# Every test, against the real servers `make services` started:
# 1. each part's suite in a pytest process of its own (two workers each): parts' test
#    fixtures set process-wide things (an identity to ask for grants), and one part's must
#    not leak into another's;
# 2. the end-to-end suite alone: it runs the whole platform as processes on two cores, and
#    its timing checks (a disabled user refused within 5 s) should not compete with (1);
# 3. the browser tests (tests/web: Chromium through the web console, against a whole stack of
#    their own), alone for the same reason;
# 4. tests that stop and restart a server (marked slow), alone, so they disturb nobody.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p var/log
status=0
run() {
  .venv/bin/python -m pytest "$@"
  local s=$?
  # exit 5: nothing collected for that selection, which is not a failure
  if [ "$s" -ne 0 ] && [ "$s" -ne 5 ]; then status=$s; fi
}
parts=(libs/crmkit/tests services/identity services/customers services/files services/search
       services/sales services/service-desk gateway/tests web/tests tests)
for part in "${parts[@]}"; do
  echo "== $part"
  run "$part" -m "not slow" --ignore=tests/e2e --ignore=tests/web -n 2 --dist loadfile -q
done
echo "== tests/e2e"
run tests/e2e -m "not slow" -q
echo "== tests/web"
run tests/web -m "not slow" -q
echo "== slow"
run "${parts[@]}" -m slow -q
exit "$status"
