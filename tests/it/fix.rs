//! `driftscan fix` against the sample estate: drift made out of band, a scan with the sources,
//! then `fix --accept`, whose diff `git apply` takes and which edits only the literal values.

use std::path::Path;
use std::process::Command;

use crate::harness::{copy_dir, run, testdata, Estate};

/// The sources of the estate in a git repository of their own, committed, as a team keeps them.
fn repository(estate: &Estate) {
    copy_dir(&testdata("tf/fix"), &estate.path("tf"));
    for args in [
        &["init", "-q"][..],
        &["add", "tf"],
        &["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "sources"],
    ] {
        git(estate.dir.path(), args);
    }
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git").current_dir(dir).args(args).output().expect("running git");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn fix_accept_edits_the_literals_and_names_the_rest() {
    let estate = Estate::create();
    repository(&estate);
    estate.drift(&["resize-replica", "retag-vpc", "vpc-dns-off", "resize-instance", "public-subnet", "grow-volume"]);
    let scan = estate.scan(&["--tf-dir", "tf"]);
    assert_eq!(scan.code, 2, "stderr:\n{}", scan.stderr);

    let fix = run(&mut estate.command(&["fix", "--open", "--tf-dir", "tf", "--db", "history.db"]));
    assert_eq!(fix.code, 0, "stderr:\n{}", fix.stderr);
    std::fs::write(estate.path("fix.diff"), &fix.stdout).unwrap();
    git(estate.dir.path(), &["apply", "--check", "fix.diff"]);
    git(estate.dir.path(), &["apply", "fix.diff"]);

    // The live values, where they were written; every other byte as it was. The provider's
    // default tag (ManagedBy), live on the VPC too, stays in the provider block.
    let original = std::fs::read_to_string(testdata("tf/fix/main.tf")).unwrap();
    let want = original
        .replace("\"t3.small\" # the read replica", "\"t3.medium\" # the read replica")
        .replace("    Name = \"main\"\n", "    Name = \"main\"\n    Owner = \"console\"\n");
    assert_ne!(want, original);
    assert_eq!(std::fs::read_to_string(estate.path("tf/main.tf")).unwrap(), want);
    let module = "tf/modules/network/main.tf";
    assert_eq!(git(estate.dir.path(), &["status", "--porcelain", "--", module]), "");
    assert_eq!(git(estate.dir.path(), &["diff", "--numstat"]), "2\t1\ttf/main.tf\n");

    // What is not a literal of its own block is named with where it is written, and untouched.
    let notes = &fix.stderr;
    assert!(
        notes.contains("aws_vpc.main enable_dns_hostnames: tf/main.tf:23: `enable_dns_hostnames = var.dns_hostnames` is not a literal"),
        "{notes}"
    );
    assert!(notes.contains("aws_instance.web[0] instance_type: tf/main.tf:29: aws_instance.web[0] is one instance of a block shared through `count`"), "{notes}");
    assert!(
        notes.contains("module.network.aws_subnet.private[1] map_public_ip_on_launch: tf/modules/network/main.tf:5: "),
        "{notes}"
    );
    assert!(
        notes.contains(
            "aws_ebs_volume.data[\"logs\"] size: aws_ebs_volume.data[\"logs\"] is not declared in the --tf-dir sources"
        ),
        "{notes}"
    );

    // Accepted changes are reviewed in the history, as `ack` marks them; the others are not.
    let acked = estate
        .history()
        .pairs("SELECT address, attribute FROM changes WHERE acked_at IS NOT NULL ORDER BY address, attribute");
    let want = [("aws_instance.replica", "instance_type"), ("aws_vpc.main", "tags")].map(|(a, b)| (a.into(), b.into()));
    assert_eq!(acked, want);
}

#[test]
fn fix_json_and_write_agree_with_the_diff() {
    let estate = Estate::create();
    repository(&estate);
    estate.drift(&["resize-replica", "vpc-dns-off"]);
    assert_eq!(estate.scan(&["--tf-dir", "tf"]).code, 2);

    let json = run(&mut estate.command(&["fix", "--open", "--tf-dir", "tf", "--db", "history.db", "--format", "json"]));
    assert_eq!(json.code, 0, "stderr:\n{}", json.stderr);
    let changes = json.json()["changes"].as_array().unwrap().clone();
    let replica = changes.iter().find(|c| c["address"] == "aws_instance.replica").unwrap();
    assert_eq!(replica["file"], "tf/main.tf");
    assert_eq!(replica["line"], 38);
    assert_eq!(replica["before"], "\"t3.small\"");
    assert_eq!(replica["after"], "\"t3.medium\"");
    assert_eq!(replica["edited"], true);
    let vpc = changes.iter().find(|c| c["address"] == "aws_vpc.main").unwrap();
    assert_eq!(vpc["edited"], false);
    assert_eq!(vpc["line"], 23);

    let write = run(&mut estate.command(&["fix", "--open", "--tf-dir", "tf", "--db", "history.db", "--write"]));
    assert_eq!(write.code, 0, "stderr:\n{}", write.stderr);
    assert_eq!(write.stdout, "");
    let diff = git(estate.dir.path(), &["diff", "-U0", "--", "tf/main.tf"]);
    let changed: Vec<&str> =
        diff.lines().filter(|l| l.starts_with(['+', '-']) && !l.starts_with("+++") && !l.starts_with("---")).collect();
    assert_eq!(
        changed,
        [
            "-  instance_type = \"t3.small\" # the read replica needs more memory than web",
            "+  instance_type = \"t3.medium\" # the read replica needs more memory than web"
        ]
    );
    // No temporary file is left beside the edited one.
    let names: Vec<_> = std::fs::read_dir(estate.path("tf")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn a_deleted_resource_is_removed_on_accept_and_applied_again_on_revert() {
    let estate = Estate::create();
    repository(&estate);
    estate.drift(&["terminate-replica"]);
    assert_eq!(estate.scan(&["--tf-dir", "tf"]).code, 2);
    let id = |address: &str| -> String {
        let sql = format!("SELECT id FROM changes WHERE kind = 'deleted' AND address = '{address}'");
        estate.history().count(&sql).to_string()
    };
    let replica = id("aws_instance.replica");

    // Revert: nothing edited; the targeted apply that re-creates it; the request is recorded.
    let revert = run(&mut estate.command(&["fix", &replica, "--revert", "--tf-dir", "tf", "--db", "history.db"]));
    assert_eq!(revert.code, 0, "stderr:\n{}", revert.stderr);
    let apply = "terraform plan -target='aws_instance.replica' && terraform apply -target='aws_instance.replica'";
    assert_eq!(revert.stdout, format!("#{replica} aws_instance.replica: {apply}\n"));
    assert_eq!(git(estate.dir.path(), &["status", "--porcelain", "--", "tf"]), "");
    let sql = format!("SELECT count(*) FROM changes WHERE id = {replica} AND revert_requested_at IS NOT NULL");
    assert_eq!(estate.history().count(&sql), 1, "the revert request is recorded");

    // Accept: the block goes (the output that reads it is named), nothing else changes.
    let accept = run(&mut estate.command(&["fix", &replica, "--tf-dir", "tf", "--db", "history.db"]));
    assert_eq!(accept.code, 0, "stderr:\n{}", accept.stderr);
    std::fs::write(estate.path("fix.diff"), &accept.stdout).unwrap();
    git(estate.dir.path(), &["apply", "fix.diff"]);
    let original = std::fs::read_to_string(testdata("tf/fix/main.tf")).unwrap();
    let block = "resource \"aws_instance\" \"replica\" {\n  provider      = aws.west\n  instance_type = \"t3.small\" # the read replica needs more memory than web\n  tags          = { Name = \"replica\" }\n}\n\n";
    assert!(original.contains(block));
    assert_eq!(std::fs::read_to_string(estate.path("tf/main.tf")).unwrap(), original.replace(block, ""));
    assert!(
        accept.stderr.contains("aws_instance.replica: tf/main.tf:36: still referred to at tf/main.tf:52"),
        "{}",
        accept.stderr
    );
}

/// Unmanaged resources are adopted in `tf/imports.tf`: an `import` block and the resource block
/// written from the live attributes the scan kept, only those a user can set; the file parses,
/// `git apply` creates it, and the history keeps nothing secret for it.
#[test]
fn fix_writes_import_and_resource_blocks_for_unmanaged_resources() {
    let estate = Estate::create();
    repository(&estate);
    let made = estate.drift(&["unmanaged-sg", "unmanaged-instance"]);
    let (sg, instance) = (made["unmanaged_sg"].as_str().unwrap(), made["unmanaged_instance"].as_str().unwrap());
    assert_eq!(estate.scan(&["--tf-dir", "tf"]).code, 2);
    let id = |rid: &str| -> String {
        let sql = format!("SELECT id FROM changes WHERE kind = 'unmanaged' AND resource_id = '{rid}'");
        estate.history().count(&sql).to_string()
    };
    let fix = run(&mut estate.command(&["fix", &id(sg), &id(instance), "--tf-dir", "tf", "--db", "history.db"]));
    assert_eq!(fix.code, 0, "stderr:\n{}", fix.stderr);
    std::fs::write(estate.path("fix.diff"), &fix.stdout).unwrap();
    git(estate.dir.path(), &["apply", "fix.diff"]);
    let text = std::fs::read_to_string(estate.path("tf/imports.tf")).expect("imports.tf written");
    let body: hcl::edit::structure::Body = text.parse().unwrap_or_else(|e| panic!("{e}\n{text}"));
    let blocks: Vec<_> = body.blocks().collect();
    assert_eq!(blocks.len(), 4, "{text}");
    assert!(text.contains(&format!("import {{\n  to = aws_security_group.batch\n  id = \"{sg}\"\n}}")), "{text}");
    let resources: Vec<_> = blocks.iter().filter(|b| b.ident.as_str() == "resource").collect();
    for r in &resources {
        let rtype = r.labels[0].as_str();
        let settable: Vec<&str> = driftscan::catalog::spec(rtype).unwrap().settable().collect();
        for a in r.body.attributes() {
            assert!(settable.contains(&a.key.as_str()), "{rtype} writes {} that is not settable:\n{text}", a.key);
        }
        for b in r.body.blocks() {
            assert!(settable.contains(&b.ident.as_str()), "{rtype} writes block {}:\n{text}", b.ident);
        }
    }
    assert!(text.contains("resource \"aws_security_group\" \"batch\" {\n  name        = \"batch\"\n"), "{text}");
    assert!(text.contains("  description = \"batch jobs\"\n"), "{text}");
    assert!(text.contains("  ingress {\n    from_port   = 22\n    to_port     = 22\n    protocol    = \"tcp\"\n    description = \"office\"\n    cidr_blocks = [\"10.0.0.0/8\"]\n  }\n"), "{text}");
    // Aligned on the block's longest key, which depends on what the instance has live.
    let instance_type = text
        .lines()
        .filter_map(|l| l.split_once('='))
        .any(|(k, v)| k.trim() == "instance_type" && v.trim() == "\"t3.nano\"");
    assert!(instance_type, "{text}");
    assert!(!text.contains("arn") && !text.contains("owner_id"), "{text}");
    // The sources now declare them: a scan of the live estate finds them declared, not unmanaged
    // once Terraform imports them; here, the next fix does not write them again.
    let again = run(&mut estate.command(&["fix", &id(sg), "--tf-dir", "tf", "--db", "history.db"]));
    assert_eq!((again.code, again.stdout.as_str()), (0, ""), "{}", again.stderr);
    assert!(again.stderr.contains("aws_security_group.batch is in imports.tf already"), "{}", again.stderr);
}
