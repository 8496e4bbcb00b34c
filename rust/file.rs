// SPDX-License-Identifier: GPL-2.0

//! `/dev/irqctx`: blocking reads of event lines, commands by `write()`.
//!
//! Every open file is a reader with its own position in the ring and gets
//! every record from its `open()` onward. `read()` sleeps until there is a
//! record (`EAGAIN` with `O_NONBLOCK`, `ERESTARTSYS` on a signal), then
//! returns as many whole lines as fit in the buffer, never part of one; a
//! buffer too small for the next line gets `EINVAL`; a zero-byte read returns
//! 0 at once.
//!
//! Tasks reading the same open file share its position without a lock held
//! across the sleep: each takes a record by advancing the position with a
//! compare-and-exchange, so every record goes to exactly one of them, each
//! sleeps interruptibly (and killably) on its own, and `O_NONBLOCK` holds for
//! each. One `read()` returns at most the records there were when it started
//! copying, so it ends even while sources keep producing.

use crate::command::{self, Control, MAX_WRITE};
use crate::compat::{
    miscdevice::{is_nonblocking, MiscDevice},
    poll::PollTable,
};
use crate::ctx::{Task, UserSliceReader, UserSliceWriter};
use crate::event::{Line, Record};
use core::sync::atomic::{AtomicU64, Ordering};
use kernel::{
    error::code::{EAGAIN, EINVAL, ERESTARTSYS},
    fs::{File, LocalFile},
    prelude::*,
    sync::Arc,
};

/// The file operations of `/dev/irqctx`.
pub(crate) struct IrqCtxFile;

/// An open file: one reader.
pub(crate) struct Reader {
    ctl: Arc<Control>,
    /// Sequence number of the next record this file gets; tasks reading the
    /// file advance it with compare-and-exchange.
    pos: AtomicU64,
}

impl Reader {
    /// Whether this file has a record to read (without the device lock).
    fn has_data(&self) -> bool {
        self.ctl.dev.has_data(self.pos.load(Ordering::Acquire))
    }

    /// Takes the next record before `end` if its line, formatted into
    /// `line`, fits in `room` bytes: returns the record and the position
    /// before and after it; `None` if there is none, `EINVAL` if it does
    /// not fit. `end` is `None` on a `read()`'s first call, which sets it to
    /// the ring's next sequence number under the same lock as the first
    /// record.
    fn take(
        &self,
        task: &mut Task,
        room: usize,
        end: &mut Option<u64>,
        line: &mut Line,
    ) -> Result<Option<(Record, u64, u64)>> {
        loop {
            let pos = self.pos.load(Ordering::Acquire);
            if end.is_some_and(|end| pos >= end) {
                return Ok(None);
            }
            let got = {
                let st = self.ctl.dev.state.lock(task);
                end.get_or_insert(st.ring.next_seq());
                st.ring.get(pos)
            };
            let Some((record, next)) = got else {
                return Ok(None);
            };
            record.format_into(line);
            if line.as_bytes().len() > room {
                return Err(EINVAL);
            }
            if self
                .pos
                .compare_exchange(pos, next, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                return Ok(Some((record, pos, next)));
            }
            // Another task reading this file took it: try the next one.
        }
    }

    /// One pass over what is there: copies whole lines into `buf` and
    /// returns the bytes copied (0 if another task sharing the file took
    /// everything first).
    fn copy_out(&self, task: &mut Task, buf: &mut UserSliceWriter) -> Result<usize> {
        let dev = &self.ctl.dev;
        // The records there when copying starts: a read() ends even while
        // sources keep producing.
        let mut end = None;
        let mut copied = 0;
        let mut line = Line::new();
        loop {
            let (record, pos, next) = match self.take(task, buf.len(), &mut end, &mut line) {
                Ok(Some(taken)) => taken,
                Ok(None) => break,
                Err(e) if copied == 0 => return Err(e),
                Err(_) => break,
            };
            if let Err(e) = buf.write_slice(task, line.as_bytes()) {
                // Give the record back unless another task has moved on;
                // report what was copied, the fault shows on the next read.
                let _ = self
                    .pos
                    .compare_exchange(next, pos, Ordering::AcqRel, Ordering::Relaxed);
                return if copied > 0 { Ok(copied) } else { Err(e) };
            }
            if let Record::Lost { count } = record {
                dev.state.lock(task).stats.lost += count;
            }
            copied += line.as_bytes().len();
        }
        Ok(copied)
    }
}

