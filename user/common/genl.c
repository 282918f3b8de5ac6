// SPDX-License-Identifier: GPL-2.0
/*
 * A generic netlink connection over libnl-genl-3.  See genl.h.
 *
 * Requests go out with libnl's automatic port, sequence number and
 * NLM_F_ACK; the replies are read with a callback set of our own, so that
 * the kernel's error code survives (libnl folds errno values into its own
 * NLE_* codes) together with the extended ack: the message and the
 * offending attribute's offset that the kernel adds when the socket set
 * NETLINK_EXT_ACK.
 */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "genl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

/* libnl's NLE_* codes, for the few it reports itself, as errno values. */
static int nle_to_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case 0:			return 0;
	case NLE_INTR:		return -EINTR;
	case NLE_AGAIN:		return -EAGAIN;
	case NLE_NOMEM:		return -ENOMEM;
	case NLE_EXIST:		return -EEXIST;
	case NLE_INVAL:		return -EINVAL;
	case NLE_RANGE:		return -ERANGE;
	case NLE_MSGSIZE:	return -EMSGSIZE;
	case NLE_OPNOTSUPP:	return -EOPNOTSUPP;
	case NLE_OBJ_NOTFOUND:	return -ENOENT;
	case NLE_PERM:		return -EPERM;
	case NLE_NOACCESS:	return -EACCES;
	case NLE_BUSY:		return -EBUSY;
	case NLE_PROTO_MISMATCH: return -EPROTONOSUPPORT;
	case NLE_AF_NOSUPPORT:	return -EAFNOSUPPORT;
	default:		return -EIO;
	}
}

/**
 * genl_conn_open() - connect to a generic netlink family
 * @c: the connection to set up
 * @family: the family's name
 * @version: the version to put in the requests' genl headers
 *
 * Opens the socket, asks for extended acks (kernel error messages; an
 * older kernel ignores the request, as iw does) and capped acks (no echo
 * of the request), lets libnl size its receive buffer to each message,
 * and resolves @family.
 *
 * Return: 0; -ENOENT if the family is not registered (module not loaded,
 * or not visible from this network namespace); another negative errno.
 */
int genl_conn_open(struct genl_conn *c, const char *family, uint8_t version)
{
	int one = 1;
	int err;

	memset(c, 0, sizeof(*c));
	c->name = family;
	c->version = version;
	c->sk = nl_socket_alloc();
	if (!c->sk)
		return -ENOMEM;
	err = genl_connect(c->sk);
	if (err)
		goto out_free;
	setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	nl_socket_enable_msg_peek(c->sk);
	c->family = genl_ctrl_resolve(c->sk, family);
	if (c->family < 0) {
		err = c->family;
		goto out_free;
	}
	return 0;

out_free:
	nl_socket_free(c->sk);
	c->sk = NULL;
	return nle_to_errno(err);
}

void genl_conn_close(struct genl_conn *c)
{
	if (c->sk)
		nl_socket_free(c->sk);
	c->sk = NULL;
}

struct call_state {
	genl_reply_fn reply;
	void *arg;
	struct genl_error *e;
	bool done;		/* ack, end of dump, error, or stop */
	int err;		/* negative errno */
};

/* The extack attributes of an error or done message, from byte @off. */
static void parse_extack(struct nlmsghdr *nlh, size_t off, struct genl_error *e)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t len;

	if (!e || !(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off >= nlh->nlmsg_len)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)nlh + off),
		      nlh->nlmsg_len - off, NULL))
		return;
	if (tb[NLMSGERR_ATTR_MSG]) {
		len = nla_len(tb[NLMSGERR_ATTR_MSG]);
		if (len >= sizeof(e->msg))
			len = sizeof(e->msg) - 1;
		memcpy(e->msg, nla_data(tb[NLMSGERR_ATTR_MSG]), len);
		e->msg[len] = '\0';
	}
	if (tb[NLMSGERR_ATTR_OFFS] && nla_len(tb[NLMSGERR_ATTR_OFFS]) >= 4) {
		e->has_offset = true;
		e->offset = nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);
	}
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
	struct call_state *st = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)err - 1;
	size_t off = NLMSG_HDRLEN + sizeof(*err);

	st->done = true;
	st->err = err->error;
	if (st->e)
		st->e->err = err->error;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
	    err->msg.nlmsg_len >= NLMSG_HDRLEN)
		off += NLMSG_ALIGN(err->msg.nlmsg_len - NLMSG_HDRLEN);
	parse_extack(nlh, off, st->e);
	return NL_STOP;
}

