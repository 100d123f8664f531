/*
 * milter/msocket_int.h - the milter listening socket: the specification users
 * write (-p, socket =) and the socket made from it.
 *
 * SYNOPSIS
 *	#include "milter/msocket_int.h"
 *
 *	int	msocket_parse(const char *spec, msocket_addr *a, char *err,
 *		    size_t errlen);
 *	int	msocket_listen(msocket_addr *a, char *err, size_t errlen);
 *	void	msocket_remove(const msocket_addr *a);
 *
 * DESCRIPTION
 *	msocket_parse() reads the syntax libmilter's smfi_setconn(3) took:
 *	"unix:/path", "local:/path" or a bare "/path" (a unix socket);
 *	"inet:PORT@HOST", "inet:PORT" (any address), "inet6:PORT@HOST",
 *	"inet6:PORT". PORT is 1-65535 in decimal digits only (0, 65536 and
 *	up, signs, blanks and other characters are refused, never wrapped)
 *	or a service name starting with a letter (services(5)); HOST an
 *	address (brackets allowed) or a name, resolved now. It returns 0, or
 *	-1 with a message naming the specification and what is wrong.
 *
 *	msocket_listen() binds and listens (SOMAXCONN backlog, close-on-exec;
 *	SO_REUSEADDR for TCP). For a unix socket an existing socket file is
 *	removed first unless a live milter answers on it (then: "in use");
 *	any other kind of file there, a symbolic link included (never
 *	followed), is an error and is left untouched. The file is made by
 *	bind() with the caller's umask and effective gid (daemon.c sets them
 *	for socket_mode and the socket's group: no chmod/chown by path after
 *	bind). It records the file's identity and returns the descriptor, or
 *	-1 with a message. The directory is the caller's business: as root,
 *	keep it one only root can write (util/safefile.h).
 *	msocket_remove() unlinks the unix socket file if it is still the one
 *	msocket_listen() made (as libmilter did at exit); nothing for TCP.
 *	After a privilege drop the directory refuses it: the socket stays and
 *	the next msocket_listen() replaces it.
 */
#ifndef AUTHMILTER_MSOCKET_INT_H
#define AUTHMILTER_MSOCKET_INT_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

typedef struct msocket_addr {
	char spec[256];			/* as given (cut), for messages */
	int family;			/* AF_UNIX, AF_INET, AF_INET6 */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct sockaddr_storage sa;
	socklen_t salen;
	dev_t dev;			/* the unix socket file made */
	ino_t ino;
	int made;
} msocket_addr;

int msocket_parse(const char *spec, msocket_addr *a, char *err,
    size_t errlen);
int msocket_listen(msocket_addr *a, char *err, size_t errlen);
void msocket_remove(const msocket_addr *a);

#endif