#[vtable]
impl MiscDevice for IrqCtxFile {
    type Ptr = KBox<Reader>;
    type RegistrationData = Arc<Control>;

    fn open(ctl: &Arc<Control>, _file: &File, task: &mut Task) -> Result<KBox<Reader>> {
        let dev = &ctl.dev;
        let reader = KBox::new(
            Reader {
                ctl: ctl.clone(),
                pos: AtomicU64::new(0),
            },
            task.gfp_kernel(),
        )?;
        // Counted only once the open cannot fail any more.
        let mut st = dev.state.lock(task);
        st.stats.readers += 1;
        reader.pos.store(st.ring.next_seq(), Ordering::Release);
        drop(st);
        Ok(reader)
    }

    fn release(reader: KBox<Reader>, _file: &File, task: &mut Task) {
        reader.ctl.dev.state.lock(task).stats.readers -= 1;
    }

    fn read(
        reader: &Reader,
        file: &LocalFile,
        mut buf: UserSliceWriter,
        task: &mut Task,
    ) -> Result<usize> {
        let dev = &reader.ctl.dev;
        if buf.is_empty() {
            return Ok(0);
        }
        if let Some(misused) = reader
            .ctl
            .misuse
            .on_read(task, &dev.readers, |_| reader.has_data())
        {
            return misused;
        }
        loop {
            if !reader.has_data() {
                if is_nonblocking(file) {
                    return Err(EAGAIN);
                }
                let woke = dev.readers.wait_interruptible(task, |_| reader.has_data());
                dev.sleeps.fetch_add(1, Ordering::Relaxed);
                let rechecks = woke?;
                dev.rechecks
                    .fetch_add(u64::from(rechecks), Ordering::Relaxed);
            }
            match reader.copy_out(task, &mut buf)? {
                // Another task reading this file took the records first: the
                // wake-up was not for us, wait again.
                0 => {
                    dev.rechecks.fetch_add(1, Ordering::Relaxed);
                }
                copied => return Ok(copied),
            }
        }
    }

    fn write(
        reader: &Reader,
        _file: &LocalFile,
        mut buf: UserSliceReader,
        task: &mut Task,
    ) -> Result<usize> {
        let dev = &reader.ctl.dev;
        reader.ctl.misuse.on_write(task);
        let len = buf.len();
        let mut text = [0u8; MAX_WRITE];
        let cmds = if len > MAX_WRITE {
            Err(command::ParseError::TooLong)
        } else {
            buf.read_slice(task, &mut text[..len])?;
            command::parse(&text[..len])
        };
        let cmds = cmds.map_err(|e| {
            if dev.bad_write_log.allow() {
                pr_warn!("rejected write of {len} bytes: {e}\n");
            }
            EINVAL
        })?;
        let mut done = 0;
        for (cmd, end) in cmds.iter() {
            match reader.ctl.execute(task, cmd) {
                // A signal before this command did anything, after others
                // did: a restart would carry them out again. The write
                // returns what it carried out, as a write() interrupted
                // after some bytes does; a retry loop (busybox's `echo`,
                // `fwrite()`) writes the rest, these commands.
                Err(e) if e == ERESTARTSYS && done > 0 => return Ok(done),
                r => r?,
            }
            done = end;
        }
        Ok(len)
    }

    fn poll<'a>(
        reader: &'a Reader,
        _file: &File,
        table: PollTable<'a>,
        _task: &mut Task,
    ) -> Result<u32> {
        table.register_wait(&reader.ctl.dev.readers);
        Ok(if reader.has_data() {
            crate::bindings::POLLIN | crate::bindings::POLLRDNORM
        } else {
            0
        })
    }
}
