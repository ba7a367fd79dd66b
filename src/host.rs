//! What this host can tell about processes (whether a pid is alive, the host's name), and random
//! UUIDs. Used by the state lock (stale locks), the simulated cloud (abandoned scratch copies,
//! request ids) and apply (client tokens).

/// Whether process `pid` exists (on this host).
pub fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: kill with signal 0 sends nothing; it only checks that the process exists.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// This host's name.
pub fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is writable for its whole length; gethostname NUL-terminates within it
    // when the name fits (and we add a terminator at the last byte regardless).
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len() - 1) };
    if rc != 0 {
        return "localhost".into();
    }
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

/// A random (version 4) UUID from the thread's cryptographically seeded generator: `Uuid::new_v4`
/// asks the kernel for every one, and apply makes several per API call (request ids, client
/// tokens).
pub fn new_uuid() -> uuid::Uuid {
    use rand::Rng;
    uuid::Builder::from_random_bytes(rand::rng().random()).into_uuid()
}