/* End of a dump; since Linux 4.x it may carry the dump's error. */
static int on_finish(struct nl_msg *msg, void *arg)
{
	struct call_state *st = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int err;

	st->done = true;
	if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int)) {
		memcpy(&err, nlmsg_data(nlh), sizeof(err));
		if (err < 0) {
			st->err = err;
			if (st->e)
				st->e->err = err;
			parse_extack(nlh, NLMSG_HDRLEN + sizeof(int), st->e);
		}
	}
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct call_state *st = arg;

	st->done = true;
	return NL_STOP;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct call_state *st = arg;
	int r;

	if (!st->reply)
		return NL_OK;
	r = st->reply(nlmsg_hdr(msg), st->arg);
	if (r == 0)
		return NL_OK;
	st->done = true;
	if (r < 0)
		st->err = r;
	return NL_STOP;
}

static int no_seq_check(struct nl_msg *msg, void *arg)
{
	return NL_OK;
}

/* Read until st->done: returns 0 or a negative errno. */
static int receive(struct genl_conn *c, struct nl_cb *cb, struct call_state *st)
{
	int r;

	while (!st->done) {
		r = nl_recvmsgs(c->sk, cb);
		if (r < 0 && !st->done) {
			st->err = nle_to_errno(r);
			break;
		}
	}
	return st->err;
}

/**
 * genl_conn_call() - send one request and collect what comes back
 * @c: an open connection
 * @cmd: the genl command
 * @flags: 0 for a do, NLM_F_DUMP for a dump
 * @put: adds the request's attributes, or NULL
 * @put_arg: for @put
 * @reply: called for each reply message, or NULL
 * @reply_arg: for @reply
 * @e: filled with the kernel's error and extack, or NULL
 *
 * Return: 0 once the request was acked (do) or the dump ended; the
 * kernel's error (negative errno, extack in @e); or the first negative
 * value @reply returned.
 */
int genl_conn_call(struct genl_conn *c, uint8_t cmd, int flags,
		   genl_put_fn put, void *put_arg,
		   genl_reply_fn reply, void *reply_arg, struct genl_error *e)
{
	struct call_state st = { .reply = reply, .arg = reply_arg, .e = e };
	struct nl_msg *msg;
	struct nl_cb *cb;
	int err;

	if (e)
		memset(e, 0, sizeof(*e));
	msg = nlmsg_alloc();
	if (!msg)
		return -ENOMEM;
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		err = -ENOMEM;
		goto out_free_msg;
	}
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, c->family, 0, flags,
			 cmd, c->version)) {
		err = -EMSGSIZE;
		goto out_free_cb;
	}
	if (put) {
		err = put(msg, put_arg);
		if (err)
			goto out_free_cb;
	}
	err = nl_send_auto(c->sk, msg);
	if (err < 0) {
		err = nle_to_errno(err);
		goto out_free_cb;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &st);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &st);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &st);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &st);
	err = receive(c, cb, &st);

out_free_cb:
	nl_cb_put(cb);
out_free_msg:
	nlmsg_free(msg);
	return err;
}

/**
 * genl_conn_group() - the id of a multicast group
 * @c: an open connection
 * @family: the family owning @group (may be another than @c's, e.g.
 *	"nlctrl" for family add/remove notifications)
 * @group: the group's name
 *
 * Resolve every group before joining any: once joined, notifications
 * could arrive in the middle of a later lookup's replies.
 *
 * Return: the group id (> 0), -ENOENT if there is no such group, or
 * another negative errno.
 */
int genl_conn_group(struct genl_conn *c, const char *family, const char *group)
{
	int grp;

	grp = genl_ctrl_resolve_grp(c->sk, family, group);
	return grp < 0 ? nle_to_errno(grp) : grp;
}

/**
 * genl_conn_join() - subscribe to a multicast group
 * @c: an open connection, to be used for listening from now on
 * @group: a group id from genl_conn_group()
 *
 * Return: 0 or a negative errno.
 */
int genl_conn_join(struct genl_conn *c, int group)
{
	return nle_to_errno(nl_socket_add_membership(c->sk, group));
}

/**
 * genl_conn_listen() - pass every notification to @fn until it says stop
 * @c: a connection that joined its groups
 * @fn: called per message; returns 0 to go on, 1 to stop, or an error
 * @arg: for @fn
 *
 * Return: 0 when @fn stopped, or a negative errno.
 */
int genl_conn_listen(struct genl_conn *c, genl_reply_fn fn, void *arg)
{
	struct call_state st = { .reply = fn, .arg = arg };
	struct nl_cb *cb;
	int err;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, no_seq_check, NULL);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &st);
	err = receive(c, cb, &st);
	nl_cb_put(cb);
	return err;
}
