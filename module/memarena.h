/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memarena internal interfaces between the allocator layers and the
 * files that expose them (proc.c, netlink.c).  The design narrative is at
 * the top of malloc.c.
 */
#ifndef _MEMARENA_INTERNAL_H
#define _MEMARENA_INTERNAL_H

#include <linux/init.h>

int __init ma_proc_init(void);
void ma_proc_exit(void);

int __init ma_netlink_init(void);
void ma_netlink_exit(void);

#endif /* _MEMARENA_INTERNAL_H */
