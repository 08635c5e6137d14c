//! A synthetic Terraform state, for the parse benchmarks (`examples/bench`, `benches/micro.rs`).

use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::Result;
use serde_json::{json, Value};

const AWS: &str = "provider[\"registry.terraform.io/hashicorp/aws\"]";

/// One resource instance's attributes, as the AWS provider 5.x writes them (abridged to the
/// attributes with values; the sizes are those of a real state).
fn instance_attrs(i: usize) -> Value {
    let id = format!("i-{i:017x}");
    json!({
        "ami": "ami-0c55b159cbfafe1f0", "arn": format!("arn:aws:ec2:us-east-1:123456789012:instance/{id}"),
        "associate_public_ip_address": false, "availability_zone": format!("us-east-1{}", ["a", "b", "c"][i % 3]),
        "capacity_reservation_specification": [{"capacity_reservation_preference": "open", "capacity_reservation_target": []}],
        "cpu_core_count": 1, "cpu_options": [{"amd_sev_snp": "", "core_count": 1, "threads_per_core": 2}],
        "cpu_threads_per_core": 2, "credit_specification": [{"cpu_credits": "unlimited"}],
        "disable_api_stop": false, "disable_api_termination": false, "ebs_block_device": [], "ebs_optimized": false,
        "enclave_options": [{"enabled": false}], "ephemeral_block_device": [], "get_password_data": false,
        "hibernation": false, "host_id": "", "host_resource_group_arn": null, "iam_instance_profile": "app-profile",
        "id": id, "instance_initiated_shutdown_behavior": "stop", "instance_lifecycle": "",
        "instance_market_options": [], "instance_state": "running", "instance_type": "t3.micro", "ipv6_address_count": 0,
        "ipv6_addresses": [], "key_name": "deploy", "launch_template": [],
        "maintenance_options": [{"auto_recovery": "default"}],
        "metadata_options": [{"http_endpoint": "enabled", "http_protocol_ipv6": "disabled", "http_put_response_hop_limit": 2,
                              "http_tokens": "required", "instance_metadata_tags": "disabled"}],
        "monitoring": false, "network_interface": [], "outpost_arn": "", "password_data": "", "placement_group": "",
        "placement_partition_number": 0, "primary_network_interface_id": format!("eni-{i:017x}"),
        "private_dns": format!("ip-10-0-{}-{}.ec2.internal", i / 250 % 250, i % 250),
        "private_dns_name_options": [{"enable_resource_name_dns_a_record": false, "enable_resource_name_dns_aaaa_record": false,
                                      "hostname_type": "ip-name"}],
        "private_ip": format!("10.0.{}.{}", i / 250 % 250, i % 250), "public_dns": "", "public_ip": "",
        "root_block_device": [{"delete_on_termination": true, "device_name": "/dev/xvda", "encrypted": true, "iops": 3000,
                               "kms_key_id": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                               "tags": {}, "throughput": 125, "volume_id": format!("vol-{i:017x}"), "volume_size": 8,
                               "volume_type": "gp3"}],
        "secondary_private_ips": [], "security_groups": [], "source_dest_check": true, "spot_instance_request_id": "",
        "subnet_id": format!("subnet-{:017x}", i % 12),
        "tags": {"Name": format!("app-{i}"), "Team": "platform", "Env": "prod"},
        "tags_all": {"Name": format!("app-{i}"), "Team": "platform", "Env": "prod", "ManagedBy": "terraform"},
        "tenancy": "default", "timeouts": null, "user_data": "5f1a6b7e2c3d4e5f60718293a4b5c6d7e8f90a1b",
        "user_data_base64": null, "user_data_replace_on_change": false, "volume_tags": null,
        "vpc_security_group_ids": [format!("sg-{:017x}", i % 100)]
    })
}

fn group_attrs(i: usize) -> Value {
    let id = format!("sg-{i:017x}");
    let rule = |port: u16| {
        json!({"cidr_blocks": ["10.0.0.0/8"], "description": "", "from_port": port, "ipv6_cidr_blocks": [],
               "prefix_list_ids": [], "protocol": "tcp", "security_groups": [], "self": false, "to_port": port})
    };
    json!({
        "arn": format!("arn:aws:ec2:us-east-1:123456789012:security-group/{id}"), "description": "Managed by Terraform",
        "egress": [{"cidr_blocks": ["0.0.0.0/0"], "description": "", "from_port": 0, "ipv6_cidr_blocks": [],
                    "prefix_list_ids": [], "protocol": "-1", "security_groups": [], "self": false, "to_port": 0}],
        "id": id, "ingress": [rule(22), rule(443), rule(8080)], "name": format!("app-{i}"), "name_prefix": "",
        "owner_id": "123456789012", "revoke_rules_on_delete": false, "tags": {"Team": "platform"},
        "tags_all": {"Team": "platform"}, "timeouts": null, "vpc_id": "vpc-0123456789abcdef0"
    })
}

fn volume_attrs(i: usize) -> Value {
    let id = format!("vol-{i:017x}");
    json!({
        "arn": format!("arn:aws:ec2:us-east-1:123456789012:volume/{id}"), "availability_zone": "us-east-1a",
        "encrypted": true, "final_snapshot": false, "id": id, "iops": 3000,
        "kms_key_id": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "multi_attach_enabled": false, "outpost_arn": "", "size": 100, "snapshot_id": "",
        "tags": {"Name": format!("data-{i}")}, "tags_all": {"Name": format!("data-{i}")}, "throughput": 125,
        "timeouts": null, "type": "gp3"
    })
}

/// Writes a state of `n` instances (6 in 10 instances, 1 in 4 security groups, the rest volumes),
/// resource by resource, pretty-printed with Terraform's two-space indent.
pub fn write(n: usize, out: &Path) -> Result<()> {
    let w = BufWriter::with_capacity(1 << 20, std::fs::File::create(out)?);
    write_to(n, w)
}

/// The same state into any writer.
pub fn write_to<W: Write>(n: usize, mut w: W) -> Result<()> {
    write!(w, "{{\n  \"version\": 4,\n  \"terraform_version\": \"1.9.8\",\n  \"serial\": 42,\n  \"lineage\": \"bench\",\n  \"outputs\": {{}},\n  \"resources\": [")?;
    for i in 0..n {
        let (rtype, attrs) = match i % 20 {
            0..=11 => ("aws_instance", instance_attrs(i)),
            12..=16 => ("aws_security_group", group_attrs(i)),
            _ => ("aws_ebs_volume", volume_attrs(i)),
        };
        let resource = json!({
            "mode": "managed", "type": rtype, "name": format!("r{i}"), "provider": AWS,
            "instances": [{"schema_version": 1, "attributes": attrs, "sensitive_attributes": [],
                           "private": "eyJzY2hlbWFfdmVyc2lvbiI6IjEifQ=="}]
        });
        w.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer_pretty(&mut w, &resource)?;
    }
    write!(w, "\n  ],\n  \"check_results\": null\n}}\n")?;
    w.flush()?;
    Ok(())
}
