/* SPDX-License-Identifier: GPL-2.0 */
/* Headers for the items rust/bindgen_parameters allowlists. */
#include <linux/miscdevice.h>

#include "helpers.h"
