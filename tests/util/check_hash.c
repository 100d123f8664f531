/*
 * tests/util/check_hash.c - util/hash: SipHash-2-4 against the reference
 * vectors, case folding, the spread of names an attacker picked to collide
 * under FNV-1a (the DKIM header selector's old hash), and a key that is
 * not the same from one process to the next.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/lib/check_main.h"
#include "tests/lib/fnvnames.h"
#include "util/hash.h"

/* SipHash-2-4 of 00 01 02 ... (len octets) under key 00 01 ... 0f, from
 * the reference implementation's vectors.h (output octets as printed). */
static const struct {
	size_t len;
	unsigned char out[8];
} vectors[] = {
	{ 0, { 0x31, 0x0e, 0x0e, 0xdd, 0x47, 0xdb, 0x6f, 0x72 } },
	{ 1, { 0xfd, 0x67, 0xdc, 0x93, 0xc5, 0x39, 0xf8, 0x74 } },
	{ 2, { 0x5a, 0x4f, 0xa9, 0xd9, 0x09, 0x80, 0x6c, 0x0d } },
	{ 3, { 0x2d, 0x7e, 0xfb, 0xd7, 0x96, 0x66, 0x67, 0x85 } },
	{ 4, { 0xb7, 0x87, 0x71, 0x27, 0xe0, 0x94, 0x27, 0xcf } },
	{ 5, { 0x8d, 0xa6, 0x99, 0xcd, 0x64, 0x55, 0x76, 0x18 } },
	{ 6, { 0xce, 0xe3, 0xfe, 0x58, 0x6e, 0x46, 0xc9, 0xcb } },
	{ 7, { 0x37, 0xd1, 0x01, 0x8b, 0xf5, 0x00, 0x02, 0xab } },
	{ 8, { 0x62, 0x24, 0x93, 0x9a, 0x79, 0xf5, 0xf5, 0x93 } },
	{ 12, { 0xfb, 0xe5, 0x0e, 0x86, 0xbc, 0x8f, 0x1e, 0x75 } },
	{ 15, { 0xe5, 0x45, 0xbe, 0x49, 0x61, 0xca, 0x29, 0xa1 } },
	{ 16, { 0xdb, 0x9b, 0xc2, 0x57, 0x7f, 0xcc, 0x2a, 0x3f } },
	{ 63, { 0x72, 0x45, 0x06, 0xeb, 0x4c, 0x32, 0x8a, 0x95 } },
};

/* Every tail length (0-7 octets after the whole words: hash.c loads
 * them with overlapping reads), at every alignment of the input. */
START_TEST(reference_vectors)
{
	unsigned char key[16], buf[64 + 8];
	size_t i, k, off;

	for (k = 0; k < 16; k++)
		key[k] = (unsigned char)k;
	for (off = 0; off < 8; off++) {
		const unsigned char *msg = buf + off;

		memset(buf, 0xa5, sizeof(buf));
		for (k = 0; k < 64; k++)
			buf[off + k] = (unsigned char)k;
		for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
			uint64_t want = 0;
			uint64_t got = hash_siphash24(key, msg, vectors[i].len);

			for (k = 0; k < 8; k++)
				want |= (uint64_t)vectors[i].out[k] << (8 * k);
			ck_assert_msg(got == want, "length %zu at offset %zu: "
			    "%016llx, want %016llx", vectors[i].len, off,
			    (unsigned long long)got, (unsigned long long)want);
		}
	}
}
END_TEST

