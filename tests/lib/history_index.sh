# tests/lib/history_index.sh - the checks of a history store whose day
# index (dmarc_records_day_group) the report may not create, shared by
# tests/report/history_pg_index_role.sh and history_sqlite_readonly.sh.
# The caller sets T (its temporary directory), DAY (the day reported),
# STORE (the --history value), RUNAS (a command prefix running the report
# as the reader, or empty) and fail (0), and sources this file; each
# check prints "ok ..." or "FAIL: ..." and sets fail=1 on failure.
HI_LINE="lacks the index dmarc_records_day_group"

hi_report() { # LABEL: one day's report as JSON files in $T/out-LABEL
	mkdir -p "$T/out-$1"
	chmod 777 "$T/out-$1"
	$RUNAS "$AUTHMILTER" report -c /dev/null --history "$STORE" \
	    --from $DAY --to $((DAY + 86400)) --format json \
	    --out "$T/out-$1" >"$T/report-$1.log" 2>&1
}
hi_said() { # LABEL: how many times the report of LABEL said the line
	grep -c "$HI_LINE" "$T/report-$1.log"
}
hi_fail() { # LABEL WHAT: the report's log, then the failure
	cat "$T/report-$1.log"; echo "FAIL: $2"; fail=1
}
hi_with_index() { # WHAT: the report (idx) with the index: nothing said
	if hi_report idx && [ "$(hi_said idx)" = 0 ] &&
	    [ -n "$(ls "$T/out-idx")" ]; then
		echo "ok   $1: $(ls "$T/out-idx" | wc -l) reports"
	else
		hi_fail idx "$1: report"
	fi
}
hi_older() { # WHAT WHO: the report (old) of the store without the index
	# succeeds, writes the same reports as idx, says the line once,
	# naming the store (WHO) and giving the statement
	if hi_report old; then
		echo "ok   $1: the report opens it and succeeds"
	else
		hi_fail old "$1: report failed"
	fi
	if diff -r "$T/out-idx" "$T/out-old" >"$T/diff" &&
	    [ -n "$(ls "$T/out-old")" ]; then
		echo "ok   $1: the same $(ls "$T/out-old" | wc -l) reports as with the index"
	else
		head -5 "$T/diff"; echo "FAIL: $1: reports differ"; fail=1
	fi
	n=$(hi_said old)
	if [ "$n" = 1 ] && grep "$HI_LINE" "$T/report-old.log" |
	    grep -q "$2" && grep "$HI_LINE" "$T/report-old.log" |
	    grep -q "owner runs: CREATE INDEX"; then
		echo "ok   $1: said once: $(grep "$HI_LINE" "$T/report-old.log")"
	else
		hi_fail old "$1: the line said $n times"
	fi
}
hi_fix_sql() { # the statement the line of the report (old) gave
	grep "$HI_LINE" "$T/report-old.log" | sed 's/.*owner runs: //'
}
hi_fixed() { # the report (fixed) after the owner ran it: nothing said
	if hi_report fixed && [ "$(hi_said fixed)" = 0 ]; then
		echo "ok   the statement given builds the index; the report says nothing"
	else
		hi_fail fixed "after the fix"
	fi
}
