/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/ktime.h>: everything is in ma_shim.h. */
#include "../../ma_shim.h"
