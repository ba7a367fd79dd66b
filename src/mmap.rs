//! Memory-mapped reads for small SQLite files.
//!
//! SQLite copies every page it reads into its own page cache, allocated afresh by each
//! connection: in a no-op plan of 1,000 EIPs the copies and the faults of the fresh memory were
//! a tenth of the run. Mapped, a page is read where the kernel already holds it. But mapped
//! pages count in the process's resident size, once per connection that maps them: a 50,000
//! resource state (~280 MB) took a no-op plan from 270 MB to 640 MB, and mapping room to grow
//! took a 50,000-resource apply, whose files start empty, from 281 to 300 MB. So only files
//! that are small when opened are mapped, and only as large as they are then: what a run adds
//! is read as before.

use std::path::Path;

use rusqlite::Connection;

/// Files up to this size when opened are mapped.
const SMALL: u64 = 16 << 20;

/// Maps the database of `conn` (at `path`) for reads when it is small (see the module doc).
pub fn map_if_small(conn: &Connection, path: &Path) -> rusqlite::Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if m.len() > 0 && m.len() <= SMALL => {
            conn.pragma_update(None, "mmap_size", m.len() as i64)
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapped(path: &Path) -> i64 {
        let conn = Connection::open(path).unwrap();
        map_if_small(&conn, path).unwrap();
        conn.query_row("PRAGMA mmap_size", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn only_small_files_are_mapped() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("small.db");
        Connection::open(&small)
            .unwrap()
            .execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            .unwrap();
        let size = std::fs::metadata(&small).unwrap().len() as i64;
        assert_eq!(mapped(&small), size, "as large as the file");
        let large = dir.path().join("large.db");
        std::fs::File::create(&large)
            .unwrap()
            .set_len(SMALL + 1)
            .unwrap();
        assert_eq!(mapped(&large), 0);
    }
}
