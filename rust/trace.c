// SPDX-License-Identifier: GPL-2.0
/*
 * Instantiates irqctx's trace events (rust/trace.h) and the functions Rust
 * calls to emit them, rust_do_trace_<event>() (rust/trace.rs).
 */
#define CREATE_TRACE_POINTS
#define CREATE_RUST_TRACE_POINTS
#include "trace.h"
