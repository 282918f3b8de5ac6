// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/memstats: the text view of memarena's statistics.  One snapshot
 * (memarena_read_memstats()) per read, printed as
 *
 *	# memarena 1
 *	Alloc 4096			one "Name value" line per statistic,
 *	...				Go's MemStats fields in Go's order,
 *	MCacheBound 1563360		then memarena's own
 *	# BySize
 *	class size span_bytes ...	a header line, then one line per class
 *	1 8 8192 1024 ...
 *
 * The lines come from ma_stat_descs[], the same table the netlink replies
 * use.  Documentation/memstats.rst documents the format; it is extended by
 * appending lines to a section.
 *
 * The file is world-readable, but the BySize table is shown only to an
 * opener with CAP_SYS_ADMIN, or to everyone with stats_public (stats.c,
 * "Who may read what"); anyone else reads, in its place, the one line
 *
 *	# BySize: withheld (needs CAP_SYS_ADMIN, or stats_public=1)
 */

#include <linux/capability.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <uapi/linux/memarena.h>

#include "memarena.h"

static struct proc_dir_entry *ma_proc_entry;

static void memstats_show_scalars(struct seq_file *m,
				  const struct memarena_memstats *ms)
{
	const struct ma_stat_desc *d;
	unsigned int attr;
	u64 v;

	for (attr = MA_STAT_FIRST; attr < __MEMARENA_A_STATS_MAX; attr++) {
		d = &ma_stat_descs[attr];
		if (!d->name)
			continue;
		v = ma_stat_value(ms, d);
		if (d->type == MA_STAT_PPB) {
			seq_printf(m, "%s %llu.%09llu\n", d->name,
				   v / 1000000000, v % 1000000000);
			continue;
		}
		seq_puts(m, d->name);
		seq_put_decimal_ull(m, " ", v);
		seq_putc(m, '\n');
	}
}

static void memstats_show_classes(struct seq_file *m,
				  const struct memarena_memstats *ms)
{
	const struct memarena_class_stats *c;
	unsigned int i;
	u64 live;

	seq_puts(m, "# BySize\n");
	seq_puts(m, "class size span_bytes span_objects mallocs frees live_objects live_bytes cached_objects spans\n");
	for (i = 1; i < MA_NUM_SIZE_CLASSES; i++) {
		c = &ms->by_size[i];
		live = c->mallocs - c->frees;
		/*
		 * seq_put_decimal_ull() rather than seq_printf(): parsing a
		 * format string for each of these 670 numbers was nearly all
		 * of the time a read took (perf in the VM).
		 */
		seq_put_decimal_ull(m, "", i);
		seq_put_decimal_ull(m, " ", c->size);
		seq_put_decimal_ull(m, " ", ma_class_span_bytes[i]);
		seq_put_decimal_ull(m, " ", ma_class_nobjs[i]);
		seq_put_decimal_ull(m, " ", c->mallocs);
		seq_put_decimal_ull(m, " ", c->frees);
		seq_put_decimal_ull(m, " ", live);
		seq_put_decimal_ull(m, " ", live * c->size);
		seq_put_decimal_ull(m, " ", c->cached_objects);
		seq_put_decimal_ull(m, " ", c->spans);
		seq_putc(m, '\n');
	}
}

static int memstats_show(struct seq_file *m, bool by_size)
{
	struct memarena_memstats *ms;

	ms = kmalloc(sizeof(*ms), GFP_KERNEL);
	if (!ms)
		return -ENOMEM;
	memarena_read_memstats(ms);
	seq_printf(m, "# memarena %u\n", MEMARENA_FAMILY_VERSION);
	memstats_show_scalars(m, ms);
	if (by_size)
		memstats_show_classes(m, ms);
	else
		seq_puts(m, "# BySize: withheld (needs " MA_STATS_DETAIL_PRIV ")\n");
	kfree(ms);
	return 0;
}

static int memstats_show_all(struct seq_file *m, void *v)
{
	return memstats_show(m, true);
}

static int memstats_show_public(struct seq_file *m, void *v)
{
	return memstats_show(m, false);
}

/*
 * Whether this file shows the BySize table is decided once, here, for the
 * opener: at open, current_cred() is the credential the file keeps as
 * file->f_cred.  Never at read time, or a privileged reader of a
 * descriptor an unprivileged process opened (a setuid program handed it
 * as stdin) would show what the opener may not see; pagemap decides on
 * file->f_cred for the same reason.  The check is not audited: showing
 * less to an unprivileged reader is this file's normal view, not a denied
 * request, and monitoring agents open it every few seconds (kallsyms
 * checks without audit for the same reason).
 */
static int memstats_open(struct inode *inode, struct file *file)
{
	bool by_size = READ_ONCE(ma_stats_public) ||
		       ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN);

	return single_open(file, by_size ? memstats_show_all :
				 memstats_show_public, NULL);
}

static const struct proc_ops memstats_proc_ops = {
	.proc_open	= memstats_open,
	.proc_read_iter	= seq_read_iter,
	.proc_lseek	= seq_lseek,
	.proc_release	= single_release,
};

/**
 * ma_proc_init() - create /proc/memstats
 *
 * The file is world-readable (0444), like /proc/meminfo: the statistics
 * carry no addresses and no data.  Its BySize table is for CAP_SYS_ADMIN
 * only, unless stats_public (memstats_open()).
 *
 * Context: Process context, module init.
 * Return: 0 on success, -ENOMEM if the entry cannot be created.
 */
int __init ma_proc_init(void)
{
	ma_proc_entry = proc_create("memstats", 0444, NULL, &memstats_proc_ops);
	if (!ma_proc_entry)
		return -ENOMEM;
	return 0;
}

/**
 * ma_proc_exit() - remove /proc/memstats
 *
 * Waits for readers that are inside the file to leave it.
 *
 * Context: Process context, may sleep.
 */
void ma_proc_exit(void)
{
	proc_remove(ma_proc_entry);
}
