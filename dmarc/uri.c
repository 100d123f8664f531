/*
 * dmarc/uri.c - the URIs of a DMARC record's rua/ruf tags and the report
 * destination they name.
 *
 *   dmarc_uri_parse()      one dmarc-uri (RFC 9989 4.8, RFC 7489 6.2): an
 *                          RFC 3986 URI, then an optional "!" size with a
 *                          k/m/g/t unit; a mailto: URI must name one
 *                          mailbox (dmarc_mailto_parse).
 *   dmarc_mailto_parse()   a mailto: URI (RFC 6068) as a report
 *                          destination (RFC 9990): its path, percent-
 *                          decoded, is exactly one RFC 5321 mailbox; no
 *                          header field may add recipients.
 *   dmarc_mailbox_parse()  one RFC 5321 4.1.2 Mailbox, Dot-string @ Domain.
 *
 * Contract (dmarc.h): read at most len octets (a NUL is an octet like any
 * other, and refused), never allocate, fill the output only on success,
 * say why on failure without echoing the hostile octets (positions and
 * hex values only). The mailbox handed back is safe as one argument of a
 * sendmail command after "--": printable ASCII, one '@', no blanks.
 *
 * What is refused beyond the grammar, and why: quoted local-parts (a '"'
 * may hide '@' and ',' from one parser and not from the next), address
 * literals (no domain name to verify with _report._dmarc, RFC 9990 4),
 * single-label domains (RFC 5321 2.3.5: only fully qualified names),
 * non-ASCII (SMTPUTF8 is not used for reports), '%' and '!' in the
 * local-part (source routes some MTAs still honour: the mail would leave
 * the verified domain), and to=/cc=/bcc= header fields.
 */
#include "dmarc/dmarc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/domain.h"

/* RFC 5321 4.5.3.1.1: a local-part holds at most 64 octets. */
#define LOCAL_MAX 64

/* Says why (our own words, offsets and octet values: never the hostile
 * text itself) and returns -1. */
static int refuse(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
refuse(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_hex(int c)
{
	return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static int
hexval(int c)
{
	return is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* The character classes of the grammars here, for the octets below 0x80
 * (none above is in any): U an RFC 3986 2 URI character (unreserved,
 * reserved or '%'), A RFC 5322 3.2.3 atext (RFC 5321 4.1.2 Atom). The
 * domain's Let-dig / Ldh-str is util/domain's. */
enum { U = 1, A = 2, UA = U | A };
static const unsigned char char_class[128] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x00 controls */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x10 */
	/* sp !   "  #   $   %   &   '   (  )  *   +   ,  -    .  / */
	0,  UA, 0, UA, UA, UA, UA, UA, U, U, UA, UA, U, UA, U, UA,
	/* 0-9                                       :  ;  <  =   >  ? */
	UA, UA, UA, UA, UA, UA, UA, UA, UA, UA, U, U, 0, UA, 0, UA,
	/* @  A-O */
	U, UA, UA, UA, UA, UA, UA, UA, UA, UA, UA, UA, UA, UA,
	UA, UA,
	/* P-Z                                           [  \  ]  ^  _ */
	UA, UA, UA, UA, UA, UA, UA, UA, UA, UA, UA, U, 0, U, A, UA,
	/* `  a-o */
	A, UA, UA, UA, UA, UA, UA, UA, UA, UA, UA, UA, UA, UA,
	UA, UA,
	/* p-z                                           {  |  }  ~   DEL */
	UA, UA, UA, UA, UA, UA, UA, UA, UA, UA, UA, A, A, A, UA, 0,
};

static int
in_class(int c, int cls)
{
	return c >= 0 && c < 0x80 && (char_class[c] & cls) != 0;
}

/* RFC 3986 2: unreserved / reserved / "%" (the octets a URI may hold). */
static int
uri_char(int c)
{
	return in_class(c, U);
}

/* RFC 5322 3.2.3 atext (RFC 5321 4.1.2 Atom). */
static int
atext(int c)
{
	return in_class(c, A);
}

int
dmarc_mailbox_parse(const char *s, size_t len, dmarc_mailbox *mb, char *why,
    size_t whylen)
{
	const char *at = NULL, *d;
	size_t i, nat = 0, llen, dlen, lab;

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (s == NULL || len == 0)
		return refuse(why, whylen, "empty address");
	if (len > DMARC_MAILBOX_MAX)
		return refuse(why, whylen, "address longer than %d octets "
		    "(RFC 5321 4.5.3.1.3)", DMARC_MAILBOX_MAX);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f)
			return refuse(why, whylen, "control, blank or non-ASCII "
			    "octet 0x%02x at offset %zu of the address", c, i);
		if (c == '@' && nat++ == 0)
			at = s + i;
	}
	if (s[0] == '"')
		return refuse(why, whylen, "quoted local-part: not accepted");
	if (nat == 0)
		return refuse(why, whylen, "no '@' in the address");
	if (nat > 1)
		return refuse(why, whylen, "more than one '@' in the address "
		    "(one mailbox only)");
	llen = (size_t)(at - s);
	d = at + 1;
	dlen = len - llen - 1;
	if (llen == 0)
		return refuse(why, whylen, "empty local-part");
	if (llen > LOCAL_MAX)
		return refuse(why, whylen, "local-part longer than %d octets "
		    "(RFC 5321 4.5.3.1.1)", LOCAL_MAX);
	/* Dot-string = Atom *("." Atom), Atom = 1*atext */
	for (i = 0; i < llen; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (i == 0 || i == llen - 1 || s[i - 1] == '.')
				return refuse(why, whylen, "local-part is not a "
				    "dot-string (stray '.', RFC 5321 4.1.2)");
			continue;
		}
		if (!atext(c))
			return refuse(why, whylen, "octet 0x%02x at offset %zu is "
			    "not allowed in a local-part (RFC 5321 4.1.2)", c, i);
		if (c == '%' || c == '!')
			return refuse(why, whylen, "'%c' in the local-part (a "
			    "source route out of the named domain): refused", c);
	}
	if (dlen == 0)
		return refuse(why, whylen, "empty domain");
	if (d[0] == '[')
		return refuse(why, whylen, "address literal: refused (no "
		    "domain name to verify)");
	if (dlen > DMARC_DOMAIN_MAX)
		return refuse(why, whylen, "domain longer than %d octets",
		    DMARC_DOMAIN_MAX);
	/* Domain = sub-domain *("." sub-domain); sub-domain = Let-dig
	 * [Ldh-str] (RFC 5321 4.1.2); labels of 1..63 octets. */
	switch (domain_check(d, dlen, DOMAIN_LETDIG_ENDS | DOMAIN_FQDN, &i)) {
	case DOMAIN_OK:
		break;
	case DOMAIN_ERR_OCTET:
		/* Read left to right, a label's 64th octet is its fault. */
		for (lab = 0; lab < i && d[i - lab - 1] != '.'; lab++)
			;
		if (lab <= DOMAIN_MAX_LABEL)
			return refuse(why, whylen, "octet 0x%02x at offset %zu "
			    "is not allowed in a domain (RFC 5321 4.1.2)",
			    (unsigned char)d[i], llen + 1 + i);
		/* FALLTHROUGH */
	case DOMAIN_ERR_LONG_LABEL:
		return refuse(why, whylen, "domain label longer than %d "
		    "octets", DOMAIN_MAX_LABEL);
	case DOMAIN_ERR_HYPHEN_START:
		return refuse(why, whylen, "domain label starting with "
		    "'-'");
	case DOMAIN_ERR_ONE_LABEL:
		return refuse(why, whylen, "domain is not fully qualified "
		    "(RFC 5321 2.3.5)");
	default:
		return refuse(why, whylen, "domain has an empty label or one "
		    "ending in '-'");
	}
	memcpy(mb->addr, s, len);
	mb->addr[len] = '\0';
	for (i = llen + 1; i < len; i++)
		if (mb->addr[i] >= 'A' && mb->addr[i] <= 'Z')
			mb->addr[i] = (char)(mb->addr[i] - 'A' + 'a');
	memcpy(mb->domain, mb->addr + llen + 1, dlen + 1);
	return 0;
}

