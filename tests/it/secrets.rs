//! Secrets stay secret: sensitive state values and credentials never reach the history file, and
//! the history is its owner's alone. (Every command's output is searched for the test credentials
//! by `harness::run` itself.)

use std::os::unix::fs::PermissionsExt;

use crate::harness::{Backend, Estate, SECRETS};

#[test]
fn the_history_holds_no_credentials_and_is_owner_only() {
    let estate = Estate::create();
    estate.drift(&["open-rdp", "resize-instance"]);
    assert_eq!(estate.scan(&[]).code, 2);
    let text = estate.history().dump();
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret} reached the history");
    }
    if estate.history().backend() == Backend::Sqlite {
        let db = estate.path("history.db");
        let mode = std::fs::metadata(&db).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "history.db is {mode:o}");
    }
}
