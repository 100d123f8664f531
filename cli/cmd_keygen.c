/*
 * cli/cmd_keygen.c - `authmilter keygen` (opendkim-genkey's job): a new
 * DKIM key (dkim/dkim_sign.h KEY TOOLS) written as DIR/S.private (mode
 * 0600, PKCS#8 PEM) and DIR/S.txt (the zone-file TXT record, its strings
 * at most 255 octets), the record and the sign_key line printed.
 *
 *   authmilter keygen --domain D --selector S [--algorithm rsa|ed25519]
 *                     [--bits N] [--dir DIR] [--force]
 *
 * Files are created with O_CREAT|O_EXCL|O_NOFOLLOW and their mode set
 * with fchmod (so the umask neither widens nor narrows it); an existing
 * file or a symbolic link at either name is refused without --force, and
 * replaced with --force by a rename of a new file over it (the link
 * itself replaced, never followed). Exit 0 written, 1 on a failure, 2 on
 * bad usage.
 */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "dkim/dkim.h"
#include "dkim/dkim_sign.h"

/* Local limit: DIR/S.private fits a path buffer with room to spare. */
#define KEYGEN_PATH_MAX 4096

enum { O_BITS = 1 };

typedef struct keygen_cli {
	const char *domain, *selector, *alg, *dir;
	unsigned bits;
	int force;
} keygen_cli;

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: authmilter keygen --domain D --selector S "
	    "[--algorithm rsa|ed25519]\n"
	    "           [--bits N] [--dir DIR] [--force]\n\n"
	    "  --domain D          the signing domain (d=)\n"
	    "  --selector S        the selector (s=): the record is at "
	    "S._domainkey.D\n"
	    "  --algorithm A       rsa (default) or ed25519 (RFC 8463; sign "
	    "with an RSA\n"
	    "                      key too: not every verifier knows Ed25519)\n"
	    "  --bits N            RSA key size (default %d; %d at least, "
	    "RFC 8301 3.2)\n"
	    "  --dir DIR           where to write S.private and S.txt "
	    "(default .)\n"
	    "  --force             replace existing files\n"
	    "  -h, --help          this text\n\n"
	    "Writes DIR/S.private (the private key, mode 0600) and DIR/S.txt "
	    "(the DNS\n"
	    "TXT record in zone-file syntax, strings of at most %d octets), "
	    "then prints\nthe record and the sign_key line for "
	    "authmilter.conf.\n", DKIM_SIGN_RECOMMENDED_RSA_BITS,
	    DKIM_SIGN_MIN_RSA_BITS, DKIM_TXT_STRING_MAX);
}

static int
dkim_name_ok(const char *flag, const char *s)
{
	size_t i, n = strlen(s);

	/* a DNS name of LDH labels and '_' that is also a file name part */
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_' || s[i] == '.'))
			break;
	if (n == 0 || i < n || s[0] == '.' || s[n - 1] == '.' ||
	    strstr(s, "..") != NULL || n > DNS_MAX_NAME_LEN) {
		cli_err("--%s: '%s' is not a domain name\n", flag, s);
		return -1;
	}
	return 0;
}

int
cli_dkim_operands(int first, int argc, char **argv, const char *domain,
    const char *selector, void (*usage_fn)(FILE *))
{
	if (first != argc || domain == NULL || selector == NULL) {
		if (first != argc)
			cli_err("no operands, not '%s'\n", argv[first]);
		else
			cli_err("--domain and --selector are required\n");
		usage_fn(stderr);
		return -1;
	}
	if (dkim_name_ok("domain", domain) < 0 ||
	    dkim_name_ok("selector", selector) < 0)
		return -1;
	return 0;
}

static int
keygen_option(void *arg, int id, const char *val)
{
	keygen_cli *c = arg;
	char *end;
	unsigned long v;

	if (id == O_BITS) {
		errno = 0;
		v = strtoul(val, &end, 10);
		if (val[0] < '0' || val[0] > '9' || *end != '\0' ||
		    errno != 0 || v > 1000000) {
			cli_err("--bits: '%s' is not a number of bits\n", val);
			return OPT_FAIL;
		}
		c->bits = (unsigned)v;
		return OPT_OK;
	}
	return OPT_FAIL;
}

/* Writes data to path, mode 0600 or 0644, never through a link; with
 * force through a temporary file renamed over path. 0, or -1 said. */
static int
write_file(const char *path, const char *data, size_t len, mode_t mode,
    int force)
{
	char tmp[KEYGEN_PATH_MAX + 16];
	const char *target = path;
	size_t off = 0;
	ssize_t w;
	int fd;

	if (force) {
		if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new", path) >=
		    sizeof(tmp)) {
			cli_err("%s: path too long\n", path);
			return -1;
		}
		(void)unlink(tmp);   /* a leftover of an interrupted run */
		target = tmp;
	}
	fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC | O_NOCTTY, mode);
	if (fd < 0) {
		if (errno == EEXIST)
			cli_err("%s exists (a file or a link): not replaced "
			    "without --force\n", target);
		else
			cli_err("%s: %s\n", target, strerror(errno));
		return -1;
	}
	if (fchmod(fd, mode) < 0) {
		cli_err("%s: %s\n", target, strerror(errno));
		goto fail;
	}
	while (off < len) {
		w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			cli_err("%s: %s\n", target, w < 0 ? strerror(errno) :
			    "short write");
			goto fail;
		}
		off += (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		cli_err("%s: %s\n", target, strerror(errno));
		fd = -1;
		goto fail;
	}
	if (force && rename(tmp, path) < 0) {
		cli_err("%s: %s\n", path, strerror(errno));
		(void)unlink(tmp);
		return -1;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	(void)unlink(target);
	return -1;
}

