# tests/lib/arc.sh - the start of the ARC tests run by `authmilter check`
# (tests/message/arc_forward.sh, arc_seal_wire.sh). Sourced, not run:
# needs $AUTHMILTER, dkimpy and openssl (exit 77 without them), sets PY,
# makes the temp dir $T (removed at exit) and fail(), and writes the
# fixtures of tests/lib/arc_fixtures.py in $T (keys mode 0600).
set -eu
: "${AUTHMILTER:?}"
PY=/usr/bin/python3
$PY -c 'import dkim; dkim.arc_sign' 2>/dev/null || { echo "SKIP: no dkimpy"; exit 77; }
command -v openssl >/dev/null 2>&1 || { echo "SKIP: no openssl"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
$PY tests/lib/arc_fixtures.py "$T" || fail "fixtures"
chmod 600 "$T"/*.pem
