#!/usr/bin/env bash
# Runs one of the quick start's suites N times in a row, with no retry, to
# find tests whose verdict depends on luck or machine speed (issue 16):
#   scripts/repeat-suite.sh test 20        the default suite, as CI runs it
#   scripts/repeat-suite.sh sanitize 5     the ASan + UBSan suite
# Each run's output goes to repeat-<suite>-<i>.log in the current directory
# and one line per run to repeat-<suite>.log; the exit code is 1 when any
# run failed.  Extra arguments go to ctest.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
suite="${1:-}"
runs="${2:-}"
if [[ "$suite" != test && "$suite" != sanitize ]] || ! [[ "$runs" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/repeat-suite.sh test|sanitize RUNS [ctest args...]" >&2
  exit 2
fi
shift 2

summary="repeat-$suite.log"
: > "$summary"
failed=0
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  CI=true "$here/scripts/quickstart.sh" "$suite" "$@" > "repeat-$suite-$i.log" 2>&1
  rc=$?
  result=$(grep -E "tests passed|tests failed" "repeat-$suite-$i.log" | tail -1)
  echo "$suite run $i of $runs: rc=$rc, $(( $(date +%s) - start )) s, $result" | tee -a "$summary"
  [ "$rc" -eq 0 ] || failed=1
done
exit "$failed"
