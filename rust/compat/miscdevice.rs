// SPDX-License-Identifier: GPL-2.0

//! Miscellaneous character devices (`/dev/NAME` with a dynamic minor).
//!
//! A driver implements [`MiscDevice`] and keeps a pinned
//! [`MiscDeviceRegistration`]: registering creates the node (devtmpfs makes it
//! mode 0600, root only), dropping it calls `misc_deregister()`. The
//! `file_operations` are a constant per driver type (an open file keeps
//! pointing at them after the registration is gone) and carry the module as
//! owner, so an open file pins the module: `rmmod` fails with "in use" until
//! the last close.
//!
//! Waits for: `read`/`write` on user slices and `poll` in 7.3's
//! `kernel::miscdevice` (it has `read_iter`/`write_iter`, no `poll`), and
//! registration data (Christian Schrefl's posted "rust: miscdevice: add
//! additional data to MiscDeviceRegistration", whose name
//! `RegistrationData` is used here). `poll` has binder's shape in 7.3:
//! the file's data, the file, the table by value, `Result<u32>`.
//!
//! C header: [`include/linux/miscdevice.h`](srctree/include/linux/miscdevice.h)

use crate::bindings;
use crate::compat::kcov::Remote;
use crate::compat::poll::PollTable;
use crate::ctx::{Task, UserSliceReader, UserSliceWriter};
use core::marker::PhantomData;
use kernel::{
    error::{to_result, VTABLE_DEFAULT_ERROR},
    fs::{File, LocalFile},
    prelude::*,
    types::{ForeignOwnable, Opaque},
    uaccess::UserPtr,
};

/// Whether `file` was opened (or `fcntl`ed) with `O_NONBLOCK`.
pub(crate) fn is_nonblocking(file: &LocalFile) -> bool {
    file.flags() & bindings::O_NONBLOCK != 0
}

/// Options for [`MiscDeviceRegistration::register`].
pub(crate) struct MiscDeviceOptions {
    /// Name of the node under `/dev`.
    pub(crate) name: &'static CStr,
}

/// The file operations of a misc device.
#[vtable]
pub(crate) trait MiscDevice: Sized {
    /// Per-open state, stored in `file->private_data`.
    type Ptr: ForeignOwnable + Send + Sync;

    /// State shared by all opens, owned by the registration. `'static`: a
    /// leaked registration keeps the device node, and so its opens, for
    /// ever (`tests/ui/misc_data_borrows.rs`).
    type RegistrationData: Send + Sync + 'static;

    /// Called on `open()`; the result becomes the open file's state.
    fn open(data: &Self::RegistrationData, file: &File, task: &mut Task) -> Result<Self::Ptr>;

    /// Called on the last close of an open file.
    fn release(device: Self::Ptr, _file: &File, _task: &mut Task) {
        drop(device);
    }

