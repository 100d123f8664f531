/*
 * message/msg_seal.c - arc_seal in the evaluation of one message (the
 * milter and `authmilter check` alike): the sealer of the runtime's
 * arc_seal key (msg_env_set_arc_seal) fed beside the ARC verifier, and
 * at end of message, after the verdict, the next ARC set (RFC 8617 5.1)
 * with our own Authentication-Results as its ARC-Authentication-Results
 * and cv= from the chain the verifier found. Contract in message.h
 * ("ARC sealing") and message_int.h.
 *
 * Sealed: checked messages (not skipped) that are delivered (accept or
 * quarantine). Never sealed: a reject or tempfail, a skipped message.
 * A sealing failure is never silent: v.arc_seal_failed and the reason,
 * and on_seal_error (accept-unsealed, the default, or tempfail) decides;
 * it never turns a reject into an accept (only a delivered message is
 * sealed at all).
 */
#include "message/message.h"

#include <stdio.h>
#include <string.h>

#include "message/message_int.h"

void
msg_env_set_arc_seal(msg_env *env, const arc_seal_conf *c)
{
	env->seal = c;
}

static void
seal_fail(msg *m, const char *why)
{
	if (m->seal_why[0] == '\0')
		snprintf(m->seal_why, sizeof(m->seal_why), "%s", why);
}

void
msg_seal_start(msg *m)
{
	char why[200];

	if (m->env->seal == NULL || m->sealer != NULL)
		return;
	m->sealer = arc_seal_conf_sealer(m->env->seal, m->env->now, why,
	    sizeof(why));
	if (m->sealer == NULL)
		seal_fail(m, why);
}

void
msg_seal_header(msg *m, const char *name, size_t namelen, const char *value,
    size_t len)
{
	if (m->sealer != NULL && m->seal_why[0] == '\0' &&
	    arc_sealer_header(m->sealer, name, namelen, value, len) < 0)
		seal_fail(m, arc_sealer_error(m->sealer));
}

void
msg_seal_header_skipped(msg *m)
{
	if (m->sealer != NULL)
		seal_fail(m, "a header field too big to be read");
}

void
msg_seal_eoh(msg *m)
{
	if (m->sealer != NULL && m->seal_why[0] == '\0' &&
	    arc_sealer_eoh(m->sealer) < 0)
		seal_fail(m, arc_sealer_error(m->sealer));
}

void
msg_seal_body(msg *m, const void *data, size_t len)
{
	if (m->sealer != NULL && m->seal_why[0] == '\0' &&
	    arc_sealer_body(m->sealer, data, len) < 0)
		seal_fail(m, arc_sealer_error(m->sealer));
}

void
msg_seal_clear(msg *m)
{
	arc_sealer_free(m->sealer);
	m->sealer = NULL;
	m->seal_why[0] = '\0';
	m->seal_note[0] = '\0';
	sb_reset(&m->seal_out);
}

/* After msg_decide(): seal a delivered message, or say why not. */
void
msg_seal_finish(msg *m)
{
	const am_config *cfg = m->env->cfg;
	int r;

	if (m->env->seal == NULL || msg_skipped(m))
		return;
	m->v.arc_seal_note = m->seal_note;
	if (m->v.action == MSG_REJECT || m->v.action == MSG_TEMPFAIL) {
		snprintf(m->seal_note, sizeof(m->seal_note), "not sealed: the "
		    "message is %s", m->v.action == MSG_REJECT ? "rejected" :
		    "deferred");
		return;
	}
	if (m->failed)
		seal_fail(m, "the message could not be evaluated");
	else if (msg_arc_chain(m) == NULL || m->sealer == NULL)
		seal_fail(m, "no ARC verifier or sealer (out of memory)");
	else if (m->v.auth_results == NULL)
		seal_fail(m, "no Authentication-Results to copy");
	if (m->seal_why[0] == '\0') {
		sb_reset(&m->seal_out);
		r = arc_sealer_finish(m->sealer, msg_arc_chain(m),
		    m->v.auth_results, strlen(m->v.auth_results),
		    &m->seal_out);
		if (r > 0) {
			m->v.arc_seal = m->seal_out.s;
			snprintf(m->seal_note, sizeof(m->seal_note), "%s",
			    arc_sealer_error(m->sealer));
			return;
		}
		if (r == 0) {
			snprintf(m->seal_note, sizeof(m->seal_note),
			    "not sealed: %s", arc_sealer_error(m->sealer));
			return;
		}
		seal_fail(m, arc_sealer_error(m->sealer));
	}
	m->v.arc_seal_failed = 1;
	snprintf(m->seal_note, sizeof(m->seal_note), "cannot seal: %s",
	    m->seal_why);
	if (cfg->on_seal_error != CONFIG_SEALERR_TEMPFAIL)
		return;
	m->v.action = MSG_TEMPFAIL;
	snprintf(m->v.smtp_rcode, sizeof(m->v.smtp_rcode), "451");
	snprintf(m->v.smtp_xcode, sizeof(m->v.smtp_xcode), "4.7.0");
	snprintf(m->v.smtp_text, sizeof(m->v.smtp_text), "the message cannot "
	    "be sealed (ARC), try again later");
	snprintf(m->v.reason, sizeof(m->v.reason), "on_seal_error = "
	    "tempfail: %.200s", m->seal_why);
}
