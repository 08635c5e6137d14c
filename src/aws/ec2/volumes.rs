//! `aws_ebs_volume` from `DescribeVolumes`. An attached volume is owned by its instance (root
//! and data volumes come and go with it), so it is never reported unmanaged.

use aws_sdk_ec2::types::{Volume, VolumeState, VolumeType};
use serde_json::{json, Map};

use super::{live, tags, text, ListError, PAGE};
use crate::resource::{LiveFacts, Resource};

pub async fn list(client: &aws_sdk_ec2::Client) -> Result<Vec<Resource>, ListError> {
    let mut pages = client.describe_volumes().max_results(PAGE).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        out.extend(page?.volumes().iter().filter_map(map));
    }
    Ok(out)
}

fn map(v: &Volume) -> Option<Resource> {
    if matches!(v.state(), Some(VolumeState::Deleting | VolumeState::Deleted)) {
        return None;
    }
    let id = v.volume_id()?;
    let kind = v.volume_type();
    let mut a = Map::new();
    if let Some(size) = v.size() {
        a.insert("size".into(), json!(size));
    }
    a.insert("type".into(), text(kind.map(|t| t.as_str())));
    a.insert("availability_zone".into(), text(v.availability_zone()));
    if let Some(enc) = v.encrypted() {
        a.insert("encrypted".into(), json!(enc));
    }
    // gp2 IOPS follow the size and gp2/io throughput is fixed: Terraform only reads them, so
    // they are compared only where the user sets them.
    if let (Some(iops), Some(VolumeType::Io1 | VolumeType::Io2 | VolumeType::Gp3)) = (v.iops(), kind) {
        a.insert("iops".into(), json!(iops));
    }
    if let (Some(tp), Some(VolumeType::Gp3)) = (v.throughput(), kind) {
        a.insert("throughput".into(), json!(tp));
    }
    a.insert("tags".into(), tags(v.tags()));
    let owner = v.attachments().iter().find_map(|at| at.instance_id()).map(str::to_owned);
    Some(live("aws_ebs_volume", id, a, LiveFacts { owner, ..Default::default() }))
}
