//! `aws_ami` and `aws_ebs_snapshot` from `DescribeImages` (owner `self`) and
//! `DescribeSnapshots` (owner `self`), filtered by the declared ids (200 a filter, pages of
//! 1,000). Backups, image pipelines and AWS make images and snapshots all the time, none of them
//! Terraform's business: only declared ones are looked up, so none is ever unmanaged, and a
//! declared one that is gone is deleted.

use std::collections::HashSet;

use aws_sdk_ec2::types::{Filter, Image, ImageState, Snapshot, SnapshotState};
use serde_json::{json, Map};

use super::{live, tags, text, ListError, PAGE};
use crate::resource::{LiveFacts, Resource};

/// Values one id filter takes at most.
const IDS_PER_FILTER: usize = 200;
/// The fewest results a call may ask for: one small call proves the list can be made.
const SMALLEST_PAGE: i32 = 5;
const SELF: &str = "self";

fn chunks(wanted: &HashSet<String>) -> Vec<Vec<String>> {
    let mut ids: Vec<String> = wanted.iter().cloned().collect();
    ids.sort();
    ids.chunks(IDS_PER_FILTER).map(<[String]>::to_vec).collect()
}

pub async fn list_images(client: &aws_sdk_ec2::Client, wanted: &HashSet<String>) -> Result<Vec<Resource>, ListError> {
    let mut out = Vec::new();
    if wanted.is_empty() {
        // Nothing declared: a region where the call fails is still not taken as scanned.
        client.describe_images().owners(SELF).max_results(SMALLEST_PAGE).send().await?;
        return Ok(out);
    }
    for ids in chunks(wanted) {
        let filter = Filter::builder().name("image-id").set_values(Some(ids)).build();
        let mut pages = client.describe_images().owners(SELF).filters(filter).max_results(PAGE).into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(page?.images().iter().filter_map(map_image));
        }
    }
    Ok(out)
}

pub async fn list_snapshots(
    client: &aws_sdk_ec2::Client,
    wanted: &HashSet<String>,
) -> Result<Vec<Resource>, ListError> {
    let mut out = Vec::new();
    if wanted.is_empty() {
        client.describe_snapshots().owner_ids(SELF).max_results(SMALLEST_PAGE).send().await?;
        return Ok(out);
    }
    for ids in chunks(wanted) {
        let filter = Filter::builder().name("snapshot-id").set_values(Some(ids)).build();
        let mut pages =
            client.describe_snapshots().owner_ids(SELF).filters(filter).max_results(PAGE).into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(page?.snapshots().iter().filter_map(map_snapshot));
        }
    }
    Ok(out)
}

fn map_image(i: &Image) -> Option<Resource> {
    if matches!(i.state(), Some(ImageState::Deregistered)) {
        return None;
    }
    let id = i.image_id()?;
    let mut a = Map::new();
    a.insert("name".into(), text(i.name()));
    a.insert("description".into(), text(i.description()));
    a.insert("architecture".into(), text(i.architecture().map(|x| x.as_str())));
    a.insert("virtualization_type".into(), text(i.virtualization_type().map(|x| x.as_str())));
    a.insert("root_device_name".into(), text(i.root_device_name()));
    // The provider records an image that says nothing of ENA as without it.
    a.insert("ena_support".into(), json!(i.ena_support().unwrap_or(false)));
    a.insert("boot_mode".into(), text(i.boot_mode().map(|x| x.as_str())));
    a.insert("imds_support".into(), text(i.imds_support().map(|x| x.as_str())));
    a.insert("tags".into(), tags(i.tags()));
    Some(live("aws_ami", id, a, LiveFacts::default()))
}

fn map_snapshot(s: &Snapshot) -> Option<Resource> {
    if matches!(s.state(), Some(SnapshotState::Error)) {
        return None;
    }
    let id = s.snapshot_id()?;
    let mut a = Map::new();
    a.insert("volume_id".into(), text(s.volume_id()));
    a.insert("description".into(), text(s.description()));
    if let Some(encrypted) = s.encrypted() {
        a.insert("encrypted".into(), json!(encrypted));
    }
    if let Some(size) = s.volume_size() {
        a.insert("volume_size".into(), json!(size));
    }
    a.insert("tags".into(), tags(s.tags()));
    Some(live("aws_ebs_snapshot", id, a, LiveFacts::default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::types::{ArchitectureValues, Tag};

    #[test]
    fn images_and_snapshots_map_to_terraform_names() {
        let image = Image::builder()
            .image_id("ami-1")
            .name("app-2026-12-01")
            .architecture(ArchitectureValues::Arm64)
            .state(ImageState::Available)
            .tags(Tag::builder().key("Name").value("app").build())
            .build();
        let r = map_image(&image).unwrap();
        assert_eq!(
            (r.attributes["name"].as_str(), r.attributes["architecture"].as_str()),
            (Some("app-2026-12-01"), Some("arm64"))
        );
        assert_eq!(r.attributes["ena_support"], false);
        assert_eq!(r.attributes["tags"], json!({"Name": "app"}));
        assert!(map_image(&Image::builder().image_id("ami-2").state(ImageState::Deregistered).build()).is_none());

        let snap = Snapshot::builder().snapshot_id("snap-1").volume_id("vol-1").volume_size(8).encrypted(true).build();
        let r = map_snapshot(&snap).unwrap();
        assert_eq!((r.attributes["volume_id"].as_str(), &r.attributes["volume_size"]), (Some("vol-1"), &json!(8)));
        assert_eq!(r.live, Some(LiveFacts::default()));
        assert_eq!(r.attributes["encrypted"], true);
    }
}
