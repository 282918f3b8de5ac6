/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A generic netlink connection over libnl-genl-3 for memarena's tools:
 * one function sets it up (socket, extended acks, family lookup) and
 * unwinds through one label, as iw's nl80211_init() does; one function
 * sends a request and collects its replies, its ack, or its error with
 * the kernel's extack message; and two let a tool listen to a multicast
 * group.
 *
 * Errors are negative errno values throughout, so that a caller can tell
 * "family not registered" (-ENOENT from genl_conn_open()) from "operation
 * not supported" (-EOPNOTSUPP from the kernel) or "not permitted"
 * (-EPERM).
 */
#ifndef _USER_COMMON_GENL_H
#define _USER_COMMON_GENL_H

#include <stdbool.h>
#include <stdint.h>

#include <netlink/genl/genl.h>

struct genl_conn {
	struct nl_sock *sk;
	int family;		/* family id */
	const char *name;	/* family name */
	uint8_t version;	/* put in every request's genl header */
};

/* What the kernel said when it refused a request. */
struct genl_error {
	int err;		/* negative errno, 0 if none */
	char msg[256];		/* extack message, "" if none */
	bool has_offset;
	uint32_t offset;	/* extack: offset of the offending attribute */
};

/*
 * Fills the request after its genl header (attributes); return 0 or a
 * negative errno.
 */
typedef int (*genl_put_fn)(struct nl_msg *msg, void *arg);
/*
 * Called for each reply or notification; return 0 to go on, 1 to stop
 * listening (genl_conn_listen()), or a negative errno to fail.
 */
typedef int (*genl_reply_fn)(struct nlmsghdr *nlh, void *arg);

int genl_conn_open(struct genl_conn *c, const char *family, uint8_t version);
void genl_conn_close(struct genl_conn *c);
int genl_conn_call(struct genl_conn *c, uint8_t cmd, int flags,
		   genl_put_fn put, void *put_arg,
		   genl_reply_fn reply, void *reply_arg, struct genl_error *e);
int genl_conn_group(struct genl_conn *c, const char *family, const char *group);
int genl_conn_join(struct genl_conn *c, int group);
int genl_conn_listen(struct genl_conn *c, genl_reply_fn fn, void *arg);

#endif /* _USER_COMMON_GENL_H */
