//! One queue, several workspaces: which workspaces an event is for. A whole organisation's
//! CloudTrail (or several accounts' EventBridge rules) can feed one queue; each event then goes
//! to the workspaces of the account it happened in, as the scans of those workspaces would
//! have seen it.
//!
//! - The account is the EventBridge envelope's `account`, else the record's
//!   `recipientAccountId`, else `userIdentity.accountId` (see [`super::message`] and
//!   `cloudtrail::record`); a workspace's account is what STS says of its credentials.
//! - An account with one workspace: that workspace, whatever the region (as one workspace
//!   watched alone always did).
//! - An account with several (one per region, say): those whose states declare a resource the
//!   event changed; else, for an event on resources in no region (IAM), all of them, as each
//!   of their scans lists those; else those that scan the event's region.
//! - An event of an account no workspace is for is recorded nowhere: the anomaly model is kept
//!   per account (`scoring`), so it would never inform the score of a watched account's change,
//!   and its alerts would be about an estate nobody declared. It is counted, by reason.

use std::collections::BTreeSet;

use crate::catalog;
use crate::cloudtrail::TrailEvent;

/// What one workspace of a queue claims of its events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claim {
    /// The account its credentials belong to; `None` when STS could not say at start. Such a
    /// workspace takes the events that no workspace of a known account claims.
    pub account: Option<String>,
    /// The regions it scans: its states' and its `regions` key, as a scan lists them.
    pub regions: BTreeSet<String>,
}

impl AsRef<Claim> for Claim {
    fn as_ref(&self) -> &Claim {
        self
    }
}

/// Why an event goes to no workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unrouted {
    /// No workspace is for its account: recorded nowhere.
    Account,
    /// Its account has workspaces, none of which scans its region: recorded (it feeds the
    /// account's model) but compared with no declaration.
    Region,
}

impl Unrouted {
    /// The `reason` label of the metric.
    pub fn label(self) -> &'static str {
        match self {
            Unrouted::Account => "account",
            Unrouted::Region => "region",
        }
    }
}

/// The workspaces (indices into `claims`) `ev` is for. `declares(i, id)` says whether workspace
/// `i`'s states declare the resource `id`.
pub fn route<C: AsRef<Claim>>(
    claims: &[C],
    ev: &TrailEvent,
    declares: impl Fn(usize, &str) -> bool,
) -> Result<Vec<usize>, Unrouted> {
    let claim = |i: usize| claims[i].as_ref();
    let of = |account: Option<&str>| -> Vec<usize> {
        (0..claims.len()).filter(|&i| claim(i).account.as_deref() == account).collect()
    };
    let mut mine = if ev.account.is_empty() { Vec::new() } else { of(Some(&ev.account)) };
    if mine.is_empty() {
        mine = of(None);
    }
    match mine.len() {
        0 => return Err(Unrouted::Account),
        1 => return Ok(mine),
        _ => {}
    }
    let declaring: Vec<usize> =
        mine.iter().copied().filter(|&i| ev.resources.iter().any(|r| declares(i, &r.id))).collect();
    if !declaring.is_empty() {
        return Ok(declaring);
    }
    let global = !ev.resources.is_empty() && ev.resources.iter().all(|r| catalog::in_no_region(&r.rtype));
    if global {
        return Ok(mine);
    }
    let scanning: Vec<usize> = mine.into_iter().filter(|&i| claim(i).regions.contains(&ev.region)).collect();
    if scanning.is_empty() {
        Err(Unrouted::Region)
    } else {
        Ok(scanning)
    }
}

