// SPDX-License-Identifier: GPL-2.0
/*
 * Module lifecycle: a second insmod fails cleanly and leaves the loaded
 * instance working; unloading removes /proc/memstats and the netlink
 * family; loading again brings both back.
 *
 * Expects memarena to be loaded when it starts, and leaves it loaded.
 */

#include <sys/stat.h>

#include "kselftest_harness.h"
#include "memarena_test.h"

static void assert_present(struct __test_metadata *_metadata)
{
	struct stat st;

	ASSERT_EQ(0, stat(MEMARENA_PROC_PATH, &st)) {
		TH_LOG("%s missing: %s", MEMARENA_PROC_PATH, strerror(errno));
	}
	ASSERT_LT(0, memarena_family_id()) {
		TH_LOG("family %s does not resolve", MEMARENA_GENL_NAME);
	}
}

TEST(second_insmod_fails_cleanly)
{
	if (!memarena_loaded())
		SKIP(return, "memarena is not loaded");

	ASSERT_EQ(-EEXIST, load_module_file(memarena_ko_path()));
	/* The instance that was there keeps working. */
	ASSERT_TRUE(memarena_loaded());
	assert_present(_metadata);
}

TEST(unload_removes_everything_and_reload_restores)
{
	struct stat st;
	int id;

	if (!memarena_loaded())
		SKIP(return, "memarena is not loaded");
	assert_present(_metadata);

	ASSERT_EQ(0, unload_module("memarena"));
	EXPECT_FALSE(memarena_loaded());
	EXPECT_EQ(-1, stat(MEMARENA_PROC_PATH, &st));
	EXPECT_EQ(ENOENT, errno);
	id = memarena_family_id();
	EXPECT_EQ(-NLE_OBJ_NOTFOUND, id) {
		TH_LOG("family still resolves after unload (%d)", id);
	}

	ASSERT_EQ(0, load_module_file(memarena_ko_path()));
	assert_present(_metadata);
}

TEST(unloading_twice_fails_with_enoent)
{
	if (!memarena_loaded())
		SKIP(return, "memarena is not loaded");

	ASSERT_EQ(0, unload_module("memarena"));
	EXPECT_EQ(-ENOENT, unload_module("memarena"));
	ASSERT_EQ(0, load_module_file(memarena_ko_path()));
	assert_present(_metadata);
}

TEST_HARNESS_MAIN
