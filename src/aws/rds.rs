//! RDS: DB instances (on their own and in Aurora clusters), clusters, subnet groups and
//! parameter groups, per region. Every type has a list form that returns it whole, tags
//! included for instances and clusters, in pages of 100 (the most RDS returns): no per-resource
//! read is made.
//!
//! The master password is never read (no RDS call returns it) and never compared.

use aws_sdk_rds::types::{DbCluster, DbInstance, DbParameterGroup, DbSubnetGroup, Tag};
use aws_sdk_rds::Client;
use serde_json::{Map, Value};

use super::{live, text, Ctx, ListError, ServiceSpec, Wanted};
use crate::catalog::{text_of, ListSpec, Scope, Service, TypeSpec};
use crate::resource::{LiveFacts, Resource};

const fn regional(operation: &'static str) -> ListSpec {
    ListSpec { operation, service: Service::Rds, scope: Scope::Regional, needs: &[] }
}

const INSTANCES: ListSpec = regional("DescribeDBInstances");
const CLUSTERS: ListSpec = regional("DescribeDBClusters");
const SUBNET_GROUPS: ListSpec = regional("DescribeDBSubnetGroups");
const PARAMETER_GROUPS: ListSpec = regional("DescribeDBParameterGroups");

pub const SERVICE: ServiceSpec = ServiceSpec {
    service: Service::Rds,
    event_source: "rds.amazonaws.com",
    events: EVENTS,
    lists: &[INSTANCES, CLUSTERS, SUBNET_GROUPS, PARAMETER_GROUPS],
    types: TYPES,
};

const DB_INSTANCE: &str = "aws_db_instance";
const CLUSTER_INSTANCE: &str = "aws_rds_cluster_instance";
const CLUSTER: &str = "aws_rds_cluster";
const SUBNET_GROUP: &str = "aws_db_subnet_group";
const PARAMETER_GROUP: &str = "aws_db_parameter_group";

const TYPES: &[TypeSpec] = &[
    // Provider 5.x made the instance's id its resource id (`db-ABC...`) and imports it by its
    // identifier; both sides are matched by the identifier, which every provider version writes.
    // `engine_version` follows the provider's rule (pass `rds_engine_version`).
    TypeSpec::new(
        DB_INSTANCE,
        &INSTANCES,
        &[
            "identifier",
            "instance_class",
            "allocated_storage",
            "engine",
            "engine_version",
            // Read by `rds_engine_version`, which takes it away: never compared itself.
            "engine_version_actual",
            "auto_minor_version_upgrade",
            "publicly_accessible",
            "backup_retention_period",
            "deletion_protection",
            "multi_az",
            "storage_encrypted",
            "vpc_security_group_ids",
            "db_subnet_group_name",
            "tags",
        ],
    )
    .identified_by(|_, a| text_of(a, "identifier")),
    // A cluster member: its engine version is the cluster's, its storage the cluster's volume.
    TypeSpec::new(
        CLUSTER_INSTANCE,
        &INSTANCES,
        &[
            "identifier",
            "cluster_identifier",
            "instance_class",
            "engine",
            "auto_minor_version_upgrade",
            "publicly_accessible",
            "promotion_tier",
            "tags",
        ],
    ),
    // Aurora takes minor versions through its instances' `auto_minor_version_upgrade`, which the
    // cluster resource does not know: its engine version is compared by major version.
    TypeSpec::new(
        CLUSTER,
        &CLUSTERS,
        &[
            "cluster_identifier",
            "engine",
            "engine_version",
            "engine_version_actual",
            "port",
            "master_username",
            "database_name",
            "backup_retention_period",
            "deletion_protection",
            "storage_encrypted",
            "vpc_security_group_ids",
            "db_subnet_group_name",
            "tags",
        ],
    ),
    // Subnet and parameter groups carry no tags in their lists; tags are not compared.
    TypeSpec::new(SUBNET_GROUP, &SUBNET_GROUPS, &["name", "description", "subnet_ids"]),
    TypeSpec::new(PARAMETER_GROUP, &PARAMETER_GROUPS, &["name", "family", "description"]),
];