/// The account that owns a queue, from its URL (`https://sqs.REGION.amazonaws.com/ACCOUNT/NAME`):
/// its consumer is best a workspace of that account, whose credentials may read it.
pub fn queue_account(url: &str) -> Option<&str> {
    let mut parts = url.trim_end_matches('/').rsplit('/');
    let _name = parts.next()?;
    parts.next().filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudtrail::{TrailEvent, TrailResource};

    fn claim(account: Option<&str>, regions: &[&str]) -> Claim {
        Claim { account: account.map(str::to_owned), regions: regions.iter().map(|r| r.to_string()).collect() }
    }

    fn event(account: &str, region: &str, rtype: &str, id: &str) -> TrailEvent {
        TrailEvent {
            event_id: "e-1".into(),
            time: chrono::Utc::now(),
            region: region.into(),
            account: account.into(),
            actor: None,
            source_ip: None,
            user_agent: None,
            event_name: "Modify".into(),
            resources: vec![TrailResource { rtype: rtype.into(), id: id.into() }],
        }
    }

    const A: &str = "111111111111";
    const B: &str = "222222222222";
    const NOTHING: fn(usize, &str) -> bool = |_, _| false;

    #[test]
    fn each_event_goes_to_its_accounts_workspace_and_no_other() {
        let claims = [claim(Some(A), &["us-east-1"]), claim(Some(B), &["us-east-1"])];
        let sg = |account| event(account, "us-east-1", "aws_security_group", "sg-1");
        assert_eq!(route(&claims, &sg(A), NOTHING), Ok(vec![0]));
        assert_eq!(route(&claims, &sg(B), NOTHING), Ok(vec![1]));
        assert_eq!(route(&claims, &sg("333333333333"), NOTHING), Err(Unrouted::Account));
        assert_eq!(route(&claims, &sg(""), NOTHING), Err(Unrouted::Account));
        // One workspace of the account: its, in any region, as a workspace watched alone.
        let west = event(B, "us-west-2", "aws_security_group", "sg-2");
        assert_eq!(route(&claims, &west, NOTHING), Ok(vec![1]));
    }

    #[test]
    fn workspaces_per_region_of_one_account_split_its_events() {
        let claims = [claim(Some(A), &["us-east-1"]), claim(Some(A), &["eu-west-1"]), claim(Some(B), &["eu-west-1"])];
        let east = event(A, "us-east-1", "aws_security_group", "sg-1");
        assert_eq!(route(&claims, &east, NOTHING), Ok(vec![0]));
        let eu = event(A, "eu-west-1", "aws_security_group", "sg-2");
        assert_eq!(route(&claims, &eu, NOTHING), Ok(vec![1]));
        let nowhere = event(A, "ap-south-1", "aws_security_group", "sg-3");
        assert_eq!(route(&claims, &nowhere, NOTHING), Err(Unrouted::Region));
        // The workspace that declares the resource wins over the region.
        assert_eq!(route(&claims, &nowhere, |i, id| i == 1 && id == "sg-3"), Ok(vec![1]));
        // IAM is in no region: every workspace of the account lists it.
        let role = event(A, "us-east-1", "aws_iam_role", "ops");
        assert_eq!(route(&claims, &role, NOTHING), Ok(vec![0, 1]));
        assert_eq!(route(&claims, &role, |i, _| i == 1), Ok(vec![1]));
    }

    #[test]
    fn a_workspace_whose_account_is_unknown_takes_what_no_other_claims() {
        let claims = [claim(Some(A), &["us-east-1"]), claim(None, &["us-east-1"])];
        assert_eq!(route(&claims, &event(A, "us-east-1", "aws_vpc", "vpc-1"), NOTHING), Ok(vec![0]));
        assert_eq!(route(&claims, &event(B, "us-east-1", "aws_vpc", "vpc-1"), NOTHING), Ok(vec![1]));
        assert_eq!(route(&claims, &event("", "us-east-1", "aws_vpc", "vpc-1"), NOTHING), Ok(vec![1]));
    }

    #[test]
    fn the_queue_url_names_its_account() {
        assert_eq!(queue_account("https://sqs.eu-west-1.amazonaws.com/123456789012/driftscan"), Some("123456789012"));
        assert_eq!(queue_account("http://127.0.0.1:5000/123456789012/q/"), Some("123456789012"));
        assert_eq!(queue_account("http://localhost/queue/q"), None);
    }
}
