# tests/lib/nsd.sh - serving signed zones from a private nsd on loopback,
# for the DNSSEC script tests (dnssec.sh, dkim_dnssec.sh, dns_faults.sh).
# Sourced, not run (tests/lib/ is not searched for tests). The caller
# defines fail().
#
#   free_udp_port
#       prints a UDP port on 127.0.0.1 that is free now.
#
#   nsd_zone DIR NAME BODY
#       writes DIR/NAME.zone: $ORIGIN NAME., $TTL 300, the apex SOA and NS
#       (ns.NAME., at 127.0.0.1), then BODY (master-file lines).
#
#   nsd_sign DIR NAME [LDNS-SIGNZONE-OPTION...]
#       signs DIR/NAME.zone with a new ECDSAP256SHA256 key into
#       DIR/NAME.zone.signed and puts the key's DS record in DIR/NAME.ds
#       (the trust anchor); fail() when ldns-keygen or ldns-signzone fails.
#
#   nsd_serve DIR PORT PROBE ZONE...
#       writes DIR/nsd.conf serving each ZONE from DIR/ZONE.zone.signed on
#       127.0.0.1:PORT, starts nsd in the foreground in the background
#       (NSD_PID; output in DIR/nsd.out) and waits until it answers the SOA
#       of PROBE (5 s at most, fail() otherwise). The caller kills NSD_PID.

nsd_serve() {
	_dir=$1 _port=$2 _probe=$3
	shift 3
	{
		cat <<NSDEOF
server:
    ip-address: 127.0.0.1@$_port
    port: $_port
    username: ""
    chroot: ""
    zonesdir: "$_dir"
    database: ""
    zonelistfile: "$_dir/zone.list"
    xfrdfile: "$_dir/xfrd.state"
    xfrdir: "$_dir"
    pidfile: "$_dir/nsd.pid"
    logfile: "$_dir/nsd.log"
    server-count: 1
    verbosity: 1
remote-control:
    control-enable: no
NSDEOF
		for _z in "$@"; do
			printf 'zone:\n    name: "%s"\n    zonefile: "%s.zone.signed"\n' \
			    "$_z" "$_z"
		done
	} > "$_dir/nsd.conf"
	nsd -d -c "$_dir/nsd.conf" > "$_dir/nsd.out" 2>&1 &
	NSD_PID=$!
	_i=0
	until drill -p "$_port" @127.0.0.1 "$_probe" SOA 2>/dev/null |
	    grep -q 'rcode: NOERROR'; do
		_i=$((_i + 1))
		[ $_i -gt 50 ] && fail "nsd did not come up on port $_port: $(cat "$_dir/nsd.out")"
		kill -0 "$NSD_PID" 2>/dev/null || fail "nsd exited: $(cat "$_dir/nsd.out")"
		sleep 0.1
	done
}

free_udp_port() {
	/usr/bin/python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

nsd_zone() {
	cat > "$1/$2.zone" <<NSDEOF
\$ORIGIN $2.
\$TTL 300
@ IN SOA ns.$2. hostmaster.$2. 1 3600 600 86400 300
@ IN NS ns.$2.
ns IN A 127.0.0.1
$3
NSDEOF
}

nsd_sign() {
	_dir=$1 _name=$2
	shift 2
	(cd "$_dir" && ldns-keygen -a ECDSAP256SHA256 -k "$_name" > "$_name.keyname") ||
	    fail "ldns-keygen $_name"
	_key=$(cat "$_dir/$_name.keyname")
	(cd "$_dir" && ldns-signzone "$@" -f "$_name.zone.signed" "$_name.zone" "$_key") ||
	    fail "ldns-signzone $_name"
	cp "$_dir/$_key.ds" "$_dir/$_name.ds"
}
