/*
 * tests/lib/verdict_run.h - one message through message/message.c (the
 * calls the milter callbacks and `authmilter check` make), over the real
 * resolver serving tests/fixtures/verdict/verdict.zone: the harness of the
 * check_verdict*.c programs. Check programs only (it asserts).
 *
 * SYNOPSIS
 *   void vr_start(const char *const *kv);
 *   void vr_teardown(void);
 *   const msg_verdict *vr_run_text(const char *ip, const char *helo,
 *       const char *mailfrom, const char *auth, const char *text,
 *       size_t len);
 *   const msg_verdict *vr_run(const char *ip, const char *mailfrom,
 *       const char *headers);
 *   const msg_verdict *vr_run_big(const char *ip, const char *mailfrom,
 *       const char *headers);
 *   const msg_verdict *vr_run_file(const char *ip, const char *mailfrom,
 *       const char *name);
 *   char *vr_read_file(const char *name, size_t *len);
 *   void vr_assert_header_sane(const msg_verdict *v);
 *   int vr_has(const msg_verdict *v, const char *needle);
 *
 * DESCRIPTION
 *   vr_start() builds the configuration (the defaults, dns_zone =
 *   VR_ZONE, authserv_id = VR_ASID, trusted_networks = 10.0.0.0/8,
 *   spf_threads = 2, then the "KEY=VALUE" strings of kv, NULL-terminated,
 *   15 at most), the resolver (with TEMPFAIL injected for the TXT records
 *   of _dmarc.temp.example and spftemp.example), the environment (its
 *   pct sampling draws vr_sample) and the message vr_msg; vr_cfg is the
 *   configuration. vr_teardown() frees them all (the Check fixture's
 *   teardown, also called by a test that starts again with other
 *   settings).
 *
 *   vr_run_text() plays one SMTP transaction on vr_msg: connect from ip
 *   (client.example), HELO helo, the {auth_authen} value auth unless NULL,
 *   MAIL FROM mailfrom, RCPT <bob@example.org>, the message text through
 *   message/msgparse.c, end of message; returns the verdict. vr_run()
 *   sends headers (CRLF lines) then To, Subject and a one-line body, from
 *   HELO mail.example.com (4 KB at most: vr_run_big() for any size, without
 *   the To field); vr_run_file() sends the file VR_FIX name as it is
 *   (vr_read_file(): its first 64 KB, in a buffer the caller frees). A
 *   test between two messages calls msg_reset(vr_msg).
 *
 *   vr_assert_header_sane() asserts that the Authentication-Results we
 *   add is 7-bit, folded only with CRLF and a space or TAB, and parses
 *   back (message/ar_parse.c) with our authserv-id. vr_has() says whether
 *   it contains needle.
 */
#ifndef AUTHMILTER_TESTS_VERDICT_RUN_H
#define AUTHMILTER_TESTS_VERDICT_RUN_H

#include <stddef.h>

#include "config/config.h"
#include "message/message.h"

#define VR_ZONE "tests/fixtures/verdict/verdict.zone"
#define VR_FIX "tests/fixtures/verdict/"
#define VR_ASID "mx.test"
#define VR_GOOD_IP "192.0.2.1"     /* the zone's only authorised sender */
#define VR_BAD_IP "198.51.100.7"   /* authorised nowhere */

extern am_config vr_cfg;
extern msg *vr_msg;
extern unsigned vr_sample;

void vr_start(const char *const *kv);
void vr_teardown(void);
const msg_verdict *vr_run_text(const char *ip, const char *helo,
    const char *mailfrom, const char *auth, const char *text, size_t len);
const msg_verdict *vr_run(const char *ip, const char *mailfrom,
    const char *headers);
const msg_verdict *vr_run_big(const char *ip, const char *mailfrom,
    const char *headers);
const msg_verdict *vr_run_file(const char *ip, const char *mailfrom,
    const char *name);
char *vr_read_file(const char *name, size_t *len);
void vr_assert_header_sane(const msg_verdict *v);
int vr_has(const msg_verdict *v, const char *needle);

#endif
