//! The classic load balancer pass: `aws_elb`'s blocks as the provider and the API spell them.

use serde_json::{Map, Value};

use crate::resource::Resource;

const LISTENER_FIELDS: &[&str] =
    &["instance_port", "instance_protocol", "lb_port", "lb_protocol", "ssl_certificate_id"];
const CHECK_FIELDS: &[&str] = &["healthy_threshold", "interval", "target", "timeout", "unhealthy_threshold"];
const LOG_FIELDS: &[&str] = &["bucket", "bucket_prefix", "enabled", "interval"];

/// `aws_elb` keeps its listeners as a set whose hash ignores the protocols' case, and a
/// configuration may write `http` where the API answers `HTTP`; the health check's target is
/// `PROTOCOL:port/path`, whose protocol is case-blind too (its path is not). Listeners are
/// compared as a sorted set with upper-case protocols, the target's protocol upper-cased, the
/// instances and zones as sets, and access logs that are off as none: the provider writes no
/// block for logs that are off, and AWS still answers the bucket they were last sent to.
pub(super) fn elb_blocks(r: &mut Resource) {
    if r.rtype != "aws_elb" {
        return;
    }
    let a = &mut r.attributes;
    if let Some(Value::Array(listeners)) = a.get_mut("listener") {
        for l in listeners.iter_mut() {
            let mut block = project(l, LISTENER_FIELDS);
            for key in ["instance_protocol", "lb_protocol"] {
                if let Some(Value::String(p)) = block.get_mut(key) {
                    *p = p.to_ascii_uppercase();
                }
            }
            *l = Value::Object(block);
        }
        listeners.sort_by_cached_key(|v| v.to_string());
        listeners.dedup();
    }
    if let Some(Value::Array(checks)) = a.get_mut("health_check") {
        for c in checks.iter_mut() {
            let mut block = project(c, CHECK_FIELDS);
            if let Some(Value::String(target)) = block.get_mut("target") {
                *target = match target.split_once(':') {
                    Some((protocol, rest)) => format!("{}:{rest}", protocol.to_ascii_uppercase()),
                    None => target.to_ascii_uppercase(),
                };
            }
            *c = Value::Object(block);
        }
    }
    if let Some(Value::Array(logs)) = a.get_mut("access_logs") {
        logs.retain(|l| l.get("enabled").and_then(Value::as_bool) != Some(false));
        for l in logs.iter_mut() {
            *l = Value::Object(project(l, LOG_FIELDS));
        }
    }
    for key in ["instances", "availability_zones"] {
        if let Some(Value::Array(items)) = a.get_mut(key) {
            items.sort_by_cached_key(|v| v.to_string());
            items.dedup();
        }
    }
}

/// The block's fields named, each `null` when absent.
fn project(block: &Value, fields: &[&str]) -> Map<String, Value> {
    fields.iter().map(|k| ((*k).to_owned(), block.get(*k).cloned().unwrap_or(Value::Null))).collect()
}

#[cfg(test)]
mod tests {
    use super::super::normalise;
    use crate::resource::fixtures::bare as res;
    use serde_json::json;

    #[test]
    fn elb_protocol_case_set_order_and_logs_that_are_off_are_not_drift() {
        // As provider 5.x writes a configuration that spells protocols in lower case.
        let declared = res(
            "aws_elb",
            "web",
            json!({"name": "web", "instances": ["i-2", "i-1"], "availability_zones": ["us-east-1b", "us-east-1a"],
                "listener": [
                    {"instance_port": 8443, "instance_protocol": "https", "lb_port": 443, "lb_protocol": "https",
                     "ssl_certificate_id": "arn:aws:iam::123456789012:server-certificate/web"},
                    {"instance_port": 80, "instance_protocol": "http", "lb_port": 80, "lb_protocol": "http",
                     "ssl_certificate_id": ""}],
                "health_check": [{"healthy_threshold": 2, "interval": 30, "target": "http:80/Health", "timeout": 5,
                    "unhealthy_threshold": 2}],
                "access_logs": [], "idle_timeout": 60}),
        );
        // As DescribeLoadBalancers and DescribeLoadBalancerAttributes answer it.
        let live = res(
            "aws_elb",
            "web",
            json!({"name": "web", "instances": ["i-1", "i-2"], "availability_zones": ["us-east-1a", "us-east-1b"],
                "listener": [
                    {"instance_port": 80, "instance_protocol": "HTTP", "lb_port": 80, "lb_protocol": "HTTP",
                     "ssl_certificate_id": ""},
                    {"instance_port": 8443, "instance_protocol": "HTTPS", "lb_port": 443, "lb_protocol": "HTTPS",
                     "ssl_certificate_id": "arn:aws:iam::123456789012:server-certificate/web"}],
                "health_check": [{"healthy_threshold": 2, "interval": 30, "target": "HTTP:80/Health", "timeout": 5,
                    "unhealthy_threshold": 2}],
                "access_logs": [{"bucket": "old-logs", "bucket_prefix": "", "enabled": false, "interval": 60}],
                "idle_timeout": 60}),
        );
        assert_eq!(normalise(declared).attributes, normalise(live).attributes);
    }

    #[test]
    fn a_changed_health_check_path_or_enabled_logs_are_still_drift() {
        let check = |target: &str| {
            let a = json!({"health_check": [{"healthy_threshold": 2, "interval": 30, "target": target, "timeout": 5,
                "unhealthy_threshold": 2}]});
            normalise(res("aws_elb", "web", a)).attributes
        };
        assert_ne!(check("HTTP:80/health"), check("HTTP:80/Health"), "a path is case-sensitive");
        let logs = |enabled: bool| {
            let a =
                json!({"access_logs": [{"bucket": "logs", "bucket_prefix": "", "enabled": enabled, "interval": 60}]});
            normalise(res("aws_elb", "web", a)).attributes
        };
        assert_ne!(logs(true), normalise(res("aws_elb", "web", json!({"access_logs": []}))).attributes);
        assert_eq!(logs(false), normalise(res("aws_elb", "web", json!({"access_logs": []}))).attributes);
    }
}
