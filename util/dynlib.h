/*
 * util/dynlib.h - a shared library loaded on first use.
 *
 * SYNOPSIS
 *   int dynlib_load(const char *soname, const char *const *names,
 *                   void **slots, size_t n, char *err, size_t errlen);
 *
 *   #define FUNCS(X) X(fnA) X(fnB) ...     (the library's functions used)
 *   DYNLIB_TABLE(lib, "libfoo.so.1", FUNCS)
 *   int lib_ready(char *err, size_t errlen); then lib.fnA(...), lib.fnB(...)
 *
 * DESCRIPTION
 *   dlopen()s soname and resolves names[0..n-1] into slots[0..n-1].
 *   Returns 0, or -1 with a message naming the library in err.
 *
 *   DYNLIB_TABLE(name, soname, FUNCS) defines, in the including file, a
 *   struct `name` with one pointer per function (typed from the library's
 *   own header, which must be included first) and name_ready(): the first
 *   call loads the library (once, thread-safe), every call returns 0 when
 *   it is loaded, or -1 with the reason in err. Needs <pthread.h> and
 *   <string.h>.
 *
 *   Why: libpq (the PostgreSQL history store) and libxml2 (XML reports)
 *   bring ~4.4 MB of library pages (gnutls, krb5, ldap, ICU, libstdc++)
 *   into every process that links them, the milter daemon included, which
 *   uses neither unless configured for PostgreSQL. Loaded on demand, the
 *   daemon's resident memory drops by that much (measured with smaps).
 */
#ifndef AUTHMILTER_DYNLIB_H
#define AUTHMILTER_DYNLIB_H

#include <stddef.h>

int dynlib_load(const char *soname, const char *const *names, void **slots,
    size_t n, char *err, size_t errlen);

#define DYNLIB_SLOT_(f) __typeof__(&f) f;
#define DYNLIB_NAME_(f) #f,
#define DYNLIB_COPY_(f) memcpy(&dynlib_t_->f, &slots[i++], sizeof(dynlib_t_->f));
#define DYNLIB_TABLE(name, soname, FUNCS)				\
static struct { FUNCS(DYNLIB_SLOT_) } name;				\
static pthread_once_t name##_once_ = PTHREAD_ONCE_INIT;		\
static int name##_loaded_;						\
static char name##_error_[256];						\
static void								\
name##_load_(void)							\
{									\
	static const char *const names[] = { FUNCS(DYNLIB_NAME_) };	\
	void *slots[sizeof(names) / sizeof(names[0])];			\
	__typeof__(&name) dynlib_t_ = &name;				\
	size_t i = 0;							\
									\
	if (dynlib_load(soname, names, slots,				\
	    sizeof(names) / sizeof(names[0]), name##_error_,		\
	    sizeof(name##_error_)) < 0)					\
		return;							\
	FUNCS(DYNLIB_COPY_)						\
	name##_loaded_ = 1;						\
}									\
static int								\
name##_ready(char *err, size_t errlen)					\
{									\
	(void)pthread_once(&name##_once_, name##_load_);		\
	if (name##_loaded_)						\
		return 0;						\
	snprintf(err, errlen, "%s", name##_error_);			\
	return -1;							\
}

#endif
