//! What an SQS message body holds, in the shapes AWS delivers CloudTrail to a queue:
//!
//! - an EventBridge event whose `detail-type` is "AWS API Call via CloudTrail": `detail` is the
//!   CloudTrail record;
//! - an S3 event notification (`Records[].s3`) or an EventBridge "Object Created" event naming
//!   new CloudTrail log objects, which are then read whole;
//! - CloudTrail's own SNS notification (`s3Bucket`, `s3ObjectKey`) naming the log objects;
//!
//! each possibly wrapped in an SNS envelope (`{"Type": "Notification", "Message": "..."}`).
//! Anything else is not for driftscan: an error naming what was found, and the message is left
//! to the queue's redrive policy.

use serde_json::Value;

/// One S3 object named by a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub bucket: String,
    /// The key decoded (S3 notifications send it URL-encoded).
    pub key: String,
}

/// What a message asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// CloudTrail records carried in the message, with the EventBridge envelope's `account`
    /// when there is one: it names the account the event happened in, before the record does.
    Records { records: Vec<Value>, account: Option<String> },
    /// CloudTrail log objects to read.
    Objects(Vec<Object>),
    /// A well-formed message with nothing to do: an EventBridge event of another kind, S3's
    /// test event, a notification of something else than an object's creation.
    Nothing(&'static str),
}

/// Reads a message body; `Err` is one line saying what it is not.
pub fn decode(body: &str) -> Result<Body, String> {
    let value: Value = serde_json::from_str(body).map_err(|e| format!("not JSON ({e})"))?;
    decode_value(value, 0)
}

fn decode_value(v: Value, depth: usize) -> Result<Body, String> {
    let text = |key: &str| v.get(key).and_then(Value::as_str);
    // SNS: the payload is a JSON string in `Message`. Raw delivery has no envelope.
    if text("Type") == Some("Notification") {
        let Some(inner) = text("Message") else { return Err("an SNS notification without a Message".into()) };
        if depth > 0 {
            return Err("an SNS notification inside another".into());
        }
        let inner: Value =
            serde_json::from_str(inner).map_err(|e| format!("an SNS notification whose Message is not JSON ({e})"))?;
        return decode_value(inner, depth + 1);
    }
    if let Some(kind) = text("detail-type") {
        let detail = v.get("detail").filter(|d| d.is_object()).ok_or("an EventBridge event without a detail")?;
        return Ok(match kind {
            "AWS API Call via CloudTrail" => Body::Records {
                records: vec![detail.clone()],
                account: text("account").filter(|a| !a.is_empty()).map(str::to_owned),
            },
            "Object Created" => {
                let at = |p: &str| detail.pointer(p).and_then(Value::as_str).map(str::to_owned);
                match (at("/bucket/name"), at("/object/key")) {
                    (Some(bucket), Some(key)) => Body::Objects(vec![Object { bucket, key }]),
                    _ => return Err("an EventBridge Object Created event without bucket.name and object.key".into()),
                }
            }
            _ => Body::Nothing("an EventBridge event that is not a CloudTrail API call"),
        });
    }
    if text("Event") == Some("s3:TestEvent") {
        return Ok(Body::Nothing("S3's test event"));
    }
    if let Some(bucket) = text("s3Bucket") {
        let keys =
            v.get("s3ObjectKey").and_then(Value::as_array).ok_or("a CloudTrail notification without s3ObjectKey")?;
        let objects = keys
            .iter()
            .filter_map(Value::as_str)
            .map(|k| Object { bucket: bucket.to_owned(), key: k.to_owned() })
            .collect();
        return Ok(Body::Objects(objects));
    }
    if let Some(records) = v.get("Records").and_then(Value::as_array) {
        if records.iter().all(|r| r.get("s3").is_some()) && !records.is_empty() {
            return s3_records(records);
        }
        // A CloudTrail log file's content sent as a message: its records.
        if records.iter().all(|r| r.get("eventID").is_some()) {
            return Ok(Body::Records { records: records.clone(), account: None });
        }
    }
    Err("neither an EventBridge event, an S3 notification nor a CloudTrail notification".into())
}

