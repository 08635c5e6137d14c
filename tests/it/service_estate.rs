//! What the per-service behaviour tests share: an estate made by `tools/estate_NAME.py` in a
//! moto of its own, its state at `NAME/terraform.tfstate`, and the report's changes as
//! comparable tuples.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::harness::{run, Moto};

/// (kind, type, id, attribute) of a change; the attribute is "" when there is none.
pub type Change = (String, String, String, String);

/// An estate of one service group (`edge`, `data`, `workloads`, ...).
pub struct ServiceEstate {
    pub moto: Moto,
    pub dir: tempfile::TempDir,
    ids: Value,
    name: &'static str,
}

impl ServiceEstate {
    pub fn create(name: &'static str) -> ServiceEstate {
        ServiceEstate::create_in(name, Moto::start())
    }

    /// The estate made in a moto already started (with its own settings or keys).
    pub fn create_in(name: &'static str, moto: Moto) -> ServiceEstate {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = moto.tool(&format!("estate_{name}.py"), &["create", "--out", dir.path().to_str().unwrap()]);
        let ids = serde_json::from_str(&out).expect("estate ids");
        ServiceEstate { moto, dir, ids, name }
    }

    pub fn id(&self, key: &str) -> String {
        self.ids[key].as_str().unwrap_or_else(|| panic!("no id {key}")).to_owned()
    }

    /// Makes the named out-of-band changes; returns what the tool made.
    pub fn drift(&self, names: &[&str]) -> Value {
        let mut args = vec!["drift", "--out", self.dir.path().to_str().unwrap()];
        args.extend_from_slice(names);
        let out = self.moto.tool(&format!("estate_{}.py", self.name), &args);
        if out.trim().is_empty() {
            return Value::Null;
        }
        serde_json::from_str(&out).expect("drift output")
    }

    /// A scan of the estate's state without history, as JSON; any exit but an error's.
    pub fn scan(&self) -> Value {
        self.scan_at(&self.moto.endpoint)
    }

    /// [`ServiceEstate::scan`] through another endpoint (a proxy in front of the emulator).
    pub fn scan_at(&self, endpoint: &str) -> Value {
        let state = format!("{}/terraform.tfstate", self.name);
        let mut cmd = self.moto.driftscan();
        cmd.current_dir(self.dir.path()).env("AWS_ENDPOINT_URL", endpoint);
        cmd.args(["scan", "--state", &state, "--no-history", "--format", "json"]);
        let out = run(&mut cmd);
        assert!(matches!(out.code, 0 | 2 | 3), "scan failed ({}):\n{}", out.code, out.stderr);
        out.json()
    }
}

/// Every change of a report.
pub fn changes(report: &Value) -> BTreeSet<Change> {
    report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or_default().to_owned();
            (s("kind"), s("type"), s("id"), s("attribute"))
        })
        .collect()
}

pub fn change(kind: &str, rtype: &str, id: &str, attribute: &str) -> Change {
    (kind.into(), rtype.into(), id.into(), attribute.into())
}
