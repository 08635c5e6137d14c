//! The `schedules/` examples: each file parses (YAML with the venv's PyYAML, systemd units as
//! INI with known sections), and every driftscan command in them uses subcommands and flags
//! that `driftscan <cmd> --help` lists.

use std::path::PathBuf;
use std::process::Command;

use crate::harness::{driftscan, root, run};

fn files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(root().join("schedules")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

#[test]
fn every_example_parses() {
    let files = files();
    let names: Vec<_> = files.iter().map(|p| p.file_name().unwrap().to_str().unwrap().to_owned()).collect();
    for want in [
        "crontab",
        "driftscan.service",
        "driftscan.timer",
        "github-actions.yml",
        "github-actions-fix.yml",
        "gitlab-ci.yml",
        "gitlab-ci-fix.yml",
        "kubernetes-cronjob.yml",
    ] {
        assert!(names.iter().any(|n| n == want), "schedules/{want} is missing");
    }
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        match path.extension().and_then(|e| e.to_str()) {
            Some("yml") => {
                let out = Command::new(root().join(".venv/bin/python"))
                    .args(["-c", "import sys, yaml; docs = list(yaml.safe_load_all(open(sys.argv[1]))); assert all(isinstance(d, dict) for d in docs), 'not a mapping'", path.to_str().unwrap()])
                    .output()
                    .expect("running the venv's python (make venv)");
                assert!(out.status.success(), "{}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
            }
            Some("service") | Some("timer") => systemd_shape(path, &text),
            _ => {
                // crontab: every line is a comment, VAR=value, or five time fields and a command.
                for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#')) {
                    let fields: Vec<&str> = line.split_whitespace().collect();
                    let env = fields[0].contains('=') && !fields[0].starts_with('=');
                    assert!(env || fields.len() > 5, "{}:{}: not a crontab line", path.display(), i + 1);
                }
            }
        }
    }
}

/// `[Section]` headers from systemd's set, `Key=Value` lines, comments.
fn systemd_shape(path: &std::path::Path, text: &str) {
    let mut section = None;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        let at = format!("{}:{}", path.display(), i + 1);
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            assert!(["Unit", "Service", "Timer", "Install"].contains(&name), "{at}: unknown section [{name}]");
            section = Some(name.to_owned());
            continue;
        }
        assert!(section.is_some(), "{at}: key before any section");
        let (key, _) = line.split_once('=').unwrap_or_else(|| panic!("{at}: not Key=Value"));
        assert!(!key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric()), "{at}: bad key {key:?}");
    }
    assert!(section.is_some(), "{}: no section", path.display());
}

#[test]
fn every_command_in_the_examples_exists() {
    let top = run(driftscan().arg("--help")).stdout;
    let mut checked = 0;
    for path in files() {
        let text = std::fs::read_to_string(&path).unwrap();
        for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
            let tokens: Vec<&str> = line.split_whitespace().map(|t| t.trim_matches('"')).collect();
            for (i, t) in tokens.iter().enumerate() {
                if !(*t == "driftscan" || t.ends_with("/driftscan")) {
                    continue;
                }
                let args: Vec<&str> = tokens[i + 1..]
                    .iter()
                    .copied()
                    .take_while(|t| !["||", "|", ">", "&&", ";", "#"].contains(t))
                    .collect();
                let Some(sub) = args
                    .iter()
                    .enumerate()
                    .find(|(j, a)| !a.starts_with('-') && (*j == 0 || args[j - 1] != "--config"))
                else {
                    continue;
                };
                if args.is_empty() || !(args[0].starts_with("--") || top.contains(&format!("  {}", args[0]))) {
                    continue; // `name: driftscan`, a path ending in driftscan
                }
                let (j, sub) = (sub.0, *sub.1);
                assert!(top.contains(&format!("  {sub}")), "{}: no subcommand {sub:?}", path.display());
                let help = run(driftscan().args([sub, "--help"])).stdout;
                for flag in args.iter().filter(|a| a.starts_with("--")) {
                    let flag = flag.split('=').next().unwrap();
                    let known = if args[..j].contains(&flag) { top.contains(flag) } else { help.contains(flag) };
                    assert!(known, "{}: `driftscan {sub}` has no flag {flag}: {line}", path.display());
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 6, "only {checked} driftscan commands found in schedules/");
}
