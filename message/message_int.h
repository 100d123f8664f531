/*
 * message/message_int.h - the insides of message.c and verdict.c; not
 * included from anywhere else.
 */
#ifndef AUTHMILTER_MESSAGE_INT_H
#define AUTHMILTER_MESSAGE_INT_H

#include "message/message.h"
#include "message/arc_trust_int.h"
#include "message/iprev_int.h"
#include "message/spf_pool_int.h"
#include "util/ipaddr.h"
#include "util/strbuf.h"

/* From fields kept, outside max_header_bytes (RFC 5322 3.6 allows one;
 * more are kept only to name their domains in reports): at most this many
 * fields and DMARC_FROM_MAX_LEN octets together. A field past either
 * bound makes the From bad (msg_eoh), never absent. */
#define MSG_MAX_FROM 8
#define MSG_MAX_PREFETCH 32     /* _dmarc lookups started at end of headers */
#define MSG_MAX_DKIM_SHOWN 64   /* signatures listed in the header */
#define MSG_NAME_MAX 256        /* a host name, RFC 1035 2.3.4, with NUL */
/* Of the message's DNS query budget, kept for the lookups that decide the
 * author domain's DMARC result and that a sender cannot multiply: the
 * _dmarc names of the authors' walks (prefetched, MSG_MAX_PREFETCH), the
 * np existence test (3) and the DKIM keys (dkim_max_signatures, added at
 * run time); never more than half of the budget (local policy). */
#define MSG_DNS_RESERVE_BASE (MSG_MAX_PREFETCH + 3)
/* upstream_networks: Received fields looked through for the original
 * client (hops between gateways and our MTA's own are skipped); local
 * limit: a chain of gateways longer than this is a misconfiguration or
 * a loop, and the message fails closed. */
#define MSG_MAX_UPSTREAM_HOPS 8
#define MSG_MAX_GW_DKIM 16      /* DKIM results read from a gateway's AR:
				   DMARC_MAX_DKIM are evaluated */
/* The ARC keys' own DNS allowance (a pool of the budget): an ARC-Seal and
 * an ARC-Message-Signature key per set (RFC 8617 5.2), at most
 * ARC_MAX_SETS sets. */
#define MSG_ARC_LOOKUPS (2 * ARC_MAX_SETS)
/* SPF's HELO check, run beside MAIL FROM's, has an allowance of its own (a
 * pool of the budget) so an expensive HELO domain - the sender's choice -
 * cannot use up the lookups MAIL FROM, the identity DMARC uses, needs.
 * Local limit: the record, the RFC 7208 4.6.4 ten terms, and room for an
 * mx or two's names; past it HELO alone is temperror (informational: with
 * a non-null sender MAIL FROM decides). */
#define MSG_SPF_HELO_LOOKUPS 24

struct msg_env {
	const am_config *cfg;
	dns_resolver *r;
	dmarc_psl *psl;                       /* dmarc_mode = rfc7489 */
	spf_pool *pool;
	dkim_keycache *keycache;              /* parsed DKIM keys, shared */
	ipaddr trusted[CONFIG_MAX_LIST];
	unsigned trusted_prefix[CONFIG_MAX_LIST];
	size_t ntrusted;
	ipaddr exempt[CONFIG_MAX_LIST];       /* dmarc_exempt_networks */
	unsigned exempt_prefix[CONFIG_MAX_LIST];
	size_t nexempt;
	ipaddr upstream[CONFIG_MAX_LIST];     /* upstream_networks */
	unsigned upstream_prefix[CONFIG_MAX_LIST];
	size_t nupstream;
	int64_t now;                          /* tests: fixed clock; 0 = real */
	unsigned (*sample)(void *arg);        /* tests: fixed pct sampling */
	void *sample_arg;
	const arc_seal_conf *seal;            /* arc_seal (borrowed), or NULL */
};

enum { MSG_HOP_LOOKING, MSG_HOP_FOUND, MSG_HOP_FAILED };

enum { MSG_ST_IDLE, MSG_ST_ENVELOPE, MSG_ST_HEADERS, MSG_ST_BODY, MSG_ST_DONE };

typedef struct msg_prefetch {
	char name[DNS_MAX_NAME_LEN + 8];
	dns_type type;
	dns_query *q;
} msg_prefetch;

