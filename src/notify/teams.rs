//! Microsoft Teams through a workflow webhook ("Post to a channel when a webhook request is
//! received"): one message per run holding an Adaptive Card, one container per alert.
//!
//! Card text is Markdown: text from AWS goes through [`esc`], so a tag value cannot make a link,
//! emphasis or a heading; Adaptive Cards have no mention syntax outside `msteams.entities`,
//! which driftscan never sends, so nobody can be pinged from a tag.

use serde_json::{json, Value};

use super::group::Group;

/// Alerts detailed in one card; the rest are counted (Teams refuses cards over about 28 KB).
pub const MAX_SHOWN: usize = 12;

/// The workflow payload: a message with one Adaptive Card attachment.
pub fn message(headline: &str, groups: &[Group], see_more: &str) -> Value {
    let mut body = vec![json!({
        "type": "TextBlock", "size": "Large", "weight": "Bolder", "wrap": true,
        "text": format!("driftscan: {}", esc(headline)),
    })];
    for g in groups.iter().take(MAX_SHOWN) {
        let c = g.lead();
        let what = match &c.attribute {
            Some(a) => format!("{} {} {} ({a})", c.kind, c.rtype, c.address.as_deref().unwrap_or(&c.resource_id)),
            None => format!("{} {} {}", c.event_name.as_deref().unwrap_or(&c.kind), c.rtype, c.resource_id),
        };
        let mut items = vec![
            json!({"type": "TextBlock", "weight": "Bolder", "wrap": true, "text": esc(&what)}),
            json!({"type": "FactSet", "facts": [
                {"title": "Where", "value": esc(&format!("account {}, {}", if c.account.is_empty() { "unknown" } else { &c.account }, c.region))},
                {"title": "Who", "value": esc(c.actor.as_deref().unwrap_or("unknown (no CloudTrail event)"))},
                {"title": "When", "value": esc(&c.time)},
                {"title": "Score", "value": format!("{:.2}{}", c.score.unwrap_or(0.0), if c.anomalous { " (anomalous)" } else { "" })},
            ]}),
        ];
        if g.members.len() > 1 {
            let names: Vec<String> = g.members.iter().take(10).map(|m| esc(&m.resource_id)).collect();
            let more = g.members.len().saturating_sub(10);
            let tail = if more > 0 { format!(" and {more} more") } else { String::new() };
            items.push(json!({"type": "TextBlock", "wrap": true, "isSubtle": true,
                "text": format!("One cause: {} (most unusual shown). Members: {}{tail}", esc(&g.describe()), names.join(", "))}));
        }
        let why: Vec<String> = c.reasons.iter().map(|r| format!("- {}", esc(r))).collect();
        if !why.is_empty() {
            items.push(json!({"type": "TextBlock", "wrap": true, "text": why.join("\n")}));
        }
        body.push(json!({"type": "Container", "separator": true, "items": items}));
    }
    if groups.len() > MAX_SHOWN {
        body.push(json!({"type": "TextBlock", "text": format!("...and {} more alerts.", groups.len() - MAX_SHOWN)}));
    }
    body.push(
        json!({"type": "TextBlock", "isSubtle": true, "wrap": true, "text": format!("See more: {}", esc(see_more))}),
    );
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": body,
            },
        }],
    })
}

/// Markdown made literal: every character Teams' card Markdown acts on gets a backslash, and
/// `<` `>` become entities so no HTML-looking text is read as markup.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '*' | '_' | '~' | '`' | '[' | ']' | '(' | ')' | '#' | '|' | '!' => {
                out.push('\\');
                out.push(ch);
            }
            _ => out.push(ch),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::tests::row;

    #[test]
    fn a_card_per_run_with_aws_text_made_literal() {
        let mut c = row(3, "2026-12-06T03:14:00Z", "drifted", true, "open");
        c.actor = Some("arn:aws:iam::1:user/[x](https://evil.example)<at>all</at>".into());
        let m = message("1 anomalous change", &[Group::single(c)], "driftscan report --since 7d");
        assert_eq!(m["attachments"][0]["contentType"], "application/vnd.microsoft.card.adaptive");
        let text = m.to_string();
        assert!(text.contains(r"user/\\[x\\]\\(https://evil.example\\)&lt;at&gt;all&lt;/at&gt;"), "{text}");
        assert!(!text.contains("<at>"));
    }
}
