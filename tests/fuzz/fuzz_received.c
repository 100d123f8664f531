/*
 * tests/fuzz/fuzz_received.c - libFuzzer target: the from clause of a
 * Received field (message/received_parse.c) on arbitrary bytes; a parse
 * that succeeds must give a NUL-terminated address that parses.
 */
#include "message/received_parse_int.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/ipaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[128];
	received_hop h;
	ipaddr a;

	if (received_parse((const char *)data, size, &h, err,
	    sizeof(err)) == 0) {
		if (memchr(h.ip, '\0', sizeof(h.ip)) == NULL ||
		    memchr(h.helo, '\0', sizeof(h.helo)) == NULL ||
		    memchr(h.rdns, '\0', sizeof(h.rdns)) == NULL ||
		    ipaddr_parse(h.ip, &a) < 0)
			abort();
	} else if (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0') {
		abort();
	}
	return 0;
}
