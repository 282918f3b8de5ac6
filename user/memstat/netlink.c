// SPDX-License-Identifier: GPL-2.0
/*
 * Reading memarena over its generic netlink family: MEMARENA_CMD_GET
 * (one snapshot of every statistic), and the MEMARENA_CMD_GET_CLASSES,
 * MEMARENA_CMD_GET_CPUS, MEMARENA_CMD_GET_ARENAS and MEMARENA_CMD_GET_NODES
 * dumps (Documentation/netlink.rst).
 *
 * Attributes are looked up by type, and their values read by their
 * length (u32 or u64), so that an attribute this memstat does not know
 * (a newer kernel) is skipped and one it knows but the kernel does not
 * send (an older kernel) is shown as missing.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/genl/genl.h>

#include "memstat.h"

/**
 * ms_nl_open() - the netlink connection, opened on first use
 * @ctx: memstat's context
 *
 * Return: 0, or an exit status after reporting the error (the module is
 * not loaded: one line saying so and how to load it).
 */
int ms_nl_open(struct ms_ctx *ctx)
{
	int err;

	if (ctx->nl_open)
		return 0;
	err = genl_conn_open(&ctx->nl, MEMARENA_FAMILY_NAME,
			     MEMARENA_FAMILY_VERSION);
	if (err == -ENOENT)
		return ms_not_loaded();
	if (err) {
		ms_err("cannot open a generic netlink socket: %s", strerror(-err));
		return EXIT_ERROR;
	}
	ctx->nl_open = true;
	return 0;
}

static bool nla_scalar(const struct nlattr *a, uint64_t *v)
{
	uint32_t v32;

	switch (nla_len(a)) {
	case sizeof(uint32_t):
		memcpy(&v32, nla_data(a), sizeof(v32));
		*v = v32;
		return true;
	case sizeof(uint64_t):
		memcpy(v, nla_data(a), sizeof(*v));
		return true;
	}
	return false;
}

/* A ring nest: items of types 1..256 are Go's indexes 0..255. */
static void nla_ring(const struct nlattr *nest, uint64_t *ring)
{
	const struct nlattr *pos;
	int rem, type;
	uint64_t v;

	nla_for_each_nested(pos, nest, rem) {
		type = nla_type(pos);
		if (type >= 1 && type <= MEMARENA_PAUSE_RING && nla_scalar(pos, &v))
			ring[type - 1] = v;
	}
}

/**
 * ms_nl_row() - the scalar attributes of a message, by type
 * @tb: the parsed attributes
 * @max: the highest attribute type of the set
 * @row: filled; types without an attribute are marked missing
 */
void ms_nl_row(struct nlattr **tb, int max, struct ms_row *row)
{
	int attr;

	memset(row, 0, sizeof(*row));
	for (attr = 2; attr <= max && attr < MS_ROW_MAX; attr++)
		if (tb[attr])
			row->has[attr] = nla_scalar(tb[attr], &row->v[attr]);
}

int ms_nl_parse_row(struct nlmsghdr *nlh, int max, struct ms_row *row)
{
	struct nlattr *tb[MS_ROW_MAX + 1];
	struct genlmsghdr *g = nlmsg_data(nlh);

	if (max > MS_ROW_MAX || genlmsg_parse(nlh, 0, tb, max, NULL))
		return -EPROTO;
	ms_nl_row(tb, max, row);
	/* An arena's name: the one string attribute of the family. */
	if (g->cmd == MEMARENA_CMD_GET_ARENAS && tb[MEMARENA_A_ARENA_NAME]) {
		row->has[MEMARENA_A_ARENA_NAME] = false;
		nla_strlcpy(row->name, tb[MEMARENA_A_ARENA_NAME], sizeof(row->name));
	}
	return 0;
}

