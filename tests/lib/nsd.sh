# tests/lib/nsd.sh - serving signed zones from a private nsd on loopback,
# for the DNSSEC script tests (dnssec.sh, dkim_dnssec.sh, dns_faults.sh).
# Sourced, not run (tests/lib/ is not searched for tests). The caller
# defines fail().
#
#   free_udp_port
#       prints a UDP port on 127.0.0.1 that is free now.
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