/// Where CloudTrail names what an RDS write changed. Requests name instances by
/// `dBInstanceIdentifier` and clusters by `dBClusterIdentifier` (RDS's own spelling); a tag
/// call names the ARN, which CloudTrail keeps as given and is not attributed.
pub const EVENTS: &[(&str, &[&str])] = &[
    ("CreateDBInstance", &[DB]),
    ("ModifyDBInstance", &[DB]),
    ("DeleteDBInstance", &[DB]),
    ("RebootDBInstance", &[DB]),
    ("StartDBInstance", &[DB]),
    ("StopDBInstance", &[DB]),
    ("CreateDBInstanceReadReplica", &[DB]),
    ("PromoteReadReplica", &[DB]),
    ("RestoreDBInstanceFromDBSnapshot", &[DB]),
    ("CreateDBCluster", &[DB_CLUSTER]),
    ("ModifyDBCluster", &[DB_CLUSTER]),
    ("DeleteDBCluster", &[DB_CLUSTER]),
    ("StartDBCluster", &[DB_CLUSTER]),
    ("StopDBCluster", &[DB_CLUSTER]),
    ("FailoverDBCluster", &[DB_CLUSTER]),
    ("CreateDBSubnetGroup", &[SUBNETS]),
    ("ModifyDBSubnetGroup", &[SUBNETS]),
    ("DeleteDBSubnetGroup", &[SUBNETS]),
    ("CreateDBParameterGroup", &[PARAMETERS]),
    ("ModifyDBParameterGroup", &[PARAMETERS]),
    ("ResetDBParameterGroup", &[PARAMETERS]),
    ("DeleteDBParameterGroup", &[PARAMETERS]),
];

const DB: &str = "req.dBInstanceIdentifier=aws_db_instance";
const DB_CLUSTER: &str = "req.dBClusterIdentifier=aws_rds_cluster";
const SUBNETS: &str = "req.dBSubnetGroupName=aws_db_subnet_group";
const PARAMETERS: &str = "req.dBParameterGroupName=aws_db_parameter_group";

/// Pages of 100, the most an RDS describe call returns.
const PAGE: i32 = 100;

/// Lists one RDS family in the context's region.
pub(super) async fn list(ctx: &Ctx<'_>, family: &ListSpec, _wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    let conf = aws_sdk_rds::config::Builder::from(ctx.sdk).region(ctx.region()).interceptor(ctx.calls.clone()).build();
    let client = Client::from_conf(conf);
    let mut out = Vec::new();
    match family.operation {
        "DescribeDBInstances" => {
            let mut pages = client.describe_db_instances().max_records(PAGE).into_paginator().send();
            while let Some(page) = pages.next().await {
                out.extend(page?.db_instances().iter().filter_map(map_instance));
            }
        }
        "DescribeDBClusters" => {
            let mut pages = client.describe_db_clusters().max_records(PAGE).into_paginator().send();
            while let Some(page) = pages.next().await {
                out.extend(page?.db_clusters().iter().filter_map(map_cluster));
            }
        }
        "DescribeDBSubnetGroups" => {
            let mut pages = client.describe_db_subnet_groups().max_records(PAGE).into_paginator().send();
            while let Some(page) = pages.next().await {
                out.extend(page?.db_subnet_groups().iter().filter_map(map_subnet_group));
            }
        }
        "DescribeDBParameterGroups" => {
            let mut pages = client.describe_db_parameter_groups().max_records(PAGE).into_paginator().send();
            while let Some(page) = pages.next().await {
                out.extend(page?.db_parameter_groups().iter().filter_map(map_parameter_group));
            }
        }
        other => return Err(ListError(format!("no RDS list {other}"))),
    }
    Ok(out)
}

fn tags(list: &[Tag]) -> Value {
    let map: Map<String, Value> =
        list.iter().filter_map(|t| Some((t.key()?.to_owned(), Value::from(t.value().unwrap_or_default())))).collect();
    Value::Object(map)
}

/// A field the answer may leave out (moto does for a cluster member's `PubliclyAccessible`):
/// absent, it is no evidence either way, so it is not written.
fn put<T: Into<Value>>(a: &mut Map<String, Value>, key: &str, v: Option<T>) {
    if let Some(v) = v {
        a.insert(key.into(), v.into());
    }
}

/// An instance being deleted is gone as far as Terraform is concerned.
fn going(status: Option<&str>) -> bool {
    matches!(status, Some("deleting" | "deleted"))
}

