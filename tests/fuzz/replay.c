/*
 * tests/fuzz/replay.c - runs a libFuzzer target's entry point over every
 * file of its corpus, without libFuzzer: the fuzz corpora (seeds plus what
 * the 10-minute campaigns found, minimized with -merge=1) become regression
 * tests that `make check` and `make sanitize` replay with the normal
 * compiler. Linked with one tests/fuzz/fuzz_NAME.c into
 * $(BUILD)/tests/replay_NAME; argv[1..] are corpus directories. A target
 * that crashes or aborts fails the program; the last line is
 * "replay_NAME: N passed, 0 failed". A target's LLVMFuzzerInitialize(),
 * when it has one, runs first, as libFuzzer runs it.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

#define REPLAY_MAX_INPUT (1024 * 1024)

static int
replay_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	size_t n;

	if (fp == NULL)
		return -1;
	buf = malloc(REPLAY_MAX_INPUT);
	if (buf == NULL) {
		fclose(fp);
		return -1;
	}
	n = fread(buf, 1, REPLAY_MAX_INPUT, fp);
	fclose(fp);
	(void)LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 :
	    argv[0];
	unsigned long done = 0;
	int i;

	if (LLVMFuzzerInitialize != NULL)
		(void)LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *e;

		if (d == NULL) {
			fprintf(stderr, "%s: %s: cannot open\n", name, argv[i]);
			return 1;
		}
		while ((e = readdir(d)) != NULL) {
			char path[4096];
			struct stat st;

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
			if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
				continue;
			if (replay_file(path) != 0) {
				fprintf(stderr, "%s: %s: cannot read\n", name, path);
				closedir(d);
				return 1;
			}
			done++;
		}
		closedir(d);
	}
	printf("%s: %lu passed, 0 failed\n", name, done);
	return 0;
}
