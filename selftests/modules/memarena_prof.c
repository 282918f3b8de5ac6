// SPDX-License-Identifier: GPL-2.0
/*
 * memarena_prof: two allocation sites of known sizes and counts, for the
 * heap profile test (selftests/profile_test.py).  Loading the module
 * allocates a_count objects of a_size bytes in memarena_prof_site_a()
 * and b_count objects of b_size bytes in memarena_prof_site_b(), from
 * the global heap, and keeps them; removing it frees them all.  The
 * profile must name the two functions with those shares, and show
 * nothing of theirs in use once the module is gone.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/memarena.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/vmalloc.h>

static unsigned int a_size = 512;
module_param(a_size, uint, 0444);
MODULE_PARM_DESC(a_size, "Bytes of each object of site a (default 512)");
static unsigned int a_count = 12288;
module_param(a_count, uint, 0444);
MODULE_PARM_DESC(a_count, "Objects of site a (default 12288)");
static unsigned int b_size = 8192;
module_param(b_size, uint, 0444);
MODULE_PARM_DESC(b_size, "Bytes of each object of site b (default 8192)");
static unsigned int b_count = 256;
module_param(b_count, uint, 0444);
MODULE_PARM_DESC(b_count, "Objects of site b (default 256)");

static void **mp_objs;
static unsigned int mp_n;

/* Not inlined: each is a frame of its own in the profile's stacks. */
static noinline int memarena_prof_site_a(void)
{
	unsigned int i;

	for (i = 0; i < a_count; i++) {
		mp_objs[mp_n] = memarena_alloc(a_size, GFP_KERNEL);
		if (!mp_objs[mp_n])
			return -ENOMEM;
		mp_n++;
	}
	return 0;
}

static noinline int memarena_prof_site_b(void)
{
	unsigned int i;

	for (i = 0; i < b_count; i++) {
		mp_objs[mp_n] = memarena_alloc(b_size, GFP_KERNEL);
		if (!mp_objs[mp_n])
			return -ENOMEM;
		mp_n++;
	}
	return 0;
}

static void memarena_prof_free(void)
{
	while (mp_n)
		memarena_free(mp_objs[--mp_n]);
	vfree(mp_objs);
	mp_objs = NULL;
}

static int __init memarena_prof_init(void)
{
	int err;

	mp_objs = vmalloc(array_size((size_t)a_count + b_count, sizeof(*mp_objs)));
	if (!mp_objs)
		return -ENOMEM;
	err = memarena_prof_site_a();
	if (!err)
		err = memarena_prof_site_b();
	if (err) {
		memarena_prof_free();
		return err;
	}
	pr_info("holding %u objects of %u bytes and %u of %u bytes\n",
		a_count, a_size, b_count, b_size);
	return 0;
}

static void __exit memarena_prof_exit(void)
{
	memarena_prof_free();
}

module_init(memarena_prof_init);
module_exit(memarena_prof_exit);

MODULE_DESCRIPTION("memarena heap profile test: two known allocation sites");
MODULE_LICENSE("GPL");
