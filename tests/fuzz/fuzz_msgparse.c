/*
 * tests/fuzz/fuzz_msgparse.c - libFuzzer target: the message splitter on
 * arbitrary bytes. The first input byte picks a chunk size; the events of a
 * chunked run must equal those of a whole run (abort otherwise).
 */
#include "message/message.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct rec {
	strbuf log;
} rec;

static int
on_header(void *arg, const char *n, size_t nl, const char *v, size_t vl)
{
	rec *r = arg;

	sb_printf(&r->log, "H%zu:", nl);
	sb_append(&r->log, n, nl);
	sb_printf(&r->log, "%zu:", vl);
	sb_append(&r->log, v, vl);
	return 0;
}

static int
on_eoh(void *arg)
{
	sb_putc(&((rec *)arg)->log, 'E');
	return 0;
}

static int
on_body(void *arg, const char *d, size_t n)
{
	sb_append(&((rec *)arg)->log, d, n);
	return 0;
}

static const msgparse_events events = { on_header, on_eoh, on_body };

static int
run(const char *text, size_t len, size_t chunk, rec *r)
{
	msgparse p;
	size_t off = 0;
	int rc = 0;

	sb_init(&r->log);
	mp_init(&p, &events, r, 4096);
	while (off < len && rc == 0) {
		size_t n = chunk > len - off ? len - off : chunk;

		rc = mp_push(&p, text + off, n);
		off += n;
	}
	if (rc == 0)
		rc = mp_finish(&p);
	mp_free(&p);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rec whole, part;
	size_t chunk;
	int a, b;

	if (size < 1)
		return 0;
	chunk = (size_t)data[0] % 17 + 1;
	a = run((const char *)data + 1, size - 1, size, &whole);
	b = run((const char *)data + 1, size - 1, chunk, &part);
	if (a != b || (a == 0 && (whole.log.len != part.log.len ||
	    memcmp(whole.log.s, part.log.s, whole.log.len) != 0)))
		abort();
	sb_free(&whole.log);
	sb_free(&part.log);
	return 0;
}
