#!/bin/sh
# tests/cli/help_cli.sh - every option a subcommand reads is in its --help:
# the long names and short letters of each option table (the opt_spec rows
# of cli/cmd_CMD.c, with the rows CLI_CONFIG_FILE_OPTS, CLI_CONFIG_OPTS and
# CLI_DNS_OPTS add)
# appear in `authmilter CMD --help`, and `authmilter help CMD` prints the
# same text; `authmilter help` lists every subcommand. check's usage
# lacked --record, --history and --hostname in its synopsis or body.
set -eu
: "${AUTHMILTER:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# The long names and letters of a table, one per line as --NAME or -L.
options_of() {
	src=cli/cmd_$1.c
	[ -f "$src" ] || fail "no $src"
	sed -n 's/^[[:space:]]*{ "\([a-z0-9-]*\)", \(0\|'"'"'\(.\)'"'"'\),.*/--\1 -\3/p;
	    s/^[[:space:]]*{ NULL, '"'"'\(.\)'"'"',.*/-\1/p' "$src" | tr ' ' '\n' | grep -v '^-$' || true
	if grep -q "CLI_CONFIG_OPTS(\|CLI_CONFIG_FILE_OPTS(" "$src"; then
		printf '%s\n' --help -h -c
	fi
	if grep -q "CLI_CONFIG_OPTS(\|CLI_DNS_OPTS," "$src"; then
		sed -n 's/^[[:space:]]*{ "\(dns-[a-z-]*\)", .*/--\1/p' cli/cli.h
	fi
}

n=0
# every subcommand with a source file of its own (one place to add one)
CMDS=$(ls cli/cmd_*.c | sed 's|^cli/cmd_||; s|\.c$||')
for cmd in $CMDS; do
	"$AUTHMILTER" "$cmd" --help > "$T/help" 2> "$T/err" || fail "$cmd --help: exit $?"
	[ ! -s "$T/err" ] || fail "$cmd --help wrote on stderr"
	head -n 1 "$T/help" | grep -q "^usage: authmilter" || fail "$cmd --help: no usage line"
	options_of "$cmd" | sort -u > "$T/opts"
	[ -s "$T/opts" ] || fail "$cmd: no options found in cli/cmd_$cmd.c"
	while read -r o; do
		# the option as a word: "--record" not inside "--recordx"
		grep -qE -- "(^|[^a-z0-9-])$o([^a-z0-9-]|\$)" "$T/help" ||
		    fail "$cmd --help lacks $o"
		n=$((n + 1))
	done < "$T/opts"
	"$AUTHMILTER" help "$cmd" > "$T/help2" || fail "help $cmd: exit $?"
	cmp -s "$T/help" "$T/help2" || fail "help $cmd differs from $cmd --help"
done
[ "$n" -gt 40 ] || fail "only $n options found: the table reader is broken"
echo "ok   every option of every table in its --help ($n), help CMD = CMD --help"

"$AUTHMILTER" help > "$T/list" || fail "help: exit $?"
for cmd in $CMDS help version; do
	grep -q "^  $cmd " "$T/list" || fail "help does not list $cmd"
done
"$AUTHMILTER" help version | grep -q "^usage: authmilter version" || fail "help version"
set +e
"$AUTHMILTER" help bogus > "$T/o" 2> "$T/e"
rc=$?
set -e
[ $rc -eq 2 ] || fail "help bogus: exit $rc"
[ "$(head -n 1 "$T/e")" = "authmilter help: unknown subcommand 'bogus'" ] ||
    fail "help bogus: $(head -n 1 "$T/e")"
[ ! -s "$T/o" ] || fail "help bogus wrote on stdout"
echo "ok   help lists the subcommands, refuses an unknown one"
