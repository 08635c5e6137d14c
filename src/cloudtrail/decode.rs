//! One log file's bytes to its records: gzip or not, `{"Records": [...]}` or a bare array.

use std::io::Read;

use flate2::read::MultiGzDecoder;
use serde_json::error::Category;
use serde_json::Value;

/// What a file held.
#[derive(Debug)]
pub enum Content {
    Records(Vec<Value>),
    /// A CloudTrail digest (a signature over log files), delivered next to the logs: no events.
    Digest,
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Larger than any log file AWS delivers (they are split well below this); a bound so that a
/// hostile or mistaken input cannot fill memory.
const MAX_DECODED: u64 = 1 << 30;

/// Decode one file. `Err` is a one-line reason, without the file's name.
pub fn decode(bytes: &[u8]) -> Result<Content, String> {
    let inflated;
    let mut json = bytes;
    // Whatever the name says: logs copied around lose or gain `.gz`.
    if bytes.starts_with(&GZIP_MAGIC) {
        inflated = gunzip(bytes)?;
        json = &inflated;
    }
    let json = crate::text::to_utf8(json).map_err(crate::text::not_text)?;
    let json = &json[..];
    let value: Value = serde_json::from_slice(json).map_err(|e| match e.classify() {
        Category::Eof if json.iter().all(u8::is_ascii_whitespace) => "empty file".to_string(),
        Category::Eof => format!("truncated JSON ({e})"),
        _ => format!("not JSON ({e})"),
    })?;
    records(value)
}

fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    MultiGzDecoder::new(bytes)
        .take(MAX_DECODED + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("invalid gzip ({e})"))?;
    if out.len() as u64 > MAX_DECODED {
        return Err(format!("larger than {} MiB once decompressed", MAX_DECODED >> 20));
    }
    Ok(out)
}

fn records(value: Value) -> Result<Content, String> {
    let items = match value {
        Value::Object(mut map) => match map.remove("Records") {
            Some(Value::Array(items)) => items,
            Some(_) => return Err("JSON but not CloudTrail: \"Records\" is not an array".to_string()),
            None if map.contains_key("digestStartTime") => return Ok(Content::Digest),
            None => return Err("JSON but not CloudTrail: no \"Records\" array".to_string()),
        },
        Value::Array(items) => items,
        other => return Err(format!("JSON but not CloudTrail: {} at the top", kind(&other))),
    };
    // A stray odd record is ignored later; a list with no record at all is some other JSON.
    if !items.is_empty() && !items.iter().any(|item| item.get("eventTime").is_some() && item.get("eventName").is_some())
    {
        return Err("JSON but not CloudTrail: no element has eventTime and eventName".to_string());
    }
    Ok(Content::Records(items))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    use flate2::write::GzEncoder;
    use flate2::Compression;

    fn records_of(bytes: &[u8]) -> usize {
        match decode(bytes) {
            Ok(Content::Records(items)) => items.len(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn wrapped_bare_and_gzipped() {
        let bare = br#"[{"eventTime": "2026-11-20T09:05:12Z", "eventName": "StopInstances"}]"#;
        let wrapped = br#"{"Records": [{"eventTime": "2026-11-20T09:05:12Z", "eventName": "StopInstances"}]}"#;
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(wrapped).unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(records_of(bare), 1);
        assert_eq!(records_of(wrapped), 1);
        assert_eq!(records_of(&gz), 1);
        assert_eq!(records_of(b"\xef\xbb\xbf{\"Records\": []}"), 0);
        assert_eq!(records_of(b"[]"), 0);
    }

    #[test]
    fn broken_files_say_why_in_one_line() {
        let cases: [(&[u8], &str); 7] = [
            (b"{\"Records\": [{\"eventTime\": \"2026", "truncated JSON"),
            (b"", "empty file"),
            (b"Records,eventName\n", "not JSON"),
            (b"{\"version\": 4, \"resources\": []}", "no \"Records\" array"),
            (b"[1, 2, 3]", "no element has eventTime"),
            (b"\"hello\"", "a string at the top"),
            (b"\x1f\x8b\x08\x00garbage", "invalid gzip"),
        ];
        for (bytes, want) in cases {
            let err = decode(bytes).unwrap_err();
            assert!(err.contains(want) && !err.contains('\n'), "{err:?} lacks {want:?}");
        }
    }

    #[test]
    fn digests_hold_no_records() {
        let digest = br#"{"awsAccountId": "123456789012", "digestStartTime": "2026-11-20T08:00:00Z", "logFiles": []}"#;
        assert!(matches!(decode(digest), Ok(Content::Digest)));
    }
}
