// SPDX-License-Identifier: GPL-2.0
/*
 * The "memarena" generic netlink family: MEMARENA_CMD_GET (one snapshot of
 * every statistic, for everyone), MEMARENA_CMD_GET_CLASSES,
 * MEMARENA_CMD_GET_CPUS and MEMARENA_CMD_GET_ARENAS (dumps, one message
 * per size class, CPU or user arena, for CAP_SYS_ADMIN unless stats_public:
 * ma_nl_detail_allowed()), MEMARENA_CMD_GET_PROFILE (a dump of the heap
 * profile's buckets, for CAP_SYS_ADMIN only), MEMARENA_CMD_GET_NODES (a
 * dump, one message per memory node's page heap, for everyone), the admin
 * commands MEMARENA_CMD_GC, MEMARENA_CMD_SET_LIMIT and
 * MEMARENA_CMD_SET_PROFILE_RATE (GENL_ADMIN_PERM: CAP_NET_ADMIN in the
 * initial user namespace), and MEMARENA_CMD_CYCLE events on the "events"
 * multicast group.  ABI: include/uapi/linux/memarena.h; YNL description:
 * Documentation/netlink/specs/memarena.yaml; prose:
 * Documentation/netlink.rst.
 *
 * Network namespaces: the family is registered without netnsok, so only
 * the initial network namespace sees it.  memarena is one allocator for
 * the whole machine; its control plane belongs to the host, and a
 * container gets ENOENT resolving the family.  (/proc/memstats is global
 * and world-readable, its BySize table excepted.)
 *
 * Registering the family is the moment userspace can reach memarena, so
 * module init does it last and module exit undoes it first.
 */

#include <linux/capability.h>
#include <linux/kallsyms.h>
#include <linux/kfifo.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <uapi/linux/memarena.h>

#include "memarena.h"

static struct genl_family ma_genl_family;

/* --- messages ------------------------------------------------------------ */

static size_t ma_nl_stats_size(void)
{
	size_t ring = nla_total_size(0) +
		      MEMARENA_PAUSE_RING * nla_total_size_64bit(sizeof(u64));

	return MA_NUM_STATS * nla_total_size_64bit(sizeof(u64)) + 2 * ring;
}

