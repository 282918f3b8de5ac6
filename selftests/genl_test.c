// SPDX-License-Identifier: GPL-2.0
/*
 * The "memarena" generic netlink family: resolves with libnl, has the
 * version the uapi header promises, and refuses commands it does not know
 * with EOPNOTSUPP instead of crashing or ignoring them.
 *
 * Who may use it (Documentation/netlink.rst): GET is for everyone;
 * GET_CLASSES and GET_CPUS need CAP_SYS_ADMIN unless the module parameter
 * stats_public is set: the sender's, and for a request sent without the
 * kernel's address the socket opener's too (netlink_capable()); a refused
 * dump is EPERM with no message of the dump, and an extack message where
 * the kernel passes one to a dump's start (Linux 6.5 on).  Those tests
 * start with stats_public off and put back what it was.
 */

#include <sys/utsname.h>

#include "kselftest_harness.h"
#include "memarena_test.h"

#define NUM_CLASSES	67
#define DETAIL_EXTACK	"per-class and per-CPU statistics need CAP_SYS_ADMIN, or stats_public=1"
#define ARENAS_EXTACK	"per-arena statistics need CAP_SYS_ADMIN, or stats_public=1"
#define PROFILE_EXTACK	"the heap profile needs CAP_SYS_ADMIN"

FIXTURE(genl) {
	struct nl_sock *sk;
	int id;
};

FIXTURE_SETUP(genl)
{
	if (!memarena_loaded())
		SKIP(return, "memarena is not loaded");
	self->sk = nl_socket_alloc();
	ASSERT_NE(NULL, self->sk);
	ASSERT_EQ(0, genl_connect(self->sk));
	self->id = genl_ctrl_resolve(self->sk, MEMARENA_GENL_NAME);
}

FIXTURE_TEARDOWN(genl)
{
	if (self->sk)
		nl_socket_free(self->sk);
}

TEST_F(genl, family_resolves)
{
	ASSERT_LT(0, self->id) {
		TH_LOG("genl_ctrl_resolve(%s): %s", MEMARENA_GENL_NAME,
		       nl_geterror(self->id));
	}
}

TEST_F(genl, family_has_uapi_version)
{
	struct nl_cache *cache = NULL;
	struct genl_family *fam;

	ASSERT_EQ(0, genl_ctrl_alloc_cache(self->sk, &cache));
	fam = genl_ctrl_search_by_name(cache, MEMARENA_GENL_NAME);
	ASSERT_NE(NULL, fam);
	EXPECT_EQ(MEMARENA_GENL_VERSION, (int)genl_family_get_version(fam));
	EXPECT_EQ(self->id, (int)genl_family_get_id(fam));
	genl_family_put(fam);
	nl_cache_free(cache);
}

TEST_F(genl, unknown_command_is_refused)
{
	struct nl_msg *msg;
	int err;

	ASSERT_LT(0, self->id);
	msg = nlmsg_alloc();
	ASSERT_NE(NULL, msg);
	ASSERT_NE(NULL, genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, self->id,
				    0, NLM_F_REQUEST, __MEMARENA_CMD_MAX + 10,
				    MEMARENA_GENL_VERSION));
	err = nl_send_auto(self->sk, msg);
	nlmsg_free(msg);
	ASSERT_LT(0, err);
	/* The kernel's error comes back through the ack. */
	err = nl_wait_for_ack(self->sk);
	EXPECT_EQ(-NLE_OPNOTSUPP, err) {
		TH_LOG("unknown command: %s", nl_geterror(err));
	}
}

/* --- who may use it ----------------------------------------------------- */

struct plain_req {
	struct nlmsghdr n;
	struct genlmsghdr g;
};

static int family_id;		/* for the children */
static bool extack_required;	/* the kernel passes extack to dump start */
static bool unaddressed;	/* send() rather than sendto() the kernel */

/* One request without attributes: GET as a do, the others as dumps. */
static int request(int fd, int cmd, uint32_t seq, struct raw_reply *r)
{
	struct plain_req q = {
		.n = {
			.nlmsg_len = sizeof(q),
			.nlmsg_type = family_id,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
				       (cmd == MEMARENA_CMD_GET ? 0 : NLM_F_DUMP),
			.nlmsg_seq = seq,
		},
		.g = { .cmd = cmd, .version = MEMARENA_FAMILY_VERSION },
	};

	return raw_transact_how(fd, &q, sizeof(q), seq, r, !unaddressed);
}