fn map_instance(db: &DbInstance) -> Option<Resource> {
    let identifier = db.db_instance_identifier()?;
    if going(db.db_instance_status()) {
        return None;
    }
    let mut a = Map::new();
    a.insert("arn".into(), text(db.db_instance_arn()));
    a.insert("identifier".into(), Value::from(identifier));
    a.insert("instance_class".into(), text(db.db_instance_class()));
    a.insert("engine".into(), text(db.engine()));
    a.insert("engine_version".into(), text(db.engine_version()));
    // What the provider writes as the running version: `rds_engine_version` reads it.
    a.insert("engine_version_actual".into(), text(db.engine_version()));
    put(&mut a, "auto_minor_version_upgrade", db.auto_minor_version_upgrade());
    put(&mut a, "publicly_accessible", db.publicly_accessible());
    put(&mut a, "storage_encrypted", db.storage_encrypted());
    a.insert("tags".into(), tags(db.tag_list()));
    let sgs: Vec<Value> =
        db.vpc_security_groups().iter().filter_map(|g| g.vpc_security_group_id()).map(Value::from).collect();
    if let Some(cluster) = db.db_cluster_identifier() {
        a.insert("cluster_identifier".into(), Value::from(cluster));
        put(&mut a, "promotion_tier", db.promotion_tier());
        return Some(live(CLUSTER_INSTANCE, identifier, a, LiveFacts::default()));
    }
    put(&mut a, "allocated_storage", db.allocated_storage());
    put(&mut a, "backup_retention_period", db.backup_retention_period());
    put(&mut a, "deletion_protection", db.deletion_protection());
    put(&mut a, "multi_az", db.multi_az());
    a.insert("vpc_security_group_ids".into(), Value::Array(sgs));
    a.insert("db_subnet_group_name".into(), text(db.db_subnet_group().and_then(|g| g.db_subnet_group_name())));
    // The provider's id; both sides are matched by the identifier (see TYPES).
    let id = db.dbi_resource_id().unwrap_or(identifier);
    Some(live(DB_INSTANCE, id, a, LiveFacts::default()))
}

fn map_cluster(c: &DbCluster) -> Option<Resource> {
    let identifier = c.db_cluster_identifier()?;
    if going(c.status()) {
        return None;
    }
    let mut a = Map::new();
    a.insert("arn".into(), text(c.db_cluster_arn()));
    a.insert("cluster_identifier".into(), Value::from(identifier));
    a.insert("engine".into(), text(c.engine()));
    a.insert("engine_version".into(), text(c.engine_version()));
    a.insert("engine_version_actual".into(), text(c.engine_version()));
    put(&mut a, "port", c.port());
    a.insert("master_username".into(), text(c.master_username()));
    a.insert("database_name".into(), text(c.database_name()));
    put(&mut a, "backup_retention_period", c.backup_retention_period());
    put(&mut a, "deletion_protection", c.deletion_protection());
    put(&mut a, "storage_encrypted", c.storage_encrypted());
    let sgs: Vec<Value> =
        c.vpc_security_groups().iter().filter_map(|g| g.vpc_security_group_id()).map(Value::from).collect();
    a.insert("vpc_security_group_ids".into(), Value::Array(sgs));
    a.insert("db_subnet_group_name".into(), text(c.db_subnet_group()));
    a.insert("tags".into(), tags(c.tag_list()));
    Some(live(CLUSTER, identifier, a, LiveFacts::default()))
}

fn map_subnet_group(g: &DbSubnetGroup) -> Option<Resource> {
    let name = g.db_subnet_group_name()?;
    let mut a = Map::new();
    a.insert("arn".into(), text(g.db_subnet_group_arn()));
    a.insert("name".into(), Value::from(name));
    a.insert("description".into(), text(g.db_subnet_group_description()));
    let subnets: Vec<Value> = g.subnets().iter().filter_map(|s| s.subnet_identifier()).map(Value::from).collect();
    a.insert("subnet_ids".into(), Value::Array(subnets));
    // `default` is the group RDS makes for the default VPC.
    let facts = LiveFacts { aws_default: name == "default", ..LiveFacts::default() };
    Some(live(SUBNET_GROUP, name, a, facts))
}

fn map_parameter_group(g: &DbParameterGroup) -> Option<Resource> {
    let name = g.db_parameter_group_name()?;
    let mut a = Map::new();
    a.insert("arn".into(), text(g.db_parameter_group_arn()));
    a.insert("name".into(), Value::from(name));
    a.insert("family".into(), text(g.db_parameter_group_family()));
    a.insert("description".into(), text(g.description()));
    // `default.mysql8.0` and the like are RDS's own, made when an engine is first used.
    let facts = LiveFacts { aws_default: name.starts_with("default."), ..LiveFacts::default() };
    Some(live(PARAMETER_GROUP, name, a, facts))
}

