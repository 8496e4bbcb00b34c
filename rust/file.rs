// SPDX-License-Identifier: GPL-2.0

//! `/dev/irqctx`: blocking reads of event lines, commands by `write()`.
//!
//! Every open file is a reader with its own position in the ring and gets
//! every record from its `open()` onward. `read()` sleeps until there is a
//! record (`EAGAIN` with `O_NONBLOCK`, `ERESTARTSYS` on a signal), then
//! returns as many whole lines as fit in the buffer, never part of one; a
//! buffer too small for the next line gets `EINVAL`.

use crate::command::{self, MAX_WRITE};
use crate::compat::{
    miscdevice::{File, MiscDevice},
    poll::PollTable,
};
use crate::device::IrqCtx;
use core::sync::atomic::{AtomicU64, Ordering};
use kernel::{
    alloc::flags::GFP_KERNEL,
    error::code::{EAGAIN, EINVAL},
    new_mutex,
    prelude::*,
    sync::{Arc, Mutex},
    uaccess::{UserSliceReader, UserSliceWriter},
};

/// The file operations of `/dev/irqctx`.
pub(crate) struct IrqCtxFile;

/// An open file: one reader.
#[pin_data]
pub(crate) struct Reader {
    dev: Arc<IrqCtx>,
    /// Sequence number of the next record this reader gets.
    pos: AtomicU64,
    /// Serialises `read()`s sharing this open file.
    #[pin]
    read_lock: Mutex<()>,
}

impl Reader {
    fn has_data(&self) -> bool {
        self.dev
            .state
            .lock()
            .ring
            .has_data(self.pos.load(Ordering::Relaxed))
    }
}

#[vtable]
impl MiscDevice for IrqCtxFile {
    type Ptr = Pin<KBox<Reader>>;
    type RegistrationData = Arc<IrqCtx>;

    fn open(dev: &Arc<IrqCtx>, _file: &File) -> Result<Pin<KBox<Reader>>> {
        let start = {
            let mut st = dev.state.lock();
            st.stats.readers += 1;
            st.ring.next_seq()
        };
        KBox::pin_init(
            try_pin_init!(Reader {
                dev: dev.clone(),
                pos: AtomicU64::new(start),
                read_lock <- new_mutex!((), "irqctx_reader"),
            }),
            GFP_KERNEL,
        )
    }

    fn release(reader: Pin<KBox<Reader>>, _file: &File) {
        reader.dev.state.lock().stats.readers -= 1;
    }

    fn read(reader: Pin<&Reader>, file: &File, mut buf: UserSliceWriter) -> Result<usize> {
        let dev = &reader.dev;
        let _serialised = reader.read_lock.lock();
        dev.misuse_read();
        if !reader.has_data() {
            if file.is_nonblocking() {
                return Err(EAGAIN);
            }
            dev.state.lock().stats.sleeps += 1;
            let rechecks = dev.readers.wait_interruptible(|| reader.has_data())?;
            dev.state.lock().stats.rechecks += u64::from(rechecks);
        }

        let mut copied = 0;
        loop {
            let pos = reader.pos.load(Ordering::Relaxed);
            let Some((record, next)) = dev.state.lock().ring.get(pos) else {
                break;
            };
            let line = record.format();
            let bytes = line.as_bytes();
            if bytes.len() > buf.len() {
                if copied == 0 {
                    return Err(EINVAL);
                }
                break;
            }
            if let Err(e) = buf.write_slice(bytes) {
                // Report what was copied; the fault shows on the next read.
                return if copied > 0 { Ok(copied) } else { Err(e) };
            }
            if let crate::event::Record::Lost { count } = record {
                dev.state.lock().stats.lost += count;
            }
            reader.pos.store(next, Ordering::Relaxed);
            copied += bytes.len();
        }
        Ok(copied)
    }

    fn write(reader: Pin<&Reader>, _file: &File, mut buf: UserSliceReader) -> Result<usize> {
        let dev = &reader.dev;
        dev.misuse_write();
        let len = buf.len();
        let mut text = [0u8; MAX_WRITE];
        let cmds = if len > MAX_WRITE {
            Err(command::ParseError::TooLong)
        } else {
            buf.read_slice(&mut text[..len])?;
            command::parse(&text[..len])
        };
        let cmds = cmds.map_err(|e| {
            if dev.bad_write_log.allow() {
                pr_warn!("rejected write of {len} bytes: {e}\n");
            }
            EINVAL
        })?;
        for cmd in cmds.iter() {
            dev.execute(cmd)?;
        }
        Ok(len)
    }

    fn poll(reader: Pin<&Reader>, _file: &File, table: &mut PollTable<'_>) -> u32 {
        table.register_wait(&reader.dev.readers);
        if reader.has_data() {
            crate::bindings::POLLIN | crate::bindings::POLLRDNORM
        } else {
            0
        }
    }
}