/* A Go ring as a nest of 256 u64 attributes of types 1..256 (index + 1). */
static int ma_nl_put_ring(struct sk_buff *msg, int attr, const u64 *ring)
{
	struct nlattr *nest;
	unsigned int i;

	nest = nla_nest_start(msg, attr);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < MEMARENA_PAUSE_RING; i++) {
		if (nla_put_u64_64bit(msg, i + 1, ring[i], MEMARENA_A_STATS_UNSPEC)) {
			nla_nest_cancel(msg, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(msg, nest);
	return 0;
}

static int ma_nl_stats_fill(struct sk_buff *msg,
			    const struct memarena_memstats *ms,
			    u32 portid, u32 seq, int flags, u8 cmd)
{
	const struct ma_stat_desc *d;
	unsigned int attr;
	void *hdr;
	u64 v;

	hdr = genlmsg_put(msg, portid, seq, &ma_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	for (attr = MA_STAT_FIRST; attr < __MEMARENA_A_STATS_MAX; attr++) {
		d = &ma_stat_descs[attr];
		if (!d->name)
			continue;
		v = ma_stat_value(ms, d);
		if (d->type == MA_STAT_U32) {
			if (nla_put_u32(msg, attr, v))
				goto out_cancel;
		} else if (nla_put_u64_64bit(msg, attr, v, MEMARENA_A_STATS_PAD)) {
			goto out_cancel;
		}
	}
	if (ma_nl_put_ring(msg, MEMARENA_A_STATS_PAUSE_NS, ms->pause_ns) ||
	    ma_nl_put_ring(msg, MEMARENA_A_STATS_PAUSE_END, ms->pause_end))
		goto out_cancel;
	genlmsg_end(msg, hdr);
	return 0;

out_cancel:
	genlmsg_cancel(msg, hdr);
	return -EMSGSIZE;
}

static int ma_nl_class_fill(struct sk_buff *msg,
			    const struct memarena_memstats *ms,
			    unsigned int class, u32 portid, u32 seq, int flags)
{
	const struct memarena_class_stats *c = &ms->by_size[class];
	u64 live = c->mallocs - c->frees;
	void *hdr;

	hdr = genlmsg_put(msg, portid, seq, &ma_genl_family, flags,
			  MEMARENA_CMD_GET_CLASSES);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(msg, MEMARENA_A_CLASS_CLASS, class) ||
	    nla_put_u32(msg, MEMARENA_A_CLASS_SIZE, c->size) ||
	    nla_put_u32(msg, MEMARENA_A_CLASS_SPAN_BYTES,
			ma_class_span_bytes[class]) ||
	    nla_put_u32(msg, MEMARENA_A_CLASS_OBJECTS_PER_SPAN,
			ma_class_nobjs[class]) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_CLASS_MALLOCS, c->mallocs,
			      MEMARENA_A_CLASS_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_CLASS_FREES, c->frees,
			      MEMARENA_A_CLASS_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_CLASS_LIVE_OBJECTS, live,
			      MEMARENA_A_CLASS_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_CLASS_LIVE_BYTES, live * c->size,
			      MEMARENA_A_CLASS_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_CLASS_CACHED_OBJECTS,
			      c->cached_objects, MEMARENA_A_CLASS_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_CLASS_SPANS, c->spans,
			      MEMARENA_A_CLASS_PAD)) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

static int ma_nl_cpu_fill(struct sk_buff *msg, unsigned int cpu,
			  u32 portid, u32 seq, int flags)
{
	struct ma_cpu_stats st;
	void *hdr;

	ma_stats_cpu(cpu, &st);
	hdr = genlmsg_put(msg, portid, seq, &ma_genl_family, flags,
			  MEMARENA_CMD_GET_CPUS);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(msg, MEMARENA_A_CPU_CPU, cpu) ||
	    nla_put_u32(msg, MEMARENA_A_CPU_ONLINE, cpu_online(cpu)) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_CPU_CACHED_OBJECTS,
			      st.cached_objects, MEMARENA_A_CPU_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_CPU_CACHED_BYTES,
			      st.cached_bytes, MEMARENA_A_CPU_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_CPU_MALLOCS, st.mallocs,
			      MEMARENA_A_CPU_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_CPU_FREES, st.frees,
			      MEMARENA_A_CPU_PAD)) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

static int ma_nl_node_fill(struct sk_buff *msg, int nid, u32 portid, u32 seq,
			   int flags)
{
	struct ma_node_stats st;
	void *hdr;

	if (ma_node_stats(nid, &st))
		return 0;	/* no heap: nothing to say */
	hdr = genlmsg_put(msg, portid, seq, &ma_genl_family, flags,
			  MEMARENA_CMD_GET_NODES);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(msg, MEMARENA_A_NODE_NODE, nid) ||
	    nla_put_u32(msg, MEMARENA_A_NODE_MEMORY, st.memory) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_NODE_HEAP_SYS, st.heap_sys,
			      MEMARENA_A_NODE_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_NODE_HEAP_INUSE, st.heap_inuse,
			      MEMARENA_A_NODE_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_NODE_HEAP_IDLE, st.heap_idle,
			      MEMARENA_A_NODE_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_NODE_HEAP_RELEASED,
			      st.heap_released, MEMARENA_A_NODE_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_NODE_HEAP_ARENAS, st.heap_arenas,
			      MEMARENA_A_NODE_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_NODE_SPANS, st.spans,
			      MEMARENA_A_NODE_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_NODE_MSPAN_SYS, st.mspan_sys,
			      MEMARENA_A_NODE_PAD)) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

struct ma_nl_dump_ctx {
	struct sk_buff *msg;
	struct netlink_callback *cb;
};

