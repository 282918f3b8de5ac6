// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/memstats: the text view of memarena's statistics, one
 * "Name value" line per MemStats field (see Documentation/memstats.rst).
 *
 * Until the allocator and its counters exist the file carries only its
 * header line: it must never show a number that is not true.
 */

#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <uapi/linux/memarena.h>

#include "memarena.h"

static struct proc_dir_entry *ma_proc_entry;

static int memstats_show(struct seq_file *m, void *v)
{
	seq_printf(m, "# memarena %u\n", MEMARENA_GENL_VERSION);
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
