//! `driftscan report` over a real history (scans of the emulator's estate and CloudTrail logs):
//! filters, markdown, csv, and the HTML page rendered by headless Chromium, which must be
//! installed (`make chromium`, part of `make test`): without it the test fails, it never skips.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;

use crate::harness::{run, Estate, Run};
use crate::history::{record, routine, write_trail};

/// Chromium from `CHROMIUM`, else the Debian package's binary.
fn chromium() -> PathBuf {
    let path = std::env::var_os("CHROMIUM").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.exists(),
        "{} is missing: the HTML report test renders the page in headless Chromium; run `make chromium` \
         (apt-get install chromium) or set CHROMIUM",
        path.display()
    );
    path
}

/// Runs headless Chromium on `page` with a fresh profile and no network chatter of its own.
fn headless(page: &Path, args: &[&str]) -> std::process::Output {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new("timeout")
        .arg("90")
        .arg(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("starting chromium");
    assert!(out.status.success(), "chromium failed ({}):\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    out
}

/// An estate with four weeks of routine CloudTrail, three scans and two drifts, one anomalous.
fn history() -> Estate {
    let estate = Estate::create();
    let (sg, instance) = (estate.id("sg_web"), estate.id("web_0"));
    let learn = |records, name: &str, now: &str| {
        let file = write_trail(estate.dir.path(), name, records);
        let out = run(&mut estate.command(&[
            "learn",
            "--cloudtrail",
            file.to_str().unwrap(),
            "--db",
            "history.db",
            "--now",
            now,
        ]));
        assert!(out.code == 0 || out.code == 3, "{}", out.stderr);
    };
    learn(routine(&sg, &instance), "routine.json", "2026-11-30T00:00:00Z");
    assert_eq!(estate.scan(&["--now", "2026-12-01T10:00:00Z"]).code, 0);
    estate.drift(&["open-rdp"]);
    let night = record(
        "night-1",
        "2026-12-06T03:14:00Z",
        "us-east-1",
        "AuthorizeSecurityGroupIngress",
        json!({"groupId": sg}),
        "arn:aws:iam::123456789012:user/mallory",
    );
    learn(vec![night], "night.json", "2026-12-06T03:20:00Z");
    assert_eq!(estate.scan(&["--now", "2026-12-06T04:00:00Z"]).code, 3);
    estate.drift(&["resize-instance"]);
    let out = estate.scan(&["--now", "2026-12-07T11:00:00Z"]);
    assert!(out.code == 2 || out.code == 3, "{}", out.stderr);
    estate
}

fn report(estate: &Estate, args: &[&str]) -> Run {
    let out = run(estate
        .command(&["report", "--db", "history.db", "--since", "2026-11-01T00:00:00Z", "--now", "2026-12-08T00:00:00Z"])
        .args(args));
    assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
    out
}

#[test]
fn report_formats_and_filters_and_the_html_page_in_chromium() {
    let estate = history();

    // Filters narrow JSON; the schema is the same.
    let all = report(&estate, &["--format", "json"]).json();
    let total = all["changes"].as_array().unwrap().len();
    assert_eq!(total, 48 + 1 + 2, "routine events, the night event, two drifts: {all:#}");
    let anomalous = report(&estate, &["--format", "json", "--anomalous"]).json();
    let flagged = anomalous["changes"].as_array().unwrap();
    assert!(!flagged.is_empty() && flagged.iter().all(|c| c["anomalous"] == true), "{anomalous:#}");
    let open = report(&estate, &["--format", "json", "--open", "--type", "aws_instance"]).json();
    let open: Vec<_> = open["changes"].as_array().unwrap().iter().map(|c| c["attribute"].clone()).collect();
    assert_eq!(open, vec![json!("instance_type")]);
    assert_eq!(report(&estate, &["--format", "json", "--region", "eu-west-1"]).json()["summary"]["changes"], 0);
    let table = report(&estate, &["--anomalous", "--type", "aws_security_group"]).stdout;
    // The night event and the ingress drift it explains are one item, the drift with its event.
    assert!(table.contains("ANOMALOUS (1)") && !table.contains("aws_instance"), "{table}");
    assert!(table.contains("drifted ingress (AuthorizeSecurityGroupIngress): aws_security_group"), "{table}");
    assert!(!table.contains("cloudtrail"), "the event is no row of its own: {table}");
    assert!(table.ends_with("Filters: type=aws_security_group, anomalous only\n"), "{table}");
    assert_eq!(report(&estate, &["--format", "json", "--account", "999999999999"]).json()["summary"]["changes"], 0);

    // CSV: a header and one RFC 4180 record per change.
    let csv = report(&estate, &["--format", "csv", "--anomalous"]).stdout;
    assert!(csv.starts_with("id,time,source,kind,event_name,type,resource_id,"), "{csv}");
    assert!(csv.ends_with("\r\n"));
    assert!(csv.contains("arn:aws:iam::123456789012:user/mallory"), "{csv}");
    // Reasons hold line breaks inside quotes; records start with an id.
    let records = csv.split("\r\n").filter(|l| l.split(',').next().is_some_and(|f| f.parse::<i64>().is_ok())).count();
    assert_eq!(records, flagged.len() - 1, "the event is in its drift's record: {csv}");

    // Markdown: summary, anomalies with reasons and actor, open drifts with before -> after.
    let md = report(&estate, &["--format", "markdown"]).stdout;
    for needle in [
        "# driftscan report",
        "## Anomalous changes",
        "user/mallory",
        "- **Why unusual:**",
        "## Open drifts (2)",
        "## Anomalous changes (1)",
        "drifted ingress (AuthorizeSecurityGroupIngress)",
        "`\"t3.micro\"` → `\"t3.large\"`",
        "```diff\n--- declared\n+++ actual",
    ] {
        assert!(md.contains(needle), "markdown lacks {needle:?}:\n{md}");
    }

    // HTML, written to a file, then rendered by Chromium.
    let out = report(&estate, &["--format", "html", "--output", "report.html"]);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(out.stderr.contains("wrote report.html"), "{}", out.stderr);
    let page = estate.path("report.html");
    let dom = String::from_utf8(headless(&page, &["--dump-dom"]).stdout).unwrap();
    for id in [
        "summary",
        "anomalies",
        "open-drifts",
        "heatmap",
        "per-day",
        "top-resources",
        "top-types",
        "coverage",
        "changes",
    ] {
        assert!(dom.contains(&format!("id=\"{id}\"")), "the rendered page has no #{id}:\n{dom}");
    }
    assert_eq!(dom.matches("class=\"cell\"").count(), 168, "hour-of-week heatmap: 7 x 24 cells");
    assert_eq!(dom.matches("class=\"day\"").count(), 37, "one bar a day, Nov 1 to Dec 7");
    assert_eq!(dom.matches("class=\"scan\"").count(), 3, "a coverage point per scan");
    assert!(dom.contains("data-count=\"anomalous\"><span class=\"n\">"), "summary cards");
    assert!(dom.contains("user/mallory"), "the anomaly's actor");
    assert!(dom.contains("Sun 03:14 UTC"), "the anomaly's reasons");
    assert!(dom.contains("class=\"anomaly\""));
    // Sunday 03:00 holds the night event with the drift it explains (dated by the event): one change.
    assert!(dom.contains("Sun 03:00 UTC: 1 changes"), "heatmap cell titles");
    assert_eq!(dom.matches("class=\"anomaly\"").count(), 1, "the drift and its event are one anomaly");

    // One screenshot kept as the test's artefact.
    let artefacts = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report");
    std::fs::create_dir_all(&artefacts).unwrap();
    let shot = artefacts.join("report.png");
    let _ = std::fs::remove_file(&shot);
    headless(&page, &[&format!("--screenshot={}", shot.display()), "--window-size=1280,2000"]);
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(size > 50_000, "{} is {size} bytes: not a rendered page", shot.display());
    std::fs::copy(&page, artefacts.join("report.html")).unwrap();
}

#[test]
fn report_output_to_a_file_that_cannot_be_written_names_it_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let trail = write_trail(dir.path(), "empty.json", vec![]);
    let out = run(crate::harness::driftscan().current_dir(dir.path()).args([
        "learn",
        "--cloudtrail",
        trail.to_str().unwrap(),
        "--db",
        "h.db",
    ]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = run(crate::harness::driftscan().current_dir(dir.path()).args([
        "report",
        "--db",
        "h.db",
        "--format",
        "html",
        "--output",
        "no-such-dir/r.html",
    ]));
    assert_eq!(out.code, 1);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("no-such-dir/r.html: cannot write the report"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
    // An empty window still makes a whole page.
    let out =
        run(crate::harness::driftscan().current_dir(dir.path()).args(["report", "--db", "h.db", "--format", "html"]));
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("No changes recorded in this window.") && out.stdout.ends_with("</html>\n"));
}