/* ma_user_arena_for_each() callback: one GET_ARENAS message. */
static int ma_nl_user_arena_fill(const struct ma_user_arena_info *a, void *arg)
{
	struct ma_nl_dump_ctx *d = arg;
	struct sk_buff *msg = d->msg;
	void *hdr;

	hdr = genlmsg_put(msg, NETLINK_CB(d->cb->skb).portid,
			  d->cb->nlh->nlmsg_seq, &ma_genl_family, NLM_F_MULTI,
			  MEMARENA_CMD_GET_ARENAS);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(msg, MEMARENA_A_ARENA_ID, a->id,
			      MEMARENA_A_ARENA_PAD) ||
	    nla_put_string(msg, MEMARENA_A_ARENA_NAME, a->name) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_ARENA_CREATED, a->created,
			      MEMARENA_A_ARENA_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_ARENA_LIVE_OBJECTS,
			      a->st.live_objects, MEMARENA_A_ARENA_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_ARENA_LIVE_BYTES,
			      a->st.live_bytes, MEMARENA_A_ARENA_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_ARENA_MALLOCS, a->st.mallocs,
			      MEMARENA_A_ARENA_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_ARENA_FREES, a->st.frees,
			      MEMARENA_A_ARENA_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_ARENA_SPANS, a->spans,
			      MEMARENA_A_ARENA_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_ARENA_SPAN_BYTES, a->span_bytes,
			      MEMARENA_A_ARENA_PAD)) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

/* ma_mprof_for_each() callback: one GET_PROFILE message. */
static int ma_nl_profile_fill(const struct ma_mprof_info *b, void *arg)
{
	struct ma_nl_dump_ctx *d = arg;
	struct sk_buff *msg = d->msg;
	char frame[KSYM_SYMBOL_LEN];
	unsigned int i;
	void *hdr;

	hdr = genlmsg_put(msg, NETLINK_CB(d->cb->skb).portid,
			  d->cb->nlh->nlmsg_seq, &ma_genl_family, NLM_F_MULTI,
			  MEMARENA_CMD_GET_PROFILE);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(msg, MEMARENA_A_PROFILE_RATE, b->rate) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_PROFILE_DROPPED, b->dropped,
			      MEMARENA_A_PROFILE_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_PROFILE_ID, b->id,
			      MEMARENA_A_PROFILE_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_PROFILE_SIZE, b->size,
			      MEMARENA_A_PROFILE_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_PROFILE_ALLOCS, b->allocs,
			      MEMARENA_A_PROFILE_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_PROFILE_ALLOC_BYTES,
			      b->alloc_bytes, MEMARENA_A_PROFILE_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_PROFILE_FREES, b->frees,
			      MEMARENA_A_PROFILE_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_PROFILE_FREE_BYTES,
			      b->free_bytes, MEMARENA_A_PROFILE_PAD))
		goto out_cancel;
	for (i = 0; i < b->nstk; i++) {
		ma_mprof_frame(b, i, frame, sizeof(frame));
		if (nla_put_string(msg, MEMARENA_A_PROFILE_FRAME, frame))
			goto out_cancel;
	}
	genlmsg_end(msg, hdr);
	return 0;

out_cancel:
	genlmsg_cancel(msg, hdr);
	return -EMSGSIZE;
}

static int ma_nl_cycle_fill(struct sk_buff *msg, const struct ma_cycle *c,
			    u32 portid, u32 seq, int flags, u8 cmd)
{
	void *hdr;

	hdr = genlmsg_put(msg, portid, seq, &ma_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(msg, MEMARENA_A_CYCLE_NUM, c->num) ||
	    nla_put_u32(msg, MEMARENA_A_CYCLE_FORCED, c->forced) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_CYCLE_RELEASED, c->released,
			      MEMARENA_A_CYCLE_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_CYCLE_DURATION_NS, c->duration_ns,
			      MEMARENA_A_CYCLE_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_CYCLE_PAUSE_NS, c->pause_ns,
			      MEMARENA_A_CYCLE_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_CYCLE_END, c->end,
			      MEMARENA_A_CYCLE_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_CYCLE_HEAP_RELEASED,
			      c->heap_released, MEMARENA_A_CYCLE_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_CYCLE_HEAP_IDLE, c->heap_idle,
			      MEMARENA_A_CYCLE_PAD) ||
	    nla_put_u64_64bit(msg, MEMARENA_A_CYCLE_GOAL, c->goal,
			      MEMARENA_A_CYCLE_PAD)) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

