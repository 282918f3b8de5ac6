// SPDX-License-Identifier: GPL-2.0
/*
 * The "memarena" generic netlink family (include/uapi/linux/memarena.h).
 *
 * Registering the family is the moment userspace can reach memarena, so
 * module init does it last and module exit undoes it first.  Commands are
 * added with the statistics they report.
 */

#include <net/genetlink.h>
#include <uapi/linux/memarena.h>

#include "memarena.h"

static struct genl_family ma_genl_family __ro_after_init = {
	.name		= MEMARENA_GENL_NAME,
	.version	= MEMARENA_GENL_VERSION,
	.maxattr	= MEMARENA_ATTR_MAX,
	.module		= THIS_MODULE,
	.resv_start_op	= __MEMARENA_CMD_MAX,
};

/**
 * ma_netlink_init() - register the "memarena" generic netlink family
 *
 * Context: Process context, module init.
 * Return: 0 on success, or the error from genl_register_family() (-EEXIST
 * if another module already registered a family of that name).
 */
int __init ma_netlink_init(void)
{
	return genl_register_family(&ma_genl_family);
}

/**
 * ma_netlink_exit() - unregister the family
 *
 * Context: Process context, may sleep.
 */
void ma_netlink_exit(void)
{
	genl_unregister_family(&ma_genl_family);
}
