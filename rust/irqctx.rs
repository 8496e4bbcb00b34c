// SPDX-License-Identifier: GPL-2.0

//! irqctx: interrupt context made visible, testable and measurable.
//!
//! Interrupt sources run top halves in hardirq context; each records an event
//! into a ring, wakes the readers of `/dev/irqctx` and defers the rest to a
//! bottom half that reports the context it actually ran in. `cat` shows the
//! events, `echo` drives the sources. See `Documentation/irqctx.rst`.

// `pin_init!` of `IrqCtx`, with its many fields, nests deeper than the default.
#![recursion_limit = "256"]

use kernel::{c_str, prelude::*, sync::Arc};

mod bindings;
mod bottom_half;
mod command;
mod command_lock;
mod compat;
mod context;
mod ctx;
mod debugfs;
mod device;
mod event;
mod file;
mod histogram;
mod latency;
mod misuse;
mod ratelimit;
mod ring;
mod sources;
mod task_module;
mod trace;

use command::Control;
use compat::{
    debugfs::Dir,
    miscdevice::{MiscDeviceOptions, MiscDeviceRegistration},
    params,
};
use ctx::Task;
use device::IrqCtx;
use file::IrqCtxFile;
use misuse::MisuseState;
use sources::edu::{EduDevices, EduRegistration, IrqMode};
use task_module::{InTask, TaskModule};

module! {
    type: InTask<IrqCtxModule>,
    name: "irqctx",
    authors: ["irqctx developers"],
    description: "Interrupt context made visible: sources, bottom halves, /dev/irqctx",
    license: "GPL",
}

/// What makes the device reachable, dropped in field order: no new opens,
/// no edu device, no debugfs.
struct Registrations {
    _misc: Pin<KBox<MiscDeviceRegistration<IrqCtxFile>>>,
    _edu: Pin<KBox<EduRegistration>>,
    _debugfs: Dir<Control>,
}

/// The module: at unload nothing of it is open (files and debugfs files pin
/// it), so once the registrations are gone only the hrtimer and queued
/// bottom halves can still run; they are stopped before the device goes.
struct IrqCtxModule {
    regs: Option<Registrations>,
    dev: Arc<IrqCtx>,
}

/// The `edu_irq` module parameter.
fn param_edu_irq() -> Result<IrqMode> {
    IrqMode::from_param(params::edu_irq().map_or(&b""[..], CStr::to_bytes))
        .inspect_err(|_| pr_err!("edu_irq must be msi or intx\n"))
}

impl TaskModule for IrqCtxModule {
    fn init(module: &'static ThisModule, task: &mut Task) -> Result<Self> {
        let period_us = params::period_us();
        if !(command::MIN_PERIOD_US..=command::MAX_PERIOD_US).contains(&period_us) {
            pr_err!(
                "period_us={period_us} out of range {}..={}\n",
                command::MIN_PERIOD_US,
                command::MAX_PERIOD_US
            );
            return Err(EINVAL);
        }
        let edu_irq = param_edu_irq()?;
        let gfp = task.gfp_kernel();
        let misuse = Arc::pin_init(MisuseState::new(), gfp)?;
        let dev = Arc::pin_init(IrqCtx::new(period_us, misuse.clone(), task)?, gfp)?;
        let edu = Arc::pin_init(EduDevices::new(), gfp)?;
        let ctl = Arc::new(
            Control {
                dev: dev.clone(),
                edu: edu.clone(),
                misuse,
            },
            gfp,
        )?;

        let dir = Dir::new(c_str!("irqctx"), ctl.clone(), task);
        dir.read_only_file::<{ debugfs::STATS }>(c_str!("stats"), task);
        dir.read_only_file::<{ debugfs::MISUSE }>(c_str!("misuse"), task);
        dir.read_only_file::<{ debugfs::LATENCY }>(c_str!("latency"), task);
        dir.read_only_file::<{ debugfs::LATENCY_BUCKETS }>(c_str!("latency_buckets"), task);
        let edu_driver = KBox::pin_init(
            EduRegistration::new(dev.clone(), edu.clone(), edu_irq, module, task),
            gfp,
        )?;
        if edu.is_empty(task) {
            pr_info!("no edu PCI device (1234:11e8): the edu source is unavailable\n");
        }
        let misc = KBox::pin_init(
            MiscDeviceRegistration::register(
                MiscDeviceOptions {
                    name: c_str!("irqctx"),
                },
                ctl,
                task,
            ),
            gfp,
        )?;
        pr_info!("/dev/irqctx ready (hrtimer period {period_us} us, stopped)\n");
        Ok(Self {
            regs: Some(Registrations {
                _misc: misc,
                _edu: edu_driver,
                _debugfs: dir,
            }),
            dev,
        })
    }

    /// Unload: no file is open (files and debugfs files pin the module), so
    /// once the registrations are gone only the hrtimer and queued bottom
    /// halves can still run; they are stopped before the device goes.
    fn exit(&mut self, task: &mut Task) {
        drop(self.regs.take());
        self.dev.quiesce(task);
    }
}