struct msg {
	msg_env *env;
	/* the connection */
	char ip[64];
	int have_ip;
	int trusted;
	int outbound;                          /* msg_set_outbound(): signed */
	int exempt_source;                     /* in dmarc_exempt_networks */
	char hostname[MSG_NAME_MAX];
	char helo[MSG_NAME_MAX];
	int upstream;                          /* client in upstream_networks */
	/* the client judged (SPF, iprev, Received-SPF, reports): the
	 * connection's, or the original client named by the gateway's
	 * Received field (upstream) */
	char src_ip[64];
	char src_helo[MSG_NAME_MAX];
	int hop_state;                         /* upstream: MSG_HOP_* */
	unsigned nreceived;                    /* Received fields read */
	char hop_why[200];                     /* what was found, or why not */
	/* trusted_authserv_ids (upstream_ar.c) */
	int gw_ar_seen;                        /* a trusted id was met */
	struct ar_header *gw_ar;               /* the gateway's field, parsed */
	char gw_ar_why[200];
	dkim_sigresult gw_dkim[MSG_MAX_GW_DKIM];
	size_t ngw_dkim;
	/* the message */
	int state;
	int failed;
	char fail_reason[128];
	char qid[64];
	char log_id[DNS_BUDGET_TAG_MAX];       /* the trace's tag, or "" */
	int64_t dns_wait_us;                   /* msg_eom's waits so far */
	char auth_user[MSG_NAME_MAX];
	char mail_from[SPF_SENDER_MAX];
	int have_mail_from;
	unsigned nrcpt;
	size_t nheaders, header_bytes;
	unsigned nar;                          /* AR fields seen so far */
	size_t nremove;                        /* of them claiming our id */
	unsigned char *ar_remove;              /* bit i-1: remove the i-th */
	size_t ar_remove_size;                 /* octets allocated */
	char *from_val[MSG_MAX_FROM];
	size_t from_len[MSG_MAX_FROM];
	size_t nfrom, from_bytes, nfrom_seen;
	int from_too_long;                     /* a From past DMARC_FROM_MAX_LEN */
	/* work in flight */
	dns_budget *budget;                    /* deadline + lookup count */
	char dns_limit[128];                   /* the bound(s) it met, or "" */
	spf_job *spf_job;
	dkim_verifier *dkim;
	msg_prefetch pre[MSG_MAX_PREFETCH];
	size_t npre;
	msg_iprev iprev;                       /* config iprev */
	arc_verifier *arc;                     /* config arc */
	dns_budget *arc_pool;                  /* MSG_ARC_LOOKUPS of budget */
	arc_trust arc_trust;                   /* arc_trusted_sealers */
	int arc_trusted;                       /* its override applied */
	arc_sealer *sealer;                    /* arc_seal (msg_seal.c) */
	char seal_why[256];                    /* why it cannot seal, or "" */
	char seal_note[300];                   /* v.arc_seal_note */
	strbuf seal_out;                       /* the ARC set added */
	/* results */
	int spf_done;
	spf_result spf_mf, spf_helo;
	const dkim_sigresult *dkimres[MSG_MAX_DKIM_SHOWN];
	size_t ndkim;
	dmarc_from from;
	dmarc_from_status from_status;
	char from_why[160];
	dmarc_result dmarc;
	int dmarc_done;
	strbuf ar, rspf;
	msg_verdict v;
};

int msg_skipped(const msg *m);
int msg_start_spf(msg *m);
int msg_upstream_received(msg *m, const char *value, size_t len);
void msg_upstream_eoh(msg *m);          /* upstream.c */
int msg_ip_exempt(const msg_env *env, const char *ip); /* message.c */
int msg_upstream_ar(msg *m, const char *value, size_t len);
int msg_upstream_ar_spf(msg *m);
void msg_upstream_ar_dkim(msg *m);
const char *msg_upstream_ar_ip(const msg *m);  /* upstream_ar.c */
void msg_dmarc_prefetch(msg *m);     /* msg_dmarc.c */
void msg_dmarc_clear(msg *m);
void msg_run_dmarc(msg *m);
int64_t msg_now_us(void);           /* message.c */
int msg_arc_started(const msg *m);
const arc_chain *msg_arc_chain(const msg *m);
void msg_decide(msg *m);           /* verdict.c */
void msg_seal_start(msg *m);       /* msg_seal.c */
void msg_seal_header(msg *m, const char *name, size_t namelen,
    const char *value, size_t len);
void msg_seal_header_skipped(msg *m);
void msg_seal_eoh(msg *m);
void msg_seal_body(msg *m, const void *data, size_t len);
void msg_seal_finish(msg *m);
void msg_seal_clear(msg *m);

#endif