/// The major version of an engine version, the part a minor upgrade keeps: `8.0` of MySQL's
/// `8.0.35` and of Aurora's `8.0.mysql_aurora.3.04.0`, `15` of PostgreSQL's `15.4` (from 10 on
/// PostgreSQL's major version is one number; before, two: `9.6`).
pub fn major_version(engine: &str, version: &str) -> String {
    let mut parts = version.split('.');
    let first = parts.next().unwrap_or_default();
    let one_number = engine.contains("postgres") && first.parse::<u32>().is_ok_and(|n| n >= 10);
    match parts.next() {
        Some(second) if !one_number => format!("{first}.{second}"),
        _ => first.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_rds::types::{DbSubnetGroup as Group, VpcSecurityGroupMembership};
    use serde_json::json;

    #[test]
    fn major_versions_per_engine() {
        assert_eq!(major_version("mysql", "8.0.35"), "8.0");
        assert_eq!(major_version("aurora-mysql", "8.0.mysql_aurora.3.04.0"), "8.0");
        assert_eq!(major_version("postgres", "15.4"), "15");
        assert_eq!(major_version("aurora-postgresql", "16.1"), "16");
        assert_eq!(major_version("postgres", "9.6.24"), "9.6");
        assert_eq!(major_version("mysql", "8.0"), "8.0");
    }

    #[test]
    fn an_instance_in_a_cluster_is_a_cluster_instance() {
        let sg = VpcSecurityGroupMembership::builder().vpc_security_group_id("sg-1").build();
        let alone = DbInstance::builder()
            .db_instance_identifier("app")
            .dbi_resource_id("db-ABC")
            .engine("postgres")
            .engine_version("15.4")
            .allocated_storage(20)
            .publicly_accessible(false)
            .vpc_security_groups(sg)
            .db_subnet_group(Group::builder().db_subnet_group_name("app").build())
            .tag_list(Tag::builder().key("Name").value("app").build())
            .build();
        let r = map_instance(&alone).unwrap();
        assert_eq!((r.rtype.as_str(), r.id.as_str()), (DB_INSTANCE, "db-ABC"));
        assert_eq!(r.attributes["identifier"], "app");
        assert_eq!(r.attributes["vpc_security_group_ids"], json!(["sg-1"]));
        assert_eq!(r.attributes["db_subnet_group_name"], "app");
        assert_eq!(r.attributes["tags"], json!({"Name": "app"}));
        assert!(!r.attributes.contains_key("password"), "the password is never read");

        let member =
            DbInstance::builder().db_instance_identifier("c-1").db_cluster_identifier("c").promotion_tier(1).build();
        let r = map_instance(&member).unwrap();
        assert_eq!((r.rtype.as_str(), r.id.as_str()), (CLUSTER_INSTANCE, "c-1"));
        assert_eq!(r.attributes["cluster_identifier"], "c");

        let deleting = DbInstance::builder().db_instance_identifier("old").db_instance_status("deleting").build();
        assert!(map_instance(&deleting).is_none(), "an instance being deleted is gone");
    }

    #[test]
    fn rds_default_groups_are_never_unmanaged() {
        let pg = DbParameterGroup::builder().db_parameter_group_name("default.mysql8.0").build();
        assert!(map_parameter_group(&pg).unwrap().live.unwrap().aws_default);
        let own =
            DbParameterGroup::builder().db_parameter_group_name("app").db_parameter_group_family("mysql8.0").build();
        assert!(!map_parameter_group(&own).unwrap().live.unwrap().aws_default);
        let sub = Group::builder().db_subnet_group_name("default").build();
        assert!(map_subnet_group(&sub).unwrap().live.unwrap().aws_default);
    }

    #[test]
    fn every_event_names_an_rds_resource() {
        // The shape of CloudTrail RDS requests (see ../shared/reference/cloudtrail).
        let record = json!({"requestParameters": {"dBInstanceIdentifier": "app", "dBClusterIdentifier": "c",
            "dBSubnetGroupName": "sub", "dBParameterGroupName": "pg"}});
        for (event, paths) in EVENTS {
            for path in *paths {
                let (id, spec) = crate::aws::event_path(path, &record);
                assert!(id.is_some(), "{event}: {path}");
                assert!(spec.is_some_and(|s| TYPES.iter().any(|t| t.name == s.name)), "{event}: {path}");
            }
        }
    }
}
