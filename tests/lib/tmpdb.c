/*
 * tests/lib/tmpdb.c - temp SQLite store paths for tests (tmpdb.h).
 */
#include "tests/lib/tmpdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
tmpdb_path(char *path, size_t len, const char *prefix)
{
	int fd;

	if (snprintf(path, len, "/tmp/%s.XXXXXX", prefix) >= (int)len)
		return -1;
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	unlink(path);
	return 0;
}

void
tmpdb_remove(const char *path)
{
	char p[4096];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}