/* A file that must not exist yet (without --force). */
static int
absent(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == 0) {
		cli_err("%s exists%s: not replaced without --force\n", path,
		    S_ISLNK(st.st_mode) ? " (a symbolic link)" : "");
		return -1;
	}
	return 0;
}

int
cmd_keygen(int argc, char **argv)
{
	keygen_cli c;
	dkim_privkey *k = NULL;
	strbuf pem, rec, zone;
	char priv[KEYGEN_PATH_MAX], txt[KEYGEN_PATH_MAX], err[256];
	char abs[PATH_MAX];
	int first, rc, type;
	const opt_spec spec[] = {
		{ "domain", 0, OPT_ARG, 0, &c.domain, NULL },
		{ "selector", 0, OPT_ARG, 0, &c.selector, NULL },
		{ "algorithm", 0, OPT_ARG, 0, &c.alg, NULL },
		{ "bits", 0, OPT_ARG, O_BITS, NULL, NULL },
		{ "dir", 0, OPT_ARG, 0, &c.dir, NULL },
		{ "force", 0, OPT_NOARG, 0, NULL, &c.force },
		{ "help", 'h', OPT_NOARG, CLI_OPT_HELP, NULL, NULL },
		OPT_END,
	};
	static const cli_usage u = { usage };

	memset(&c, 0, sizeof(c));
	c.bits = DKIM_SIGN_RECOMMENDED_RSA_BITS;
	rc = cli_options(argc, argv, spec, keygen_option, &c, &u, &first);
	if (rc != CLI_PARSED)
		return rc;
	if (cli_dkim_operands(first, argc, argv, c.domain, c.selector,
	    usage) < 0)
		return CLI_EXIT_USAGE;
	if (c.alg == NULL || strcmp(c.alg, "rsa") == 0)
		type = DKIM_PRIVKEY_RSA;
	else if (strcmp(c.alg, "ed25519") == 0)
		type = DKIM_PRIVKEY_ED25519;
	else {
		cli_err("--algorithm: '%s' is not rsa or ed25519\n", c.alg);
		return CLI_EXIT_USAGE;
	}
	if (type == DKIM_PRIVKEY_RSA && (c.bits < DKIM_SIGN_MIN_RSA_BITS ||
	    c.bits > DKIM_MAX_RSA_BITS_LIMIT)) {
		cli_err("--bits: %u: an RSA key has %d to %d bits "
		    "(RFC 8301 3.2: verifiers refuse smaller keys)\n", c.bits,
		    DKIM_SIGN_MIN_RSA_BITS, DKIM_MAX_RSA_BITS_LIMIT);
		return CLI_EXIT_USAGE;
	}
	if (type == DKIM_PRIVKEY_RSA && c.bits < DKIM_SIGN_RECOMMENDED_RSA_BITS)
		cli_err("warning: an RSA key of %u bits: signers SHOULD use "
		    "%d (RFC 8301 3.2)\n", c.bits,
		    DKIM_SIGN_RECOMMENDED_RSA_BITS);
	if (c.dir == NULL)
		c.dir = ".";
	if ((size_t)snprintf(priv, sizeof(priv), "%s/%s.private", c.dir,
	    c.selector) >= sizeof(priv) || (size_t)snprintf(txt, sizeof(txt),
	    "%s/%s.txt", c.dir, c.selector) >= sizeof(txt)) {
		cli_err("--dir: '%s' is too long\n", c.dir);
		return CLI_EXIT_USAGE;
	}
	if (!c.force && (absent(priv) < 0 || absent(txt) < 0))
		return CLI_EXIT_FAILURE;
	if ((k = dkim_privkey_generate(type, c.bits, err, sizeof(err))) ==
	    NULL) {
		cli_err("%s\n", err);
		return CLI_EXIT_FAILURE;
	}
	sb_init(&pem);
	sb_init(&rec);
	sb_init(&zone);
	rc = CLI_EXIT_FAILURE;
	if (dkim_privkey_pem(k, &pem) < 0 || dkim_privkey_record(k, &rec) < 0 ||
	    sb_printf(&zone, "%s._domainkey.%s.\tIN\tTXT\t( ", c.selector,
	    c.domain) < 0 || dkim_txt_strings(rec.s, rec.len, "\n\t\t", &zone) <
	    0 || sb_puts(&zone, " )\n") < 0) {
		cli_err("out of memory\n");
		goto out;
	}
	if (write_file(priv, pem.s, pem.len, 0600, c.force) < 0 ||
	    write_file(txt, zone.s, zone.len, 0644, c.force) < 0)
		goto out;
	/* the config line names the key by its absolute path */
	if (realpath(c.dir, abs) != NULL && (size_t)snprintf(priv, sizeof(priv),
	    "%s/%s.private", abs, c.selector) >= sizeof(priv))
		(void)snprintf(priv, sizeof(priv), "%s/%s.private", c.dir,
		    c.selector);
	printf("%s", zone.s);
	printf("; %s-%u key, private key in %s\n"
	    "; authmilter.conf:\nsign_key = %s %s %s\n",
	    type == DKIM_PRIVKEY_RSA ? "rsa" : "ed25519",
	    dkim_privkey_bits(k), priv, c.domain, c.selector, priv);
	rc = CLI_EXIT_OK;
out:
	if (pem.cap > 0)
		OPENSSL_cleanse(pem.s, pem.cap);
	sb_free(&pem);
	sb_free(&rec);
	sb_free(&zone);
	dkim_privkey_free(k);
	return rc;
}
