/*
 * tests/lib/tmpdb.h - a fresh SQLite store path for a test (the name of a
 * temp file made and removed, so the store creates it) and the removal of
 * the store with its WAL files.
 */
#ifndef AUTHMILTER_TESTS_TMPDB_H
#define AUTHMILTER_TESTS_TMPDB_H

#include <stddef.h>

/* "/tmp/PREFIX.XXXXXX" made unique into path; 0, or -1 */
int tmpdb_path(char *path, size_t len, const char *prefix);
/* unlinks path, path-wal and path-shm */
void tmpdb_remove(const char *path);

#endif