static int stats_reply(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[__MEMARENA_A_STATS_MAX];
	struct ms_stats *st = arg;
	int attr;

	if (genlmsg_parse(nlh, 0, tb, MEMARENA_A_STATS_MAX, NULL))
		return -EPROTO;
	ms_for_each_field(attr) {
		if (!tb[attr])
			continue;
		switch (ms_fields[attr].kind) {
		case K_RING_NS:
			nla_ring(tb[attr], st->pause_ns);
			st->has[attr] = true;
			break;
		case K_RING_TIME:
			nla_ring(tb[attr], st->pause_end);
			st->has[attr] = true;
			break;
		default:
			st->has[attr] = nla_scalar(tb[attr], &st->v[attr]);
		}
	}
	return 0;
}

/*
 * MEMSTAT_TEST_BAD_REQUEST=1 adds an attribute to GET, which the kernel
 * refuses with EINVAL and an extack message: the selftests use it to see
 * that kernel errors reach the user with their message.
 */
static int put_bad_attr(struct nl_msg *msg, void *arg)
{
	return nla_put(msg, MEMARENA_A_STATS_PAD, 0, NULL) ? -EMSGSIZE : 0;
}

int ms_nl_stats(struct ms_ctx *ctx, struct ms_stats *st)
{
	const char *bad = getenv("MEMSTAT_TEST_BAD_REQUEST");
	struct genl_error e;
	int err;

	err = ms_nl_open(ctx);
	if (err)
		return err;
	memset(st, 0, sizeof(*st));
	err = genl_conn_call(&ctx->nl, MEMARENA_CMD_GET, 0,
			     bad && *bad == '1' ? put_bad_attr : NULL, NULL,
			     stats_reply, st, &e);
	if (err)
		return ms_kernel_err("reading the statistics", err, &e);
	return 0;
}

#define DETAIL_HINT	"; it needs " MS_DETAIL_NEEDS

struct dump {
	struct ms_table *t;
	int max;
};

static int row_reply(struct nlmsghdr *nlh, void *arg)
{
	struct dump *d = arg;
	struct ms_row *row;

	row = ms_table_add(d->t);
	if (!row)
		return -ENOMEM;
	return ms_nl_parse_row(nlh, d->max, row);
}

/*
 * A dump, one row per message.  For the dumps memarena may withhold
 * (GET_CLASSES, GET_CPUS, GET_ARENAS) EPERM is "withheld" (struct
 * ms_table) and @eperm_hint says what they need; GET_NODES is for
 * everyone.
 */
static int dump(struct ms_ctx *ctx, uint8_t cmd, int max, struct ms_table *t,
		const char *what, const char *eperm_hint)
{
	struct dump d = { .t = t, .max = max };
	struct genl_error e;
	int err;

	err = ms_nl_open(ctx);
	if (err)
		return err;
	t->n = 0;
	t->withheld = false;
	err = genl_conn_call(&ctx->nl, cmd, NLM_F_DUMP, NULL, NULL,
			     row_reply, &d, &e);
	if (err == -EPERM && t->optional) {
		t->n = 0;
		t->withheld = true;
		return 0;
	}
	if (err)
		return ms_kernel_err_hint(what, err, &e, eperm_hint);
	return 0;
}

int ms_nl_classes(struct ms_ctx *ctx, struct ms_table *t)
{
	return dump(ctx, MEMARENA_CMD_GET_CLASSES, MEMARENA_A_CLASS_MAX, t,
		    "reading the size classes", DETAIL_HINT);
}

int ms_nl_cpus(struct ms_ctx *ctx, struct ms_table *t)
{
	return dump(ctx, MEMARENA_CMD_GET_CPUS, MEMARENA_A_CPU_MAX, t,
		    "reading the per-CPU statistics", DETAIL_HINT);
}

int ms_nl_arenas(struct ms_ctx *ctx, struct ms_table *t)
{
	return dump(ctx, MEMARENA_CMD_GET_ARENAS, MEMARENA_A_ARENA_MAX, t,
		    "reading the per-arena statistics", DETAIL_HINT);
}

int ms_nl_nodes(struct ms_ctx *ctx, struct ms_table *t)
{
	return dump(ctx, MEMARENA_CMD_GET_NODES, MEMARENA_A_NODE_MAX, t,
		    "reading the per-node statistics", "");
}
