/*
 * util/dynlib.c - load a shared library on first use (see dynlib.h).
 */
#include "util/dynlib.h"

#include <dlfcn.h>
#include <stdio.h>

int
dynlib_load(const char *soname, const char *const *names, void **slots,
    size_t n, char *err, size_t errlen)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	size_t i;

	if (h == NULL) {
		const char *why = dlerror();

		snprintf(err, errlen, "cannot load %s: %s", soname,
		    why != NULL ? why : "unknown error");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((slots[i] = dlsym(h, names[i])) == NULL) {
			snprintf(err, errlen, "%s has no %s", soname, names[i]);
			dlclose(h);
			return -1;
		}
	}
	return 0;	/* h stays open for the life of the process */
}
