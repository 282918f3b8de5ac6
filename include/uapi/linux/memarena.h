/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * memarena: Go's allocator design as a kernel module, with Go's MemStats.
 *
 * This header is the user/kernel ABI: the generic netlink family that
 * reports the statistics.  It is extended by appending only: a value, once
 * released, never changes meaning.  See Documentation/ for what each
 * command and attribute means.
 */
#ifndef _UAPI_LINUX_MEMARENA_H
#define _UAPI_LINUX_MEMARENA_H

#define MEMARENA_GENL_NAME		"memarena"
#define MEMARENA_GENL_VERSION		1

/* Path of the text interface, for tools that cannot speak netlink. */
#define MEMARENA_PROC_PATH		"/proc/memstats"

/**
 * enum memarena_cmd - generic netlink commands of the "memarena" family
 * @MEMARENA_CMD_UNSPEC: never used
 * @__MEMARENA_CMD_MAX: number of commands, do not use
 * @MEMARENA_CMD_MAX: highest command number
 *
 * The family is registered by the module skeleton so that tools can find
 * it; the statistics commands are appended with the counters.
 */
enum memarena_cmd {
	MEMARENA_CMD_UNSPEC,

	__MEMARENA_CMD_MAX,
	MEMARENA_CMD_MAX = __MEMARENA_CMD_MAX - 1
};

/**
 * enum memarena_attr - top-level attributes of the "memarena" family
 * @MEMARENA_ATTR_UNSPEC: never used
 * @MEMARENA_ATTR_PAD: padding for 64-bit attributes (nla_put_u64_64bit())
 * @__MEMARENA_ATTR_MAX: number of attributes, do not use
 * @MEMARENA_ATTR_MAX: highest attribute number
 */
enum memarena_attr {
	MEMARENA_ATTR_UNSPEC,
	MEMARENA_ATTR_PAD,

	__MEMARENA_ATTR_MAX,
	MEMARENA_ATTR_MAX = __MEMARENA_ATTR_MAX - 1
};

#endif /* _UAPI_LINUX_MEMARENA_H */