/* --- events ---------------------------------------------------------------- */

/*
 * Cycles end in any context, memory reclaim included, where no message may
 * be allocated: the cycle notifier only queues them, and a work item sends
 * them.  A cycle that finds the queue full is not announced (listeners see
 * a gap in MEMARENA_A_CYCLE_NUM).  Exit order: notifier off, work
 * cancelled, family unregistered, so that nothing is sent after.
 */
#define MA_NL_EVENTS_QUEUED	32
static DEFINE_SPINLOCK(ma_nl_events_lock);	/* producers of the queue */
static DEFINE_KFIFO(ma_nl_events, struct ma_cycle, MA_NL_EVENTS_QUEUED);

enum ma_nl_mcgrp {
	MA_NL_MCGRP_EVENTS,
};

static void ma_nl_events_workfn(struct work_struct *work)
{
	struct sk_buff *msg;
	struct ma_cycle c;

	/* One consumer: a work item never runs twice at once. */
	while (kfifo_get(&ma_nl_events, &c)) {
		msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
		if (!msg)
			continue;
		if (ma_nl_cycle_fill(msg, &c, 0, 0, 0, MEMARENA_CMD_CYCLE)) {
			nlmsg_free(msg);
			continue;
		}
		genlmsg_multicast(&ma_genl_family, msg, 0, MA_NL_MCGRP_EVENTS,
				  GFP_KERNEL);
	}
}

static DECLARE_WORK(ma_nl_events_work, ma_nl_events_workfn);

static int ma_nl_cycle_event(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	const struct ma_cycle *c = data;

	if (!genl_has_listeners(&ma_genl_family, &init_net, MA_NL_MCGRP_EVENTS))
		return NOTIFY_DONE;
	kfifo_in_spinlocked(&ma_nl_events, c, 1, &ma_nl_events_lock);
	queue_work(system_wq, &ma_nl_events_work);
	return NOTIFY_OK;
}

static struct notifier_block ma_nl_cycle_nb = {
	.notifier_call = ma_nl_cycle_event,
};

/* --- handlers ------------------------------------------------------------ */

static int ma_nl_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct memarena_memstats *ms;
	struct sk_buff *msg;
	int err;

	ms = kmalloc(sizeof(*ms), GFP_KERNEL);
	if (!ms)
		return -ENOMEM;
	msg = genlmsg_new(ma_nl_stats_size(), GFP_KERNEL);
	if (!msg) {
		err = -ENOMEM;
		goto out_free_stats;
	}
	memarena_read_memstats(ms);
	err = ma_nl_stats_fill(msg, ms, info->snd_portid, info->snd_seq, 0,
			       MEMARENA_CMD_GET);
	if (err) {
		NL_SET_ERR_MSG(info->extack, "statistics do not fit the reply");
		goto out_free_msg;
	}
	kfree(ms);
	return genlmsg_reply(msg, info);

out_free_msg:
	nlmsg_free(msg);
out_free_stats:
	kfree(ms);
	return err;
}

/* GC: a forced cycle; the reply (command GC) carries its CYCLE attributes. */
static int ma_nl_gc_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	struct ma_cycle c;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	err = ma_scav_force(&c);
	if (err) {
		NL_SET_ERR_MSG(info->extack, "interrupted waiting for a running cycle");
		goto out_free_msg;
	}
	err = ma_nl_cycle_fill(msg, &c, info->snd_portid, info->snd_seq, 0,
			       MEMARENA_CMD_GC);
	if (err)
		goto out_free_msg;
	/* The documented order: the cycle's event goes out before the reply. */
	flush_work(&ma_nl_events_work);
	return genlmsg_reply(msg, info);

