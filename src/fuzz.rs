//! Property tests for every parser of outside input (state, plan, CloudTrail, ignore file, HCL
//! sources): arbitrary bytes and damaged real files, in every encoding driftscan reads (UTF-8,
//! with a byte-order mark, UTF-16 LE as PowerShell writes it), never panic, and a refusal is one
//! line that names the file. `make test` runs a short round (`PROPTEST_CASES`, default 256 per property);
//! `PROPTEST_CASES=100000 cargo test --lib fuzz` is the long run.

use std::path::Path;

use proptest::prelude::*;

use crate::cloudtrail;
use crate::ignore::IgnoreRules;
use crate::terraform::state::{parse_state, parse_whole, read_blocks_sharing, KeepAll};

const STATE: &str = include_str!("../testdata/states/modules.tfstate");
/// Terraform 1.0.x: `resource_drift` entries without `address`.
const PLAN: &str = include_str!("../testdata/plans/v0.2-terraform-1.0.json");
const TRAIL: &str = include_str!("../testdata/cloudtrail/broken/not-cloudtrail.json");
const IGNORE: &str = "# comment\naws_instance.i-0123\naws_*.*.tags.Owner\n!aws_vpc.*\naws_s3_bucket.logs\\.example\n";
const HCL: &str =
    "resource \"aws_instance\" \"web\" {\n  ami = \"ami-1\"\n  lifecycle {\n    ignore_changes = [tags, ami]\n  }\n}\n";

/// A real input damaged: truncated, with bytes flipped, or with a slice repeated.
fn damaged(original: &'static str) -> impl Strategy<Value = Vec<u8>> {
    damaged_bytes(original.as_bytes().to_vec())
}

/// A real input in one of the encodings driftscan reads, then damaged as [`damaged`] does.
fn encoded_and_damaged(original: &'static str) -> impl Strategy<Value = Vec<u8>> {
    (0..3u8).prop_flat_map(move |encoding| {
        damaged_bytes(match encoding {
            0 => original.as_bytes().to_vec(),
            1 => [b"\xef\xbb\xbf", original.as_bytes()].concat(),
            _ => crate::text::utf16le(original),
        })
    })
}

fn damaged_bytes(original: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = original.len();
    (0..len, proptest::collection::vec((0..len, any::<u8>()), 0..8), 0..3u8).prop_map(move |(cut, flips, how)| {
        let mut b = original.clone();
        for (i, v) in flips {
            b[i] = v;
        }
        match how {
            0 => b.truncate(cut),
            1 => {
                let tail = b[cut..].to_vec();
                b.extend_from_slice(&tail);
            }
            _ => {}
        }
        b
    })
}

fn one_line_naming(msg: &str, name: &str) {
    assert!(!msg.contains('\n'), "not one line: {msg}");
    assert!(msg.contains(name), "does not name {name}: {msg}");
}

proptest! {
    #[test]
    fn state_parser_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Err(e) = parse_state(Path::new("fuzz.tfstate"), &bytes) {
            one_line_naming(&e.to_string(), "fuzz.tfstate");
        }
    }

    #[test]
    fn state_parser_names_the_file_for_damaged_states(bytes in encoded_and_damaged(STATE)) {
        if let Err(e) = parse_state(Path::new("damaged.tfstate"), &bytes) {
            one_line_naming(&e.to_string(), "damaged.tfstate");
        }
    }

    /// The fast reader (one block per resource) accepts only what the slow one (serde over the
    /// whole text) accepts, and reads it to the same resources; sharing the blocks with a second
    /// thread from the first one on changes nothing, order included.
    #[test]
    fn fast_and_slow_state_readers_agree(bytes in damaged(STATE)) {
        let path = Path::new("damaged.tfstate");
        let shared = read_blocks_sharing::<KeepAll>(path, &bytes[..], 0);
        let fast = read_blocks_sharing::<KeepAll>(path, &bytes[..], usize::MAX);
        prop_assert_eq!(shared.as_ref().ok().map(|s| &s.resources), fast.as_ref().ok().map(|s| &s.resources));
        if let Ok(fast) = fast {
            match parse_whole::<KeepAll>(path, &bytes) {
                Ok(slow) => {
                    prop_assert_eq!(fast.resources, slow.resources);
                    prop_assert_eq!(fast.terraform_version, slow.terraform_version);
                }
                Err(e) => prop_assert!(false, "the fast reader read what the slow one refused: {}", e),
            }
        }
    }

    #[test]
    fn plan_parser_names_the_input_for_damaged_plans(bytes in encoded_and_damaged(PLAN)) {
        if let Err(e) = crate::plan::parse("damaged.json", &bytes) {
            one_line_naming(&e.to_string(), "damaged.json");
        }
    }

    #[test]
    fn plan_parser_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Err(e) = crate::plan::parse("fuzz.json", &bytes) {
            one_line_naming(&e.to_string(), "fuzz.json");
        }
    }

    #[test]
    fn cloudtrail_parser_never_panics(bytes in encoded_and_damaged(TRAIL)) {
        if let Err(e) = cloudtrail::parse_bytes("trail.json", &bytes) {
            one_line_naming(&e, "trail.json");
        }
    }

    #[test]
    fn cloudtrail_parser_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = cloudtrail::parse_bytes("x.json.gz", &bytes);
    }

    #[test]
    fn ignore_parser_never_panics(text in "[a-z_.*!#\\\\ \n-]{0,200}") {
        if let Err(e) = IgnoreRules::parse(Path::new(".driftignore"), &text) {
            one_line_naming(&e.to_string(), ".driftignore");
        }
    }

    #[test]
    fn ignore_parser_handles_damaged_files(bytes in encoded_and_damaged(IGNORE)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".driftignore");
        std::fs::write(&path, &bytes).unwrap();
        if let Err(e) = IgnoreRules::load(&path, true) {
            one_line_naming(&e.to_string(), ".driftignore");
        }
    }

    #[test]
    fn hcl_sources_never_panic(bytes in encoded_and_damaged(HCL)) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), &bytes).unwrap();
        if let Err(e) = crate::terraform::sources::load_dir(dir.path()) {
            one_line_naming(&e.to_string(), "main.tf");
        }
    }
}
