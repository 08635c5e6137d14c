//! Where a declared resource lives. Terraform state does not record the provider's region, so
//! it is read off the resource itself: its ARN, else the `region` attribute (AWS provider 6.x),
//! else its availability zone.

use serde_json::{Map, Value};

/// The AWS region of a resource from its attributes, or `None` when nothing says.
pub fn region_of(attrs: &Map<String, Value>) -> Option<String> {
    let text = |k: &str| attrs.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    text("arn")
        .and_then(region_of_arn)
        .or_else(|| text("region").map(str::to_owned))
        .or_else(|| text("availability_zone").and_then(region_of_zone))
}

/// `arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-1` -> `eu-west-1`; global ARNs have none.
pub fn region_of_arn(arn: &str) -> Option<String> {
    let mut parts = arn.splitn(6, ':');
    if parts.next()? != "arn" {
        return None;
    }
    let region = parts.nth(2)?;
    (!region.is_empty()).then(|| region.to_owned())
}

/// `us-east-1a` -> `us-east-1`; also local zones (`us-west-2-lax-1a`) and GovCloud
/// (`us-gov-west-1a`): the region ends at the first part that starts with a digit.
pub fn region_of_zone(zone: &str) -> Option<String> {
    let parts: Vec<&str> = zone.split('-').collect();
    let at = parts.iter().position(|p| p.starts_with(|c: char| c.is_ascii_digit()))?;
    if at < 2 {
        return None;
    }
    let digits: String = parts[at].chars().take_while(char::is_ascii_digit).collect();
    Some(format!("{}-{}", parts[..at].join("-"), digits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn zones_of_every_shape() {
        assert_eq!(region_of_zone("us-east-1a").as_deref(), Some("us-east-1"));
        assert_eq!(region_of_zone("us-west-2-lax-1a").as_deref(), Some("us-west-2"));
        assert_eq!(region_of_zone("us-gov-west-1b").as_deref(), Some("us-gov-west-1"));
        assert_eq!(region_of_zone("ap-southeast-2c").as_deref(), Some("ap-southeast-2"));
        assert_eq!(region_of_zone("nonsense"), None);
    }

    #[test]
    fn arn_wins_then_region_then_zone() {
        let a = json!({"arn": "arn:aws:ec2:eu-west-1:1:vpc/vpc-1", "region": "us-east-1", "availability_zone": "ap-south-1a"});
        assert_eq!(region_of(a.as_object().unwrap()).as_deref(), Some("eu-west-1"));
        let b = json!({"arn": "arn:aws:iam::1:role/x", "region": "us-east-2"});
        assert_eq!(region_of(b.as_object().unwrap()).as_deref(), Some("us-east-2"));
        let c = json!({"availability_zone": "ap-south-1a"});
        assert_eq!(region_of(c.as_object().unwrap()).as_deref(), Some("ap-south-1"));
        assert_eq!(region_of(json!({"id": "x"}).as_object().unwrap()), None);
    }
}
