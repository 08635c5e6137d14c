//! Secrets stay secret: sensitive state values and credentials never reach the history file, and
//! the history is its owner's alone. (Every command's output is searched for the test credentials
//! by `harness::run` itself.)

use std::os::unix::fs::PermissionsExt;

use crate::harness::{Estate, SECRETS};

#[test]
fn the_history_holds_no_credentials_and_is_owner_only() {
    let estate = Estate::create();
    estate.drift(&["open-rdp", "resize-instance"]);
    assert_eq!(estate.scan(&[]).code, 2);
    let db = estate.path("history.db");
    let mut bytes = std::fs::read(&db).unwrap();
    for side in ["history.db-wal", "history.db-shm"] {
        if let Ok(more) = std::fs::read(estate.path(side)) {
            bytes.extend(more);
        }
    }
    let text = String::from_utf8_lossy(&bytes);
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret} reached the history");
    }
    let mode = std::fs::metadata(&db).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "history.db is {mode:o}");
}