START_TEST(case_folding)
{
	static const char *const names[] = { "Content-Type", "DKIM-Signature",
	    "X-A", "", "from", "Received-SPF: with @[]^_` around Z" };
	size_t i, k;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char low[64];
		size_t n = strlen(names[i]);

		for (k = 0; k <= n; k++)
			low[k] = names[i][k] >= 'A' && names[i][k] <= 'Z' ?
			    (char)(names[i][k] + 32) : names[i][k];
		ck_assert(hash_keyed_lower(names[i], n) == hash_keyed(low, n));
		ck_assert(hash_keyed_lower(low, n) == hash_keyed(low, n));
		if (strcmp(low, names[i]) != 0)
			ck_assert(hash_keyed(names[i], n) != hash_keyed(low, n));
	}
	/* '@' '[' and '`' '{' sit next to the capitals and small letters */
	ck_assert(hash_keyed_lower("@", 1) != hash_keyed_lower("`", 1));
	ck_assert(hash_keyed_lower("[", 1) != hash_keyed_lower("{", 1));
	/* the capitals and their neighbours at every place of every length
	 * up to 3 words: each tail length folds in the right octet only */
	for (i = 1; i <= 24; i++) {
		static const unsigned char edge[] = { 'A', 'Z', '@', '[', '`',
		    '{', 'a', 'z', 0xc1, 0xda, 0x00, 0xff };

		for (k = 0; k < i; k++) {
			size_t e;

			for (e = 0; e < sizeof(edge); e++) {
				char a[24], b[24];

				memset(a, '-', sizeof(a));
				a[k] = (char)edge[e];
				memcpy(b, a, sizeof(b));
				if (edge[e] >= 'A' && edge[e] <= 'Z')
					b[k] = (char)(edge[e] + 32);
				ck_assert_msg(hash_keyed_lower(a, i) ==
				    hash_keyed(b, i), "octet %02x at %zu of "
				    "%zu", edge[e], k, i);
				ck_assert_msg(edge[e] < 'A' || edge[e] > 'Z' ||
				    hash_keyed(a, i) != hash_keyed(b, i),
				    "case ignored by hash_keyed at %zu of %zu",
				    k, i);
			}
		}
	}
	/* every octet, in a whole word and in the tail: only A-Z fold */
	for (i = 0; i < 256; i++) {
		static const size_t pos[] = { 0, 7, 8, 12 };

		for (k = 0; k < 4; k++) {
			char a[13], b[13];

			memset(a, 'x', sizeof(a));
			a[pos[k]] = (char)i;
			memcpy(b, a, sizeof(b));
			if (i >= 'A' && i <= 'Z')
				b[pos[k]] = (char)(i + 32);
			ck_assert_msg(hash_keyed_lower(a, 13) == hash_keyed(b, 13),
			    "octet %zu at %zu", i, pos[k]);
		}
	}
}
END_TEST

/*
 * 2,000 header names that all share one FNV-1a slot of a 1,024-slot
 * table (found by trying names, as an attacker would): under the keyed
 * hash they spread as any names do, the fullest slot holding a handful.
 * And 100,000 ordinary names fill 1,024 slots evenly (chi-square).
 */
START_TEST(spread)
{
	enum { SLOTS = 1024, BAD = 2000, GOOD = 100000 };
	static unsigned load[SLOTS];
	static char bad[BAD][FNVNAMES_LEN];
	char name[32];
	unsigned most = 0, k;
	double chi = 0, mean = (double)GOOD / SLOTS;

	memset(load, 0, sizeof(load));
	fnvnames_make(bad, BAD, SLOTS - 1);
	for (k = 0; k < BAD; k++)
		load[hash_keyed_lower(bad[k], strlen(bad[k])) & (SLOTS - 1)]++;
	for (k = 0; k < SLOTS; k++)
		if (load[k] > most)
			most = load[k];
	/* about 2 per slot; 16 in any slot has odds below 1e-6 */
	ck_assert_msg(most < 16, "%u FNV-colliding names in one slot", most);
	memset(load, 0, sizeof(load));
	for (k = 0; k < GOOD; k++) {
		int n = snprintf(name, sizeof(name), "Received-%u", k);

		load[hash_keyed(name, (size_t)n) & (SLOTS - 1)]++;
	}
	for (k = 0; k < SLOTS; k++)
		chi += (load[k] - mean) * (load[k] - mean) / mean;
	/* 1,023 degrees of freedom: mean 1023, sd 45; 1,300 is over 6 sd */
	ck_assert_msg(chi < 1300, "chi-square %.0f", chi);
}
END_TEST

static char *self_path;

/* hash_keyed("authmilter") as printed by a new process of this program */
static unsigned long long
child_hash(void)
{
	char cmd[512], line[64];
	FILE *p;
	unsigned long long h = 0;

	snprintf(cmd, sizeof(cmd), "'%s' --print-hash", self_path);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), p));
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_int_eq(sscanf(line, "%llx", &h), 1);
	return h;
}

/* Each process draws its own key: the same name hashes differently. */
START_TEST(key_differs_between_processes)
{
	unsigned long long a = child_hash(), b = child_hash();

	ck_assert_msg(a != b, "two processes hashed alike: %016llx", a);
	ck_assert(hash_keyed("authmilter", 10) == hash_keyed("authmilter", 10));
}
END_TEST

/* After the run. */
static int
finish(void)
{
	free(self_path);
	return 0;
}

/* "check_hash --print-hash": the helper mode child_hash() runs. */
Suite *
check_suite(void)
{
	char **argv = check_main_argv();
	Suite *s;
	TCase *tc;

	if (argv[0] != NULL && argv[1] != NULL && argv[2] == NULL &&
	    strcmp(argv[1], "--print-hash") == 0) {
		printf("%016llx\n", (unsigned long long)hash_keyed("authmilter",
		    10));
		exit(0);
	}
	self_path = realpath("/proc/self/exe", NULL);
	s = suite_create("hash");
	tc = tcase_create("all");
	tcase_add_test(tc, reference_vectors);
	tcase_add_test(tc, case_folding);
	tcase_add_test(tc, spread);
	tcase_add_test(tc, key_differs_between_processes);
	suite_add_tcase(s, tc);
	check_main_at_end(finish);
	return s;
}