out_free_msg:
	nlmsg_free(msg);
	return err;
}

static int ma_nl_set_limit_doit(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, MEMARENA_A_CTL_LIMIT)) {
		NL_SET_ERR_MSG(info->extack,
			       "the limit (MEMARENA_A_CTL_LIMIT, u64 bytes) is required");
		return -EINVAL;
	}
	ma_scav_set_limit(nla_get_u64(info->attrs[MEMARENA_A_CTL_LIMIT]));
	return 0;
}

static int ma_nl_set_profile_rate_doit(struct sk_buff *skb,
				       struct genl_info *info)
{
	int err;

	if (GENL_REQ_ATTR_CHECK(info, MEMARENA_A_CTL_PROFILE_RATE)) {
		NL_SET_ERR_MSG(info->extack,
			       "the rate (MEMARENA_A_CTL_PROFILE_RATE, u32 bytes) is required");
		return -EINVAL;
	}
	err = ma_mprof_set_rate(nla_get_u32(info->attrs[MEMARENA_A_CTL_PROFILE_RATE]));
	if (err)
		NL_SET_ERR_MSG(info->extack, "no memory to re-arm the CPUs");
	return err;
}

/*
 * GET_CLASSES and GET_CPUS: for CAP_SYS_ADMIN only, unless stats_public
 * (stats.c, "Who may read what"), checked when the dump starts, before
 * anything is read: 6.1 runs no pre_doit for dumps, and the ops cannot
 * carry GENL_ADMIN_PERM, which would ask for CAP_NET_ADMIN whatever
 * stats_public says.  netlink_capable() asks it, as GENL_ADMIN_PERM does,
 * of the sender and, for a request sent without the kernel's address
 * (write() on a socket a privileged program was handed), of the socket's
 * opener too.  Refused with EPERM, like GENL_ADMIN_PERM;
 * the message reaches the user where the netlink core gives ->start() an
 * extack (Linux 6.5 on), and is simply not sent before.
 */
static int ma_nl_detail_allowed(struct netlink_callback *cb, bool user_arenas)
{
	if (READ_ONCE(ma_stats_public) ||
	    netlink_capable(cb->skb, CAP_SYS_ADMIN))
		return 0;
	if (user_arenas)
		NL_SET_ERR_MSG(cb->extack,
			       "per-arena statistics need " MA_STATS_DETAIL_PRIV);
	else
		NL_SET_ERR_MSG(cb->extack,
			       "per-class and per-CPU statistics need " MA_STATS_DETAIL_PRIV);
	return -EPERM;
}

/*
 * GET_CLASSES: one snapshot for the whole dump, taken at its start, so
 * the classes of one dump add up; cb->args[0] is the next class,
 * cb->args[1] the snapshot.
 */
static int ma_nl_classes_start(struct netlink_callback *cb)
{
	struct memarena_memstats *ms;
	int err;

	err = ma_nl_detail_allowed(cb, false);
	if (err)
		return err;
	ms = kmalloc(sizeof(*ms), GFP_KERNEL);
	if (!ms)
		return -ENOMEM;
	memarena_read_memstats(ms);
	cb->args[0] = 1;
	cb->args[1] = (long)ms;
	return 0;
}

static int ma_nl_classes_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	const struct memarena_memstats *ms = (void *)cb->args[1];
	unsigned int c;

	for (c = cb->args[0]; c < MA_NUM_SIZE_CLASSES; c++)
		if (ma_nl_class_fill(skb, ms, c, NETLINK_CB(cb->skb).portid,
				     cb->nlh->nlmsg_seq, NLM_F_MULTI))
			break;
	cb->args[0] = c;
	return skb->len;
}

static int ma_nl_classes_done(struct netlink_callback *cb)
{
	kfree((void *)cb->args[1]);
	return 0;
}