static int nr_possible_cpus(void)
{
	int lo, hi, n = 0;
	FILE *f = fopen("/sys/devices/system/cpu/possible", "r");

	if (!f)
		return -1;
	while (fscanf(f, "%d", &lo) == 1) {
		hi = lo;
		if (fscanf(f, "-%d", &hi) < 0)
			hi = lo;
		n += hi - lo + 1;
		if (fgetc(f) != ',')
			break;
	}
	fclose(f);
	return n;
}

/*
 * GET answers with one message; GET_CLASSES, GET_CPUS and GET_ARENAS are
 * refused (@allowed false: EPERM, no message, the extack if the kernel
 * passes it) or complete (one message per class, per possible CPU, per
 * arena: any number).  On the
 * socket @fd; returns 0, or the number of the check that failed (each
 * reply is logged on stderr as a TAP comment: this may run in a child).
 */
static int check_requests(int fd, bool allowed)
{
	static const int cmds[] = { MEMARENA_CMD_GET_CLASSES, MEMARENA_CMD_GET_CPUS,
				    MEMARENA_CMD_GET_ARENAS };
	static const char *const names[] = { "GET_CLASSES", "GET_CPUS", "GET_ARENAS" };
	static const char *const extack[] = { DETAIL_EXTACK, DETAIL_EXTACK,
					       ARENAS_EXTACK };
	int want[] = { NUM_CLASSES, nr_possible_cpus(), -1 };
	struct raw_reply r;
	unsigned int i;
	int err;

	err = request(fd, MEMARENA_CMD_GET, 1, &r);
	if (err || r.error || r.replies != 1) {
		fprintf(stderr, "# GET: %s, error %d, %d replies\n",
			strerror(-err), r.error, r.replies);
		return 20;
	}
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		const char *what = names[i];

		err = request(fd, cmds[i], 2 + i, &r);
		fprintf(stderr, "# %s%s: error %d (%s), %d replies, %s, extack \"%s\"\n",
			allowed ? "" : "refused ", what, r.error,
			r.error < 0 ? strerror(-r.error) : "-", r.replies,
			r.done ? "done" : "no done", r.msg);
		if (err)
			return 21;
		if (allowed && (r.error || !r.done ||
				(want[i] >= 0 && r.replies != want[i])))
			return 22 + 10 * i;
		if (allowed)
			continue;
		if (r.error != -EPERM || r.replies || r.done)
			return 23 + 10 * i;
		if (r.msg[0] && strcmp(r.msg, extack[i]))
			return 24 + 10 * i;
		if (!r.msg[0] && extack_required)
			return 25 + 10 * i;
	}
	return 0;
}

static int checked_socket(bool allowed)
{
	int fd = raw_open();
	int rc;

	if (fd < 0)
		return 10;
	rc = check_requests(fd, allowed);
	close(fd);
	return rc;
}

static int nobody_refused(void)
{
	if (getuid() != NOBODY)
		return 11;
	return checked_socket(false);
}

static int nobody_allowed(void)
{
	if (getuid() != NOBODY)
		return 11;
	return checked_socket(true);
}

/* Root without CAP_SYS_ADMIN: the capability counts, not the uid. */
static int capless_root_refused(void)
{
	if (cap_sys_admin_effective(0))
		return 12;
	return checked_socket(false);
}

static int capless_root_allowed(void)
{
	if (cap_sys_admin_effective(0))
		return 12;
	return checked_socket(true);
}

/*
 * A socket opened without the capability, used with it: refused when
 * the requests go out without an address (write(), send(): a program
 * handed the socket), answered when sent to the kernel's address.
 */
static int capless_socket(void)
{
	int fd, rc;

	if (cap_sys_admin_effective(0))
		return 12;
	fd = raw_open();
	if (fd < 0)
		return 10;
	if (cap_sys_admin_effective(1))
		return 13;
	unaddressed = true;
	rc = check_requests(fd, false);
	unaddressed = false;
	if (!rc)
		rc = check_requests(fd, true);
	close(fd);
	return rc;
}