/* Percent-decodes s[0..n) into out (NUL-terminated, at most outlen - 1
 * octets); -1 on a bad escape or when out is too small. */
static int
decode(const char *s, size_t n, char *out, size_t outlen, size_t *olen)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			if (n - i < 3 || !is_hex(s[i + 1]) || !is_hex(s[i + 2]))
				return -1;
			c = (unsigned char)(hexval(s[i + 1]) << 4 |
			    hexval(s[i + 2]));
			i += 2;
		}
		if (o + 1 >= outlen)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	*olen = o;
	return 0;
}

/* RFC 6068 2: header fields that name recipients. */
static const char *
recipient_field(const char *name)
{
	static const char *const fields[] = { "to", "cc", "bcc", NULL };
	size_t i;

	for (i = 0; fields[i] != NULL; i++)
		if (strcasecmp(name, fields[i]) == 0)
			return fields[i];
	return NULL;
}

int
dmarc_mailto_parse(const char *uri, size_t len, dmarc_mailbox *mb, char *why,
    size_t whylen)
{
	char addr[DMARC_MAX_URI_LEN + 1], name[16];
	const char *path, *end, *q, *h;
	size_t i, alen, nlen;
	dmarc_mailbox m;   /* *mb is filled only on success */

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (uri == NULL || len < 7 || strncasecmp(uri, "mailto:", 7) != 0)
		return refuse(why, whylen, "not a mailto: URI");
	if (len > DMARC_MAX_URI_LEN)
		return refuse(why, whylen, "URI longer than %d octets",
		    DMARC_MAX_URI_LEN);
	for (i = 7; i < len; i++) {
		unsigned char c = (unsigned char)uri[i];

		if (!uri_char(c))
			return refuse(why, whylen, "octet 0x%02x at offset %zu "
			    "is not allowed in a URI (RFC 3986 2)", c, i);
		if (c == '#')
			return refuse(why, whylen, "fragment in a mailto: URI");
	}
	path = uri + 7;
	end = uri + len;
	q = memchr(path, '?', (size_t)(end - path));
	if (q == NULL)
		q = end;
	if (q == path)
		return refuse(why, whylen, "no address in the URI path "
		    "(addresses in header fields are not used)");
	if (decode(path, (size_t)(q - path), addr, sizeof(addr), &alen) < 0)
		return refuse(why, whylen, "bad percent-encoding in the address");
	/* RFC 6068 2: "to" is a comma list of addr-specs; one only here */
	if (memchr(addr, ',', alen) != NULL)
		return refuse(why, whylen, "several addresses in the URI (one "
		    "mailbox only)");
	if (dmarc_mailbox_parse(addr, alen, &m, why, whylen) < 0)
		return -1;
	/* hfields = "?" hfield *( "&" hfield ); hfield = hfname "=" hfvalue:
	 * fields naming recipients refuse the URI, others are ignored (a
	 * report has its own header fields) but must be well-formed. */
	for (h = q; h < end; ) {
		const char *amp, *eq;

		h++; /* the '?' or '&' */
		amp = memchr(h, '&', (size_t)(end - h));
		if (amp == NULL)
			amp = end;
		if (amp > h) {
			eq = memchr(h, '=', (size_t)(amp - h));
			if (eq == NULL)
				return refuse(why, whylen, "header field without "
				    "'=' (RFC 6068 2)");
			if (decode(h, (size_t)(eq - h), name, sizeof(name),
			    &nlen) == 0 && recipient_field(name) != NULL)
				return refuse(why, whylen, "header field '%s' would "
				    "add recipients: refused",
				    recipient_field(name));
			if (decode(h, (size_t)(amp - h), addr, sizeof(addr),
			    &nlen) < 0)
				return refuse(why, whylen, "bad percent-encoding "
				    "in a header field");
		}
		h = amp;
	}
	*mb = m;
	return 0;
}

