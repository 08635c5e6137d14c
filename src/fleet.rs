//! The fleet one history holds: the accounts its changes are in, the config workspaces that
//! scanned each, and what a report says per account.
//!
//! A scan's change records its workspace and account; a CloudTrail event only its account. The
//! scans say which accounts each workspace scanned, so `report --workspace NAME` keeps that
//! workspace's changes and the events of the accounts it scanned.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Result};

use crate::history::{ChangeRow, History};
use crate::impact::Severity;

/// Which workspaces scanned which account.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fleet {
    /// Account -> the workspaces whose scans recorded it.
    by_account: BTreeMap<String, BTreeSet<String>>,
}

impl Fleet {
    /// The (workspace, account) pairs of every scan recorded. Scans run without a config have
    /// no workspace and add nothing.
    pub fn read(history: &History) -> Result<Fleet> {
        let mut fleet = Fleet::default();
        for (workspace, account) in history.scanned_accounts()? {
            fleet.add(&workspace, &account);
        }
        Ok(fleet)
    }

    pub fn add(&mut self, workspace: &str, account: &str) {
        self.by_account.entry(account.to_owned()).or_default().insert(workspace.to_owned());
    }

    /// The workspaces that scanned `account`, by name.
    pub fn workspaces_of(&self, account: &str) -> Vec<&str> {
        self.by_account.get(account).map(|w| w.iter().map(String::as_str).collect()).unwrap_or_default()
    }

    /// Every account the named workspaces scanned. A name no scan recorded is an error, as a
    /// typo would otherwise read as a quiet fleet.
    pub fn accounts_of(&self, workspaces: &[String]) -> Result<BTreeSet<String>> {
        let known: BTreeSet<&str> = self.by_account.values().flatten().map(String::as_str).collect();
        for name in workspaces {
            if !known.contains(name.as_str()) {
                if known.is_empty() {
                    bail!(
                        "--workspace {name}: the history records no workspace (scans run with a config file's workspaces record theirs)"
                    );
                }
                let known: Vec<&str> = known.into_iter().collect();
                bail!("--workspace {name}: no scan of this workspace in the history (it has: {})", known.join(", "));
            }
        }
        Ok(self
            .by_account
            .iter()
            .filter(|(_, ws)| ws.iter().any(|w| workspaces.contains(w)))
            .map(|(a, _)| a.clone())
            .collect())
    }
}

/// One account's changes in a report: how many, of which kind and of which severity.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountSummary {
    /// Empty when the history does not know it (changes recorded before accounts were).
    pub account: String,
    /// The workspaces that scanned it.
    pub workspaces: Vec<String>,
    pub changes: usize,
    pub anomalous: usize,
    /// Drifts still open.
    pub open: usize,
    /// By kind: `drifted`, `deleted`, `unmanaged`, `owner_unknown`, `event`.
    pub kinds: BTreeMap<String, usize>,
    /// By severity, highest first: critical, high, medium, low.
    pub severities: [usize; 4],
}

impl AccountSummary {
    /// How many changes are of severity `s`.
    pub fn of_severity(&self, s: Severity) -> usize {
        self.severities[severity_index(s)]
    }

    pub fn of_kind(&self, kind: &str) -> usize {
        self.kinds.get(kind).copied().unwrap_or(0)
    }
}

/// Highest first, as the page lists them.
pub const SEVERITIES: [Severity; 4] = [Severity::Critical, Severity::High, Severity::Medium, Severity::Low];

fn severity_index(s: Severity) -> usize {
    SEVERITIES.iter().position(|x| *x == s).unwrap_or(SEVERITIES.len() - 1)
}

/// The accounts of `rows`, the most severe first (then the most changed, then by account id),
/// each with the workspaces `fleet` says scanned it.
pub fn per_account(rows: &[ChangeRow], fleet: &Fleet) -> Vec<AccountSummary> {
    let mut by: BTreeMap<&str, AccountSummary> = BTreeMap::new();
    for r in rows {
        let a = by.entry(r.account.as_str()).or_insert_with(|| AccountSummary {
            account: r.account.clone(),
            workspaces: fleet.workspaces_of(&r.account).into_iter().map(str::to_owned).collect(),
            ..AccountSummary::default()
        });
        a.changes += 1;
        a.anomalous += usize::from(r.anomalous);
        a.open += usize::from(r.status == "open");
        *a.kinds.entry(r.kind.clone()).or_default() += 1;
        a.severities[severity_index(r.severity)] += 1;
    }
    let mut out: Vec<AccountSummary> = by.into_values().collect();
    out.sort_by(|a, b| b.severities.cmp(&a.severities).then(b.changes.cmp(&a.changes)).then(a.account.cmp(&b.account)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::tests::row;

    fn fleet() -> Fleet {
        let mut f = Fleet::default();
        f.add("prod", "111111111111");
        f.add("prod-eu", "111111111111");
        f.add("staging", "222222222222");
        f
    }

    #[test]
    fn a_workspace_names_the_accounts_it_scanned() {
        let f = fleet();
        let prod = f.accounts_of(&["prod".into()]).unwrap();
        assert_eq!(prod.into_iter().collect::<Vec<_>>(), ["111111111111"]);
        let both = f.accounts_of(&["prod".into(), "staging".into()]).unwrap();
        assert_eq!(both.len(), 2);
        assert_eq!(f.workspaces_of("111111111111"), ["prod", "prod-eu"]);
        let err = f.accounts_of(&["prdo".into()]).unwrap_err().to_string();
        assert_eq!(err, "--workspace prdo: no scan of this workspace in the history (it has: prod, prod-eu, staging)");
        let err = Fleet::default().accounts_of(&["prod".into()]).unwrap_err().to_string();
        assert!(err.contains("records no workspace"), "{err}");
    }

    #[test]
    fn accounts_are_summed_by_kind_and_severity_the_most_severe_first() {
        let mut a = row(1, "2026-12-06T03:14:00Z", "drifted", false, "open");
        a.account = "222222222222".into();
        a.severity = Severity::Critical;
        let mut b = row(2, "2026-12-06T03:15:00Z", "unmanaged", false, "open");
        b.account = "222222222222".into();
        let rows = vec![
            row(3, "2026-12-06T03:16:00Z", "event", true, "recorded"),
            row(4, "2026-12-06T03:17:00Z", "drifted", false, "resolved"),
            row(5, "2026-12-06T03:18:00Z", "drifted", false, "open"),
            a,
            b,
        ];
        let list = per_account(&rows, &fleet());
        let ids: Vec<&str> = list.iter().map(|s| s.account.as_str()).collect();
        assert_eq!(ids, ["222222222222", "123456789012"], "the critical one first, though it has fewer changes");
        let first = &list[0];
        assert_eq!((first.changes, first.open, first.anomalous), (2, 2, 0));
        assert_eq!((first.of_kind("drifted"), first.of_kind("unmanaged"), first.of_kind("event")), (1, 1, 0));
        assert_eq!((first.of_severity(Severity::Critical), first.of_severity(Severity::Low)), (1, 1));
        assert_eq!(first.workspaces, ["staging"]);
        let second = &list[1];
        assert_eq!((second.changes, second.open, second.anomalous), (3, 1, 1));
        assert_eq!((second.of_kind("drifted"), second.of_kind("event")), (2, 1));
        assert_eq!((second.of_severity(Severity::Medium), second.of_severity(Severity::Low)), (1, 2));
        assert!(second.workspaces.is_empty(), "no workspace scanned it");
    }
}
