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

/// A new client token for a mutating call (`eipform-` and a [`new_token_uuid`]).
pub fn new_client_token() -> String {
    format!("eipform-{}", new_token_uuid().simple())
}

/// A client token's UUID: time-ordered (version 7), strictly increasing within the process:
/// the milliseconds since the epoch and a 12-bit sequence (a millisecond that runs out of
/// sequence borrows the next one), then random bits. Both indexes the cloud keeps by token (its
/// idempotency records, its objects) then take each new one at their right edge instead of at a
/// random leaf: at 50,000 resources those indexes outgrow the page cache, and a random insert
/// reads and writes a page each.
pub fn new_token_uuid() -> uuid::Uuid {
    use rand::Rng;
    use std::sync::atomic::{AtomicU64, Ordering};
    static LAST: AtomicU64 = AtomicU64::new(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
        << 12;
    let stamp = match LAST.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |last| {
        Some(now.max(last + 1))
    }) {
        Ok(last) | Err(last) => now.max(last + 1),
    };
    let mut rest: [u8; 10] = rand::rng().random();
    rest[..2].copy_from_slice(&((stamp & 0xfff) as u16).to_be_bytes());
    uuid::Builder::from_unix_timestamp_millis(stamp >> 12, &rest).into_uuid()
}

#[cfg(test)]
mod tests {
    /// Client tokens made one after another (here faster than one a millisecond, so many
    /// share one) sort in the order they were made, and are version-7 UUIDs.
    #[test]
    fn client_tokens_increase_in_the_order_they_are_made() {
        let tokens: Vec<String> = (0..10_000)
            .map(|_| super::new_token_uuid().simple().to_string())
            .collect();
        for pair in tokens.windows(2) {
            assert!(pair[0] < pair[1], "{} then {}", pair[0], pair[1]);
        }
        assert_eq!(super::new_token_uuid().get_version_num(), 7);
    }
}
