// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/memstats: present while memarena is loaded, readable by any user,
 * writable by none.  Its BySize table is shown only to an opener with
 * CAP_SYS_ADMIN, or to everyone with the module parameter stats_public;
 * others read one "# BySize: withheld" line in its place.  The choice is
 * made when the file is opened, for the opener, not when it is read.
 *
 * Every test starts with stats_public off and puts back what it was.
 */

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "memarena_test.h"

#define NUM_CLASSES	67
#define BYSIZE		"# BySize\n"
#define BYSIZE_HEADER	"class size span_bytes span_objects mallocs frees live_objects live_bytes cached_objects spans\n"
#define WITHHELD	"# BySize: withheld (needs CAP_SYS_ADMIN, or stats_public=1)\n"

/* Read what is left of fd into buf; returns bytes read or -errno. */
static ssize_t read_fd(int fd, char *buf, size_t size)
{
	ssize_t n, total = 0;

	while ((size_t)total < size - 1) {
		n = read(fd, buf + total, size - 1 - total);
		if (n < 0)
			return -errno;
		if (!n)
			break;
		total += n;
	}
	buf[total] = '\0';
	return total;
}

/* Read the whole file into buf; returns bytes read or -errno. */
static ssize_t read_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read_fd(fd, buf, size);
	close(fd);
	return n;
}

/*
 * What a read showed: the "Name value" lines, whether the BySize table
 * came (section line, header, one line per class, nothing after) or the
 * withheld line did (as the last line), or neither (-1: malformed).
 */
struct view {
	int scalars;
	int classes;
	bool table;
	bool withheld;
};

static int parse_view(const char *buf, struct view *v)
{
	const char *p = buf, *bysize = strstr(buf, BYSIZE);
	const char *withheld = strstr(buf, WITHHELD);
	const char *end;

	memset(v, 0, sizeof(*v));
	if (strncmp(buf, "# memarena ", 11))
		return -1;
	p = strchr(p, '\n') + 1;
	end = bysize ? bysize : withheld;
	if (!end || (bysize && withheld))
		return -1;
	/* The statistics: "Name value", Name a Go name. */
	while (p < end) {
		if (!(*p >= 'A' && *p <= 'Z') || !strchr(p, ' ') ||
		    strchr(p, ' ') > strchr(p, '\n'))
			return -1;
		v->scalars++;
		p = strchr(p, '\n') + 1;
	}
	if (withheld) {
		v->withheld = true;
		return p[strlen(WITHHELD)] ? -1 : 0;
	}
	p += strlen(BYSIZE);
	if (strncmp(p, BYSIZE_HEADER, strlen(BYSIZE_HEADER)))
		return -1;
	p += strlen(BYSIZE_HEADER);
	for (; *p; p = strchr(p, '\n') + 1) {
		if (!(*p >= '1' && *p <= '9') || !strchr(p, '\n'))
			return -1;
		v->classes++;
	}
	v->table = true;
	return 0;
}

FIXTURE(memstats) {
	char buf[65536];
	int stats_public;	/* before the test; -errno if none */
};

FIXTURE_SETUP(memstats)
{
	if (!memarena_loaded())
		SKIP(return, "memarena is not loaded");
	self->stats_public = stats_public_get();
	if (self->stats_public > 0)
		ASSERT_EQ(0, stats_public_set(0));
}

FIXTURE_TEARDOWN(memstats)
{
	if (self->stats_public >= 0 && stats_public_get() != self->stats_public)
		EXPECT_EQ(0, stats_public_set(self->stats_public));
}

TEST_F(memstats, is_a_world_readable_regular_file)
{
	struct stat st;

	ASSERT_EQ(0, stat(MEMARENA_PROC_PATH, &st));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	EXPECT_EQ(0444U, st.st_mode & 07777);
}

TEST_F(memstats, root_reads_the_header)
{
	ssize_t n = read_file(MEMARENA_PROC_PATH, self->buf, sizeof(self->buf));
	char want[64];

	ASSERT_LT(0, n);
	snprintf(want, sizeof(want), "# memarena %d\n", MEMARENA_GENL_VERSION);
	EXPECT_EQ(0, strncmp(self->buf, want, strlen(want))) {
		TH_LOG("first line is not '%s': %.80s", "# memarena N", self->buf);
	}
}

/*
 * The file is read through seq_read_iter(), so the kernel can read it
 * (kernel_read(), as make bench's statload does) and so can splice(),
 * which fails with EINVAL on a plain seq_read() file.
 */
TEST_F(memstats, splices_like_it_reads)
{
	char want[64], *got = self->buf;
	int fd, pipefd[2];
	ssize_t n;

	fd = open(MEMARENA_PROC_PATH, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(pipefd));
	n = splice(fd, NULL, pipefd[1], NULL, 4096, 0);
	EXPECT_LT(0, n) {
		TH_LOG("splice: %s", strerror(errno));
	}
	if (n > 0) {
		n = read(pipefd[0], got, n);
		ASSERT_LT(0, n);
		snprintf(want, sizeof(want), "# memarena %d\n",
			 MEMARENA_GENL_VERSION);
		EXPECT_EQ(0, strncmp(got, want, strlen(want)));
	}
	close(pipefd[0]);
	close(pipefd[1]);
	close(fd);
}

/* What the children saw, for the parent to compare with its own read. */
static struct view child_view;
static char child_buf[65536];