/* GET_CPUS: cb->args[0] is the next CPU number to look at. */
static int ma_nl_cpus_start(struct netlink_callback *cb)
{
	int err = ma_nl_detail_allowed(cb, false);

	if (err)
		return err;
	cb->args[0] = 0;
	return 0;
}

static int ma_nl_cpus_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned int cpu;

	for (cpu = cb->args[0]; cpu < nr_cpu_ids; cpu++) {
		if (!cpu_possible(cpu))
			continue;
		if (ma_nl_cpu_fill(skb, cpu, NETLINK_CB(cb->skb).portid,
				   cb->nlh->nlmsg_seq, NLM_F_MULTI))
			break;
	}
	cb->args[0] = cpu;
	return skb->len;
}

/* GET_NODES: cb->args[0] is the next node number to look at. */
static int ma_nl_nodes_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	int nid;

	for (nid = cb->args[0]; nid < nr_node_ids; nid++) {
		if (!node_possible(nid))
			continue;
		if (ma_nl_node_fill(skb, nid, NETLINK_CB(cb->skb).portid,
				    cb->nlh->nlmsg_seq, NLM_F_MULTI))
			break;
	}
	cb->args[0] = nid;
	return skb->len;
}

/* GET_ARENAS: cb->args[0] is the id of the next user arena to report. */
static int ma_nl_user_arenas_start(struct netlink_callback *cb)
{
	int err = ma_nl_detail_allowed(cb, true);

	if (err)
		return err;
	cb->args[0] = 1;
	return 0;
}

static int ma_nl_user_arenas_dumpit(struct sk_buff *skb,
				    struct netlink_callback *cb)
{
	struct ma_nl_dump_ctx d = { .msg = skb, .cb = cb };
	u64 next = cb->args[0];

	ma_user_arena_for_each(&next, ma_nl_user_arena_fill, &d);
	cb->args[0] = next;
	return skb->len;
}

/*
 * GET_PROFILE: call stacks say where the kernel's code is and what it is
 * doing: CAP_SYS_ADMIN always, as /proc/allocinfo is root's alone.
 * cb->args[0] is the id of the next bucket to report.
 */
static int ma_nl_profile_start(struct netlink_callback *cb)
{
	if (!netlink_capable(cb->skb, CAP_SYS_ADMIN)) {
		NL_SET_ERR_MSG(cb->extack, "the heap profile needs CAP_SYS_ADMIN");
		return -EPERM;
	}
	cb->args[0] = 1;
	return 0;
}

static int ma_nl_profile_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	struct ma_nl_dump_ctx d = { .msg = skb, .cb = cb };
	u64 next = cb->args[0];

	ma_mprof_for_each(&next, ma_nl_profile_fill, &d);
	cb->args[0] = next;
	return skb->len;
}

/* --- tables ---------------------------------------------------------------- */

/*
 * Only SET_LIMIT takes an attribute.  With strict validation (every
 * command is at or above resv_start_op) an attribute above maxattr is
 * refused as "Unknown attribute type", and the one below it with this
 * message.
 */
static const struct nla_policy ma_nl_noattr_policy[MEMARENA_A_STATS_PAD + 1] = {
	[MEMARENA_A_STATS_PAD] = {
		.type = NLA_REJECT,
		.reject_message = "memarena commands take no attributes",
	},
};

static const struct nla_policy ma_nl_ctl_policy[MEMARENA_A_CTL_MAX + 1] = {
	[MEMARENA_A_CTL_PAD] = {
		.type = NLA_REJECT,
		.reject_message = "padding is not a request attribute",
	},
	[MEMARENA_A_CTL_LIMIT] = { .type = NLA_U64 },
	[MEMARENA_A_CTL_PROFILE_RATE] = { .type = NLA_U32 },
};

