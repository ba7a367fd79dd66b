//! SQLite takes eipform's allocator when asked before its first use (as `main` does), works
//! with it, and refuses the change once in use. One test alone in this binary: SQLite is
//! configured once per process.

use rusqlite::Connection;

#[test]
fn sqlite_takes_mimalloc_before_first_use_and_works_with_it() {
    assert!(
        eipform::sqlite_alloc::configure(),
        "refused before first use"
    );
    let dir = tempfile::tempdir().unwrap();
    let conn = Connection::open(dir.path().join("t.db")).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT);
         BEGIN; SAVEPOINT s;",
    )
    .unwrap();
    let text = "x".repeat(3000);
    for k in 0..2000 {
        conn.execute("INSERT INTO t VALUES (?1, ?2)", (k, &text))
            .unwrap();
    }
    conn.execute_batch("ROLLBACK TO s; RELEASE s; COMMIT")
        .unwrap();
    let n: i64 = conn
        .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0, "the savepoint's journal rolled the inserts back");
    assert!(!eipform::sqlite_alloc::configure(), "SQLite is in use now");
}
