// SPDX-License-Identifier: GPL-2.0
/*
 * The "memarena" generic netlink family: resolves with libnl, has the
 * version the uapi header promises, and refuses commands it does not know
 * with EOPNOTSUPP instead of crashing or ignoring them.
 */

#include "kselftest_harness.h"
#include "memarena_test.h"

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

TEST_HARNESS_MAIN
