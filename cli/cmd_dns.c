/*
 * cli/cmd_dns.c - `authmilter dns [--json] [DNS flags] NAME TYPE`: one
 * lookup through authmilter's own resolver, for operators and script tests.
 *
 * TYPE is A, AAAA, MX, TXT or PTR (any case). For PTR, NAME may be an IPv4
 * or IPv6 address; the reverse name is built from it. The output gives the
 * status, DNSSEC state, TTL, RCODE, the reason of a failure and the records
 * (TXT as quoted character-strings, with \" \\ and \DDD escapes). --json
 * prints one object instead:
 *   {"name","type","status","dnssec","ttl","rcode","why","records":[...]}
 * where A/AAAA/PTR records are strings, MX records {"preference","host"}
 * and TXT records {"text","strings":[...]} (octets outside printable ASCII
 * and '\' written \DDD / \\), and rcode is null when none was received
 * (dnssec too when no answer came at all, a timeout). The text output
 * gives a temporary failure no DNSSEC state ("dnssec: none (no answer
 * came)", or "none (no usable answer)" for SERVFAIL, REFUSED...; bogus
 * stays bogus) and, for a timeout or SERVFAIL, a hint on the resolver's
 * reach.
 * Exit: 0 the lookup completed (whatever its status), 1 the resolver could
 * not be built, 2 bad usage.
 */
#include "cli/cli.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clean.h"
#include "util/strbuf.h"

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: authmilter dns [--json] [DNS options] NAME TYPE\n"
	    "  TYPE is A, AAAA, MX, TXT or PTR; for PTR, NAME may be an IP address.\n"
	    "  -j, --json   print one JSON object\n"
	    "  -h, --help   this text\n\n%s", cli_dns_usage());
}

/* Octets in presentation form; quotes escaped too when `quote`. */
static void
put_escaped(strbuf *sb, const char *p, size_t n, int quote)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)p[i];
		if (c == '\\' || (quote && c == '"'))
			sb_printf(sb, "\\%c", c);
		else if (!clean_is(c, CLEAN_PRINT))
			sb_printf(sb, "\\%03u", c);
		else
			sb_putc(sb, c);
	}
}

/* One record as text (JSON strings for A/AAAA/PTR use the same form). */
static void
record_text(strbuf *sb, const dns_record *r)
{
	char ip[INET6_ADDRSTRLEN];
	size_t i, off = 0;

	switch (r->type) {
	case DNS_T_A:
		sb_puts(sb, inet_ntop(AF_INET, &r->u.a, ip, sizeof(ip)));
		break;
	case DNS_T_AAAA:
		sb_puts(sb, inet_ntop(AF_INET6, &r->u.aaaa, ip, sizeof(ip)));
		break;
	case DNS_T_MX:
		sb_printf(sb, "%u %s", r->u.mx.preference, r->u.mx.host);
		break;
	case DNS_T_PTR:
		sb_puts(sb, r->u.ptr);
		break;
	case DNS_T_TXT:
		for (i = 0; i < r->u.txt.nstrings; i++) {
			sb_puts(sb, i ? " \"" : "\"");
			put_escaped(sb, r->u.txt.text + off, r->u.txt.lens[i], 1);
			sb_putc(sb, '"');
			off += r->u.txt.lens[i];
		}
		break;
	}
}

static json_t *
json_escaped(const char *p, size_t n)
{
	strbuf sb;
	json_t *j;

	sb_init(&sb);
	put_escaped(&sb, p, n, 0);
	j = json_string(sb.s);
	sb_free(&sb);
	return j;
}

static json_t *
record_json(const dns_record *r)
{
	json_t *o, *arr;
	strbuf sb;
	size_t i, off = 0;

	switch (r->type) {
	case DNS_T_MX:
		return json_pack("{s:i,s:s}", "preference", (int)r->u.mx.preference,
		    "host", r->u.mx.host);
	case DNS_T_TXT:
		arr = json_array();
		for (i = 0; i < r->u.txt.nstrings; i++) {
			json_array_append_new(arr,
			    json_escaped(r->u.txt.text + off, r->u.txt.lens[i]));
			off += r->u.txt.lens[i];
		}
		o = json_object();
		json_object_set_new(o, "text",
		    json_escaped(r->u.txt.text, r->u.txt.len));
		json_object_set_new(o, "strings", arr);
		return o;
	default:
		sb_init(&sb);
		record_text(&sb, r);
		o = json_string(sb.s);
		sb_free(&sb);
		return o;
	}
}

/* No answer came (a timeout, or libunbound could not ask): there is no
 * DNSSEC state to give, and the resolver's reach is what to look at. */
