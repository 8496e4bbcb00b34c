// SPDX-License-Identifier: GPL-2.0

//! A module whose `init` and `exit` get the task token.
//!
//! `kernel::Module::init` and the module's drop run in the task that called
//! `init_module()` and `delete_module()`; [`InTask`] hands a [`TaskModule`]
//! the [`Task`] token there, and makes sure no other call of `init` can
//! (it is a safe trait function, callable anywhere).

use crate::compat::kcov::Remote;
use crate::ctx::Task;
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::prelude::*;

/// A module whose `init` and `exit` get the task token; [`InTask`] makes it
/// a `kernel::Module`.
pub(crate) trait TaskModule: Sized + Sync + Send {
    /// Module init (`insmod`), in task context.
    fn init(module: &'static ThisModule, task: &mut Task) -> Result<Self>;
    /// Module exit (`rmmod`), in task context, before the module is dropped.
    fn exit(&mut self, task: &mut Task);
}

/// The `kernel::Module` of a [`TaskModule`].
///
/// # Invariants
///
/// Made by the first call of `init` alone (the field is private to this
/// module), the one `module!`'s init function makes: a value is the module
/// itself, dropped at its exit.
pub(crate) struct InTask<M: TaskModule>(M);

/// Set by the first `InTask::init`: `kernel::Module::init` is a safe trait
/// function that any code of the module could call again, anywhere (in a
/// top half, under a lock), and each call would make a task token.
static MODULE_INIT_CALLED: AtomicBool = AtomicBool::new(false);

impl<M: TaskModule> kernel::Module for InTask<M> {
    fn init(module: &'static ThisModule) -> Result<Self> {
        if MODULE_INIT_CALLED.swap(true, Ordering::AcqRel) {
            return Err(EBUSY);
        }
        // SAFETY: The first call is the module's init function's (nothing of
        // the module runs before it): the task that called `init_module()`.
        // INVARIANT: Only this first call makes an `InTask`.
        let mut task = unsafe { Task::assume() };
        let _cov = Remote::task(&task);
        M::init(module, &mut task).map(InTask)
    }
}

impl<M: TaskModule> Drop for InTask<M> {
    fn drop(&mut self) {
        // SAFETY: The only `InTask` is the module (type invariant), dropped
        // by its exit function, in the task that called `delete_module()`.
        let mut task = unsafe { Task::assume() };
        let _cov = Remote::task(&task);
        self.0.exit(&mut task);
    }
}

#[cfg(CONFIG_KUNIT)]
#[kunit_tests(irqctx_task_module)]
mod tests {
    use super::*;
    use kernel::module::this_module;

    /// Whether [`Second::init`] ran.
    static SECOND_INIT_RAN: AtomicBool = AtomicBool::new(false);

    /// A module that would make a task token if its `init` ran.
    struct Second;

    impl TaskModule for Second {
        fn init(_module: &'static ThisModule, _task: &mut Task) -> Result<Self> {
            SECOND_INIT_RAN.store(true, Ordering::Relaxed);
            Ok(Second)
        }

        fn exit(&mut self, _task: &mut Task) {}
    }

    /// `kernel::Module::init` called again, after the module's own init
    /// (KUnit runs a module's suites once it is live): `EBUSY`, and no
    /// token made, whatever the module type.
    #[test]
    fn second_init_refused() {
        let second = <InTask<Second> as kernel::Module>::init(this_module::<crate::LocalModule>());
        assert!(matches!(second, Err(e) if e == EBUSY));
        assert!(!SECOND_INIT_RAN.load(Ordering::Relaxed));
    }
}
