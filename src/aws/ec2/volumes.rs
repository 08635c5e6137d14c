//! `aws_ebs_volume` and `aws_volume_attachment` from `DescribeVolumes`. An attached volume is
//! owned by its instance (root and data volumes come and go with it), so it is never reported
//! unmanaged; each attachment is also emitted on its own, under the id the AWS provider gives it.

use aws_sdk_ec2::types::{Volume, VolumeAttachmentState, VolumeState, VolumeType};
use serde_json::{json, Map, Value};

use super::{live, tags, text, ListError, PAGE};
use crate::resource::{LiveFacts, Resource};

pub async fn list(client: &aws_sdk_ec2::Client) -> Result<Vec<Resource>, ListError> {
    let mut pages = client.describe_volumes().max_results(PAGE).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        for v in page?.volumes() {
            out.extend(map(v));
        }
    }
    Ok(out)
}

/// The id the AWS provider gives an `aws_volume_attachment`: `vai-` and the CRC-32 of
/// `DEVICE-INSTANCE-VOLUME-` (the provider's string hash, which on 64 bits is the CRC itself).
pub fn attachment_id(device: &str, instance: &str, volume: &str) -> String {
    format!("vai-{}", crc32fast::hash(format!("{device}-{instance}-{volume}-").as_bytes()))
}

fn map(v: &Volume) -> Vec<Resource> {
    if matches!(v.state(), Some(VolumeState::Deleting | VolumeState::Deleted)) {
        return Vec::new();
    }
    let Some(id) = v.volume_id() else { return Vec::new() };
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
    let mut out = vec![live("aws_ebs_volume", id, a, LiveFacts { owner, ..Default::default() })];

    // A detached attachment is gone for the provider too. An attachment is part of its volume:
    // one of a volume nobody declares (a root volume, an instance's block device) goes with it,
    // one of a declared volume that no `aws_volume_attachment` declares was made by hand.
    for at in v.attachments().iter().filter(|at| at.state() != Some(&VolumeAttachmentState::Detached)) {
        let (Some(device), Some(instance)) = (at.device(), at.instance_id()) else { continue };
        let mut a = Map::new();
        a.insert("device_name".into(), Value::from(device));
        a.insert("instance_id".into(), Value::from(instance));
        a.insert("volume_id".into(), Value::from(id));
        let facts = LiveFacts { parent: Some(id.to_owned()), ..Default::default() };
        out.push(live("aws_volume_attachment", &attachment_id(device, instance, id), a, facts));
    }
    out
}

/// `DEVICE_NAME:VOLUME_ID:INSTANCE_ID`, the provider's import id.
pub fn attachment_import_id(_id: &str, a: &Map<String, Value>) -> String {
    let text = |k| crate::catalog::text_of(a, k);
    format!("{}:{}:{}", text("device_name"), text("volume_id"), text("instance_id"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::types::VolumeAttachment;

    #[test]
    fn an_attachment_has_the_providers_id_and_leaves_detached_ones_out() {
        // A published state's attachment: /dev/xvde, i-0bbced25e, vol-0f43568a8 -> vai-3314652726.
        assert_eq!(attachment_id("/dev/xvde", "i-0bbced25e", "vol-0f43568a8"), "vai-3314652726");
        let attached = |device: &str, state| {
            VolumeAttachment::builder().device(device).instance_id("i-1").volume_id("vol-1").state(state).build()
        };
        let v = Volume::builder()
            .volume_id("vol-1")
            .state(VolumeState::InUse)
            .attachments(attached("/dev/sdh", VolumeAttachmentState::Attached))
            .attachments(attached("/dev/sdi", VolumeAttachmentState::Detached))
            .build();
        let out = map(&v);
        let at: Vec<&Resource> = out.iter().filter(|r| r.rtype == "aws_volume_attachment").collect();
        assert_eq!(at.len(), 1, "{out:#?}");
        assert_eq!(at[0].id, attachment_id("/dev/sdh", "i-1", "vol-1"));
        assert_eq!(at[0].attributes["device_name"], "/dev/sdh");
        assert_eq!(at[0].live.as_ref().unwrap().parent.as_deref(), Some("vol-1"));
        assert_eq!(attachment_import_id(&at[0].id, &at[0].attributes), "/dev/sdh:vol-1:i-1");
    }
}
