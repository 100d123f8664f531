# tests/lib/deb_chroot.sh - a fresh Debian 12 (minbase bookworm) chroot
# for the package tests (tests/system/deb.sh, systemd_boot.sh), and the
# package built by `make deb`. Sourced, not run (tests/lib/ is not searched
# for tests). The caller sets SRC (the source tree), BUILD (absolute), T
# (its temp dir, under $BUILD: the chroot is big) and defines skip() (exit
# 77 with a reason) and fail().
#
#   dch_need TOOL...
#       skip()s unless root, not a sanitizer build, and every TOOL (and
#       debootstrap, unshare, chroot, dpkg-deb, dpkg-shlibdeps, tar) is
#       there.
#
#   dch_deb
#       runs `make deb` and sets DEB to the package's path.
#
#   dch_root
#       makes $R ($T/root) a fresh chroot: the cached tarball
#       $BUILD/deb-chroot/bookworm-minbase.tar.gz unpacked, or built first
#       (debootstrap from the host's bookworm mirror, else
#       deb.debian.org; apt lists fetched and kept, so a warm run needs no
#       network; skip() when the mirror cannot be reached). Packages
#       apt-get downloads are kept in $BUILD/deb-chroot/archives.
#
#   dch_run SCRIPT
#       runs the shell SCRIPT in $R as root (DEBIAN_FRONTEND=noninteractive),
#       /proc and /dev mounted and the package cache bound, in a private
#       mount namespace (nothing stays mounted on the host); output appended
#       to $T/log; returns SCRIPT's status.
#
#   dch_install PACKAGE...
#       dch_run 'apt-get install -y PACKAGE...' in /tmp of the chroot (a
#       ./file.deb copied there first), retried after apt-get update when
#       the cached lists name versions the mirror no longer has.

DCH_RECIPE="bookworm minbase + apt lists; deb_chroot.sh recipe 1"
SMC_LIB=$SRC/tests/lib/sendmail_chroot.sh
. "$SMC_LIB"	# smc_mirror, smc_mounts
DCH_CACHE=$BUILD/deb-chroot
R=$T/root

dch_need() {
	[ "$(id -u)" = 0 ] || skip "not root (debootstrap, chroot and dpkg in the chroot need root)"
	for _t in debootstrap unshare chroot dpkg-deb dpkg-shlibdeps tar "$@"; do
		command -v "$_t" >/dev/null 2>&1 || [ -x "/usr/sbin/$_t" ] ||
		    skip "$_t is missing (apt-get install debootstrap dpkg-dev systemd-container)"
	done
	if ldd "$BUILD/authmilter" 2>/dev/null | grep -q 'libasan\|libubsan'; then
		skip "$BUILD/authmilter is a sanitizer build (make sanitize): not packaged"
	fi
	return 0
}

dch_deb() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$SRC" deb BUILD="$BUILD" \
	    > "$T/make.log" 2>&1 || { cat "$T/make.log"; fail "make deb"; }
	DEB=$(ls "$BUILD"/deb/authmilter_*.deb 2>/dev/null | head -1)
	[ -n "$DEB" ] || fail "make deb made no .deb"
}

dch_run() {
	printf '#!/bin/sh\nexport DEBIAN_FRONTEND=noninteractive LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin\n%s\n' "$1" > "$R/step.sh"
	chmod 755 "$R/step.sh"
	unshare --mount --fork sh -c '. "$1" && smc_mounts "$2" &&
	    mount --bind "$3" "$2/var/cache/apt/archives" && chroot "$2" /step.sh' \
	    sh "$SMC_LIB" "$R" "$DCH_CACHE/archives" >> "$T/log" 2>&1
	_rc=$?
	rm -f "$R/step.sh"
	return $_rc
}

dch_root() {
	_tar=$DCH_CACHE/bookworm-minbase.tar.gz
	mkdir -p "$DCH_CACHE/archives/partial"
	if [ ! -f "$_tar" ] || [ "$(cat "$_tar.recipe" 2>/dev/null)" != "$DCH_RECIPE" ]; then
		_mirror=$(smc_mirror)
		[ -n "$_mirror" ] || _mirror=http://deb.debian.org/debian
		/usr/bin/python3 -c 'import sys, urllib.request
urllib.request.urlopen(sys.argv[1] + "/dists/bookworm/Release", timeout=20).read(1)' \
		    "$_mirror" 2>/dev/null ||
		    skip "no network to the Debian mirror $_mirror (needed once, to build the chroot)"
		_t0=$(date +%s)
		unshare --mount --fork debootstrap --variant=minbase bookworm "$R" "$_mirror" \
		    > "$T/log" 2>&1 || fail "debootstrap --variant=minbase bookworm $_mirror"
		apt-config dump 2>/dev/null | grep -i 'proxy' > "$R/etc/apt/apt.conf.d/01proxy-from-host"
		printf '#!/bin/sh\nexit 101\n' > "$R/usr/sbin/policy-rc.d"	# no service starts
		chmod 755 "$R/usr/sbin/policy-rc.d"
		cp /etc/resolv.conf "$R/etc/resolv.conf" 2>/dev/null
		dch_run 'apt-get update -qq' || fail "apt-get update in the chroot"
		tar -C "$R" -czf "$_tar.tmp" . && mv "$_tar.tmp" "$_tar" &&
		    echo "$DCH_RECIPE" > "$_tar.recipe" || fail "caching the chroot in $_tar"
		echo "ok   built the bookworm chroot in $(($(date +%s) - _t0)) s, cached in $_tar"
	else
		mkdir "$R" && tar -C "$R" -xzf "$_tar" || fail "unpacking $_tar"
	fi
	[ -f "$R/etc/debian_version" ] && grep -q '^12\.' "$R/etc/debian_version" ||
	    fail "not a Debian 12 chroot: $(cat "$R/etc/debian_version" 2>/dev/null)"
}

dch_install() {
	_args=
	for _p; do
		case $_p in
		*.deb) cp "$_p" "$R/tmp/" && _args="$_args ./$(basename "$_p")" ;;
		*) _args="$_args $_p" ;;
		esac
	done
	_cmd="cd /tmp && apt-get install -y -q$_args"
	dch_run "$_cmd" || dch_run "apt-get update -qq && $_cmd"
}