static int read_view(void)
{
	if (read_file(MEMARENA_PROC_PATH, child_buf, sizeof(child_buf)) <= 0)
		return 102;
	if (parse_view(child_buf, &child_view))
		return 103;
	if (child_view.table)
		return 10;
	return child_view.withheld ? 11 : 104;
}

static int nobody_reads(void)
{
	if (getuid() != NOBODY)
		return 101;
	return read_view();
}

/* Exit status of read_view(): 10 the table, 11 the withheld line. */
#define SAW_TABLE	10
#define SAW_WITHHELD	11

TEST_F(memstats, unprivileged_user_reads_it)
{
	/* The global statistics, but not the table. */
	EXPECT_EQ(SAW_WITHHELD, as_nobody(nobody_reads));
}

TEST_F(memstats, root_sees_the_by_size_table)
{
	struct view v;

	ASSERT_LT(0, read_file(MEMARENA_PROC_PATH, self->buf, sizeof(self->buf)));
	ASSERT_EQ(0, parse_view(self->buf, &v)) TH_LOG("%.300s", self->buf);
	EXPECT_TRUE(v.table);
	EXPECT_EQ(NUM_CLASSES, v.classes);
	EXPECT_LT(30, v.scalars);
}

/*
 * An unprivileged reader gets every statistic root gets, and the
 * withheld line where root gets the table.  The child reads in its own
 * process, so compare what it saw (child_view is the child's copy): run
 * the read and the check in the child.
 */
static struct view root_view;

static int nobody_reads_global_fields(void)
{
	int rc = nobody_reads();

	if (rc != SAW_WITHHELD)
		return rc;
	return child_view.scalars == root_view.scalars ? 0 : 105;
}

TEST_F(memstats, unprivileged_user_sees_global_fields_not_by_size)
{
	ASSERT_LT(0, read_file(MEMARENA_PROC_PATH, self->buf, sizeof(self->buf)));
	ASSERT_EQ(0, parse_view(self->buf, &root_view));
	ASSERT_TRUE(root_view.table);
	EXPECT_EQ(0, as_nobody(nobody_reads_global_fields));
}

/* Root without CAP_SYS_ADMIN: the capability counts, not the uid. */
static int capless_root_reads(void)
{
	if (cap_sys_admin_effective(0))
		return 101;
	return read_view();
}

TEST_F(memstats, root_without_cap_sys_admin_sees_no_by_size)
{
	EXPECT_EQ(SAW_WITHHELD, in_child(capless_root_reads));
}

TEST_F(memstats, stats_public_shows_it_to_everyone)
{
	ASSERT_EQ(0, stats_public_set(1));
	ASSERT_EQ(1, stats_public_get());
	EXPECT_EQ(SAW_TABLE, as_nobody(nobody_reads));
	EXPECT_EQ(SAW_TABLE, in_child(capless_root_reads));
	ASSERT_EQ(0, stats_public_set(0));
	EXPECT_EQ(SAW_WITHHELD, as_nobody(nobody_reads));
}

/*
 * Opened without CAP_SYS_ADMIN, read with it: the opener decides.  The
 * file is read only after the capability came back, and after
 * stats_public was set: neither shows the table to this file.
 */
static int opened_capless_read_privileged(void)
{
	int fd;

	if (cap_sys_admin_effective(0))
		return 101;
	fd = open(MEMARENA_PROC_PATH, O_RDONLY);
	if (fd < 0)
		return 102;
	if (cap_sys_admin_effective(1))
		return 103;
	if (stats_public_set(1))
		return 104;
	if (read_fd(fd, child_buf, sizeof(child_buf)) <= 0)
		return 105;
	close(fd);
	if (parse_view(child_buf, &child_view))
		return 106;
	return child_view.withheld ? SAW_WITHHELD : SAW_TABLE;
}

/* Opened by root, read by nobody (the descriptor inherited): the table. */
static int root_fd = -1;

static int nobody_reads_root_fd(void)
{
	if (getuid() != NOBODY)
		return 101;
	if (read_fd(root_fd, child_buf, sizeof(child_buf)) <= 0)
		return 102;
	if (parse_view(child_buf, &child_view))
		return 103;
	return child_view.table ? SAW_TABLE : SAW_WITHHELD;
}

TEST_F(memstats, decided_at_open_for_the_opener)
{
	EXPECT_EQ(SAW_WITHHELD, in_child(opened_capless_read_privileged));
	ASSERT_EQ(0, stats_public_set(0));

	root_fd = open(MEMARENA_PROC_PATH, O_RDONLY);
	ASSERT_LE(0, root_fd);
	EXPECT_EQ(SAW_TABLE, as_nobody(nobody_reads_root_fd));
	close(root_fd);
	root_fd = -1;
}

static int nobody_writes(void)
{
	int fd = open(MEMARENA_PROC_PATH, O_WRONLY);

	if (fd >= 0)
		return 110;
	return errno == EACCES ? 0 : 111;
}

TEST_F(memstats, unprivileged_user_cannot_open_for_writing)
{
	EXPECT_EQ(0, as_nobody(nobody_writes));
}

TEST_F(memstats, root_cannot_write_it)
{
	int fd = open(MEMARENA_PROC_PATH, O_WRONLY);

	/* Root may pass the permission check, but there is no write op. */
	if (fd >= 0) {
		EXPECT_EQ(-1, write(fd, "x", 1));
		EXPECT_EQ(EIO, errno);
		close(fd);
	} else {
		EXPECT_EQ(EACCES, errno);
	}
}

TEST_HARNESS_MAIN
