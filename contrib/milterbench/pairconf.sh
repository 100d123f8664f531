# contrib/milterbench/pairconf.sh - the incumbents' configuration, shared by
# run.sh (warm DNS) and cold.sh (cold DNS). Sourced, not run.
#
#   pair_conf DIR
#       writes DIR/opendkim.conf (verify mode, its libunbound asking
#       127.0.0.1, socket DIR/opendkim.sock) and DIR/opendmarc.conf
#       (SPFSelfValidate, the PSL, socket DIR/opendmarc.sock); both run in
#       the foreground without syslog, as run.sh and cold.sh start them.
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
