# tests/lib/keyzone.sh - signing keys and the zone that publishes them,
# for the cross-checks of our signer and sealer against other verifiers
# (tests/dkim/sign_crosscheck.sh, tests/dkim/arc_seal_crosscheck.sh,
# tests/dkim/dkim_crosscheck.sh).
# Sourced, not run; works in the current directory; uses $PY.
#
#   kz_rsa FILE
#       a new RSA-2048 key (PKCS#8 PEM) in FILE, mode 600; prints its
#       public key as a DKIM p= value (base64 of the DER
#       SubjectPublicKeyInfo, RFC 6376 3.6.1).
#
#   kz_ed FILE
#       a new Ed25519 key in FILE, mode 600; prints its p= value (base64
#       of the raw 32-octet public key, RFC 8463 4).
#
#   kz_zone [NAME=RECORD...]
#       writes ./zone, a root zone file for --dns-zone with each NAME's
#       TXT RECORD (in strings of 250 octets), and ./recs.json, the same
#       as {NAME: RECORD} for the other verifiers' DNS hooks (dkimpy's
#       dnsfunc, Mail::DKIM::DNS::query); without arguments, the zone of
#       the records an existing ./recs.json holds.

kz_rsa() {
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$1" 2>/dev/null
	chmod 600 "$1"
	openssl pkey -in "$1" -pubout -outform DER | base64 | tr -d '\n'
}

kz_ed() {
	openssl genpkey -algorithm ED25519 -out "$1"
	chmod 600 "$1"
	openssl pkey -in "$1" -pubout -outform DER | tail -c 32 | base64 |
	    tr -d '\n'
}

kz_zone() {
	$PY - "$@" <<'PYEOF'
import json, sys
recs = (dict(a.split("=", 1) for a in sys.argv[1:]) if len(sys.argv) > 1
    else json.load(open("recs.json")))
with open("zone", "w") as z:
    z.write(". 3600 IN SOA ns.invalid. h.invalid. 1 3600 600 86400 300\n. 3600 IN NS ns.invalid.\n")
    for n, t in recs.items():
        parts = [t[i:i + 250] for i in range(0, len(t), 250)]
        z.write(n + ". 300 IN TXT " + " ".join('"%s"' % p for p in parts) + "\n")
json.dump(recs, open("recs.json", "w"))
PYEOF
}
