#!/bin/sh
# tests/fuzz/run.sh - runs every libFuzzer target of a fuzz build briefly.
#
#   FUZZ_BUILD=build-fuzz FUZZ_SECONDS=30 sh tests/fuzz/run.sh
#
# Each $FUZZ_BUILD/fuzz_NAME runs for FUZZ_SECONDS on a scratch copy of its
# seeds (tests/fuzz/corpus/fuzz_NAME/; the tree is never written), with
# its dictionary tests/fuzz/fuzz_NAME.dict when there is one, and crash
# artifacts kept in $FUZZ_BUILD/artifacts/fuzz_NAME/. A target fails
# when libFuzzer exits non-zero (crash, leak, sanitizer report, timeout).
# The last line is "fuzz: N passed, N failed"; the exit status is non-zero
# when any target failed.
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
passed=0
failed=0
failures=""
scratch=$(mktemp -d "${TMPDIR:-/tmp}/fuzz.XXXXXX") || exit 1
trap 'rm -rf "$scratch"' EXIT INT TERM

for t in "$FUZZ_BUILD"/fuzz_*; do
	[ -x "$t" ] && [ -f "$t" ] || continue
	name=$(basename "$t")
	corpus="$scratch/$name"
	artifacts="$FUZZ_BUILD/artifacts/$name"
	mkdir -p "$corpus" "$artifacts"
	if [ -d "tests/fuzz/corpus/$name" ]; then
		cp -R "tests/fuzz/corpus/$name/." "$corpus/"
	fi
	dict=""
	[ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
	echo "=== $name (${FUZZ_SECONDS}s)"
	if "$t" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
	    -max_len=4096 -print_final_stats=1 $dict \
	    -artifact_prefix="$artifacts/" "$corpus" >"$scratch/$name.log" 2>&1; then
		passed=$((passed + 1))
		grep -E '^stat::number_of_executed_units' "$scratch/$name.log"
	else
		failed=$((failed + 1))
		failures="$failures $name"
		tail -40 "$scratch/$name.log"
		echo "--- FAILED: $name (artifacts in $artifacts)"
	fi
done
[ -n "$failures" ] && echo "failed targets:$failures"
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