/* 1*DIGIT [ "k" / "m" / "g" / "t" ] after the "!" (RFC 7489 6.2,
 * RFC 9989 4.8), in octets. */
static int
parse_size(const char *p, size_t n, uint64_t *out)
{
	uint64_t v = 0, mult = 1;
	size_t i;

	if (n > 0) {
		switch (p[n - 1] | 0x20) {
		case 'k': mult = 1024ull; n--; break;
		case 'm': mult = 1024ull * 1024; n--; break;
		case 'g': mult = 1024ull * 1024 * 1024; n--; break;
		case 't': mult = 1024ull * 1024 * 1024 * 1024; n--; break;
		default: break;
		}
	}
	if (n == 0 || n > 20)
		return -1;
	for (i = 0; i < n; i++) {
		if (!is_digit((unsigned char)p[i]))
			return -1;
		v = v * 10 + (uint64_t)(p[i] - '0');
		if (v > UINT64_MAX / (1024ull * 1024 * 1024 * 1024))
			return -1;
	}
	*out = v * mult;
	return 0;
}

int
dmarc_uri_parse(const char *s, size_t len, dmarc_uri *u, char *why,
    size_t whylen)
{
	const char *bang;
	size_t i, end = len;
	uint64_t size = 0;
	int mailto;

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (s == NULL || len == 0)
		return refuse(why, whylen, "empty URI");
	bang = memchr(s, '!', len);
	if (bang != NULL) {
		if (parse_size(bang + 1, (size_t)(s + len - bang - 1),
		    &size) < 0)
			return refuse(why, whylen, "bad size after '!' "
			    "(1*DIGIT [k|m|g|t])");
		end = (size_t)(bang - s);
	}
	if (end == 0)
		return refuse(why, whylen, "empty URI");
	if (end > DMARC_MAX_URI_LEN)
		return refuse(why, whylen, "URI longer than %d octets",
		    DMARC_MAX_URI_LEN);
	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
	if (!is_alpha((unsigned char)s[0]))
		return refuse(why, whylen, "no URI scheme");
	for (i = 1; i < end && s[i] != ':'; i++)
		if (!is_alpha((unsigned char)s[i]) &&
		    !is_digit((unsigned char)s[i]) && s[i] != '+' &&
		    s[i] != '-' && s[i] != '.')
			return refuse(why, whylen, "no URI scheme");
	if (i + 1 >= end)
		return refuse(why, whylen, "no URI scheme, or nothing after it");
	for (i = i + 1; i < end; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!uri_char(c) || c == ',')
			return refuse(why, whylen, "octet 0x%02x at offset %zu is "
			    "not allowed in a DMARC URI", c, i);
		if (c == '%' && (end - i < 3 || !is_hex(s[i + 1]) ||
		    !is_hex(s[i + 2])))
			return refuse(why, whylen, "bad percent-encoding at "
			    "offset %zu", i);
	}
	mailto = strncasecmp(s, "mailto:", 7) == 0;
	if (mailto) {
		dmarc_mailbox mb;

		if (dmarc_mailto_parse(s, end, &mb, why, whylen) < 0)
			return -1;
	}
	u->mailto = mailto;
	memcpy(u->uri, s, end);
	u->uri[end] = '\0';
	u->max_size = size;
	return 0;
}