fn s3_records(records: &[Value]) -> Result<Body, String> {
    let mut objects = Vec::new();
    for r in records {
        let name = r.get("eventName").and_then(Value::as_str).unwrap_or_default();
        if !name.starts_with("ObjectCreated:") {
            continue;
        }
        let at = |p: &str| r.pointer(p).and_then(Value::as_str);
        let (Some(bucket), Some(key)) = (at("/s3/bucket/name"), at("/s3/object/key")) else {
            return Err("an S3 notification without s3.bucket.name and s3.object.key".into());
        };
        objects.push(Object { bucket: bucket.to_owned(), key: url_decode(key)? });
    }
    Ok(if objects.is_empty() { Body::Nothing("an S3 notification of no new object") } else { Body::Objects(objects) })
}

/// S3 notifications send keys form-encoded: `+` for a space, `%XX` for other bytes.
fn url_decode(key: &str) -> Result<String, String> {
    let bytes = key.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = key.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
                out.push(hex.ok_or_else(|| format!("an S3 key with a bad escape: {key:?}"))?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| format!("an S3 key that is not UTF-8 once decoded: {key:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eventbridge() -> Value {
        json!({
            "version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
            "detail-type": "AWS API Call via CloudTrail", "source": "aws.ec2",
            "account": "123456789012", "time": "2026-12-01T10:00:00Z", "region": "us-east-1",
            "resources": [], "detail": {"eventID": "e-1", "eventName": "AuthorizeSecurityGroupIngress"}
        })
    }

    #[test]
    fn an_eventbridge_event_carries_its_record_raw_or_through_sns() {
        let want = Body::Records {
            records: vec![json!({"eventID": "e-1", "eventName": "AuthorizeSecurityGroupIngress"})],
            account: Some("123456789012".into()),
        };
        assert_eq!(decode(&eventbridge().to_string()).unwrap(), want);
        let sns = json!({"Type": "Notification", "MessageId": "m", "Message": eventbridge().to_string()});
        assert_eq!(decode(&sns.to_string()).unwrap(), want);
        let other = json!({"detail-type": "AWS Console Sign In via CloudTrail", "detail": {}});
        assert!(matches!(decode(&other.to_string()).unwrap(), Body::Nothing(_)));
    }

    #[test]
    fn s3_notifications_name_created_objects_with_keys_decoded() {
        let s3 = json!({"Records": [
            {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
             "s3": {"bucket": {"name": "trail"}, "object": {"key": "AWSLogs/1/CloudTrail/a+b%3Dc.json.gz"}}},
            {"eventSource": "aws:s3", "eventName": "ObjectRemoved:Delete",
             "s3": {"bucket": {"name": "trail"}, "object": {"key": "old"}}}
        ]});
        let want =
            Body::Objects(vec![Object { bucket: "trail".into(), key: "AWSLogs/1/CloudTrail/a b=c.json.gz".into() }]);
        assert_eq!(decode(&s3.to_string()).unwrap(), want);
        let trail = json!({"s3Bucket": "trail", "s3ObjectKey": ["k1", "k2"]});
        let sns = json!({"Type": "Notification", "Message": trail.to_string()});
        assert!(matches!(decode(&sns.to_string()).unwrap(), Body::Objects(o) if o.len() == 2 && o[1].key == "k2"));
        assert!(matches!(decode(r#"{"Event":"s3:TestEvent"}"#).unwrap(), Body::Nothing(_)));
    }

    #[test]
    fn anything_else_is_one_line_saying_what_it_is_not() {
        for body in ["not json", "{}", r#"{"Type":"Notification","Message":"{oops"}"#, r#"{"detail-type":"x"}"#] {
            let err = decode(body).unwrap_err();
            assert!(!err.contains('\n') && !err.is_empty(), "{body}: {err}");
        }
        assert!(decode(r#"{"Records":[{"eventName":"ObjectCreated:Put","s3":{}}]}"#)
            .unwrap_err()
            .contains("s3.bucket.name"));
    }
}
