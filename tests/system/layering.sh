#!/bin/sh
# tests/system/layering.sh - the arrows between the source folders
# (doc/HACKING.md) hold. Reads every #include "FOLDER/NAME.h" of the
# product code (the .c and .h files of the folders in FOLDERS; tests,
# fuzz targets, benchmarks and contrib may include anything) and fails,
# naming file and line, when
#   (a) a folder includes a header private to another folder: from
#       outside its folder only a header listed in PUBLIC may be included
#       (every util/ header is public: util/ is a set of primitives);
#       every other header of a folder is named *_int.h, so its name says
#       it is private;
#   (b) an arrow goes the wrong way: a folder includes only its own
#       headers and those of the folders ALLOWED for it;
#   (c) a library (LIBS) logs or prints: no syslog(), log_msg(), printf(),
#       perror(), puts(), no stderr or stdout (comments and string
#       literals aside). Libraries return errors as text; the milter
#       engine hands its lines to the mserver_set_log() hook.
# Before the tree, the same checks run on a scratch tree with one planted
# violation of each kind (and look-alikes in comments and strings that
# are none): each must be reported, and nothing else.
# Run from the top of the tree (as tests/run.sh does).
set -u

FOLDERS="util dns spf dkim dmarc milter report audit config message daemon cli"
LIBS="util dns spf dkim dmarc milter report audit"
# The one public header of each folder (report/report_send.h: the report
# sending side, a second public header of report/; dkim/dkim_sign.h the
# signer's, a second public header of dkim/).
PUBLIC="dns/dns.h spf/spf.h dkim/dkim.h dkim/dkim_sign.h dkim/arc.h dmarc/dmarc.h milter/milter.h
report/report.h report/report_send.h audit/audit.h config/config.h message/message.h
daemon/daemon.h cli/cli.h"
# FOLDER:what it may include. dns knows nothing above it; spf and dkim
# do not know each other; dmarc takes plain results (never spf, dkim);
# the milter engine knows nothing of mail authentication; the domain
# audit reads the three libraries' records (never report/); the daemon
# knows nothing of the command line (cli/cmd_run.c reads its flags).
ALLOWED="util:;dns:util;spf:dns util;dkim:dns util;dmarc:dns util;\
milter:util;report:dmarc dns util;audit:spf dkim dmarc dns util;\
config:dns util;\
message:config spf dkim dmarc dns util;\
daemon:message config milter report dns util;cli:*"

