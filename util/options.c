/*
 * util/options.c - command-line options read from a table (options.h):
 * GNU getopt_long()'s rules and error words, without its global state
 * and without printing.
 */
#include "util/options.h"

#include <stdlib.h>
#include <string.h>

/* Moves argv[from] down to argv[to] (to <= from), the words between one
 * up: the operands skipped so far stay after the options, in order. */
static void
move_down(char **argv, int to, int from)
{
	char *w = argv[from];

	memmove(&argv[to + 1], &argv[to], (size_t)(from - to) * sizeof(*argv));
	argv[to] = w;
}

/* The row's action; OPT_OK, OPT_STOP or OPT_FAIL. */
static int
apply(const opt_spec *o, const char *arg, opt_fn fn, void *ctx)
{
	if (o->str == NULL && o->flag == NULL)
		return fn != NULL ? fn(ctx, o->id, arg) : OPT_OK;
	if (o->str != NULL)
		*o->str = arg;
	if (o->flag != NULL)
		*o->flag = 1;
	return OPT_OK;
}

/* The row of a long option (w without its "--"): an exact name, else
 * the one name w starts; NULL with why when none or several. */
static const opt_spec *
find_long(const opt_spec *spec, const char *w, const char *word,
    opt_result *r)
{
	const opt_spec *o, *found = NULL;
	size_t len = strcspn(w, "=");
	int many = 0;

	for (o = spec; o->name != NULL || o->letter != 0; o++)
		if (o->name != NULL && strlen(o->name) == len &&
		    strncmp(o->name, w, len) == 0)
			return o;
	for (o = spec; o->name != NULL || o->letter != 0; o++)
		if (o->name != NULL && strncmp(o->name, w, len) == 0) {
			if (found != NULL)
				many = 1;
			else
				found = o;
		}
	if (found == NULL) {
		sb_printf(&r->why, "unrecognized option '%s'", word);
		return NULL;
	}
	if (!many)
		return found;
	sb_printf(&r->why, "option '%s' is ambiguous; possibilities:", word);
	for (o = spec; o->name != NULL || o->letter != 0; o++)
		if (o->name != NULL && strncmp(o->name, w, len) == 0)
			sb_printf(&r->why, " '--%s'", o->name);
	return NULL;
}

/* argv[i] is a long option. Returns the words it used (1 or 2), or -1
 * with r->why; *rc is what its action said. */
static int
long_option(int argc, char **argv, int i, const opt_spec *spec, opt_fn fn,
    void *ctx, opt_result *r, int *rc)
{
	const char *w = argv[i] + 2, *eq = strchr(w, '='), *arg = NULL;
	const opt_spec *o = find_long(spec, w, argv[i], r);
	int used = 1;

	if (o == NULL)
		return -1;
	r->spec = o;
	if (eq != NULL && !o->has_arg) {
		sb_printf(&r->why, "option '--%s' doesn't allow an argument",
		    o->name);
		return -1;
	}
	if (eq != NULL) {
		arg = eq + 1;
	} else if (o->has_arg) {
		if (i + 1 >= argc) {
			sb_printf(&r->why, "option '--%s' requires an argument",
			    o->name);
			return -1;
		}
		arg = argv[i + 1];
		used = 2;
	}
	*rc = apply(o, arg, fn, ctx);
	return used;
}

/* argv[i] holds short options (-abc, -cVALUE). As long_option(). */
static int
short_options(int argc, char **argv, int i, const opt_spec *spec, opt_fn fn,
    void *ctx, opt_result *r, int *rc)
{
	const char *p;
	const opt_spec *o;

	*rc = OPT_OK;
	for (p = argv[i] + 1; *p != '\0' && *rc == OPT_OK; p++) {
		for (o = spec; o->name != NULL || o->letter != 0; o++)
			if (o->letter != 0 && o->letter == *p)
				break;
		if (o->letter == 0) {
			r->spec = NULL;	/* not the cluster's previous letter */
			sb_printf(&r->why, "invalid option -- '%c'", *p);
			return -1;
		}
		r->spec = o;
		if (!o->has_arg) {
			*rc = apply(o, NULL, fn, ctx);
			continue;
		}
		if (p[1] != '\0') {
			*rc = apply(o, p + 1, fn, ctx);
			return 1;
		}
		if (i + 1 >= argc) {
			sb_printf(&r->why, "option requires an argument -- '%c'",
			    *p);
			return -1;
		}
		*rc = apply(o, argv[i + 1], fn, ctx);
		return 2;
	}
	return 1;
}

opt_status
opt_parse(int argc, char **argv, const opt_spec *spec, opt_fn fn, void *ctx,
    opt_result *r)
{
	int in_order = getenv("POSIXLY_CORRECT") != NULL;
	int done = 1;	/* argv[1..done): the options read */
	int i = 1;	/* the next word; argv[done..i): operands skipped */
	int used, rc;

	memset(r, 0, sizeof(*r));
	sb_init(&r->why);
	while (i < argc) {
		const char *w = argv[i];

		if (w[0] != '-' || w[1] == '\0') {
			if (in_order)
				break;
			i++;
			continue;
		}
		if (strcmp(w, "--") == 0) {
			move_down(argv, done++, i++);
			break;
		}
		r->word = w;
		r->spec = NULL;
		rc = OPT_OK;
		used = w[1] == '-' ?
		    long_option(argc, argv, i, spec, fn, ctx, r, &rc) :
		    short_options(argc, argv, i, spec, fn, ctx, r, &rc);
		if (used < 0)
			return OPT_BAD;
		if (rc == OPT_STOP)
			return OPT_STOPPED;
		if (rc != OPT_OK)
			return OPT_FAILED;
		while (used-- > 0)
			move_down(argv, done++, i++);
	}
	r->first = done;
	r->spec = NULL;
	r->word = NULL;
	return OPT_DONE;
}

void
opt_result_free(opt_result *r)
{
	sb_free(&r->why);
}