/* A socket root opened, used by nobody: refused, however sent. */
static int root_fd = -1;

static int nobody_on_root_socket_refused(void)
{
	int rc;

	if (getuid() != NOBODY)
		return 11;
	rc = check_requests(root_fd, false);
	if (rc)
		return rc;
	unaddressed = true;
	return check_requests(root_fd, false);
}

static bool kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

FIXTURE(perm) {
	int stats_public;	/* before the test */
};

FIXTURE_SETUP(perm)
{
	if (!memarena_loaded())
		SKIP(return, "memarena is not loaded");
	family_id = memarena_family_id();
	ASSERT_LT(0, family_id);
	/* "netlink: support extack in dump ->start()", Linux 6.5. */
	extack_required = kernel_at_least(6, 5);
	self->stats_public = stats_public_get();
	ASSERT_LE(0, self->stats_public) {
		TH_LOG("%s: %s", STATS_PUBLIC_PARAM, strerror(-self->stats_public));
	}
	ASSERT_EQ(0, stats_public_set(0));
}

FIXTURE_TEARDOWN(perm)
{
	if (self->stats_public >= 0)
		EXPECT_EQ(0, stats_public_set(self->stats_public));
}

TEST_F(perm, root_gets_every_statistic)
{
	EXPECT_EQ(0, checked_socket(true));
}

TEST_F(perm, unprivileged_get_works_classes_and_cpus_refused)
{
	EXPECT_EQ(0, as_nobody(nobody_refused));
}

TEST_F(perm, root_without_cap_sys_admin_is_refused)
{
	EXPECT_EQ(0, in_child(capless_root_refused));
}

TEST_F(perm, the_sender_needs_it_and_for_unaddressed_sends_the_opener)
{
	EXPECT_EQ(0, in_child(capless_socket));
	root_fd = raw_open();
	ASSERT_LE(0, root_fd);
	EXPECT_EQ(0, as_nobody(nobody_on_root_socket_refused));
	close(root_fd);
	root_fd = -1;
}

TEST_F(perm, stats_public_opens_them_to_everyone)
{
	ASSERT_EQ(0, stats_public_set(1));
	EXPECT_EQ(0, as_nobody(nobody_allowed));
	EXPECT_EQ(0, in_child(capless_root_allowed));
	ASSERT_EQ(0, stats_public_set(0));
	EXPECT_EQ(0, as_nobody(nobody_refused));
}

/*
 * GET_PROFILE: refused to @user (EPERM, no message, the extack where the
 * kernel passes it to dump start), whatever stats_public says; answered
 * to root.  0, or the number of the check that failed.
 */
static int profile_request(bool allowed)
{
	struct raw_reply r;
	int fd = raw_open(), err;

	if (fd < 0)
		return 10;
	err = request(fd, MEMARENA_CMD_GET_PROFILE, 1, &r);
	close(fd);
	fprintf(stderr, "# %sGET_PROFILE: error %d (%s), %d replies, %s, extack \"%s\"\n",
		allowed ? "" : "refused ", r.error,
		r.error < 0 ? strerror(-r.error) : "-", r.replies,
		r.done ? "done" : "no done", r.msg);
	if (err)
		return 21;
	if (allowed)
		return r.error || !r.done ? 22 : 0;
	if (r.error != -EPERM || r.replies || r.done)
		return 23;
	if (r.msg[0] && strcmp(r.msg, PROFILE_EXTACK))
		return 24;
	if (!r.msg[0] && extack_required)
		return 25;
	return 0;
}

static int nobody_profile_refused(void)
{
	return getuid() == NOBODY ? profile_request(false) : 11;
}

static int capless_root_profile_refused(void)
{
	return cap_sys_admin_effective(0) ? 12 : profile_request(false);
}

TEST_F(perm, profile_is_cap_sys_admin_only_even_with_stats_public)
{
	ASSERT_EQ(0, stats_public_set(1));
	EXPECT_EQ(0, as_nobody(nobody_profile_refused));
	EXPECT_EQ(0, in_child(capless_root_profile_refused));
	ASSERT_EQ(0, stats_public_set(0));
	EXPECT_EQ(0, profile_request(true));
}

TEST_HARNESS_MAIN
