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
        "kubernetes-fleet.yml",
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

/// The documents of a YAML file, as JSON, read by the venv's PyYAML.
fn yaml_docs(path: &std::path::Path) -> Vec<serde_json::Value> {
    let out = Command::new(root().join(".venv/bin/python"))
        .args([
            "-c",
            "import sys, yaml, json; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))",
            path.to_str().unwrap(),
        ])
        .output()
        .expect("running the venv's python (make venv)");
    assert!(out.status.success(), "{}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `kubernetes-fleet.yml`: each index of the Indexed Job scans one workspace of the config it
/// mounts, every workspace once, into a PostgreSQL history whose password only a Secret holds.
/// The pod's script is run by `sh` as the pod runs it, with a stand-in `driftscan` on PATH that
/// records its arguments and exits as told.
#[test]
fn the_fleet_job_gives_each_index_its_own_workspace_and_keeps_the_password_in_a_secret() {
    let path = root().join("schedules/kubernetes-fleet.yml");
    let docs = yaml_docs(&path);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!docs.iter().any(|d| d["kind"] == "Secret"), "the Secret is made apart, never in the manifest");
    let hcl = docs.iter().find(|d| d["kind"] == "ConfigMap").unwrap()["data"]["driftscan.hcl"].as_str().unwrap();
    let cron = docs.iter().find(|d| d["kind"] == "CronJob").expect("a CronJob");
    let job = &cron["spec"]["jobTemplate"]["spec"];
    assert_eq!(job["completionMode"], "Indexed");
    let pod = &job["template"]["spec"];
    let container = &pod["containers"][0];
    let env: std::collections::BTreeMap<String, serde_json::Value> = container["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap().to_owned(), e.clone()))
        .collect();

    // The config is valid, and its workspaces are the ones WORKSPACES lists, in its order.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("driftscan.hcl");
    std::fs::write(&config, hcl).unwrap();
    let check = run(driftscan().args(["--config", config.to_str().unwrap(), "config", "check"]));
    assert_eq!(check.code, 0, "{}", check.stderr);
    let in_config: Vec<&str> = check
        .stdout
        .lines()
        .filter(|l| l.starts_with("  ") && l.contains("; states: "))
        .map(|l| l.trim_start().split(':').next().unwrap())
        .collect();
    let listed: Vec<&str> = env["WORKSPACES"]["value"].as_str().unwrap().split_whitespace().collect();
    assert_eq!(listed, in_config, "WORKSPACES and driftscan.hcl name the same workspaces");
    assert_eq!(job["completions"], listed.len(), "one index per workspace");
    assert_eq!(job["parallelism"], listed.len(), "every account at once");

    // The history is PostgreSQL, its URL without a password; the password is the Secret's.
    let history = env["HISTORY"]["value"].as_str().unwrap();
    let userinfo = history.strip_prefix("postgres://").unwrap().split('@').next().unwrap();
    assert!(!userinfo.contains(':'), "no password in the URL: {history}");
    assert!(env["PGPASSWORD"].get("value").is_none(), "PGPASSWORD has no literal value");
    assert_eq!(env["PGPASSWORD"]["valueFrom"]["secretKeyRef"]["key"], "password");
    assert!(!text.to_ascii_lowercase().contains("password:"), "no password field with a value in the manifest");

    // Each index scans its own workspace into that history; exit 2 (drift) is a success.
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let fake = bin.join("driftscan");
    std::fs::write(&fake, "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$ARGS_OUT\"\nexit \"$EXIT\"\n").unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    assert_eq!(container["command"], serde_json::json!(["/bin/sh", "-c"]));
    let script = container["args"][0].as_str().unwrap();
    let pod_run = |index: usize, exit: i32| {
        let args_out = dir.path().join(format!("args-{index}-{exit}"));
        let out = Command::new("/bin/sh")
            .args(["-c", script])
            .env("PATH", format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()))
            .env("WORKSPACES", env["WORKSPACES"]["value"].as_str().unwrap())
            .env("HISTORY", history)
            .env("JOB_COMPLETION_INDEX", index.to_string())
            .env("ARGS_OUT", &args_out)
            .env("EXIT", exit.to_string())
            .output()
            .unwrap();
        let args = std::fs::read_to_string(&args_out).unwrap_or_default();
        (
            out.status.code(),
            args.lines().map(str::to_owned).collect::<Vec<_>>(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let mut scanned = Vec::new();
    for (index, name) in listed.iter().enumerate() {
        let (code, args, stderr) = pod_run(index, 2);
        assert_eq!(code, Some(0), "index {index}: drift is a success: {stderr}");
        let after = |flag: &str| args.iter().position(|a| a == flag).map(|i| args[i + 1].as_str());
        assert_eq!(args.iter().filter(|a| *a == "scan").count(), 1, "{args:?}");
        assert_eq!(after("--workspace"), Some(*name), "index {index}: {args:?}");
        assert_eq!(after("--db"), Some(history), "index {index}: {args:?}");
        assert_eq!(after("--config"), Some("/etc/driftscan/driftscan.hcl"));
        scanned.push(after("--workspace").unwrap().to_owned());
    }
    scanned.sort();
    scanned.dedup();
    assert_eq!(scanned.len(), listed.len(), "every workspace once");
    for exit in [1, 3] {
        assert_eq!(pod_run(0, exit).0, Some(1), "exit {exit} fails the index");
    }
    let (code, args, stderr) = pod_run(listed.len(), 0);
    assert_ne!(code, Some(0), "an index past the list is an error, not a quiet success");
    assert!(args.is_empty() && stderr.contains("no workspace for index"), "{stderr}");
    // The config mounted where the script reads it.
    let mounts = container["volumeMounts"].as_array().unwrap();
    assert!(mounts.iter().any(|m| m["mountPath"] == "/etc/driftscan"), "{mounts:?}");
}
