//! `check` on drift Terraform reported that a scan would not: empty spellings, a group's rules
//! declared as separate `aws_security_group_rule` resources. Only the console's rule is left,
//! shown as a scan shows it, and nothing is clobbered. No AWS, no history.

use serde_json::json;

use crate::harness::{driftscan, root, run, Run};

fn check(format: &str) -> Run {
    run(driftscan().current_dir(root()).args([
        "check",
        "--plan",
        "testdata/plans/v1.2-terraform-1.9-no-drift.json",
        "--offline",
        "--db",
        "target/no-such-history.db",
        "--format",
        format,
    ]))
}

#[test]
fn drift_a_scan_would_not_report_is_not_reported_nor_clobbered() {
    let out = check("json");
    assert_eq!(out.code, 0, "no clobber fails the job: {}", out.stderr);
    let report = out.json();
    // Terraform's resource_drift names three resources and five attributes.
    assert_eq!(report["summary"]["drift"], 1, "{report}");
    assert_eq!(report["summary"]["clobber"], 0, "{report}");
    assert_eq!(
        report["drift"],
        json!([{"address": "aws_security_group.web", "type": "aws_security_group", "id": "sg-0c351afd5a771fb0",
                "region": "us-east-1", "source": "plan", "action": "update",
                "attributes": [{"name": "ingress", "relevant": false,
                                "before": [{"protocol": "tcp", "from_port": 443, "to_port": 443, "source": "0.0.0.0/0", "description": "https"}],
                                "after": [{"protocol": "tcp", "from_port": 22, "to_port": 22, "source": "0.0.0.0/0", "description": ""},
                                          {"protocol": "tcp", "from_port": 443, "to_port": 443, "source": "0.0.0.0/0", "description": "https"}]}],
                "impact": "high", "severity": "high",
                "impact_reasons": ["ingress tcp 22-22 from 0.0.0.0/0 opens SSH (22) to the internet"]}])
    );

    let table = check("table").stdout;
    assert!(table.contains("  aws_security_group.web  sg-0c351afd5a771fb0  seen by Terraform\n      ingress: + tcp 22-22 0.0.0.0/0 (not used by the plan)\n"), "{table}");
    assert!(!table.contains("aws_cloudwatch_log_group") && !table.contains("description"), "{table}");
    assert!(!table.contains("cidr_blocks"), "rules read as a scan shows them:\n{table}");
}
