#!/usr/bin/env bash
# Run the test suites and end with one summary line: "N passed, M failed".
#
#   scripts/run-tests.sh [--build DIR] [--unit] [--integration] [-- PYTEST_ARGS...]
#
# Unit tests are the cmocka executables under DIR/tests/unit (TAP output); integration
# tests are pytest under tests/integration, run from the venv of scripts/venv.sh against
# the services of scripts/testenv and the binary DIR/driftless.
set -uo pipefail
cd "$(dirname "$0")/.."

build=build
run_unit=
run_integration=
pytest_args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift ;;
	--unit) run_unit=1 ;;
	--integration) run_integration=1 ;;
	--) shift; pytest_args=("$@"); break ;;
	*) echo "run-tests: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done

passed=0
failed=0
failures=()
results=$build/test-results
mkdir -p "$results"

run_unit_tests() {
	local bin out rc ok notok line
	while IFS= read -r bin; do
		out=$results/$(basename "$bin").tap
		CMOCKA_MESSAGE_OUTPUT=TAP ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
			UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
			"$bin" >"$out" 2>&1
		rc=$?
		sed "s|^|$(basename "$bin"): |" "$out"
		ok=$(grep -c '^ok ' "$out")
		notok=$(grep -c '^not ok ' "$out")
		passed=$((passed + ok))
		failed=$((failed + notok))
		if [ "$rc" -ne 0 ] && [ "$notok" -eq 0 ]; then
			# a crash, a sanitizer report or a leak after the last case
			failed=$((failed + 1))
			failures+=("$(basename "$bin") exited with status $rc")
		fi
		while IFS= read -r line; do
			failures+=("$(basename "$bin"): ${line#not ok }")
		done < <(grep '^not ok ' "$out")
	done < <(find "$build/tests/unit" -type f -name 'test-*' ! -name '*.d' -perm -u+x 2>/dev/null | sort)
}

run_integration_tests() {
	local venv xml rc
	venv=$(scripts/venv.sh) || { failed=$((failed + 1)); failures+=("venv setup failed"); return; }
	xml=$results/integration.xml
	rm -f "$xml"
	DRIFTLESS_BIN=$PWD/$build/driftless "$venv/bin/python" -m pytest tests/integration \
		-p no:cacheprovider -o junit_family=xunit2 --junitxml="$xml" -q -rfE \
		"${pytest_args[@]}"
	rc=$?
	if [ ! -s "$xml" ]; then
		failed=$((failed + 1))
		failures+=("pytest exited with status $rc and wrote no results")
		return
	fi
	read -r p f < <("$venv/bin/python" - "$xml" <<'PY'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
tests = sum(int(s.get("tests", 0)) for s in suites)
bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
skipped = sum(int(s.get("skipped", 0)) for s in suites)
print(tests - bad - skipped, bad)
PY
	)
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		failed=$((failed + 1))
		failures+=("pytest exited with status $rc")
	fi
}

[ -n "$run_unit" ] && run_unit_tests
[ -n "$run_integration" ] && run_integration_tests

if [ ${#failures[@]} -gt 0 ]; then
	echo
	echo "Failed:"
	printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
