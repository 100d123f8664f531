#!/bin/sh
# tests/report/history_sqlite_readonly.sh - an older SQLite store (no
# dmarc_records_day_group) that `authmilter report` may only read (the
# file write-protected from it; its directory writable, as WAL needs for
# its -shm file): SQLite opens the file read-only, so the index cannot be
# built, yet the report opens the store, writes the same reports as with
# the index and says once which file lacks which index and the fix.
# A command that writes the store (--failure --send: it marks what it
# sent; --send; --prune-before) refuses it instead, naming the file,
# and sends nothing: else each run would mail every pending failure
# report again (the rate limit counts rows it cannot write).
# As root the reader is nobody (root writes any file); else the file is
# made read-only to the user running the test. Checks:
# tests/lib/history_index.sh.
set -u
. "$(pwd)/tests/lib/history_index.sh"
GEN=${BUILD:-build}/tests/history_gen
[ -x "$GEN" ] || { echo "FAIL: $GEN missing (make tests)"; exit 1; }
T=$(mktemp -d /tmp/history_sq_ro.XXXXXX)
trap 'rm -rf "$T"' EXIT
DAY=1793491200          # 2026-11-01T00:00:00Z
STORE=$T/store/h.db
fail=0
mkdir "$T/store"
"$GEN" -s 3 "$STORE" 2000 1 >/dev/null || { echo "FAIL: history_gen"; exit 1; }
if [ "$(id -u)" = 0 ]; then
	command -v runuser >/dev/null || { echo "SKIP: no runuser"; exit 77; }
	RUNAS="runuser -u nobody --"
	chmod 755 "$T"
	chown nobody "$T/store"
	chmod 644 "$STORE"
	$RUNAS test -x "$AUTHMILTER" || { echo "SKIP: nobody cannot run $AUTHMILTER"; exit 77; }
else
	RUNAS=
	chmod 444 "$STORE"
fi
owner_sql() { # SQL as the file's owner (history_gen's user)
	[ -z "$RUNAS" ] && chmod 644 "$STORE"
	/usr/bin/python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()' \
	    "$STORE" "$1"
	rc=$?
	[ -z "$RUNAS" ] && chmod 444 "$STORE"
	return $rc
}
hi_with_index "with the index, read-only"

# an older store: no index, and the reader may not build it
owner_sql "DROP INDEX dmarc_records_day_group" || { echo "FAIL: DROP INDEX"; exit 1; }
hi_older "older store, read-only" "SQLite file $STORE, read-only to this process"

# writing commands refuse it and send nothing (a queued failure report)
now=$(date +%s)
owner_sql "INSERT INTO dmarc_failure VALUES ('fr1', $now, 'example.com', \
'example.com', 'mailto:ruf@example.com', 'Feedback-Type: auth-failure', 0)" ||
    { echo "FAIL: INSERT dmarc_failure"; exit 1; }
SENT=$T/sent
printf '#!/bin/sh\necho sent >> %s\ncat >/dev/null\n' "$SENT" >"$T/sendmail"
chmod 755 "$T/sendmail"
chmod 777 "$T"
printf 'report_sendmail = "%s"\nreport_email = "dmarc@example.com"\n' \
    "$T/sendmail" >"$T/w.conf"
chmod 644 "$T/w.conf"
for cmd in "--failure --send" "--send --from $DAY --to $((DAY + 86400))" \
    "--prune-before 2026-10-01"; do
	$RUNAS "$AUTHMILTER" report -c "$T/w.conf" --history "$STORE" $cmd \
	    >"$T/w.log" 2>&1
	rc=$?
	if [ $rc != 0 ] && [ ! -e "$SENT" ] && grep -q "history store SQLite file \
$STORE, read-only to this process: this command writes the store" "$T/w.log"
	then
		echo "ok   read-only, report $cmd: refused (exit $rc), nothing sent"
	else
		cat "$T/w.log"; [ -e "$SENT" ] && echo "sent: $(wc -l <"$SENT")"
		echo "FAIL: read-only, report $cmd: exit $rc"; fail=1
	fi
done
# and reading still works (the report above: hi_older)

# the fix the line gives: the owner runs its statement
sql=$(hi_fix_sql)
owner_sql "$sql" || { echo "FAIL: the statement given: $sql"; fail=1; }
hi_fixed

[ $fail = 0 ] && echo "PASS: history_sqlite_readonly"
exit $fail
