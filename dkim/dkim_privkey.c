/*
 * dkim/dkim_privkey.c - DKIM signing keys (contract in dkim_sign.h):
 * PEM PKCS#8 / traditional RSA / raw base64 Ed25519 seed, through
 * OpenSSL 3 EVP only; size and type checks (RFC 8301 3.2, RFC 8463), the
 * file permission check, and the public key as a p= value.
 */
#include "dkim/dkim_sign.h"
#include "dkim/dkim_sign_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "dkim/dkim.h"
#include "util/base64.h"

#define ED25519_KEYLEN 32

/* No passphrase: an encrypted key is refused rather than prompted for. */
static int
no_pass(char *buf, int size, int rw, void *u)
{
	(void)buf; (void)size; (void)rw; (void)u;
	return -1;
}

/* A file that is only the base64 of a 32-octet Ed25519 seed. */
static EVP_PKEY *
raw_ed25519(const char *text, size_t len)
{
	unsigned char seed[48];
	size_t n;
	EVP_PKEY *pk;

	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' ||
	    text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	if (len == 0 || len > 64 ||
	    base64_decode(text, len, seed, sizeof(seed), &n) < 0 ||
	    n != ED25519_KEYLEN)
		return NULL;
	pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, n);
	memset(seed, 0, sizeof(seed));
	return pk;
}

dkim_privkey *
dkim_privkey_parse(const char *text, size_t len, char *err, size_t errlen)
{
	BIO *bio;
	EVP_PKEY *pk = NULL;
	dkim_privkey *k;
	int bits;

	if (len > DKIM_PRIVKEY_MAX_FILE || len > (size_t)INT32_MAX) {
		snprintf(err, errlen, "key over %d bytes", DKIM_PRIVKEY_MAX_FILE);
		return NULL;
	}
	if (memmem(text, len, "-----BEGIN", 10) != NULL) {
		if (memmem(text, len, "ENCRYPTED", 9) != NULL) {
			snprintf(err, errlen, "the key is encrypted "
			    "(a passphrase is not supported)");
			return NULL;
		}
		if ((bio = BIO_new_mem_buf(text, (int)len)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return NULL;
		}
		pk = PEM_read_bio_PrivateKey(bio, NULL, no_pass, NULL);
		BIO_free(bio);
		if (pk == NULL) {
			snprintf(err, errlen, "not a PEM private key "
			    "(PKCS#8 or RSA PRIVATE KEY)");
			return NULL;
		}
	} else if ((pk = raw_ed25519(text, len)) == NULL) {
		snprintf(err, errlen, "neither a PEM private key nor the "
		    "base64 of a 32-octet Ed25519 seed");
		return NULL;
	}
	if ((k = dkim_privkey_wrap(pk, err, errlen)) == NULL)
		return NULL;
	if (EVP_PKEY_is_a(pk, "RSA")) {
		k->type = DKIM_PRIVKEY_RSA;
		bits = EVP_PKEY_get_bits(pk);
		k->bits = bits > 0 ? (unsigned)bits : 0;
		if (k->bits < DKIM_SIGN_MIN_RSA_BITS) {
			snprintf(err, errlen, "RSA key of %u bits < %d "
			    "(RFC 8301 3.2)", k->bits, DKIM_SIGN_MIN_RSA_BITS);
			goto fail;
		}
		if (k->bits > DKIM_MAX_RSA_BITS_LIMIT) {
			snprintf(err, errlen, "RSA key of %u bits > %d "
			    "(verifiers refuse it)", k->bits,
			    DKIM_MAX_RSA_BITS_LIMIT);
			goto fail;
		}
	} else if (EVP_PKEY_is_a(pk, "ED25519")) {
		k->type = DKIM_PRIVKEY_ED25519;
		k->bits = 256;
	} else {
		snprintf(err, errlen, "key type %s is not RSA or Ed25519",
		    EVP_PKEY_get0_type_name(pk) ? EVP_PKEY_get0_type_name(pk) :
		    "unknown");
		goto fail;
	}
	return k;
fail:
	dkim_privkey_free(k);
	return NULL;
}

dkim_privkey *
dkim_privkey_wrap(EVP_PKEY *pk, char *err, size_t errlen)
{
	dkim_privkey *k;

	if ((k = calloc(1, sizeof(*k))) == NULL) {
		EVP_PKEY_free(pk);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	k->pkey = pk;
	return k;
}

dkim_privkey *
dkim_privkey_load(const char *path, int *warn, char *err, size_t errlen)
{
	char buf[DKIM_PRIVKEY_MAX_FILE + 1];
	struct stat st;
	size_t len = 0;
	ssize_t r;
	int fd;
	dkim_privkey *k;

	if (warn != NULL)
		*warn = 0;
	if ((fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	while (len < sizeof(buf) &&
	    (r = read(fd, buf + len, sizeof(buf) - len)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			close(fd);
			return NULL;
		}
		len += (size_t)r;
	}
	close(fd);
	if (len > DKIM_PRIVKEY_MAX_FILE) {
		snprintf(err, errlen, "%s: over %d bytes", path,
		    DKIM_PRIVKEY_MAX_FILE);
		return NULL;
	}
	k = dkim_privkey_parse(buf, len, err, errlen);
	OPENSSL_cleanse(buf, sizeof(buf));
	if (k == NULL) {
		char tmp[256];

		snprintf(tmp, sizeof(tmp), "%s", err);
		snprintf(err, errlen, "%s: %s", path, tmp);
		return NULL;
	}
	if (warn != NULL && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		*warn = DKIM_PRIVKEY_WARN_PERMS;
	return k;
}

int
dkim_privkey_type(const dkim_privkey *k)
{
	return k->type;
}

unsigned
dkim_privkey_bits(const dkim_privkey *k)
{
	return k->bits;
}

const char *
dkim_privkey_alg(const dkim_privkey *k)
{
	return k->type == DKIM_PRIVKEY_RSA ? "rsa-sha256" : "ed25519-sha256";
}

/* Appends the base64 of p[0..n) (RFC 4648 4, no line breaks). */
int
dkim_b64_append(strbuf *out, const unsigned char *p, size_t n)
{
	size_t start = out->len, need = (n + 2) / 3 * 4;

	if (n > (size_t)INT32_MAX / 2)
		return -1;
	/* reserve need + 1 octets, then write them in place */
	while (out->len < start + need + 1)
		if (sb_putc(out, '=') < 0)
			return -1;
	EVP_EncodeBlock((unsigned char *)out->s + start, p, (int)n);
	sb_truncate(out, start + need);
	return 0;
}

int
dkim_privkey_pubvalue(const dkim_privkey *k, strbuf *out)
{
	unsigned char raw[ED25519_KEYLEN], *der = NULL;
	size_t rl = sizeof(raw);
	int n, rc;

	if (k->type == DKIM_PRIVKEY_ED25519) {
		if (EVP_PKEY_get_raw_public_key(k->pkey, raw, &rl) != 1)
			return -1;
		return dkim_b64_append(out, raw, rl);
	}
	if ((n = i2d_PUBKEY(k->pkey, &der)) <= 0)
		return -1;
	rc = dkim_b64_append(out, der, (size_t)n);
	OPENSSL_free(der);
	return rc;
}

void
dkim_privkey_free(dkim_privkey *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}
