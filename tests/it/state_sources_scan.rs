//! Scans over the state sources of [`crate::state_sources`], on the sample estate in moto: a
//! state from standard input, the state a `--tf-dir` backend or `cloud {}` block names on a
//! loopback server, and an OpenTofu state encrypted with a KMS data key (the `aws_kms` key
//! provider, configured by the `encryption {}` block of `--tf-dir`). Each change names its state
//! as the source does.

use serde_json::{json, Value};

use crate::harness::{run, Estate, Run, HTTP_PASSWORD, TFC_TOKEN};
use crate::state_server::StateServer;
use crate::state_sources::run_with_stdin;

const OTHERS: &str = "envs/*/terraform.tfstate";

fn report(out: &Run, code: i32) -> Value {
    assert_eq!(out.code, code, "stdout:\n{}\nstderr:\n{}", out.stdout, out.stderr);
    out.json()
}

/// The state of the one `instance_type` drift the `resize-instance` drift makes.
fn resized_state(report: &Value) -> Value {
    let changes = report["changes"].as_array().unwrap();
    let c: Vec<&Value> = changes.iter().filter(|c| c["attribute"] == "instance_type").collect();
    assert_eq!(c.len(), 1, "{changes:#?}");
    assert_eq!(c[0]["address"], "aws_instance.web[0]");
    c[0]["state"].clone()
}

#[test]
fn a_scan_of_a_piped_state_names_it_dash() {
    let estate = Estate::create();
    estate.drift(&["resize-instance"]);
    let infra = std::fs::read(estate.path("infra/terraform.tfstate")).unwrap();
    let mut cmd = estate.command(&["scan", "--state", "-", "--state", OTHERS, "--no-history", "--format", "json"]);
    let r = report(&run_with_stdin(&mut cmd, &infra), 2);
    assert_eq!(r["scan"]["states"], json!(["-", "envs/data/terraform.tfstate", "envs/network/terraform.tfstate"]));
    assert_eq!(r["summary"]["managed"], 36, "the piped state is compared whole");
    assert_eq!(resized_state(&r), "-");
}

#[test]
fn a_tf_dir_backend_http_or_cloud_block_names_the_state_on_its_server() {
    let estate = Estate::create();
    estate.drift(&["resize-instance"]);
    let infra = std::fs::read_to_string(estate.path("infra/terraform.tfstate")).unwrap();
    let server = StateServer::start();
    let basic = format!("Basic {}", base64_of(&format!("ci:{HTTP_PASSWORD}")));
    server.serve("/state/infra", Some(&basic), &infra);
    let bearer = format!("Bearer {TFC_TOKEN}");
    server.serve("/api/v2/organizations/acme/workspaces/infra", Some(&bearer), r#"{"data": {"id": "ws-9"}}"#);
    server.serve(
        "/api/v2/workspaces/ws-9/current-state-version",
        Some(&bearer),
        r#"{"data": {"attributes": {"hosted-state-download-url": "{base}/download/sv-9"}}}"#,
    );
    server.serve("/download/sv-9", Some(&bearer), &infra);

    // backend "http" with the block's username, the password from the environment.
    let http_dir = estate.path("tf-http");
    std::fs::create_dir_all(&http_dir).unwrap();
    let address = format!("{}/state/infra", server.base);
    let tf =
        format!("terraform {{\n  backend \"http\" {{\n    address  = \"{address}\"\n    username = \"ci\"\n  }}\n}}\n");
    std::fs::write(http_dir.join("main.tf"), tf).unwrap();
    // Terraform's http backend takes each of username and password from the block, else from
    // TF_HTTP_USERNAME / TF_HTTP_PASSWORD: here the block's username and the variable's password.
    let mut cmd = estate.command(&["scan", "--tf-dir", "tf-http", "--no-history", "--format", "json"]);
    cmd.env("TF_HTTP_USERNAME", "not-the-block-username").env("TF_HTTP_PASSWORD", HTTP_PASSWORD);
    let r = report(&run(&mut cmd), 2);
    assert_eq!(r["scan"]["states"], json!([address]));
    assert_eq!(resized_state(&r), address.as_str());

    // cloud {} on a host of its own (Terraform Enterprise), token from TF_TOKEN_<host>.
    let cloud_dir = estate.path("tf-cloud");
    std::fs::create_dir_all(&cloud_dir).unwrap();
    let tf = format!(
        "terraform {{\n  cloud {{\n    hostname     = \"{}\"\n    organization = \"acme\"\n    workspaces {{\n      name = \"infra\"\n    }}\n  }}\n}}\n",
        server.host
    );
    std::fs::write(cloud_dir.join("main.tf"), tf).unwrap();
    let mut cmd = estate.command(&["scan", "--tf-dir", "tf-cloud", "--db", "history.db", "--format", "json"]);
    let r = report(&run(cmd.env("TF_TOKEN_127_0_0_1", TFC_TOKEN)), 2);
    let url = format!("tfc://{}/acme/infra", server.host);
    assert_eq!(r["scan"]["states"], json!([url]));
    assert_eq!(resized_state(&r), url.as_str());
    // The history records the state by its URL, and holds neither the token nor the password.
    let recorded = estate.history().text("SELECT state FROM changes WHERE attribute = 'instance_type'");
    assert_eq!(recorded, url);
    let text = estate.history().dump();
    assert!(!text.contains(TFC_TOKEN) && !text.contains(HTTP_PASSWORD), "a secret reached the history");
    // The download is on the API's own host: it carries the token, as Terraform sends it.
    let last = server.seen().pop().unwrap();
    assert_eq!((last.path.as_str(), last.authorization), ("/download/sv-9", Some(bearer)));
}

fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[test]
fn a_state_encrypted_with_a_kms_data_key_opens_through_kms() {
    let estate = Estate::create();
    estate.drift(&["resize-instance"]);
    let key_id = estate.moto.python("import boto3; print(boto3.client('kms').create_key()['KeyMetadata']['KeyId'])");
    let key_id = key_id.trim();
    let script = crate::harness::root().join("tools/encrypt_state.py");
    let src = estate.path("infra/terraform.tfstate");
    let dst = estate.path("infra/encrypted.tfstate");
    estate.moto.venv_python(&[
        script.to_str().unwrap(),
        src.to_str().unwrap(),
        dst.to_str().unwrap(),
        "aws_kms",
        key_id,
    ]);
    std::fs::write(
        estate.path("versions.tf"),
        format!(
            "terraform {{\n  encryption {{\n    key_provider \"aws_kms\" \"main\" {{\n      kms_key_id = \"{key_id}\"\n      \
             key_spec   = \"AES_256\"\n      region     = \"us-east-1\"\n    }}\n    method \"aes_gcm\" \"main\" {{\n      \
             keys = key_provider.aws_kms.main\n    }}\n    state {{\n      method = method.aes_gcm.main\n    }}\n  }}\n}}\n"
        ),
    )
    .unwrap();
    let args = ["scan", "--state", "infra/encrypted.tfstate", "--state", OTHERS, "--no-history", "--format", "json"];
    let r = report(&run(estate.command(&args).args(["--tf-dir", "."])), 2);
    assert_eq!(r["summary"]["managed"], 36);
    assert_eq!(resized_state(&r), "infra/encrypted.tfstate");

    // Without the configuration: one line, how to give the key.
    let out = run(&mut estate.command(&args));
    assert_eq!(out.code, 1);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("infra/encrypted.tfstate: the state is OpenTofu-encrypted"), "{}", out.stderr);
}
