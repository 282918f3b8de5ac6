// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/memstats: the text view of memarena's statistics.  One snapshot
 * (memarena_read_memstats()) per read, printed as
 *
 *	# memarena 1
 *	Alloc 4096			one "Name value" line per statistic,
 *	...				Go's MemStats fields in Go's order,
 *	MCacheBound 1360224		then memarena's own
 *	# BySize
 *	class size span_bytes ...	a header line, then one line per class
 *	1 8 8192 1024 ...
 *
 * The lines come from ma_stat_descs[], the same table the netlink replies
 * use.  Documentation/memstats.rst documents the format; it is extended by
 * appending lines to a section.
 */

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

static int memstats_show(struct seq_file *m, void *v)
{
	struct memarena_memstats *ms;

	ms = kmalloc(sizeof(*ms), GFP_KERNEL);
	if (!ms)
		return -ENOMEM;
	memarena_read_memstats(ms);
	seq_printf(m, "# memarena %u\n", MEMARENA_FAMILY_VERSION);
	memstats_show_scalars(m, ms);
	memstats_show_classes(m, ms);
	kfree(ms);
	return 0;
}

/**
 * ma_proc_init() - create /proc/memstats
 *
 * The file is world-readable: statistics carry no addresses and no data.
 *
 * Context: Process context, module init.
 * Return: 0 on success, -ENOMEM if the entry cannot be created.
 */
int __init ma_proc_init(void)
{
	ma_proc_entry = proc_create_single("memstats", 0444, NULL,
					   memstats_show);
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
