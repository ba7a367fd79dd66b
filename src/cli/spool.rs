//! Text written now and printed later, kept in an unnamed temporary file rather than in memory.
//!
//! A plan is rendered while its rehearsal runs and printed only once the rehearsal passes; at
//! 50,000 creates the text is ~85 MB, and a `String` of it (grown by doubling) was the largest
//! single allocation of a plan. The file lives in the page cache, is deleted when dropped, and is
//! copied to stdout by the kernel. Where no temporary file can be made, the text stays in memory.
//!
//! Every command prints through here ([`Spool::print`], [`print`], [`print_last`]), never with
//! `println!`, which panics when stdout fails: Rust ignores SIGPIPE, so a reader that stopped
//! reading (`eipform state list | head -1`) makes writes fail instead of ending the process.
//! Such a command ends quietly with the status SIGPIPE would give ([`print_failed`]).

use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};

pub struct Spool {
    sink: Sink,
    /// The first error of a write through `fmt::Write`, which cannot carry it.
    error: Option<io::Error>,
}

enum Sink {
    File(BufWriter<File>),
    Memory(Vec<u8>),
}

impl Spool {
    /// A spool for text that may be large: a temporary file when one can be made.
    pub fn large() -> Spool {
        let sink = match tempfile::tempfile() {
            Ok(f) => Sink::File(BufWriter::with_capacity(1 << 16, f)),
            Err(_) => Sink::Memory(Vec::new()),
        };
        Spool { sink, error: None }
    }

    /// A spool for text known to be small.
    pub fn small() -> Spool {
        Spool {
            sink: Sink::Memory(Vec::new()),
            error: None,
        }
    }

    /// The error that ended a write through `fmt::Write`, or a generic one.
    pub fn take_error(&mut self) -> io::Error {
        self.error
            .take()
            .unwrap_or_else(|| io::Error::other("the text could not be formatted"))
    }

    /// Writes everything spooled to `out`.
    pub fn copy_to(self, out: &mut dyn Write) -> io::Result<()> {
        match self.sink {
            Sink::Memory(text) => out.write_all(&text),
            Sink::File(w) => {
                let mut file = w.into_inner().map_err(io::IntoInnerError::into_error)?;
                file.seek(SeekFrom::Start(0))?;
                io::copy(&mut file, out).map(drop)
            }
        }
    }

    /// Prints everything spooled on stdout.
    pub fn print(self) -> io::Result<()> {
        let stdout = io::stdout();
        let mut out = stdout.lock();
        self.copy_to(&mut out)?;
        out.flush()
    }
}

/// The exit status of a command whose reader stopped reading: SIGPIPE's (128 + 13).
pub const SIGPIPE_STATUS: i32 = 141;

/// The exit code of a command whose output could not be printed: SIGPIPE's status, quietly,
/// when the reader stopped reading; otherwise the code `report` returns once it reported `e`.
pub fn print_failed(e: io::Error, report: impl FnOnce(io::Error) -> i32) -> i32 {
    if e.kind() == io::ErrorKind::BrokenPipe {
        SIGPIPE_STATUS
    } else {
        report(e)
    }
}

/// Reports output that could not be printed; exit code 1.
pub fn print_error(e: io::Error) -> i32 {
    eprintln!("Error: Cannot print the output: {e}");
    1
}

/// Prints `text` on stdout; `Err` holds the exit code the command ends with when it cannot
/// ([`print_failed`]).
pub fn print(text: impl AsRef<[u8]>) -> Result<(), i32> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_ref())
        .and_then(|()| out.flush())
        .map_err(|e| print_failed(e, print_error))
}

/// Prints `text` as a command's last output ([`print`]); the command's exit code: `code`, or
/// the failed print's.
pub fn print_last(text: impl AsRef<[u8]>, code: i32) -> i32 {
    match print(text) {
        Ok(()) => code,
        Err(failed) => failed,
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.sink {
            Sink::File(w) => w.write(buf),
            Sink::Memory(v) => v.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.sink {
            Sink::File(w) => w.write_all(buf),
            Sink::Memory(v) => v.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::File(w) => w.flush(),
            Sink::Memory(_) => Ok(()),
        }
    }
}

impl std::fmt::Write for Spool {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.write_all(s.as_bytes()).map_err(|e| {
            self.error.get_or_insert(e);
            std::fmt::Error
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spooled(mut spool: Spool) -> String {
        std::fmt::Write::write_str(&mut spool, "first line\n").unwrap();
        let big = "x".repeat(200_000);
        spool.write_all(big.as_bytes()).unwrap();
        std::fmt::Write::write_str(&mut spool, "\nlast line\n").unwrap();
        let mut out = Vec::new();
        spool.copy_to(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn text_comes_back_whole_and_in_order_from_a_file_or_from_memory() {
        let large = Spool::large();
        assert!(
            matches!(large.sink, Sink::File(_)),
            "a temporary file can be made here"
        );
        for text in [spooled(large), spooled(Spool::small())] {
            assert_eq!(
                text.len(),
                "first line\n".len() + 200_000 + "\nlast line\n".len()
            );
            assert!(text.starts_with("first line\nxxx"));
            assert!(text.ends_with("xxx\nlast line\n"));
        }
    }
}
