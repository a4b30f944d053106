#!/usr/bin/env bash
# Self-check of the `cis` lab, run on the control-plane node once it is Ready: kube-bench is there,
# is the pinned release, and runs a control-plane check of the pinned benchmark with JSON output.
# Any problem exits non-zero: a lab whose grader tool is missing never reaches a learner.
set -uo pipefail
fail() { echo "cis lab self-check FAILED: $*" >&2; exit 1; }

command -v kube-bench >/dev/null || fail "kube-bench is missing from the node image"
V=$(kube-bench version 2>&1) || fail "kube-bench version failed: $V"
[ "$V" = "0.15.6" ] || fail "kube-bench is $V, the lab pins 0.15.6"
OUT=$(kube-bench run --targets master --benchmark cis-1.12 --check 1.1.1 --json 2>/dev/null) \
  || fail "kube-bench run --targets master --benchmark cis-1.12 --check 1.1.1 --json exited non-zero"
case "$OUT" in
  *'"test_number":"1.1.1"'*'"status":"'*) ;;
  *) fail "kube-bench printed no result for check 1.1.1 (got: $(printf '%s' "$OUT" | head -c 300))" ;;
esac
echo "cis lab self-check passed: kube-bench $V runs the cis-1.12 control-plane checks"
