/*
 * contrib/milterbench/mb_corpus.h - the benchmark corpus in memory: the
 * manifest (envelope per message), each message split into headers and body
 * as an MTA hands them to a milter, and the header edits milters ask for.
 *
 * SUMMARY
 *	Loads every message named by a manifest once, before timing starts,
 *	so the measured loop does no file I/O and no parsing.
 *
 * SYNOPSIS
 *	#include "contrib/milterbench/mb_corpus.h"
 *
 *	int	mb_corpus_load(mb_corpus *c, const char *dir, const char *manifest,
 *		    size_t limit, char *err, size_t errlen);
 *	void	mb_corpus_free(mb_corpus *c);
 *	int	mb_split_message(mb_message *m, const char *raw, size_t len,
 *		    char *err, size_t errlen);
 *	void	mb_message_free(mb_message *m);
 *	int	mb_hdrs_init(mb_hdrs *h, const mb_message *m);
 *	int	mb_hdrs_edit(mb_hdrs *h, int op, uint32_t index,
 *		    const char *name, const char *value);
 *	void	mb_hdrs_free(mb_hdrs *h);
 *
 * DESCRIPTION
 *	Manifest: one message per line, TAB-separated fields
 *	    id file client_ip helo mail_from rcpt[,rcpt...] auth_user
 *	file is relative to dir; auth_user "-" means not authenticated.
 *	Lines starting with '#' and empty lines are skipped. limit > 0 loads
 *	at most that many messages. mb_corpus_load returns 0, or -1 with a
 *	message naming the file and line in err.
 *
 *	mb_split_message() splits raw RFC 5322 text (CRLF or LF line ends) at
 *	the first empty line: each header becomes a name and a value, the
 *	value unfolded into lines joined by LF without the CRs, as Postfix and
 *	Sendmail send them; the body gets CRLF line ends. A header line with
 *	no colon ends the header section (it starts the body, as in Postfix).
 *	At most MB_HEADERS_MAX headers are kept.
 *
 *	mb_hdrs is a per-delivery copy of a message's header list that
 *	milter edits change (so the next milter in a chain sees them, as in
 *	Postfix). mb_hdrs_edit() applies SMFIR_ADDHEADER (append),
 *	SMFIR_INSHEADER (insert before position index, 0 = top) or
 *	SMFIR_CHGHEADER (the index-th header of that name, 1-based; an empty
 *	value deletes it; a missing one is appended, as Sendmail does).
 *	Returns 0, or -1 when memory runs out or op is not an edit.
 */
#ifndef MB_CORPUS_H
#define MB_CORPUS_H

#include <stddef.h>
#include <stdint.h>

/* RFC 5322 3.6 sets no header count limit; this bounds hostile input */
#define MB_HEADERS_MAX	1000

typedef struct mb_header {
	char *name;
	char *value;		/* unfolded lines joined by LF, leading WSP kept */
	int owned;		/* 1 when mb_hdrs allocated name/value */
} mb_header;

typedef struct mb_message {
	char *id;
	char *client_ip;
	char *helo;
	char *mail_from;
	char **rcpts;
	size_t nrcpts;
	char *auth;		/* NULL when not authenticated */
	mb_header *hdrs;
	size_t nhdrs;
	char *body;		/* CRLF line ends */
	size_t body_len;
	size_t raw_len;
} mb_message;

typedef struct mb_corpus {
	mb_message *msgs;
	size_t n;
	size_t bytes;		/* sum of raw sizes */
} mb_corpus;

typedef struct mb_hdrs {
	mb_header *h;
	size_t n, cap;
} mb_hdrs;

int mb_corpus_load(mb_corpus *c, const char *dir, const char *manifest,
    size_t limit, char *err, size_t errlen);
void mb_corpus_free(mb_corpus *c);
int mb_split_message(mb_message *m, const char *raw, size_t len, char *err,
    size_t errlen);
void mb_message_free(mb_message *m);
int mb_hdrs_init(mb_hdrs *h, const mb_message *m);
int mb_hdrs_edit(mb_hdrs *h, int op, uint32_t index, const char *name,
    const char *value);
void mb_hdrs_free(mb_hdrs *h);

#endif
