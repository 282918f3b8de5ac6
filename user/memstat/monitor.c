// SPDX-License-Identifier: GPL-2.0
/*
 * memstat monitor [-n COUNT]: print memarena's multicast events as they
 * arrive, like 'ip monitor': today one MEMARENA_CMD_CYCLE message per
 * completed reclaim cycle of the scavenger, on the "events" group,
 *
 *	14:03:07.412 cycle 12: released 1.2 MB in 3.4ms, paused 12µs;
 *	HeapReleased 5.1 MB, HeapIdle 8.4 MB, NextGC 10 MB
 *
 * (one line), or one JSON object per event.  It also listens to nlctrl's
 * "notify" group, to stop with an error when memarena is unloaded rather
 * than wait forever for a family that is gone.
 *
 * ms_print_cycle() is shared with 'memstat gc', whose reply is the cycle
 * it forced.
 */

#include <errno.h>
#include <string.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "memstat.h"

/**
 * ms_print_cycle() - one reclaim cycle, on one line or as one object
 * @c: the MEMARENA_A_CYCLE_* attributes
 */
void ms_print_cycle(const struct ms_row *c)
{
	char t[64];

#define CYC(attr)	MEMARENA_A_CYCLE_##attr
	open_json_object(NULL);
	if (c->has[CYC(END)]) {
		print_u64(PRINT_JSON, "end", NULL, c->v[CYC(END)]);
		print_fp("%s ", ms_time_str(t, sizeof(t), c->v[CYC(END)], false));
	}
	print_fp("cycle ");
	ms_print_col(ms_cycle_cols, c, CYC(NUM), "%s");
	if (c->has[CYC(FORCED)]) {
		print_bool(PRINT_JSON, "forced", NULL, c->v[CYC(FORCED)]);
		print_fp("%s", c->v[CYC(FORCED)] ? " (forced)" : "");
	}
	print_fp(": released ");
	ms_print_col(ms_cycle_cols, c, CYC(RELEASED), "%s");
	print_fp(" in ");
	ms_print_col(ms_cycle_cols, c, CYC(DURATION_NS), "%s");
	print_fp(", paused ");
	ms_print_col(ms_cycle_cols, c, CYC(PAUSE_NS), "%s");
	print_fp("; HeapReleased ");
	ms_print_col(ms_cycle_cols, c, CYC(HEAP_RELEASED), "%s");
	print_fp(", HeapIdle ");
	ms_print_col(ms_cycle_cols, c, CYC(HEAP_IDLE), "%s");
	print_fp(", NextGC ");
	ms_print_col(ms_cycle_cols, c, CYC(GOAL), "%s");
	close_json_object();
	print_nl();
#undef CYC
}

struct monitor {
	struct ms_ctx *ctx;
	uint64_t seen;
	bool gone;
};

/* nlctrl's CTRL_CMD_DELFAMILY for memarena: the module is going away. */
static bool family_removed(struct nlmsghdr *nlh)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct genlmsghdr *g = nlmsg_data(nlh);
	const char *name = MEMARENA_FAMILY_NAME;

	if (g->cmd != CTRL_CMD_DELFAMILY ||
	    genlmsg_parse(nlh, 0, tb, CTRL_ATTR_MAX, NULL) ||
	    !tb[CTRL_ATTR_FAMILY_NAME])
		return false;
	return nla_len(tb[CTRL_ATTR_FAMILY_NAME]) == (int)strlen(name) + 1 &&
	       !memcmp(nla_data(tb[CTRL_ATTR_FAMILY_NAME]), name, strlen(name) + 1);
}

static int on_event(struct nlmsghdr *nlh, void *arg)
{
	struct monitor *m = arg;
	struct genlmsghdr *g = nlmsg_data(nlh);
	struct ms_row cycle;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return 0;
	if (nlh->nlmsg_type == GENL_ID_CTRL) {
		if (!family_removed(nlh))
			return 0;
		m->gone = true;
		return 1;
	}
	if (nlh->nlmsg_type != m->ctx->nl.family || g->cmd != MEMARENA_CMD_CYCLE ||
	    ms_nl_parse_row(nlh, MEMARENA_A_CYCLE_MAX, &cycle))
		return 0;
	ms_print_cycle(&cycle);
	if (m->ctx->count && ++m->seen >= m->ctx->count)
		return 1;
	return 0;
}

static int cmd_monitor(struct ms_ctx *ctx, int argc, char **argv)
{
	struct monitor m = { .ctx = ctx };
	int events, notify, err;

	if (argc)
		return ms_usage_err("'monitor' takes no arguments");
	err = ms_nl_open(ctx);
	if (err)
		return err;
	events = genl_conn_group(&ctx->nl, MEMARENA_FAMILY_NAME,
				 MEMARENA_MCGRP_EVENTS);
	if (events < 0)
		return ms_kernel_err("looking up the \"" MEMARENA_MCGRP_EVENTS "\" group",
				     events, NULL);
	/* Without it memstat only misses the unload: not worth failing. */
	notify = genl_conn_group(&ctx->nl, "nlctrl", "notify");
	err = genl_conn_join(&ctx->nl, events);
	if (!err && notify > 0)
		err = genl_conn_join(&ctx->nl, notify);
	if (err)
		return ms_kernel_err("joining the events group", err, NULL);

	err = genl_conn_listen(&ctx->nl, on_event, &m);
	if (m.gone) {
		ms_err("memarena was unloaded");
		return EXIT_ERROR;
	}
	if (err)
		return ms_kernel_err("receiving events", err, NULL);
	return EXIT_OK;
}

MEMSTAT_COMMAND(monitor, "monitor", "[-n COUNT]", FMTS_TEXT_JSON, OPT_COUNT,
		CMD_STREAM | CMD_NETLINK, cmd_monitor,
		"print memarena's events (reclaim cycles) as they arrive, like 'ip monitor',\n"
		"      until interrupted or COUNT events; exits 1 if memarena is unloaded");
