// SPDX-License-Identifier: GPL-2.0
/*
 * vm_run_warn: a module whose load triggers one WARN() and then fails with
 * -ECANCELED, so that the test of selftests/vm-run can check that a guest
 * kernel warning fails the run even when the guest command succeeds.
 */

#include <linux/bug.h>
#include <linux/module.h>

static int __init vm_run_warn_init(void)
{
	WARN(1, "vm_run_warn: deliberate warning for the vm-run selftest\n");
	return -ECANCELED;
}

module_init(vm_run_warn_init);

MODULE_DESCRIPTION("Deliberate WARN to test selftests/vm-run");
MODULE_LICENSE("GPL");
