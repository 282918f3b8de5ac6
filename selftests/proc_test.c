// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/memstats: present while memarena is loaded, readable by any user,
 * writable by none.
 */

#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "memarena_test.h"


/* Read the whole file into buf; returns bytes read or -errno. */
static ssize_t read_file(const char *path, char *buf, size_t size)
{
	ssize_t n, total = 0;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	while ((size_t)total < size - 1) {
		n = read(fd, buf + total, size - 1 - total);
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (!n)
			break;
		total += n;
	}
	buf[total] = '\0';
	close(fd);
	return total;
}

FIXTURE(memstats) {
	char buf[65536];
};

FIXTURE_SETUP(memstats)
{
	if (!memarena_loaded())
		SKIP(return, "memarena is not loaded");
}

FIXTURE_TEARDOWN(memstats)
{
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

static int nobody_reads(void)
{
	char buf[4096];
	ssize_t n;

	if (getuid() != NOBODY)
		return 101;
	n = read_file(MEMARENA_PROC_PATH, buf, sizeof(buf));
	if (n <= 0)
		return 102;
	return strncmp(buf, "# memarena ", 11) ? 103 : 0;
}

TEST_F(memstats, unprivileged_user_reads_it)
{
	EXPECT_EQ(0, as_nobody(nobody_reads));
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
