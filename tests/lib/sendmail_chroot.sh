# tests/lib/sendmail_chroot.sh - a Debian 12 chroot with Sendmail in it,
# for the Sendmail end-to-end test (tests/e2e/e2e_sendmail.sh). Sourced,
# not run (tests/lib/ is not searched for tests).
#
# Sendmail and Postfix cannot both be installed (the postfix package
# Conflicts with mail-transport-agent), so Sendmail lives in a chroot built
# with debootstrap; the host keeps its Postfix. Recipe and facts:
# ../shared/notes/sendmail-test-instance.md.
#
# The caller sets SMC_LIB to this file's path before sourcing it (the
# build re-reads it inside a private mount namespace).
#
#   smc_why_not
#       prints why the chroot cannot be built or used here (not root, no
#       debootstrap, unshare or chroot, no bookworm mirror in the apt
#       sources) and returns 1; returns 0 silently when it can.
#
#   smc_mirror
#       prints the host's Debian mirror for bookworm: the first "deb" line
#       naming bookworm in /etc/apt/sources.list or sources.list.d/*.list,
#       else the first deb822 stanza (sources.list.d/*.sources) whose
#       Suites name bookworm.
#
#   smc_ensure ROOT LOG
#       makes ROOT a ready chroot (minbase bookworm + sendmail-bin,
#       sendmail-cf, m4), reusing it when ROOT/.smc-ready holds the current
#       recipe (SMC_RECIPE); else builds it in ROOT.new and renames it. The
#       host's apt proxy settings are copied in. Every mount made during
#       the build is in a private mount namespace (unshare --mount), so
#       nothing stays mounted on the host whatever happens. Output goes to
#       LOG. Sets SMC_BUILT=1 when it built (0 when reused) and
#       SMC_SECONDS to the time it took. Returns 1 on failure (LOG says why).
#
#   smc_mounts ROOT
#       (inside a private mount namespace only) mounts /proc, a tmpfs /dev
#       with null, zero, random, urandom and tty, devpts and /dev/shm in
#       ROOT: what sendmail and apt need.

# Bump when the recipe changes: an older cached chroot is rebuilt.
SMC_RECIPE="bookworm minbase; sendmail-bin sendmail-cf m4; recipe 1"
SMC_PACKAGES="sendmail-bin sendmail-cf m4"

smc_why_not() {
	if [ "$(id -u)" != 0 ]; then
		echo "not root (debootstrap, chroot and unshare need root; CI runs as root)"
		return 1
	fi
	for _t in debootstrap unshare chroot ip; do
		if ! command -v "$_t" >/dev/null 2>&1 &&
		    [ ! -x "/usr/sbin/$_t" ]; then
			echo "$_t is missing (apt-get install debootstrap util-linux iproute2)"
			return 1
		fi
	done
	if [ -z "$(smc_mirror)" ]; then
		echo "no bookworm mirror found in the host's apt sources"
		return 1
	fi
	return 0
}

smc_mirror() {
	{
		cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		    awk '$1 == "deb" && / bookworm / {
			for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit }
		    }'
		cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		    awk 'BEGIN { RS = ""; FS = "\n" }
			 {
			   uri = ""; suites = ""; deb = 0
			   for (i = 1; i <= NF; i++) {
			     if ($i ~ /^Types:/ && ($i " ") ~ /[ \t]deb[ \t]/) deb = 1
			     if ($i ~ /^URIs:/) { uri = $i; sub(/^URIs:[ \t]*/, "", uri); sub(/[ \t].*/, "", uri) }
			     if ($i ~ /^Suites:/) suites = $i
			   }
			   if (deb && uri != "" && suites ~ /[ \t]bookworm([ \t]|$)/) { print uri; exit }
			 }'
	} | head -1
}

smc_mounts() {
	_r=$1
	mount -t proc proc "$_r/proc" &&
	mount -t tmpfs -o mode=755,size=16m tmpfs "$_r/dev" &&
	mknod -m 666 "$_r/dev/null" c 1 3 &&
	mknod -m 666 "$_r/dev/zero" c 1 5 &&
	mknod -m 666 "$_r/dev/random" c 1 8 &&
	mknod -m 666 "$_r/dev/urandom" c 1 9 &&
	mknod -m 666 "$_r/dev/tty" c 5 0 &&
	mkdir -p "$_r/dev/pts" "$_r/dev/shm" &&
	mount -t devpts -o newinstance,ptmxmode=0666 devpts "$_r/dev/pts" &&
	ln -s pts/ptmx "$_r/dev/ptmx" &&
	mount -t tmpfs -o mode=1777,size=16m tmpfs "$_r/dev/shm"
}

smc_ensure() {
	_root=$1 _log=$2
	_t0=$(date +%s)
	SMC_BUILT=0
	if [ -f "$_root/.smc-ready" ] &&
	    [ "$(cat "$_root/.smc-ready")" = "$SMC_RECIPE" ]; then
		SMC_SECONDS=$(($(date +%s) - _t0))
		return 0
	fi
	_mirror=$(smc_mirror)
	_new=$_root.new
	rm -rf "$_new" "$_root"
	mkdir -p "$(dirname "$_root")"
	{
		echo "== debootstrap --variant=minbase bookworm $_new $_mirror"
		# debootstrap mounts /proc and /sys in the target itself: a
		# private mount namespace keeps them off the host's table
		unshare --mount --fork debootstrap --variant=minbase bookworm \
		    "$_new" "$_mirror"
	} > "$_log" 2>&1 || { echo "debootstrap failed" >> "$_log"; return 1; }
	# the host's apt proxy (if any), and no service starts at install
	apt-config dump 2>/dev/null | grep -i 'proxy' \
	    > "$_new/etc/apt/apt.conf.d/01proxy-from-host"
	printf '#!/bin/sh\nexit 101\n' > "$_new/usr/sbin/policy-rc.d"
	chmod 755 "$_new/usr/sbin/policy-rc.d"
	cp /etc/resolv.conf "$_new/etc/resolv.conf" 2>/dev/null
	cat > "$_new/smc-install.sh" <<EOF
#!/bin/sh
set -e
export DEBIAN_FRONTEND=noninteractive LC_ALL=C
apt-get update -qq
apt-get install -y -qq --no-install-recommends $SMC_PACKAGES
apt-get clean
rm -rf /var/lib/apt/lists/*
EOF
	chmod 755 "$_new/smc-install.sh"
	{
		echo "== apt-get install $SMC_PACKAGES (in the chroot)"
		unshare --mount --fork sh -c '
			. "$1" && smc_mounts "$2" && chroot "$2" /smc-install.sh' \
		    sh "$SMC_LIB" "$_new"
	} >> "$_log" 2>&1 || { echo "apt-get install in the chroot failed" >> "$_log"; return 1; }
	rm -f "$_new/smc-install.sh"
	echo "$SMC_RECIPE" > "$_new/.smc-ready"
	mv "$_new" "$_root" || return 1
	SMC_BUILT=1
	SMC_SECONDS=$(($(date +%s) - _t0))
	return 0
}
