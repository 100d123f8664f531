/*
 * dkim/dkim_keygen.c - new DKIM signing keys and their DNS records
 * (contract in dkim_sign.h, KEY TOOLS): RSA or Ed25519 generated through
 * OpenSSL 3 EVP, the private key as PKCS#8 PEM, the key record
 * "v=DKIM1; k=...; p=..." (RFC 6376 3.6.1), its zone-file form split into
 * character-strings of at most 255 octets (RFC 1035 3.3.14, RFC 6376
 * 3.6.2.2), and whether a private key is the one a record publishes.
 * Never prints: the CLI (cli/cmd_keygen.c, cli/cmd_testkey.c) does.
 */
#include "dkim/dkim_sign.h"
#include "dkim/dkim_sign_int.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "dkim/dkim_key_int.h"

/* RSA public exponent of new keys (F4, as openssl genrsa and
 * opendkim-genkey use). */
#define DKIM_KEYGEN_RSA_EXPONENT 65537U

dkim_privkey *
dkim_privkey_generate(int type, unsigned bits, char *err, size_t errlen)
{
	EVP_PKEY *pk = NULL;
	dkim_privkey *k;

	if (type == DKIM_PRIVKEY_RSA) {
		if (bits < DKIM_SIGN_MIN_RSA_BITS) {
			snprintf(err, errlen, "RSA key of %u bits < %d "
			    "(RFC 8301 3.2)", bits, DKIM_SIGN_MIN_RSA_BITS);
			return NULL;
		}
		if (bits > DKIM_MAX_RSA_BITS_LIMIT) {
			snprintf(err, errlen, "RSA key of %u bits > %d "
			    "(verifiers refuse it)", bits,
			    DKIM_MAX_RSA_BITS_LIMIT);
			return NULL;
		}
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	} else if (type == DKIM_PRIVKEY_ED25519)
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else {
		snprintf(err, errlen, "unknown key type %d", type);
		return NULL;
	}
	if (pk == NULL) {
		snprintf(err, errlen, "OpenSSL could not generate the key");
		return NULL;
	}
	if ((k = dkim_privkey_wrap(pk, err, errlen)) == NULL)
		return NULL;
	k->type = type;
	k->bits = type == DKIM_PRIVKEY_RSA ? (unsigned)EVP_PKEY_get_bits(pk) :
	    256;
	return k;
}

int
dkim_privkey_pem(const dkim_privkey *k, strbuf *out)
{
	BIO *bio;
	char *p;
	long n;
	int rc = -1;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return -1;
	if (PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL,
	    NULL) == 1 && (n = BIO_get_mem_data(bio, &p)) > 0 &&
	    sb_append(out, p, (size_t)n) == 0)
		rc = 0;
	BIO_free_all(bio);   /* a memory BIO: its data is cleared on free */
	return rc;
}

int
dkim_privkey_record(const dkim_privkey *k, strbuf *out)
{
	if (sb_printf(out, "v=DKIM1; k=%s; ", k->type == DKIM_PRIVKEY_RSA ?
	    "rsa" : "ed25519") < 0 || sb_append(out, "p=", 2) < 0)
		return -1;
	return dkim_privkey_pubvalue(k, out);
}

/* Appends one quoted character-string of txt[0..n) (RFC 1035 5.1). */
static int
quoted(strbuf *out, const char *txt, size_t n)
{
	size_t i;

	if (sb_putc(out, '"') < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if ((txt[i] == '"' || txt[i] == '\\') && sb_putc(out, '\\') < 0)
			return -1;
		if (sb_putc(out, txt[i]) < 0)
			return -1;
	}
	return sb_putc(out, '"');
}

int
dkim_txt_strings(const char *txt, size_t len, const char *sep, strbuf *out)
{
	const char *p;
	size_t off = 0, n;

	/* the tags before p= in a string of their own when they fit, so the
	 * key reads as one block (as opendkim-genkey prints it) */
	p = len >= 2 ? memmem(txt, len, "p=", 2) : NULL;
	while (off < len) {
		n = len - off;
		if (n > DKIM_TXT_STRING_MAX)
			n = DKIM_TXT_STRING_MAX;
		if (p != NULL && (size_t)(p - txt) > off &&
		    (size_t)(p - txt) - off <= n)
			n = (size_t)(p - txt) - off;
		if ((off > 0 && sb_puts(out, sep) < 0) ||
		    quoted(out, txt + off, n) < 0)
			return -1;
		off += n;
	}
	if (len == 0)
		return quoted(out, txt, 0);
	return 0;
}

int
dkim_privkey_match(const dkim_privkey *k, const char *txt, size_t len,
    char *err, size_t errlen)
{
	dkim_key pub;
	int rc;

	memset(&pub, 0, sizeof(pub));
	if (dkim_key_parse(&pub, txt, len, err, errlen) != 0)
		return -1;
	if (pub.revoked) {
		snprintf(err, errlen, "the key is revoked (empty p=)");
		dkim_key_clear(&pub);
		return -1;
	}
	/* the decoded keys compared, not the base64 text */
	rc = EVP_PKEY_eq(k->pkey, pub.pkey) == 1;
	if (!rc)
		snprintf(err, errlen, "the record's p= is another %s key",
		    (pub.type == DKIM_KEY_ED25519) ? "ed25519" : "rsa");
	dkim_key_clear(&pub);
	return rc;
}
