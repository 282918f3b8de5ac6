// SPDX-License-Identifier: GPL-2.0
/*
 * The admin commands, which change memarena's state and so need
 * CAP_NET_ADMIN (GENL_ADMIN_PERM):
 *
 *   memstat gc          MEMARENA_CMD_GC: run a full reclaim cycle now (it
 *                       counts in NumForcedGC); prints the cycle, as
 *                       'monitor' would
 *   memstat limit SIZE  MEMARENA_CMD_SET_LIMIT: the soft memory limit on
 *                       Sys - HeapReleased, like GOMEMLIMIT; 0 or "off"
 *                       for none
 *
 * A kernel without them answers EOPNOTSUPP, reported as such.
 */

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "memstat.h"

struct gc_reply {
	struct ms_row cycle;
	bool got;
};

/* The reply (command GC, or CYCLE) carries MEMARENA_A_CYCLE_* attributes. */
static int cycle_reply(struct nlmsghdr *nlh, void *arg)
{
	struct gc_reply *r = arg;

	r->got = true;
	return ms_nl_parse_row(nlh, MEMARENA_A_CYCLE_MAX, &r->cycle);
}

static int cmd_gc(struct ms_ctx *ctx, int argc, char **argv)
{
	struct gc_reply r = { .got = false };
	struct genl_error e;
	int err;

	if (argc)
		return ms_usage_err("'gc' takes no arguments");
	err = ms_nl_open(ctx);
	if (err)
		return err;
	err = genl_conn_call(&ctx->nl, MEMARENA_CMD_GC, 0, NULL, NULL,
			     cycle_reply, &r, &e);
	if (err)
		return ms_kernel_err("gc", err, &e);
	if (r.got) {
		ms_print_cycle(&r.cycle);
	} else {
		open_json_object(NULL);
		close_json_object();
		print_fp("reclaim cycle done\n");
	}
	return EXIT_OK;
}

MEMSTAT_COMMAND(gc, "gc", "", FMTS_TEXT_JSON, 0, CMD_NETLINK, cmd_gc,
		"run a full reclaim cycle now and print it (needs CAP_NET_ADMIN)");

static int put_limit(struct nl_msg *msg, void *arg)
{
	return nla_put_u64(msg, MEMARENA_A_CTL_LIMIT, *(uint64_t *)arg) ?
	       -EMSGSIZE : 0;
}

static int cmd_limit(struct ms_ctx *ctx, int argc, char **argv)
{
	struct genl_error e;
	uint64_t limit;
	int err;

	if (argc != 1)
		return ms_usage_err("'limit' takes one SIZE: 512M, 1.5GiB, 2000000000, or 0 or off for no limit");
	if (!strcasecmp(argv[0], "off") || !strcasecmp(argv[0], "none"))
		limit = 0;
	else if (parse_size(argv[0], &limit))
		return ms_usage_err("bad size '%s': give bytes, or a number with k, M, G, T (powers of 1000) or Ki, Mi, Gi, Ti (1024)",
				    argv[0]);
	err = ms_nl_open(ctx);
	if (err)
		return err;
	err = genl_conn_call(&ctx->nl, MEMARENA_CMD_SET_LIMIT, 0,
			     put_limit, &limit, NULL, NULL, &e);
	if (err)
		return ms_kernel_err("limit", err, &e);
	open_json_object(NULL);
	if (limit) {
		print_size(PRINT_ANY, "limit", "memory limit set to %s\n", limit);
	} else {
		print_u64(PRINT_JSON, "limit", NULL, 0);
		print_fp("memory limit removed\n");
	}
	close_json_object();
	return EXIT_OK;
}

MEMSTAT_COMMAND(limit, "limit", "SIZE", FMTS_TEXT_JSON, 0, CMD_NETLINK,
		cmd_limit,
		"set the soft memory limit on Sys - HeapReleased, like GOMEMLIMIT (512M,\n"
		"      1GiB; 0 or off: none) (needs CAP_NET_ADMIN)");