static int
no_answer(const dns_answer *a)
{
	return a->status == DNS_TEMPFAIL && a->rcode < 0 &&
	    a->sec != DNS_SEC_BOGUS;
}

static int
print_json(const char *name, dns_type t, const dns_answer *a)
{
	json_t *o = json_object(), *recs = json_array();
	char *s;
	size_t i;

	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "type", json_string(dns_type_name(t)));
	json_object_set_new(o, "status", json_string(dns_status_name(a->status)));
	json_object_set_new(o, "dnssec", no_answer(a) ? json_null() :
	    json_string(dns_sec_name(a->sec)));
	json_object_set_new(o, "ttl", json_integer(a->ttl));
	json_object_set_new(o, "rcode",
	    a->rcode >= 0 ? json_integer(a->rcode) : json_null());
	json_object_set_new(o, "why", json_escaped(a->why, strlen(a->why)));
	for (i = 0; i < a->count; i++)
		json_array_append_new(recs, record_json(&a->records[i]));
	json_object_set_new(o, "records", recs);
	s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s == NULL)
		return -1;
	puts(s);
	free(s);
	return 0;
}

static void
print_text(const char *name, dns_type t, const dns_answer *a)
{
	strbuf sb;
	size_t i;

	printf("name:   %s\ntype:   %s\nstatus: %s\ndnssec: %s\nttl:    %u\n",
	    name, dns_type_name(t), dns_status_name(a->status),
	    no_answer(a) ? "none (no answer came)" : a->status ==
	    DNS_TEMPFAIL && a->sec != DNS_SEC_BOGUS ? "none (no usable answer)" :
	    dns_sec_name(a->sec),
	    a->ttl);
	if (a->rcode >= 0)
		printf("rcode:  %d\n", a->rcode);
	if (a->why[0] != '\0')
		printf("why:    %s\n", a->why);
	if (no_answer(a) || (a->status == DNS_TEMPFAIL && a->rcode == 2))
		printf("hint:   the resolver got %s: its servers (the root "
		    "name servers, or --dns-forward's) may not be reachable "
		    "from here; offline, set --dns-forward ADDR@PORT "
		    "(dns_forward = ADDR@PORT) to a resolver this host can "
		    "reach\n", no_answer(a) ? "no answer" :
		    "SERVFAIL (also its word for servers it cannot reach)");
	for (i = 0; i < a->count; i++) {
		sb_init(&sb);
		record_text(&sb, &a->records[i]);
		printf("%-6s  %s\n", dns_type_name(t), sb.s);
		sb_free(&sb);
	}
}

int
cmd_dns(int argc, char **argv)
{
	dns_config cfg;
	dns_resolver *r;
	dns_answer *a;
	dns_type t;
	unsigned char addr[sizeof(struct in6_addr)];
	char rev[80];
	const char *name;
	int first, json = 0, rc;
	const opt_spec spec[] = {
		{ "json", 'j', OPT_NOARG, 0, NULL, &json },
		{ "help", 'h', OPT_NOARG, CLI_OPT_HELP, NULL, NULL },
		CLI_DNS_OPTS,
		OPT_END,
	};
	static const cli_usage u = { usage };

	memset(&cfg, 0, sizeof(cfg));
	rc = cli_options(argc, argv, spec, cli_dns_flag, &cfg, &u, &first);
	if (rc != CLI_PARSED)
		return rc;
	rc = CLI_EXIT_OK;
	if (argc - first != 2) {
		cli_err("a NAME and a TYPE are required\n");
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	name = argv[first];
	if (dns_type_from_name(argv[first + 1], &t) != 0) {
		cli_err("unknown type '%s'\n", argv[first + 1]);
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (t == DNS_T_PTR) {
		if (inet_pton(AF_INET, name, addr) == 1)
			dns_reverse_name(AF_INET, addr, rev, sizeof(rev)), name = rev;
		else if (inet_pton(AF_INET6, name, addr) == 1)
			dns_reverse_name(AF_INET6, addr, rev, sizeof(rev)), name = rev;
	}
	if ((r = cli_dns_resolver(&cfg)) == NULL)
		return CLI_EXIT_FAILURE;
	a = dns_lookup(r, name, t);
	if (json) {
		if (print_json(name, t, a) != 0) {
			cli_err("cannot format JSON\n");
			rc = CLI_EXIT_FAILURE;
		}
	} else
		print_text(name, t, a);
	if (fflush(stdout) != 0)
		rc = CLI_EXIT_FAILURE;
	dns_answer_free(a);
	dns_resolver_free(r);
	return rc;
}
