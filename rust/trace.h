/* SPDX-License-Identifier: GPL-2.0 */
/*
 * irqctx's trace events: one per record a stage writes, one per step of a
 * misuse case. They sit next to the kernel's own (irq, workqueue, timer,
 * irq_vectors, sched) in ftrace, trace-cmd, perf and Perfetto, which is how
 * the kernel's tracer witnesses that a stage ran where its record says.
 *
 * Rust calls rust_do_trace_<event>() (CREATE_RUST_TRACE_POINTS in trace.c)
 * behind the tracepoint's static key (rust/trace.rs); C code would call
 * trace_<event>(). Fields only ever get added: tools parse the format.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM irqctx

#if !defined(_IRQCTX_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _IRQCTX_TRACE_H

#include <linux/tracepoint.h>

/* The numbers rust/trace.rs passes: the records' src=, stage= and ctx=. */
#define irqctx_show_src(src)						\
	__print_symbolic(src, { 0, "hrtimer" }, { 1, "irq_work" }, { 2, "edu" })
#define irqctx_show_stage(stage)					\
	__print_symbolic(stage, { 0, "top" }, { 1, "workqueue" },	\
			 { 2, "bh" }, { 3, "thread" })
#define irqctx_show_ctx(ctx)						\
	__print_symbolic(ctx, { 0, "hardirq" }, { 1, "softirq" },	\
			 { 2, "task" }, { 3, "other" })

/*
 * A stage wrote record seq=SEQ. ctx, cpu and pid are what the stage
 * captured (the record's ctx=, cpu=, pid=); the event's own CPU, time and
 * task are the tracer's. top is the top half's seq for a bottom half (0
 * for a top half), batch the top halves it handled.
 */
TRACE_EVENT(irqctx_stage,

	TP_PROTO(u64 seq, u8 src, u8 stage, u8 ctx, u32 cpu, s32 pid,
		 u64 top, u32 batch, s64 delay_ns),

	TP_ARGS(seq, src, stage, ctx, cpu, pid, top, batch, delay_ns),

	TP_STRUCT__entry(
		__field(u64, seq)
		__field(u64, top)
		__field(s64, delay_ns)
		__field(u32, cpu)
		__field(s32, pid)
		__field(u32, batch)
		__field(u8, src)
		__field(u8, stage)
		__field(u8, ctx)
	),

	TP_fast_assign(
		__entry->seq = seq;
		__entry->top = top;
		__entry->delay_ns = delay_ns;
		__entry->cpu = cpu;
		__entry->pid = pid;
		__entry->batch = batch;
		__entry->src = src;
		__entry->stage = stage;
		__entry->ctx = ctx;
	),

	TP_printk("seq=%llu src=%s stage=%s ctx=%s cpu=%u pid=%d top=%llu batch=%u delay_ns=%lld",
		  __entry->seq, irqctx_show_src(__entry->src),
		  irqctx_show_stage(__entry->stage), irqctx_show_ctx(__entry->ctx),
		  __entry->cpu, __entry->pid, __entry->top, __entry->batch,
		  __entry->delay_ns)
);

/*
 * A misuse case: "trigger" when misuse=NAME is accepted (in the writer),
 * "fire" where its wrong step runs.
 */
TRACE_EVENT(irqctx_misuse,

	TP_PROTO(const char *name, u32 len, bool fire),

	TP_ARGS(name, len, fire),

	TP_STRUCT__entry(
		__string_len(name, name, len)
		__field(bool, fire)
	),

	TP_fast_assign(
		__assign_str(name);
		__entry->fire = fire;
	),

	TP_printk("case=%s step=%s", __get_str(name), __entry->fire ? "fire" : "trigger")
);

#endif /* _IRQCTX_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
