/* SPDX-License-Identifier: GPL-2.0 */
/* Headers for the items rust/bindgen_parameters allowlists. */
#include <linux/debugfs.h>
#include <linux/irq_work.h>
#include <linux/miscdevice.h>
#include <linux/pci.h>
#include <linux/sched/clock.h>

#include "helpers.h"
#include "trace.h"
