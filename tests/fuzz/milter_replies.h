/*
 * tests/fuzz/milter_replies.h - the checks fuzz_milter.c makes of every
 * reply authmilter sends (abort() through die() on a violation): each
 * frames as a packet; a change-header only deletes an
 * Authentication-Results field (the indexes are kept in the dialogue for
 * milter_oracle.h); header inserts are at the top and only
 * Authentication-Results, Received-SPF or the quarantine header, their
 * values free of control characters and 8-bit bytes, folded only with
 * LF + SP/TAB; our Authentication-Results parses back (message/ar_parse.c)
 * with our authserv-id; a message accepted at end of message carries it;
 * and the end of message goes to om_eom() (milter_oracle.h).
 * Included by tests/fuzz/fuzz_milter.c only, after its dlg, die(), ASID
 * and the oracle: the Makefile builds each fuzz target (and its replay)
 * from its one .c file.
 */

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* name\0value\0 at data (after the index, if any) */
static void
split_header(const mproto_pkt *p, size_t off, const char **name,
    const char **value)
{
	const unsigned char *d, *nul;
	size_t n;

	if (p->len <= off)
		die("short header reply", p->data, p->len);
	d = p->data + off;
	n = p->len - off;
	nul = memchr(d, '\0', n);
	if (d[n - 1] != '\0' || nul == NULL || (size_t)(nul - d) + 1 >= n)
		die("malformed header reply", p->data, p->len);
	*name = (const char *)d;
	*value = (const char *)nul + 1;
}

/* A value we add: 7-bit, no control character but TAB, folded only with
 * LF followed by SP or TAB and some text on every line. */
static void
check_value(const char *name, const char *v)
{
	const unsigned char *p = (const unsigned char *)v;
	int text = 0;

	for (; *p != '\0'; p++) {
		if (*p == '\n') {
			if (!text || (p[1] != ' ' && p[1] != '\t'))
				die("bad folding in the value we add", (const
				    unsigned char *)v, strlen(v));
			text = 0;
			continue;
		}
		if ((*p < 0x20 && *p != '\t') || *p >= 0x7f)
			die("control or 8-bit byte in the value we add",
			    (const unsigned char *)v, strlen(v));
		if (*p != ' ' && *p != '\t')
			text = 1;
	}
	if (!text)
		die("empty last line in the value we add",
		    (const unsigned char *)v, strlen(v));
	(void)name;
}

static void
check_ar(const char *v)
{
	char crlf[8192], err[256];
	size_t n = 0;
	ar_header *h;

	for (; *v != '\0'; v++) {
		if (n + 2 >= sizeof(crlf))
			die("our Authentication-Results is over 8 KB", NULL, 0);
		if (*v == '\n')
			crlf[n++] = '\r';
		crlf[n++] = *v;
	}
	crlf[n] = '\0';
	h = ar_parse(crlf, n, err, sizeof(err));
	if (h == NULL) {
		fprintf(stderr, "fuzz_milter: %s\n", err);
		die("our Authentication-Results does not parse",
		    (const unsigned char *)crlf, n);
	}
	if (strcmp(h->authserv_id, ASID) != 0)
		die("our Authentication-Results names another authserv-id",
		    (const unsigned char *)crlf, n);
	ar_header_free(h);
}

/* Check and drop what the session wrote in answer to one packet. */
static void
check_replies(dlg *d, int cmd)
{
	mproto_buf *o = msession_out(&d->s);
	const char *name, *value, *why, *our_ar = NULL;
	mproto_pkt p;
	size_t off = 0, used;
	int final = 0, have_ar = 0;

	d->ndel = 0;
	while (off < o->len) {
		if (mproto_frame(o->data + off, o->len - off, &p, &used,
		    &why) != 1)
			die("a reply does not frame", o->data + off,
			    o->len - off);
		switch (p.cmd) {
		case MPR_INSHEADER:
		case MPR_ADDHEADER:
			split_header(&p, p.cmd == MPR_INSHEADER ? 4 : 0, &name,
			    &value);
			if (p.cmd == MPR_INSHEADER && get32(p.data) != 0)
				die("header inserted below the top", NULL, 0);
			if (strcmp(name, "Authentication-Results") == 0) {
				check_value(name, value);
				check_ar(value);
				have_ar = 1;
				our_ar = value;
			} else if (strcmp(name, "Received-SPF") == 0 ||
			    strcmp(name, MSG_QUARANTINE_HEADER) == 0)
				check_value(name, value);
			else
				die("unexpected header added", p.data, p.len);
			break;
		case MPR_CHGHEADER:
			if (p.len < 4)
				die("short change-header", p.data, p.len);
			split_header(&p, 4, &name, &value);
			if (strcmp(name, "Authentication-Results") != 0 ||
			    *value != '\0' || get32(p.data) == 0)
				die("change-header other than deleting an "
				    "Authentication-Results field", p.data,
				    p.len);
			if (d->ndel == d->delcap) {
				size_t cap = d->delcap ? d->delcap * 2 : 64;
				uint32_t *x = realloc(d->del, cap * sizeof(*x));

				if (x == NULL)
					abort();
				d->del = x;
				d->delcap = cap;
			}
			d->del[d->ndel++] = get32(p.data);
			break;
		case MPR_ACCEPT:
		case MPR_CONTINUE:
		case MPR_REJECT:
		case MPR_TEMPFAIL:
		case MPR_DISCARD:
		case MPR_REPLYCODE:
			final = p.cmd;
			break;
		case MPR_QUARANTINE:
		case MPR_PROGRESS:
		case MPR_SKIP:
		case MPC_OPTNEG:
			break;
		default:
			die("unexpected reply", o->data + off, used);
		}
		off += used;
	}
	if (cmd == MPC_BODYEOB && (final == MPR_ACCEPT ||
	    final == MPR_CONTINUE) && !have_ar)
		die("a message accepted without our Authentication-Results",
		    NULL, 0);
	if (cmd == MPC_BODYEOB) {
		om_reply r = { final, our_ar, d->del, d->ndel };

		om_eom(&d->om, ovs, &r);
	}
	o->len = 0;
}
