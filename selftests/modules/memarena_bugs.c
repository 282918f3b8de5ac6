// SPDX-License-Identifier: GPL-2.0
/*
 * memarena_bugs: deliberate bugs of a memarena user, for the debug
 * kernels' checkers to report (selftests/debug_bugs, make check-debug).
 * Never loaded by the normal suite.  Load it with one of:
 *
 *   bug=use-after-free   read an object after memarena_free(): KASAN
 *                        reports "use-after-free in
 *                        memarena_bugs_use_after_free"
 *   bug=out-of-bounds    read the byte after a 40-byte request (its size
 *                        class is 48): KASAN reports "slab-out-of-bounds
 *                        in memarena_bugs_out_of_bounds"
 *   bug=leak             allocate MEMARENA_BUGS_LEAKS objects of
 *                        MEMARENA_BUGS_LEAK_SIZE bytes and drop every
 *                        pointer: a kmemleak scan reports them, allocated
 *                        from memarena_bugs_leak
 *
 * The module stays loaded after the bug, so that reports can name it.
 */

#include <linux/compiler.h>
#include <linux/memarena.h>
#include <linux/module.h>
#include <linux/string.h>

#define MEMARENA_BUGS_LEAKS	16
#define MEMARENA_BUGS_LEAK_SIZE	200

static char *bug;
module_param(bug, charp, 0444);
MODULE_PARM_DESC(bug, "use-after-free, out-of-bounds or leak");

static noinline int memarena_bugs_use_after_free(void)
{
	char *p = memarena_alloc(64, GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	memarena_free(p);
	OPTIMIZER_HIDE_VAR(p);
	pr_info("memarena_bugs: read after free: %d\n", READ_ONCE(p[16]));
	return 0;
}

static noinline int memarena_bugs_out_of_bounds(void)
{
	char *p = memarena_alloc(40, GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	OPTIMIZER_HIDE_VAR(p);
	pr_info("memarena_bugs: read out of bounds: %d\n", READ_ONCE(p[44]));
	memarena_free(p);
	return 0;
}

static noinline int memarena_bugs_leak(void)
{
	void *p[MEMARENA_BUGS_LEAKS];
	unsigned int i;

	for (i = 0; i < MEMARENA_BUGS_LEAKS; i++) {
		p[i] = memarena_alloc(MEMARENA_BUGS_LEAK_SIZE, GFP_KERNEL);
		if (!p[i])
			return -ENOMEM;
	}
	/* No copy of a pointer left behind for kmemleak to find. */
	memzero_explicit(p, sizeof(p));
	return 0;
}

static int __init memarena_bugs_init(void)
{
	if (!bug)
		return -EINVAL;
	if (!strcmp(bug, "use-after-free"))
		return memarena_bugs_use_after_free();
	if (!strcmp(bug, "out-of-bounds"))
		return memarena_bugs_out_of_bounds();
	if (!strcmp(bug, "leak"))
		return memarena_bugs_leak();
	return -EINVAL;
}

static void __exit memarena_bugs_exit(void)
{
}

module_init(memarena_bugs_init);
module_exit(memarena_bugs_exit);

MODULE_DESCRIPTION("Deliberate memarena bugs for KASAN and kmemleak to report");
MODULE_LICENSE("GPL");