T=$(mktemp -d /tmp/layering-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
rc=0

# check DIR: prints one line per violation in the tree at DIR (run there).
check() {
	(
	cd "$1" || exit 1
	files=""
	for d in $FOLDERS; do
		for f in "$d"/*.c "$d"/*.h; do
			[ -f "$f" ] && files="$files $f"
		done
	done
	# (a) naming: a header is public or *_int.h
	for f in $files; do
		case $f in
		util/*|*_int.h|*.c) ;;
		*)	case " $(echo $PUBLIC) " in
			*" $f "*) ;;
			*)	echo "$f: a header neither public (PUBLIC in" \
				    "tests/system/layering.sh) nor named *_int.h";;
			esac;;
		esac
	done
	# shellcheck disable=SC2086
	awk -v folders="$FOLDERS" -v libs="$LIBS" -v public="$(echo $PUBLIC)" \
	    -v allowed="$ALLOWED" '
	function bad(why) {
		printf "%s:%d: %s\n", FILENAME, FNR, why
	}
	# the line without comments and string or character literals
	# (incomment carries a /* */ comment over lines)
	function strip(s,	out, i, n, c, c2, q) {
		out = ""
		n = length(s)
		i = 1
		while (i <= n) {
			c = substr(s, i, 1)
			c2 = substr(s, i, 2)
			if (incomment) {
				if (c2 == "*/") {
					incomment = 0
					i += 2
				} else
					i++
				continue
			}
			if (c2 == "/*") {
				incomment = 1
				out = out " "
				i += 2
				continue
			}
			if (c2 == "//")
				break
			if (c == "\"" || c == "\047") {
				q = c
				for (i++; i <= n; i++) {
					c = substr(s, i, 1)
					if (c == "\\")
						i++
					else if (c == q)
						break
				}
				out = out q q
				i++
				continue
			}
			out = out c
			i++
		}
		return out
	}
	BEGIN {
		n = split(folders, f, " ")
		for (i = 1; i <= n; i++)
			known[f[i]] = 1
		n = split(libs, f, " ")
		for (i = 1; i <= n; i++)
			lib[f[i]] = 1
		n = split(public, f, " ")
		for (i = 1; i <= n; i++) {
			pub[f[i]] = 1
			d = f[i]
			sub(/\/.*/, "", d)
			pubof[d] = pubof[d] (pubof[d] == "" ? "" : " ") f[i]
		}
		n = split(allowed, f, ";")
		for (i = 1; i <= n; i++) {
			d = f[i]
			sub(/:.*/, "", d)
			to = f[i]
			sub(/^[^:]*:/, "", to)
			mayof[d] = to == "" ? "nothing" : to
			k = split(to, g, " ")
			for (j = 1; j <= k; j++)
				may[d, g[j]] = 1
		}
	}
	FNR == 1 {
		folder = FILENAME
		sub(/\/.*/, "", folder)
		incomment = 0
	}
	{
		was_comment = incomment
		code = strip($0)
	}
	!was_comment && /^[ \t]*#[ \t]*include[ \t]*"/ {
		t = $0
		sub(/^[ \t]*#[ \t]*include[ \t]*"/, "", t)
		sub(/".*/, "", t)
		to = t
		if (sub(/\/.*/, "", to) == 0)
			bad("#include \"" t "\": no folder (write FOLDER/NAME.h)")
		else if (to == folder)
			;
		else if (!(to in known))
			bad("#include \"" t "\": " to "/ is not product code")
		else if (!((folder, to) in may) && !((folder, "*") in may))
			bad("#include \"" t "\": the arrow " folder " -> " to \
			    " must not exist (" folder " may include: " \
			    mayof[folder] ")")
		else if (to != "util" && !(t in pub))
			bad("#include \"" t "\": private to " to "/ (public: " \
			    pubof[to] ")")
	}
	(folder in lib) && (code ~ /(^|[^A-Za-z0-9_])(v?syslog|openlog|log_msg|v?printf|perror|puts|putchar)[ \t]*\(/ ||
	    code ~ /(^|[^A-Za-z0-9_])(stderr|stdout)([^A-Za-z0-9_]|$)/) {
		c = $0
		sub(/^[ \t]+/, "", c)
		bad("the library " folder "/ logs or prints (" c "): return " \
		    "the error instead")
	}
	' $files
	)
}

# --- the checks find what they must, and nothing else ----------------------
S="$T/tree"
for d in $FOLDERS; do mkdir -p "$S/$d"; done
printf '#include "util/strbuf.h"\n' > "$S/util/strbuf.h"
printf '#include "util/strbuf.h"\n#include "dns/dns_int.h"\n' > "$S/dns/dns.h"
printf '#include "dns/dns.h"\n' > "$S/dns/dns_int.h"
cat > "$S/spf/spf.c" <<'EOF'
#include "spf/spf.h"
#include "dns/dns.h"
#include "util/strbuf.h"
/* a comment: #include "dkim/dkim.h", printf("x"), stderr */
	#include "dkim/dkim.h"
EOF
cat > "$S/cli/main.c" <<'EOF'
#include "daemon/daemon.h"
#include "milter/milter.h"
#include "dns/dns_int.h"
EOF
printf '#include "dmarc/dmarc.h"\n' > "$S/dmarc/policy.h"
cat > "$S/milter/mserver.c" <<'EOF'
#include "milter/milter.h"
static const char *s = "fprintf(stderr, \"no\") puts( syslog(";
/*
 * printf("not code");
 */
static int
f(void)
{
	return snprintf(buf, n, "%s", s) + vsnprintf(buf, n, s, ap); // printf(
}
static void
g(void)
{
	fprintf(stderr, "logged\n");
}
EOF
printf '#include "message/message.h"\n' > "$S/report/report.c"
printf 'int x; /* no logging: log_msg( */\n' > "$S/report/report.h"
printf '#include "tests/lib/testzone.h"\n#include "strbuf.h"\n' > "$S/util/strbuf.c"
check "$S" > "$T/planted" || { echo "FAIL: the checker did not run"; exit 1; }
for want in \
    'spf/spf.c:5: #include "dkim/dkim.h": the arrow spf -> dkim must not exist' \
    'cli/main.c:3: #include "dns/dns_int.h": private to dns/ (public: dns/dns.h)' \
    'dmarc/policy.h: a header neither public' \
    'milter/mserver.c:14: the library milter/ logs or prints (fprintf(stderr, "logged\n");)' \
    'report/report.c:1: #include "message/message.h": the arrow report -> message must not exist' \
    'util/strbuf.c:1: #include "tests/lib/testzone.h": tests/ is not product code' \
    'util/strbuf.c:2: #include "strbuf.h": no folder'; do
	grep -qF "$want" "$T/planted" || {
		echo "FAIL: planted violation not reported: $want"
		rc=1
	}
done
if [ "$(wc -l < "$T/planted")" -ne 7 ]; then
	echo "FAIL: the planted tree gives $(wc -l < "$T/planted") reports, want 7:"
	cat "$T/planted"
	rc=1
fi
[ "$rc" = 0 ] && echo "ok   planted violations (private header, wrong arrow, naming, a library printing, outside include) are reported, look-alikes in comments and strings are not"

# --- the tree ----------------------------------------------------------------
[ -d util ] && [ -d milter ] && [ -f Makefile ] ||
    { echo "FAIL: run from the top of the tree"; exit 1; }
check . > "$T/tree.out" || { echo "FAIL: the checker did not run on the tree"; exit 1; }
if [ -s "$T/tree.out" ]; then
	sed 's/^/FAIL: /' "$T/tree.out"
	rc=1
else
	n=$(cat $(for d in $FOLDERS; do ls "$d"/*.c "$d"/*.h; done) |
	    grep -c '^[[:space:]]*#[[:space:]]*include[[:space:]]*"')
	echo "ok   $n #include lines in $FOLDERS: no private header across folders, no wrong arrow; the libraries never log"
fi
[ "$rc" = 0 ] && echo "PASS: layering"
exit "$rc"
