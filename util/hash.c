/*
 * util/hash.c - SipHash-2-4 under a per-process random key (see hash.h),
 * written from the SipHash paper (Aumasson, Bernstein: "SipHash: a fast
 * short-input PRF", 2012): 2 compression rounds per 8-octet word, 4
 * finalization rounds, the message length in the last word's top octet.
 */
#include "util/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND(v0, v1, v2, v3) do { \
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
} while (0)

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static unsigned char process_key[16];

/* Little-endian 64-bit word of 8 octets. */
static inline uint64_t
load64(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

static inline uint32_t
load32(const unsigned char *p)
{
	uint32_t w;

	memcpy(&w, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap32(w);
#endif
	return w;
}

/*
 * Little-endian word of the last n < 8 octets, zero-filled, without a
 * loop: from 4 octets on, two 4-octet loads that overlap (an octet read
 * twice lands at its own place both times, so OR keeps it); under 4,
 * the first, middle and last octets (again overlapping for n < 3).
 */
static inline uint64_t
load_tail(const unsigned char *p, size_t n)
{
	if (n >= 4)
		return (uint64_t)load32(p) |
		    (uint64_t)load32(p + n - 4) << (8 * (n - 4));
	if (n == 0)
		return 0;
	return (uint64_t)p[0] | (uint64_t)p[n / 2] << (8 * (n / 2)) |
	    (uint64_t)p[n - 1] << (8 * (n - 1));
}

/*
 * ASCII capitals of all 8 octets to small letters at once: an octet
 * under 0x80 gets 0x20 added when it lies in 'A'..'Z' (each lane's sum
 * stays below 0x100, so no carry crosses into the next).
 */
static inline uint64_t
fold64(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL;
	uint64_t low7 = w & (0x7f * ones);
	uint64_t ge_a = low7 + (0x80 - 'A') * ones;
	uint64_t gt_z = low7 + (0x80 - 'Z' - 1) * ones;

	return w | ((ge_a & ~gt_z & ~w & (0x80 * ones)) >> 2);
}

/* Inlined into each caller, so fold is a constant there: no test of it
 * per word. */
static inline __attribute__((always_inline)) uint64_t
siphash24(const unsigned char key[16], const unsigned char *p, size_t n,
    int fold)
{
	uint64_t k0 = load64(key), k1 = load64(key + 8);
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
	uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
	uint64_t v3 = k1 ^ 0x7465646279746573ULL;
	uint64_t m;
	size_t k, whole = n & ~(size_t)7;

	for (k = 0; k < whole; k += 8) {
		m = load64(p + k);
		if (fold)
			m = fold64(m);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	m = load_tail(p + whole, n - whole);
	if (fold)
		m = fold64(m);
	m |= (uint64_t)(n & 0xff) << 56;
	v3 ^= m;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= m;
	v2 ^= 0xff;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* Fills buf from /dev/urandom; 0, or -1 when it cannot be read. */
static int
urandom(unsigned char *buf, size_t n)
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (fd < 0)
		return -1;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	return got == n ? 0 : -1;
}

/*
 * The key: getrandom() without blocking (a daemon started early at boot
 * must not wait for the entropy pool), else /dev/urandom, else (neither
 * exists: a bare chroot on a pre-3.17 kernel) the clock, the pid and an
 * address, which an attacker can at best guess: then no worse than
 * unkeyed.
 */
static void
key_init(void)
{
	unsigned char *k = process_key;
	struct timespec ts;
	uint64_t mix[3];

	if (getrandom(k, sizeof(process_key), GRND_NONBLOCK) ==
	    (ssize_t)sizeof(process_key))
		return;
	if (urandom(k, sizeof(process_key)) == 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	mix[0] = (uint64_t)ts.tv_sec ^ (uint64_t)ts.tv_nsec << 20;
	mix[1] = (uint64_t)getpid();
	mix[2] = (uint64_t)(uintptr_t)&ts;
	memcpy(k, mix, 16);
	mix[0] = siphash24(k, (const unsigned char *)mix, sizeof(mix), 0);
	memcpy(k + 8, mix, 8);
}

uint64_t
hash_keyed(const void *p, size_t n)
{
	pthread_once(&key_once, key_init);
	return siphash24(process_key, (const unsigned char *)p, n, 0);
}

uint64_t
hash_keyed_lower(const void *p, size_t n)
{
	pthread_once(&key_once, key_init);
	return siphash24(process_key, (const unsigned char *)p, n, 1);
}

uint64_t
hash_siphash24(const unsigned char key[16], const void *p, size_t n)
{
	return siphash24(key, (const unsigned char *)p, n, 0);
}
