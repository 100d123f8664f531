#!/bin/sh
# contrib/milterbench/soak.sh - the soak test (make soak; not part of make
# check). Starts authmilter on the benchmark corpus's zone (served
# in-process with --dns-zone: no root, no network), sends it SOAK_MESSAGES
# messages with the soak client (contrib/milterbench/soak.c: random aborts,
# connections dropped mid-body, a 50 MB body, 10,000 headers, 1,000 DKIM
# signatures, a header block over max_header_bytes in small fields, 1 MB
# header fields at and over the 1 MB packet limit),
# samples the daemon's VmRSS and CPU, then stops it with SIGTERM.
#
#   BUILD=build sh contrib/milterbench/soak.sh
#
# Fails (exit 1) when: the soak client says FAIL (a message sent whole
# without a final verdict, an accept without Authentication-Results, a
# verdict that changed between deliveries of the same message, a special
# message's wrong outcome, RSS growing: criterion in soak.c), the daemon
# died, logged an error or fatal line, or did not exit 0 on SIGTERM; with
# SOAK_VALGRIND=1, valgrind reported an error or a definite/indirect leak.
#
# Environment: SOAK_MESSAGES (100000; 2000 with SOAK_VALGRIND=1),
# SOAK_THREADS (12), SOAK_ABORT / SOAK_DROP (per mille: 20 / 10),
# SOAK_BIG_MB (50), SOAK_SEED (1), SOAK_VALGRIND (0), SOAK_RUN (work
# folder, $BUILD/milterbench/soak-run). The corpus is the one of make bench
# ($BUILD/milterbench/corpus, 2,000 messages, seed 1), generated here when
# absent (~40 s, /usr/bin/python3 with python3-dkim), unless SOAK_CORPUS
# names another (a folder in gencorpus.py's layout: tests/system/
# soak_smoke.sh uses a few messages in tests/fixtures/soak).
# "Possibly lost" blocks under valgrind are listed, not failed: they are the
# thread-local storage of threads still running at exit.
set -eu
BUILD=${BUILD:-build}
SOAK_VALGRIND=${SOAK_VALGRIND:-0}
if [ "$SOAK_VALGRIND" = 1 ]; then
	SOAK_MESSAGES=${SOAK_MESSAGES:-2000}
else
	SOAK_MESSAGES=${SOAK_MESSAGES:-100000}
fi
SOAK_THREADS=${SOAK_THREADS:-12}
SOAK_ABORT=${SOAK_ABORT:-20}
SOAK_DROP=${SOAK_DROP:-10}
SOAK_BIG_MB=${SOAK_BIG_MB:-50}
SOAK_SEED=${SOAK_SEED:-1}
KIT=contrib/milterbench
WORK=$(pwd)/$BUILD/milterbench
CORPUS=${SOAK_CORPUS:-$WORK/corpus}
RUN=${SOAK_RUN:-$WORK/soak-run}
AUTHMILTER=$(pwd)/$BUILD/authmilter
CORPUS_N=2000	# as make bench (run.sh MB_MESSAGES), so the corpus is shared
CORPUS_SEED=1

die() { echo "soak: $*" >&2; exit 1; }

[ -x "$AUTHMILTER" ] || die "$AUTHMILTER: not built"
make -s -f $KIT/Makefile BUILD="$BUILD" || die "build failed"
stamp="seed=$CORPUS_SEED count=$CORPUS_N $(sha256sum $KIT/gencorpus.py | cut -c1-16)"
if [ -z "${SOAK_CORPUS:-}" ] && [ "$(cat "$CORPUS/stamp" 2>/dev/null)" != "$stamp" ]; then
	echo "soak: generating the corpus ($CORPUS_N messages, seed $CORPUS_SEED)"
	rm -rf "$CORPUS"
	/usr/bin/python3 $KIT/gencorpus.py -o "$CORPUS" -n "$CORPUS_N" \
	    --seed "$CORPUS_SEED" || die "corpus generation failed"
	echo "$stamp" > "$CORPUS/stamp"
fi

