// SPDX-License-Identifier: GPL-2.0
/*
 * memarena module entry points: bring the layers up in dependency order and
 * take them down in reverse.  The allocator's design is described at the
 * top of malloc.c.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "memarena.h"

static int __init memarena_init(void)
{
	int err;

	/*
	 * ORDER: the allocator first (heap, then per-CPU caches), then the
	 * interfaces that use it: /proc/memstats, /dev/memarena (whose files
	 * allocate as soon as it is registered), and the netlink family
	 * last, because registering it is when netlink users can start
	 * calling into us; everything they may reach must exist.
	 */
	err = ma_malloc_init();
	if (err)
		return err;

	err = ma_proc_init();
	if (err)
		goto out_malloc_exit;

	err = ma_dev_init();
	if (err)
		goto out_remove_proc;

	err = ma_netlink_init();
	if (err)
		goto out_deregister_dev;

	pr_info("loaded\n");
	return 0;

out_deregister_dev:
	ma_dev_exit();
out_remove_proc:
	ma_proc_exit();
out_malloc_exit:
	ma_malloc_exit();
	return err;
}

static void __exit memarena_exit(void)
{
	/*
	 * ORDER: reverse of memarena_init(): stop new users first.  No
	 * /dev/memarena file is open: each holds a reference on the module.
	 */
	ma_netlink_exit();
	ma_dev_exit();
	ma_proc_exit();
	ma_malloc_exit();
	pr_info("unloaded\n");
}

module_init(memarena_init);
module_exit(memarena_exit);

MODULE_DESCRIPTION("Go's allocator design with MemStats accounting");
MODULE_AUTHOR("memarena developers");
MODULE_LICENSE("GPL");

/*
 * The release: debian/changelog's version, which the DKMS build passes
 * as -DMEMARENA_VERSION=<version> (dkms.conf).  A build from the source
 * tree ('make') has none.
 */
#ifdef MEMARENA_VERSION
MODULE_VERSION(__stringify(MEMARENA_VERSION));
#endif
