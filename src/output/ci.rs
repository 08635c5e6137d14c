//! `check` reports for CI systems: JUnit XML (GitLab's test report, GitHub test-report actions,
//! Jenkins), one test case per planned change that fails for a clobber or an anomaly; and SARIF
//! 2.1.0 (GitHub code scanning, GitLab), one result per clobber, anomaly, drift and risky planned
//! change, its level from the change's severity.

use std::fmt::Write;

use serde_json::{json, Value};

use crate::check::{CheckReport, Clobber, Planned, Risk, Seen};
use crate::impact::Severity;

/// Escapes text for XML attributes and content.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 cannot carry other control characters at all.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

fn clobber_text(c: &Clobber) -> String {
    let by = if c.source == Seen::Plan { "Terraform saw" } else { "the live scan found" };
    let planned = if c.planned.is_null() { "replaces the resource".to_owned() } else { format!("sets {}", c.planned) };
    format!("{}: {by} {} changed outside Terraform to {}; the plan {planned}", c.address, c.attribute, c.out_of_band)
}

fn failures(r: &CheckReport, p: &Planned) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> =
        r.clobber.iter().filter(|c| c.address == p.address).map(|c| ("clobber", clobber_text(c))).collect();
    if p.is_anomalous() {
        let score = p.score.unwrap_or_default();
        out.push(("anomaly", format!("{} scores {score:.2}: {}", p.address, p.reasons.join("; "))));
    }
    out
}

/// JUnit XML: a suite for the plan, a case per planned change (classname its type).
pub fn junit(r: &CheckReport) -> String {
    let cases: Vec<(&Planned, Vec<(&str, String)>)> = r.planned.iter().map(|p| (p, failures(r, p))).collect();
    let failed = cases.iter().filter(|(_, f)| !f.is_empty()).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let name = xml(&format!("driftscan check {}", r.plan.input));
    let _ = writeln!(out, "<testsuites name=\"driftscan check\" tests=\"{}\" failures=\"{failed}\">", cases.len());
    let _ = writeln!(
        out,
        "  <testsuite name=\"{name}\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" skipped=\"0\">",
        cases.len()
    );
    for (p, fails) in &cases {
        let case = format!("{} {}", p.action.as_str(), p.address);
        let _ = write!(out, "    <testcase classname=\"{}\" name=\"{}\"", xml(&p.rtype), xml(&case));
        if fails.is_empty() {
            out.push_str("/>\n");
            continue;
        }
        out.push_str(">\n");
        for (kind, text) in fails {
            let _ = writeln!(out, "      <failure type=\"{kind}\" message=\"{}\">{}</failure>", xml(text), xml(text));
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// SARIF's level for a severity: high and critical are errors, medium a warning, low a note (a
/// drift is at least a warning, as it always was).
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// `: severity high: ingress tcp 22-22 from 0.0.0.0/0 opens SSH (22) to the internet`.
fn impact_text(r: &Risk) -> String {
    if r.impact_reasons.is_empty() {
        return String::new();
    }
    format!(" (severity {}: {})", r.severity, r.impact_reasons.join("; "))
}

/// SARIF 2.1.0 with four rules; each result names the resource as a logical location and the
/// plan file as the artifact (when it was a file).
pub fn sarif(r: &CheckReport) -> String {
    let location = |address: &str| {
        let mut loc = json!({"logicalLocations": [{"fullyQualifiedName": address, "kind": "resource"}]});
        if r.plan.input != "stdin" {
            loc["physicalLocation"] = json!({"artifactLocation": {"uri": r.plan.input}});
        }
        loc
    };
    let mut results: Vec<Value> = Vec::new();
    for c in &r.clobber {
        results.push(json!({
            "ruleId": "driftscan/clobber", "level": "error",
            "message": {"text": clobber_text(c)},
            "locations": [location(&c.address)],
            "partialFingerprints": {"driftscan/v1": format!("clobber|{}|{}", c.address, c.attribute)},
        }));
    }
    for p in r.planned.iter().filter(|p| p.is_anomalous()) {
        results.push(json!({
            "ruleId": "driftscan/anomalous-change", "level": "error",
            "message": {"text": format!("{} {} scores {:.2}: {}{}", p.action.as_str(), p.address, p.score.unwrap_or_default(), p.reasons.join("; "), impact_text(&p.risk))},
            "properties": {"severity": p.risk.severity},
            "locations": [location(&p.address)],
            "partialFingerprints": {"driftscan/v1": format!("anomaly|{}", p.address)},
        }));
    }
    for d in &r.drift {
        let names: Vec<&str> = d.attributes.iter().map(|a| a.name.as_str()).collect();
        let what = if names.is_empty() { "deleted".to_owned() } else { format!("changed: {}", names.join(", ")) };
        let by = if d.source == Seen::Plan { "Terraform saw" } else { "the live scan found" };
        results.push(json!({
            "ruleId": "driftscan/drift", "level": level(d.risk.severity.max(Severity::Medium)),
            "message": {"text": format!("{}: {by} it {what} outside Terraform{}", d.address, impact_text(&d.risk))},
            "locations": [location(&d.address)],
            "partialFingerprints": {"driftscan/v1": format!("drift|{}|{}", d.address, names.join(","))},
            "properties": {"severity": d.risk.severity},
        }));
    }
    // A planned change that is dangerous but not unusual has no result above: it gets one here.
    for p in r.planned.iter().filter(|p| !p.is_anomalous() && p.risk.impact >= Some(Severity::Medium)) {
        results.push(json!({
            "ruleId": "driftscan/risky-change", "level": level(p.risk.severity),
            "message": {"text": format!("{} {}{}", p.action.as_str(), p.address, impact_text(&p.risk))},
            "locations": [location(&p.address)],
            "partialFingerprints": {"driftscan/v1": format!("risk|{}", p.address)},
            "properties": {"severity": p.risk.severity},
        }));
    }
    let rule = |id: &str, name: &str, text: &str, level: &str| json!({"id": id, "name": name, "shortDescription": {"text": text}, "defaultConfiguration": {"level": level}});
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "driftscan",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": [
                    rule("driftscan/clobber", "Clobber", "A planned change overwrites a change made outside Terraform", "error"),
                    rule("driftscan/anomalous-change", "AnomalousChange", "A planned change is unusual for this account's history", "error"),
                    rule("driftscan/drift", "Drift", "A resource was changed outside Terraform", "warning"),
                    rule("driftscan/risky-change", "RiskyChange", "A planned change exposes, weakens or removes a control", "warning"),
                ],
            }},
            "results": results,
        }],
    });
    super::pretty(&doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_everything_markup_could_hide_in() {
        assert_eq!(xml(r#"a["x"] <b> & 'c'"#), "a[&quot;x&quot;] &lt;b&gt; &amp; &apos;c&apos;");
        assert_eq!(xml("a\u{1}b"), "a?b");
    }
}