rm -rf "$RUN"
mkdir -p "$RUN"
printf 'user = ""\npidfile = ""\nauthserv_id = "bench.test"\n' > "$RUN/authmilter.conf"
WRAP=""
TIMEOUT=60
if [ "$SOAK_VALGRIND" = 1 ]; then
	command -v valgrind >/dev/null || die "valgrind is not installed"
	WRAP="valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect \
--show-leak-kinds=definite,indirect,possible --num-callers=30 --log-file=$RUN/valgrind.log"
	TIMEOUT=600
fi
$WRAP "$AUTHMILTER" run -f -c "$RUN/authmilter.conf" -p "unix:$RUN/authmilter.sock" \
    --dns-zone "$CORPUS/bench.zone" 2> "$RUN/authmilter.log" &
AM_PID=$!
trap 'kill "$AM_PID" 2>/dev/null || true' EXIT INT TERM
i=0
until [ -S "$RUN/authmilter.sock" ]; do
	i=$((i + 1))
	[ $i -lt 600 ] || die "authmilter did not create its socket ($RUN/authmilter.log)"
	kill -0 "$AM_PID" 2>/dev/null || die "authmilter exited at start ($RUN/authmilter.log)"
	sleep 0.1
done

echo "soak: $SOAK_MESSAGES messages, $SOAK_THREADS connections at once," \
    "aborts ${SOAK_ABORT}/1000, drops ${SOAK_DROP}/1000${WRAP:+, daemon under valgrind}"
PFLAG="-P $AM_PID"
[ "$SOAK_VALGRIND" = 1 ] && PFLAG=""	# valgrind's RSS says nothing of ours
status=0
"$WORK/soak" -s "unix:$RUN/authmilter.sock" -d "$CORPUS" -n "$SOAK_MESSAGES" \
    -c "$SOAK_THREADS" -a "$SOAK_ABORT" -x "$SOAK_DROP" -B "$SOAK_BIG_MB" \
    -S "$SOAK_SEED" -t "$TIMEOUT" -o "$RUN/rss.tsv" $PFLAG || status=1

if kill -0 "$AM_PID" 2>/dev/null; then
	kill -TERM "$AM_PID"
	rc=0
	wait "$AM_PID" || rc=$?
	trap - EXIT INT TERM
	if [ "$rc" -ne 0 ]; then
		echo "soak: authmilter exited $rc on SIGTERM"
		status=1
	fi
else
	echo "soak: authmilter is gone ($RUN/authmilter.log)"
	status=1
fi
errors=$(grep -c -E '^authmilter: (error|fatal):' "$RUN/authmilter.log" || true)
warnings=$(grep -c '^authmilter: warning:' "$RUN/authmilter.log" || true)
verdicts=$(grep -c '^authmilter: info: [^ ]*: qid=[^ ]* .* action=' "$RUN/authmilter.log" || true)
echo "soak: daemon log: $verdicts verdict lines, $errors errors, $warnings warnings ($RUN/authmilter.log)"
if [ "$errors" -ne 0 ]; then
	grep -E '^authmilter: (error|fatal):' "$RUN/authmilter.log" | head -5
	status=1
fi
if [ "$SOAK_VALGRIND" = 1 ]; then
	summary=$(grep 'ERROR SUMMARY' "$RUN/valgrind.log" | tail -1 | sed 's/^==[0-9]*== //')
	lost=$(grep -E '^==[0-9]+== +(definitely lost|indirectly lost|possibly lost|still reachable):' \
	    "$RUN/valgrind.log" | sed 's/^==[0-9]*== *//' | tr '\n' ';')
	echo "soak: valgrind: $summary"
	echo "soak: valgrind: ${lost:-no leak summary (all heap blocks freed)}"
	case "$summary" in
	"ERROR SUMMARY: 0 errors"*) ;;
	*) echo "soak: valgrind found errors ($RUN/valgrind.log)"; status=1 ;;
	esac
fi
[ "$status" -eq 0 ] && echo "soak: PASS" || echo "soak: FAIL"
exit $status