    /// `read()`: copy into `buf`, return the number of bytes written.
    fn read(
        _device: <Self::Ptr as ForeignOwnable>::Borrowed<'_>,
        _file: &LocalFile,
        _buf: UserSliceWriter,
        _task: &mut Task,
    ) -> Result<usize> {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `write()`: consume from `buf`, return the number of bytes used.
    fn write(
        _device: <Self::Ptr as ForeignOwnable>::Borrowed<'_>,
        _file: &LocalFile,
        _buf: UserSliceReader,
        _task: &mut Task,
    ) -> Result<usize> {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `poll()`: register with the wait queues and return the ready mask
    /// (an error becomes `POLLERR`), in the shape of 7.3's binder. The table
    /// takes only queues that live as long as the open file's data (`'a`:
    /// reached through `device`).
    fn poll<'a>(
        _device: <Self::Ptr as ForeignOwnable>::Borrowed<'a>,
        _file: &File,
        _table: PollTable<'a>,
        _task: &mut Task,
    ) -> Result<u32> {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// A registered misc device and the data its opens share.
///
/// # Invariants
///
/// `inner` is registered with `misc_register()`, pointing to
/// [`MiscDeviceVTable::VTABLE`], and stays in place (pinned) until
/// `misc_deregister()` in `drop`.
#[pin_data(PinnedDrop)]
pub(crate) struct MiscDeviceRegistration<T: MiscDevice> {
    #[pin]
    inner: Opaque<bindings::miscdevice>,
    data: T::RegistrationData,
    _t: PhantomData<T>,
}

// SAFETY: The registration is only used to deregister, from any thread.
unsafe impl<T: MiscDevice> Send for MiscDeviceRegistration<T> {}
// SAFETY: `&self` only gives out `&RegistrationData`, which is `Sync`.
unsafe impl<T: MiscDevice> Sync for MiscDeviceRegistration<T> {}

impl<T: MiscDevice> MiscDeviceRegistration<T> {
    /// Registers `/dev/NAME`, owned by this module, sharing `data` with opens.
    /// Task context: `misc_register()` sleeps. The initialiser keeps the
    /// borrow of `task`, so it runs while the caller still holds the token
    /// and has lent it to no atomic section (`tests/ui/misc_register_under_lock.rs`).
    pub(crate) fn register<'t>(
        opts: MiscDeviceOptions,
        data: T::RegistrationData,
        _task: &'t Task,
    ) -> impl PinInit<Self, Error> + 't
    where
        T: 't,
        T::RegistrationData: 't,
    {
        // SAFETY: On success every field is initialised; on failure nothing
        // is registered and `data` is dropped here.
        unsafe {
            pin_init::pin_init_from_closure(move |slot: *mut Self| {
                core::ptr::addr_of_mut!((*slot).data).write(data);
                core::ptr::addr_of_mut!((*slot)._t).write(PhantomData);
                let inner = Opaque::cast_into(core::ptr::addr_of!((*slot).inner));
                inner.write(bindings::miscdevice {
                    minor: bindings::MISC_DYNAMIC_MINOR as i32,
                    name: opts.name.as_char_ptr(),
                    fops: &MiscDeviceVTable::<T>::VTABLE,
                    ..Default::default()
                });
                // INVARIANT: `inner` is in its final place.
                let ret = to_result(bindings::misc_register(inner));
                if ret.is_err() {
                    core::ptr::drop_in_place(core::ptr::addr_of_mut!((*slot).data));
                }
                ret
            })
        }
    }
}

/// The `file_operations` of a [`MiscDevice`] `T`: a constant, so that it
/// outlives every open file (the module's owner reference keeps the code).
pub(crate) struct MiscDeviceVTable<T: MiscDevice>(PhantomData<T>);

impl<T: MiscDevice> MiscDeviceVTable<T> {
    const VTABLE: bindings::file_operations = bindings::file_operations {
        owner: crate::compat::THIS_MODULE,
        open: Some(Self::open),
        release: Some(Self::release),
        read: if T::HAS_READ { Some(Self::read) } else { None },
        write: if T::HAS_WRITE {
            Some(Self::write)
        } else {
            None
        },
        poll: if T::HAS_POLL { Some(Self::poll) } else { None },
        llseek: Some(bindings::noop_llseek),
        // SAFETY: All-zero is a valid `file_operations` (no callbacks).
        ..unsafe { core::mem::MaybeUninit::zeroed().assume_init() }
    };

    /// `f_op->open`.
    ///
    /// # Safety
    ///
    /// Called by `misc_open()` with a valid `inode` and `file` whose
    /// `private_data` is the registered `miscdevice`.
    unsafe extern "C" fn open(inode: *mut bindings::inode, file: *mut bindings::file) -> i32 {
        // SAFETY: `misc_open()` set `private_data` to our `miscdevice`, which
        // is the `inner` field of a registration; `misc_open()` holds
        // `misc_mtx`, which `misc_deregister()` takes, so it is live.
        let reg = unsafe {
            &*kernel::container_of!(
                (*file).private_data.cast::<Opaque<bindings::miscdevice>>(),
                MiscDeviceRegistration<T>,
                inner
            )
        };
        // SAFETY: A stream device: `f_pos` is meaningless, so no pread/lseek.
        unsafe { bindings::stream_open(inode, file) };
        // SAFETY: File operations run in the calling task.
        let mut task = unsafe { Task::assume() };
        let _cov = Remote::task(&task);
        // SAFETY: The file is valid for the duration of this call, and no
        // `fdget_pos()` region is active on it.
        match T::open(&reg.data, unsafe { File::from_raw_file(file) }, &mut task) {
            Ok(ptr) => {
                // SAFETY: `file` is valid; `private_data` is ours from now on.
                unsafe { (*file).private_data = ptr.into_foreign() };
                0
            }
            Err(e) => e.to_errno(),
        }
    }

    /// `f_op->release`.
    ///
    /// # Safety
    ///
    /// Called by the VFS on the last close of a file `open` succeeded on.
    unsafe extern "C" fn release(_inode: *mut bindings::inode, file: *mut bindings::file) -> i32 {
        // SAFETY: `private_data` came from `into_foreign()` in `open`, and this
        // is the last use of it.
        let ptr = unsafe { T::Ptr::from_foreign((*file).private_data) };
        // SAFETY: The last `fput()` runs `release` in a task (`task_work` or
        // the `__fput` work item).
        let mut task = unsafe { Task::assume() };
        let _cov = Remote::task(&task);
        // SAFETY: The file is valid for the duration of this call, and no
        // `fdget_pos()` region is active on it (as 7.3's `miscdevice`).
        T::release(ptr, unsafe { File::from_raw_file(file) }, &mut task);
        0
    }

    /// `f_op->read`.
    ///
    /// # Safety
    ///
    /// Called by the VFS with a file `open` succeeded on and a user buffer.
    unsafe extern "C" fn read(
        file: *mut bindings::file,
        buf: *mut kernel::ffi::c_char,
        count: usize,
        _ppos: *mut bindings::loff_t,
    ) -> isize {
        // SAFETY: `private_data` came from `open` and lives until `release`,
        // which cannot run while this call is in progress.
        let device = unsafe { T::Ptr::borrow((*file).private_data) };
        // SAFETY: File operations run in the calling task.
        let mut task = unsafe { Task::assume() };
        let _cov = Remote::task(&task);
        let writer = task
            .user_slice(UserPtr::from_addr(buf as usize), count)
            .writer();
        // SAFETY: The file is valid for the duration of this call; `read()`
        // runs inside the caller's `fdget_pos()`, which on a stream file
        // takes no `f_pos_lock`: a `LocalFile` (this thread only).
        let file = unsafe { LocalFile::from_raw_file(file) };
        match T::read(device, file, writer, &mut task) {
            Ok(n) => n as isize,
            Err(e) => e.to_errno() as isize,
        }
    }

    /// `f_op->write`.
    ///
    /// # Safety
    ///
    /// Called by the VFS with a file `open` succeeded on and a user buffer.
    unsafe extern "C" fn write(
        file: *mut bindings::file,
        buf: *const kernel::ffi::c_char,
        count: usize,
        _ppos: *mut bindings::loff_t,
    ) -> isize {
        // SAFETY: `private_data` came from `open` and lives until `release`,
        // which the VFS does not call while this call is in progress.
        let device = unsafe { T::Ptr::borrow((*file).private_data) };
        // SAFETY: File operations run in the calling task.
        let mut task = unsafe { Task::assume() };
        let _cov = Remote::task(&task);
        let reader = task
            .user_slice(UserPtr::from_addr(buf as usize), count)
            .reader();
        // SAFETY: The file is valid for the duration of this call; `write()`
        // runs inside the caller's `fdget_pos()`, which on a stream file
        // takes no `f_pos_lock`: a `LocalFile` (this thread only).
        let file = unsafe { LocalFile::from_raw_file(file) };
        match T::write(device, file, reader, &mut task) {
            Ok(n) => n as isize,
            Err(e) => e.to_errno() as isize,
        }
    }

    /// `f_op->poll`.
    ///
    /// # Safety
    ///
    /// Called by the VFS with a file `open` succeeded on and its poll table.
    unsafe extern "C" fn poll(
        file: *mut bindings::file,
        table: *mut bindings::poll_table_struct,
    ) -> bindings::__poll_t {
        // SAFETY: `private_data` came from `open` and lives until `release`,
        // which the VFS does not call while this call is in progress.
        let device = unsafe { T::Ptr::borrow((*file).private_data) };
        // SAFETY: These are the arguments of this `poll` call; the table's
        // lifetime is the borrow of `private_data`, which lives until
        // `release`.
        let table = unsafe { PollTable::from_raw(file, table) };
        // SAFETY: File operations run in the calling task.
        let mut task = unsafe { Task::assume() };
        let _cov = Remote::task(&task);
        // SAFETY: The file is valid for the duration of this call, and no
        // `fdget_pos()` region is active on it (`poll()` uses `fdget()`).
        let file = unsafe { File::from_raw_file(file) };
        T::poll(device, file, table, &mut task).unwrap_or(bindings::POLLERR)
    }
}

#[pinned_drop]
impl<T: MiscDevice> PinnedDrop for MiscDeviceRegistration<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: `inner` is registered (type invariant). After this no new
        // open can start; files still open use only the constant vtable and
        // their own `private_data`.
        unsafe { bindings::misc_deregister(self.inner.get()) };
    }
}
