/*
 * util/envaddr.h - SMTP envelope addresses (RFC 5321 4.1.2 Reverse-path /
 * Forward-path) as an MTA or a user hands them over: the one parser the
 * milter path (message/), `authmilter check`, `authmilter spf` and the
 * report records share.
 *
 * SYNOPSIS
 *   int envaddr_strip(const char *s, char *out, size_t outlen);
 *   const char *envaddr_domain(const char *addr);
 *   size_t envaddr_local_len(const char *addr);
 *
 * DESCRIPTION
 *   envaddr_strip() copies the mailbox of s into out[outlen]: blanks (SP,
 *   HTAB) around it are dropped, one enclosing pair of '<' '>' is removed,
 *   and inside the brackets an obsolete source route ("@a,@b:", RFC 5321
 *   4.1.2 and C.; to be accepted and ignored) is dropped. "<>" (the null
 *   sender) and "" give "". Text without both brackets is kept as it is
 *   (after the blanks): "a@b" -> "a@b", "<a@b" -> "<a@b". It returns 0,
 *   or -1 when the mailbox did not fit (out holds a cut copy, as
 *   strcopy() does). NULL s reads as "".
 *
 *   envaddr_domain() returns the domain of a stripped mailbox: the text
 *   after its last '@' (a quoted local part may hold '@', a domain never
 *   does), or NULL when there is no '@' (a bare domain, "postmaster", the
 *   null sender). envaddr_local_len() is the length of the local part:
 *   the octets before that '@', 0 when there is none.
 *
 *   Pure functions: no allocation, no globals, thread-safe.
 */
#ifndef AUTHMILTER_ENVADDR_H
#define AUTHMILTER_ENVADDR_H

#include <stddef.h>

int envaddr_strip(const char *s, char *out, size_t outlen);
const char *envaddr_domain(const char *addr);
size_t envaddr_local_len(const char *addr);

#endif
