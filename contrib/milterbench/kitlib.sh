# contrib/milterbench/kitlib.sh - shell helpers shared by run.sh (warm DNS),
# cold.sh (cold DNS) and postfix.sh (through Postfix). Sourced, not run; the caller defines die().
#
#   kit_prepare TAG PACKAGE...
#       installs the missing Debian packages (apt-get, root; TAG names the
#       caller in messages) and builds the kit's programs into
#       $BUILD/milterbench/.
#
#   kit_corpus TAG DIR STAMP GENERATOR COUNT SEED
#       runs GENERATOR (a corpus generator of this directory) into DIR unless
#       DIR/stamp already says STAMP.
#
#   kit_unbound_conf DIR ZONEFILE
#       writes DIR/unbound.conf: unbound on 127.0.0.1:53 serving ZONEFILE
#       as auth-zone "." (no recursion beyond it), pid and log in DIR.
#
#   pair_conf DIR
#       writes DIR/opendkim.conf (verify mode, its libunbound asking
#       127.0.0.1, socket DIR/opendkim.sock) and DIR/opendmarc.conf
#       (SPFSelfValidate, the PSL, socket DIR/opendmarc.sock); both run in
#       the foreground without syslog, as run.sh and cold.sh start them.
kit_unbound_conf() {
	cat > "$1/unbound.conf" <<UBEOF
server:
    interface: 127.0.0.1
    port: 53
    username: ""
    chroot: ""
    directory: "$1"
    pidfile: "$1/unbound.pid"
    use-syslog: no
    logfile: "$1/unbound.log"
    num-threads: 1
    do-not-query-localhost: no
    access-control: 127.0.0.0/8 allow
    module-config: "iterator"
    verbosity: 0
auth-zone:
    name: "."
    zonefile: "$2"
    for-downstream: yes
    for-upstream: yes
    fallback-enabled: no
UBEOF
}

pair_conf() {
	cat > "$1/opendkim.conf" <<PAIREOF
Mode                 v
Socket               local:$1/opendkim.sock
PidFile              $1/opendkim.pid
Nameservers          127.0.0.1
AuthservID           bench.test
AlwaysAddARHeader    yes
Syslog               no
Background           no
UMask                000
PAIREOF
	cat > "$1/opendmarc.conf" <<PAIREOF
Socket               local:$1/opendmarc.sock
PidFile              $1/opendmarc.pid
AuthservID           bench.test
TrustedAuthservIDs   bench.test
SPFSelfValidate      true
SPFIgnoreResults     true
PublicSuffixList     /usr/share/publicsuffix/public_suffix_list.dat
FailureReports       false
RejectFailures       false
Syslog               false
Background           false
UMask                000
PAIREOF
}

kit_prepare() {
	_tag=$1
	shift
	_missing=""
	for _p in "$@"; do
		dpkg -s "$_p" >/dev/null 2>&1 || _missing="$_missing $_p"
	done
	if [ -n "$_missing" ]; then
		echo "$_tag: installing benchmark packages:$_missing"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		    --no-install-recommends $_missing >/dev/null ||
		    die "apt-get install$_missing failed"
	fi
	make -s -f contrib/milterbench/Makefile BUILD="$BUILD" || die "build failed"
}

kit_corpus() {
	[ "$(cat "$2/stamp" 2>/dev/null)" = "$3" ] && return 0
	echo "$1: generating $5 messages (seed $6, $4)"
	rm -rf "$2"
	/usr/bin/python3 "contrib/milterbench/$4" -o "$2" -n "$5" --seed "$6" ||
	    die "corpus generation failed"
	echo "$3" > "$2/stamp"
}