static const struct genl_ops ma_nl_ops[] = {
	{
		.cmd		= MEMARENA_CMD_GET,
		.doit		= ma_nl_get_doit,
		.policy		= ma_nl_noattr_policy,
		.maxattr	= ARRAY_SIZE(ma_nl_noattr_policy) - 1,
	},
	{
		.cmd		= MEMARENA_CMD_GET_CLASSES,
		.start		= ma_nl_classes_start,
		.dumpit		= ma_nl_classes_dumpit,
		.done		= ma_nl_classes_done,
		.policy		= ma_nl_noattr_policy,
		.maxattr	= ARRAY_SIZE(ma_nl_noattr_policy) - 1,
	},
	{
		.cmd		= MEMARENA_CMD_GET_CPUS,
		.start		= ma_nl_cpus_start,
		.dumpit		= ma_nl_cpus_dumpit,
		.policy		= ma_nl_noattr_policy,
		.maxattr	= ARRAY_SIZE(ma_nl_noattr_policy) - 1,
	},
	{
		.cmd		= MEMARENA_CMD_GET_NODES,
		.dumpit		= ma_nl_nodes_dumpit,
		.policy		= ma_nl_noattr_policy,
		.maxattr	= ARRAY_SIZE(ma_nl_noattr_policy) - 1,
	},
	{
		.cmd		= MEMARENA_CMD_GET_ARENAS,
		.start		= ma_nl_user_arenas_start,
		.dumpit		= ma_nl_user_arenas_dumpit,
		.policy		= ma_nl_noattr_policy,
		.maxattr	= ARRAY_SIZE(ma_nl_noattr_policy) - 1,
	},
	{
		.cmd		= MEMARENA_CMD_GC,
		.flags		= GENL_ADMIN_PERM,
		.doit		= ma_nl_gc_doit,
		.policy		= ma_nl_noattr_policy,
		.maxattr	= ARRAY_SIZE(ma_nl_noattr_policy) - 1,
	},
	{
		.cmd		= MEMARENA_CMD_SET_LIMIT,
		.flags		= GENL_ADMIN_PERM,
		.doit		= ma_nl_set_limit_doit,
		.policy		= ma_nl_ctl_policy,
		.maxattr	= MEMARENA_A_CTL_MAX,
	},
	{
		.cmd		= MEMARENA_CMD_SET_PROFILE_RATE,
		.flags		= GENL_ADMIN_PERM,
		.doit		= ma_nl_set_profile_rate_doit,
		.policy		= ma_nl_ctl_policy,
		.maxattr	= MEMARENA_A_CTL_MAX,
	},
	{
		.cmd		= MEMARENA_CMD_GET_PROFILE,
		.start		= ma_nl_profile_start,
		.dumpit		= ma_nl_profile_dumpit,
		.policy		= ma_nl_noattr_policy,
		.maxattr	= ARRAY_SIZE(ma_nl_noattr_policy) - 1,
	},
};

static const struct genl_multicast_group ma_nl_mcgrps[] = {
	[MA_NL_MCGRP_EVENTS] = { .name = MEMARENA_MCGRP_EVENTS },
};

static struct genl_family ma_genl_family __ro_after_init = {
	.name		= MEMARENA_FAMILY_NAME,
	.version	= MEMARENA_FAMILY_VERSION,
	.module		= THIS_MODULE,
	.ops		= ma_nl_ops,
	.n_ops		= ARRAY_SIZE(ma_nl_ops),
	.resv_start_op	= MEMARENA_CMD_GET,
	/* GC waits for drains and RCU: never under genl_mutex. */
	.parallel_ops	= true,
	.mcgrps		= ma_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(ma_nl_mcgrps),
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
	int err = genl_register_family(&ma_genl_family);

	if (!err)
		ma_scav_register_notifier(&ma_nl_cycle_nb);
	return err;
}

/**
 * ma_netlink_exit() - unregister the family
 *
 * Context: Process context, may sleep.
 */
void ma_netlink_exit(void)
{
	ma_scav_unregister_notifier(&ma_nl_cycle_nb);
	cancel_work_sync(&ma_nl_events_work);
	genl_unregister_family(&ma_genl_family);
}
