/*
 * tests/util/check_safefile.c - util/safefile.h: files created as root go
 * only in directories only root can write and are never opened through a
 * link (issue 11, 3). The directory rules need root (chown); run as
 * another user those cases say so and check only that nothing is refused.
 */
#include "tests/lib/check_main.h"
#include "util/safefile.h"

#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOBODY 65534

static char top[64];

static void
setup(void)
{
	snprintf(top, sizeof(top), "/tmp/check_safefile.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(top));
	ck_assert_int_eq(chmod(top, 0755), 0);
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	ck_assert_int_eq(system(cmd), 0);
}

static void
path_of(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", top, rel);
}

static void
write_text(const char *path, const char *text, mode_t mode)
{
	FILE *fp = fopen(path, "w");

	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
	ck_assert_int_eq(chmod(path, mode), 0);
}

static void
assert_text(const char *path, const char *text)
{
	char buf[256];
	FILE *fp = fopen(path, "r");
	size_t n;

	ck_assert_ptr_nonnull(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	ck_assert_str_eq(buf, text);
}

/* safefile_create(name) in top; -1 and err, or the descriptor */
static int
create_in_top(const char *name, char *err, size_t errlen)
{
	const char *base;
	char path[PATH_MAX];
	int dfd, fd;

	path_of(path, sizeof(path), name);
	dfd = safefile_open_dir(path, 0, &base, err, errlen);
	ck_assert_msg(dfd >= 0, "%s", err);
	ck_assert_str_eq(base, name);
	fd = safefile_create(dfd, base, path, 0644, err, errlen);
	close(dfd);
	return fd;
}

START_TEST(new_file_gets_its_mode_whatever_the_umask)
{
	char err[512], path[PATH_MAX];
	struct stat st;
	mode_t old = umask(077);
	int fd = create_in_top("a.pid", err, sizeof(err));

	umask(old);
	ck_assert_msg(fd >= 0, "%s", err);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0644);
	ck_assert_uint_eq(st.st_uid, geteuid());
	ck_assert_int_eq(write(fd, "1\n", 2), 2);
	close(fd);
	path_of(path, sizeof(path), "a.pid");
	assert_text(path, "1\n");
}
END_TEST

START_TEST(symlink_is_not_followed)
{
	char err[512], target[PATH_MAX], lnk[PATH_MAX];
	struct stat st;

	path_of(target, sizeof(target), "target");
	path_of(lnk, sizeof(lnk), "a.pid");
	write_text(target, "root secret\n", 0600);
	ck_assert_int_eq(symlink(target, lnk), 0);
	ck_assert_int_eq(create_in_top("a.pid", err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "is a symbolic link (to ") != NULL, "%s", err);
	assert_text(target, "root secret\n");
	ck_assert_int_eq(stat(target, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(lstat(lnk, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
}
END_TEST

START_TEST(dangling_symlink_creates_nothing)
{
	char err[512], target[PATH_MAX], lnk[PATH_MAX];

	path_of(target, sizeof(target), "made-through-the-link");
	path_of(lnk, sizeof(lnk), "a.pid");
	ck_assert_int_eq(symlink(target, lnk), 0);
	ck_assert_int_eq(create_in_top("a.pid", err, sizeof(err)), -1);
	ck_assert_int_eq(access(target, F_OK), -1);
}
END_TEST

START_TEST(hard_link_is_refused)
{
	char err[512], target[PATH_MAX], name2[PATH_MAX];
	struct stat st;

	path_of(target, sizeof(target), "target");
	path_of(name2, sizeof(name2), "a.pid");
	write_text(target, "root secret\n", 0600);
	ck_assert_int_eq(link(target, name2), 0);
	ck_assert_int_eq(create_in_top("a.pid", err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "has 2 hard links") != NULL, "%s", err);
	assert_text(target, "root secret\n");
	ck_assert_int_eq(stat(target, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
}
END_TEST

START_TEST(fifo_is_refused_without_blocking)
{
	char err[512], path[PATH_MAX];

	path_of(path, sizeof(path), "a.pid");
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(create_in_top("a.pid", err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "not a regular file") != NULL, "%s", err);
}
END_TEST

START_TEST(stale_file_is_reused)
{
	char err[512], path[PATH_MAX];
	struct stat st, st2;
	int fd;

	path_of(path, sizeof(path), "a.pid");
	write_text(path, "12345\n", 0600);
	ck_assert_int_eq(stat(path, &st), 0);
	fd = create_in_top("a.pid", err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);
	ck_assert_int_eq(fstat(fd, &st2), 0);
	ck_assert_uint_eq(st2.st_ino, st.st_ino);
	ck_assert_uint_eq(st2.st_mode & 07777, 0644);
	close(fd);
	assert_text(path, "12345\n");	/* the caller truncates */
}
END_TEST

START_TEST(stale_file_of_another_user_is_refused)
{
	char err[512], path[PATH_MAX];

	if (geteuid() != 0) {
		fprintf(stderr, "check_safefile: owner case skipped (needs root)\n");
		return;
	}
	path_of(path, sizeof(path), "a.pid");
	write_text(path, "12345\n", 0644);
	ck_assert_int_eq(chown(path, NOBODY, NOBODY), 0);
	ck_assert_int_eq(create_in_top("a.pid", err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "is owned by") != NULL, "%s", err);
	assert_text(path, "12345\n");
}
END_TEST

/* safefile_open_dir(DIR/x.pid): 0 when accepted, else -1 and err */
static int
dir_check(const char *rel, int create, char *err, size_t errlen)
{
	char path[PATH_MAX];
	const char *name;
	int fd;

	path_of(path, sizeof(path), rel);
	fd = safefile_open_dir(path, create, &name, err, errlen);
	if (fd < 0)
		return -1;
	ck_assert_str_eq(name, "x.pid");
	close(fd);
	return 0;
}

static void
mkdir_as(const char *rel, mode_t mode, uid_t uid, gid_t gid)
{
	char path[PATH_MAX];

	path_of(path, sizeof(path), rel);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(chown(path, uid, gid), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
}

START_TEST(directory_rules_as_root)
{
	char err[1024], path[PATH_MAX], target[PATH_MAX];
	struct stat st;
	mode_t old;

	if (geteuid() != 0) {
		fprintf(stderr, "check_safefile: directory rules skipped (need root)\n");
		return;
	}
	ck_assert_int_eq(dir_check("x.pid", 0, err, sizeof(err)), 0);
	mkdir_as("user", 0755, NOBODY, NOBODY);
	ck_assert_int_eq(dir_check("user/x.pid", 0, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "is owned by") != NULL, "%s", err);
	mkdir_as("grpw", 0775, 0, NOBODY);
	ck_assert_int_eq(dir_check("grpw/x.pid", 0, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "writable by") != NULL, "%s", err);
	mkdir_as("grpw0", 0775, 0, 0);	/* group root: fine */
	ck_assert_int_eq(dir_check("grpw0/x.pid", 0, err, sizeof(err)), 0);
	mkdir_as("sticky", 01777, 0, 0);
	ck_assert_int_eq(dir_check("sticky/x.pid", 0, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "world-writable (mode 1777)") != NULL, "%s", err);
	/* above the directory: sticky is fine, another owner is not */
	mkdir_as("sticky/ok", 0755, 0, 0);
	ck_assert_int_eq(dir_check("sticky/ok/x.pid", 0, err, sizeof(err)), 0);
	mkdir_as("user/run", 0755, 0, 0);
	ck_assert_int_eq(dir_check("user/run/x.pid", 0, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "which is owned by") != NULL, "%s", err);
	/* a link on the path in a directory another user owns */
	path_of(path, sizeof(path), "user/link");
	path_of(target, sizeof(target), "grpw0");
	ck_assert_int_eq(symlink(target, path), 0);
	ck_assert_int_eq(dir_check("user/link/x.pid", 0, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "the symbolic link") != NULL, "%s", err);
	/* the same link in root's directory is fine */
	path_of(path, sizeof(path), "link");
	ck_assert_int_eq(symlink(target, path), 0);
	ck_assert_int_eq(dir_check("link/x.pid", 0, err, sizeof(err)), 0);
	ck_assert_int_eq(dir_check("grpw0/../x.pid", 0, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "\"..\"") != NULL, "%s", err);
	/* made when missing: root's, 0755 whatever the umask */
	old = umask(077);
	ck_assert_int_eq(dir_check("new/x.pid", 1, err, sizeof(err)), 0);
	umask(old);
	path_of(path, sizeof(path), "new");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_uid, 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0755);
	/* not made inside a directory another user owns */
	ck_assert_int_eq(dir_check("user/new/x.pid", 1, err, sizeof(err)), -1);
}
END_TEST

/* A missing directory: its parent is checked before anything is made
 * (nothing is left where the start is refused), and safefile_check_dir()
 * (authmilter -n) says what safefile_open_dir() with create would, making
 * nothing. */
START_TEST(missing_directory_checked_first)
{
	char err[1024], err2[1024], path[PATH_MAX];
	struct stat st;

	if (geteuid() != 0) {
		fprintf(stderr, "check_safefile: missing directory cases skipped "
		    "(need root)\n");
		return;
	}
	mkdir_as("user", 0755, NOBODY, NOBODY);
	mkdir_as("grpw", 0775, 0, NOBODY);
	mkdir_as("sticky", 01777, 0, 0);
	/* inside a directory another user owns: refused, nothing made */
	ck_assert_int_eq(dir_check("user/new/x.pid", 1, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "which is owned by") != NULL, "%s", err);
	path_of(path, sizeof(path), "user/new");
	ck_assert_int_eq(lstat(path, &st), -1);
	path_of(path, sizeof(path), "user/new/x.pid");
	ck_assert_int_eq(safefile_check_dir(path, err2, sizeof(err2)), -1);
	ck_assert_str_eq(err2, err);
	/* its parent missing too: refused, as mkdir would be */
	path_of(path, sizeof(path), "gone/new/x.pid");
	ck_assert_int_eq(safefile_check_dir(path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "cannot be made") != NULL, "%s", err);
	ck_assert_int_eq(dir_check("gone/new/x.pid", 1, err, sizeof(err)), -1);
	/* an existing directory others can write: as at start */
	path_of(path, sizeof(path), "grpw/x.pid");
	ck_assert_int_eq(safefile_check_dir(path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "writable by") != NULL, "%s", err);
	/* in root's directory, or a sticky one: accepted, not made by the
	 * check, then made */
	path_of(path, sizeof(path), "new/x.pid");
	ck_assert_int_eq(safefile_check_dir(path, err, sizeof(err)), 0);
	path_of(path, sizeof(path), "sticky/new/x.pid");
	ck_assert_int_eq(safefile_check_dir(path, err, sizeof(err)), 0);
	path_of(path, sizeof(path), "new");
	ck_assert_int_eq(lstat(path, &st), -1);
	path_of(path, sizeof(path), "sticky/new");
	ck_assert_int_eq(lstat(path, &st), -1);
	ck_assert_int_eq(dir_check("new/x.pid", 1, err, sizeof(err)), 0);
	ck_assert_int_eq(dir_check("sticky/new/x.pid", 1, err, sizeof(err)), 0);
}
END_TEST

/* Not root: nothing to protect, nothing refused (a child process drops to
 * nobody, so the test program itself keeps its rights). */
START_TEST(not_root_nothing_refused)
{
	char err[512], path[PATH_MAX];
	pid_t pid;
	int status, fd;

	path_of(path, sizeof(path), "open");
	ck_assert_int_eq(mkdir(path, 0777), 0);
	ck_assert_int_eq(chmod(path, 0777), 0);
	if (geteuid() != 0) {
		fd = open(path, O_RDONLY | O_DIRECTORY);
		ck_assert_int_eq(safefile_dir_ok(fd, path, err, sizeof(err)), 0);
		close(fd);
		return;
	}
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (setgid(NOBODY) != 0 || setuid(NOBODY) != 0)
			_exit(2);
		fd = open(path, O_RDONLY | O_DIRECTORY);
		_exit(fd >= 0 && safefile_dir_ok(fd, path, err,
		    sizeof(err)) == 0 ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("safefile");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, new_file_gets_its_mode_whatever_the_umask);
	tcase_add_test(tc, symlink_is_not_followed);
	tcase_add_test(tc, dangling_symlink_creates_nothing);
	tcase_add_test(tc, hard_link_is_refused);
	tcase_add_test(tc, fifo_is_refused_without_blocking);
	tcase_add_test(tc, stale_file_is_reused);
	tcase_add_test(tc, stale_file_of_another_user_is_refused);
	tcase_add_test(tc, directory_rules_as_root);
	tcase_add_test(tc, missing_directory_checked_first);
	tcase_add_test(tc, not_root_nothing_refused);
	suite_add_tcase(s, tc);
	return s;
}
