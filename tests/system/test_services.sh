#!/bin/sh
# tests/system/test_services.sh - `make test-deps` leaves no server running
# or enabled that nobody asked for (.ci/test-services):
#   - make test-deps asks which of postgresql / nsd are new before apt-get
#     and quiets exactly those after it (make -n);
#   - `new` lists a service only when its package is not installed (a
#     dpkg-query on PATH that answers for the two packages);
#   - `quiet --root DIR` really disables enabled units, with the real
#     systemctl on a unit tree of its own (the host is not touched).
# Needs systemctl (skipped without).
set -u
T=$(mktemp -d /tmp/test-services.XXXXXX)
trap 'rm -rf "$T"' EXIT
rc=0
bad() { echo "FAIL: $*"; rc=1; }
command -v systemctl >/dev/null 2>&1 || { echo "skipped: no systemctl"; exit 77; }

# the Makefile: new ones before the install, quiet after it
make -s -n test-deps > "$T/make" 2>&1 || bad "make -n test-deps: $(cat "$T/make")"
awk '/test-services new/ { n = NR } /apt-get install/ { i = NR }
    /test-services quiet \$new/ { q = NR }
    END { exit !(n && i && q && n <= i && i <= q) }' "$T/make" ||
    bad "make test-deps does not run .ci/test-services new / quiet around apt-get: $(cat "$T/make")"

# new: the services whose package is not installed
mkdir "$T/bin"
cat > "$T/bin/dpkg-query" <<'EOF'
#!/bin/sh
# installed: only the packages named in $INSTALLED
for a; do p=$a; done
case " $INSTALLED " in *" $p "*) printf 'install ok installed' ;; *) exit 1 ;; esac
EOF
chmod +x "$T/bin/dpkg-query"
new() { INSTALLED=$1 PATH="$T/bin:$PATH" sh .ci/test-services new | tr '\n' ' '; }
[ "$(new '')" = "postgresql nsd " ] || bad "new, nothing installed: '$(new '')'"
[ "$(new 'nsd')" = "postgresql " ] || bad "new, nsd installed: '$(new 'nsd')'"
[ "$(new 'postgresql-common nsd')" = "" ] ||
    bad "new, both installed: '$(new 'postgresql-common nsd')'"

# quiet: enabled units end disabled (a tree of their own, real systemctl)
R=$T/root
mkdir -p "$R/lib/systemd/system" "$R/etc/systemd/system"
for s in nsd postgresql; do
	printf '[Unit]\nDescription=%s\n[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n' \
	    "$s" > "$R/lib/systemd/system/$s.service"
done
systemctl --root="$R" --quiet enable nsd.service postgresql.service 2>/dev/null
[ "$(systemctl --root="$R" is-enabled nsd.service)" = enabled ] ||
    { echo "skipped: systemctl --root cannot enable a unit here"; exit 77; }
sh .ci/test-services quiet --root "$R" nsd postgresql > "$T/quiet" 2>&1 ||
    bad "quiet failed: $(cat "$T/quiet")"
for s in nsd postgresql; do
	st=$(systemctl --root="$R" is-enabled "$s.service" 2>&1)
	[ "$st" = disabled ] || bad "$s is '$st' after quiet, want disabled"
done
[ -z "$(find "$R/etc" -type l)" ] || bad "links left: $(find "$R/etc" -type l)"
[ "$rc" = 0 ] && echo "PASS: test-deps stops and disables the postgresql and nsd it installed, and only those"
exit "$rc"
