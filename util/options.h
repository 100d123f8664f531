/*
 * util/options.h - command-line options read from a table.
 *
 * SYNOPSIS
 *   opt_status opt_parse(int argc, char **argv, const opt_spec *spec,
 *                        opt_fn fn, void *ctx, opt_result *r);
 *   void opt_result_free(opt_result *r);
 *
 * DESCRIPTION
 *   The subcommands and the daemon describe their options in a table of
 *   opt_spec rows ending with OPT_END; opt_parse() reads argv[1..argc)
 *   with the rules of GNU getopt_long(), which they used before, so
 *   command lines and error words stay the same:
 *   - a long option is --name, or any prefix of one name only (an exact
 *     name wins); its argument is --name=VALUE or the next word (even
 *     one starting with '-'); --name=VALUE for an option without an
 *     argument is an error;
 *   - short options may share a word (-fn); an argument follows in the
 *     same word (-cFILE) or is the next word;
 *   - "--" ends the options; "-" and every word not starting with '-'
 *     is an operand. Options and operands may mix: the operands are
 *     moved to the end of argv, in their order, and r->first is the
 *     index of the first (argc when there is none). With the
 *     environment variable POSIXLY_CORRECT set, the first operand ends
 *     the options instead.
 *
 *   Each option, in command-line order: a row with str stores its
 *   argument there (NULL for an option without one), a row with flag sets
 *   *flag to 1 (both may be set); a row with neither calls fn(ctx, id,
 *   arg), which returns OPT_OK to go on, OPT_STOP to stop reading (e.g.
 *   --help) or OPT_FAIL to stop on an error it reported itself.
 *
 *   opt_parse() returns OPT_DONE (every option read), OPT_STOPPED or
 *   OPT_FAILED (fn said so; r->spec is its row) or OPT_BAD: a word that
 *   is not a valid option. Then r->why holds getopt_long()'s words for it,
 *   without its "PROGRAM: " prefix and newline:
 *     unrecognized option '--WORD'
 *     option '--WORD' is ambiguous; possibilities: '--a' '--b'
 *     option '--NAME' doesn't allow an argument
 *     option '--NAME' requires an argument
 *     invalid option -- 'c'
 *     option requires an argument -- 'c'
 *   (WORD as given, NAME the option's full name). r->word is the argv
 *   word holding the option at fault or stopping (for OPT_BAD, OPT_STOPPED,
 *   OPT_FAILED). r->why is always initialised: opt_result_free() releases
 *   it. argv's words are only reordered, never changed. Nothing here
 *   prints; no global state (re-entrant).
 */
#ifndef AUTHMILTER_OPTIONS_H
#define AUTHMILTER_OPTIONS_H

#include "util/strbuf.h"

enum { OPT_NOARG = 0, OPT_ARG = 1 };

typedef struct opt_spec {
	const char *name;	/* long name, without "--"; NULL: none */
	int letter;		/* short option letter; 0: none */
	int has_arg;		/* OPT_ARG: takes an argument */
	int id;			/* handed to fn for a row without str/flag */
	const char **str;	/* the argument goes here */
	int *flag;		/* set to 1 when the option is given */
} opt_spec;

#define OPT_END { NULL, 0, 0, 0, NULL, NULL }

/* What fn returns. */
enum { OPT_OK = 0, OPT_STOP = 1, OPT_FAIL = -1 };

typedef int (*opt_fn)(void *ctx, int id, const char *arg);

typedef enum opt_status {
	OPT_DONE = 0,
	OPT_STOPPED,
	OPT_FAILED,
	OPT_BAD,
} opt_status;

typedef struct opt_result {
	int first;		/* OPT_DONE: argv index of the first operand */
	const char *word;	/* the argv word of the last option read */
	const opt_spec *spec;	/* its row (NULL: the word names no option) */
	strbuf why;		/* OPT_BAD: getopt_long()'s words */
} opt_result;

opt_status opt_parse(int argc, char **argv, const opt_spec *spec, opt_fn fn,
    void *ctx, opt_result *r);
void opt_result_free(opt_result *r);

#endif
