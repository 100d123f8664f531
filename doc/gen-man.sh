#!/bin/sh
# doc/gen-man.sh - regenerate the generated parts of the documentation from
# the config table: the KEYS section of doc/authmilter.conf.5 (between the
# GENERATED markers, from `authmilter config --man`) and
# contrib/authmilter.conf (`authmilter config --defaults`).
#   sh doc/gen-man.sh [path/to/authmilter]
# tests/system/docs.sh checks both are up to date.
set -eu
AM=${1:-./authmilter}
out=doc/authmilter.conf.5
tmp=$(mktemp)
"$AM" config --man > "$tmp.keys"
awk -v keys="$tmp.keys" '
	/^\.\\" BEGIN GENERATED/ { print; while ((getline l < keys) > 0) print l; skip = 1; next }
	/^\.\\" END GENERATED/ { skip = 0 }
	!skip { print }' "$out" > "$tmp"
mv "$tmp" "$out"
rm -f "$tmp.keys"
"$AM" config --defaults > contrib/authmilter.conf
