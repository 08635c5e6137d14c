//! The Slack message of a run, in Block Kit: for each change what changed, where, who and when,
//! why it is unusual, and the command that shows more.
//!
//! Every piece of text that came from AWS or CloudTrail (ids, addresses, tag values, actors,
//! reasons that quote them) goes through [`esc`]: Slack reads `<...>` as links and mentions
//! (`<!channel>`), so `&`, `<` and `>` are escaped, and `@channel`, `@here` and `@everyone` are
//! broken with an invisible joiner so they never ping anyone.

use serde_json::{json, Value};

use super::group::Group;
use crate::history::ChangeRow;
use crate::output::values;

/// Alerts shown in one message: Slack takes at most 50 blocks, and each alert uses three.
pub const MAX_SHOWN: usize = 12;
/// Longest value or reason shown before it is cut (Slack cuts a section at 3,000 characters).
const MAX_TEXT: usize = 300;
/// Diff lines shown for one long value.
const MAX_DIFF_LINES: usize = 8;

/// Members of a group named in its section.
const MAX_MEMBERS: usize = 10;

/// The message for `groups` (at most [`MAX_SHOWN`] are detailed, each by its most unusual
/// change and its members; the rest are counted), with `headline` such as "2 anomalous
/// changes" and `see_more`, the command to run.
pub fn message(headline: &str, groups: &[Group], see_more: &str) -> Value {
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": format!("driftscan: {headline}"), "emoji": true}
    })];
    for g in groups.iter().take(MAX_SHOWN) {
        let c = g.lead();
        let mut text = what(c);
        if g.members.len() > 1 {
            text.push_str(&members(g));
        }
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": text},
            "fields": [
                {"type": "mrkdwn", "text": format!("*Where*\naccount {}, {}", esc(if c.account.is_empty() { "unknown" } else { &c.account }), esc(&c.region))},
                {"type": "mrkdwn", "text": format!("*Who*\n{}", esc(c.actor.as_deref().unwrap_or("unknown (no CloudTrail event)")))},
                {"type": "mrkdwn", "text": format!("*When*\n{}", esc(&c.time))},
                {"type": "mrkdwn", "text": format!("*Score*\n{:.2}{}", c.score.unwrap_or(0.0), if c.anomalous { " (anomalous)" } else { "" })},
            ]
        }));
        let reasons: Vec<String> = c.reasons.iter().map(|r| format!("• {}", esc(&cut(r)))).collect();
        let why = if reasons.is_empty() { "no reason recorded".to_owned() } else { reasons.join("\n") };
        blocks.push(json!({
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": format!("*Why unusual*\n{why}")}]
        }));
        blocks.push(json!({"type": "divider"}));
    }
    if groups.len() > MAX_SHOWN {
        let more: usize = groups[MAX_SHOWN..].iter().map(|g| g.members.len()).sum();
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": format!("…and {more} more changes.")}
        }));
    }
    blocks.push(json!({
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": format!("See more: `{}`", see_more.replace('`', "'"))}]
    }));
    let first = groups
        .first()
        .map(Group::lead)
        .map(|c| format!(": {} {} in {}", esc(&c.rtype), esc(&c.resource_id), esc(&c.region)));
    json!({
        // The plain text is what notifications and screen readers show.
        "text": format!("driftscan: {headline}{}", first.unwrap_or_default()),
        "blocks": blocks,
    })
}

/// The section's text: the change, the resource, and before -> after.
fn what(c: &ChangeRow) -> String {
    let name = c.address.as_deref().unwrap_or(&c.resource_id);
    let mut s = match &c.event_name {
        Some(e) => format!("*{}* on {} `{}`", esc(e), esc(&c.rtype), code(&c.resource_id)),
        None => format!("*{}* {} `{}` (`{}`)", esc(&c.kind), esc(&c.rtype), code(name), code(&c.resource_id)),
    };
    if let Some(a) = &c.attribute {
        s.push_str(&format!("\n`{}`", code(a)));
        if let (Some(d), Some(v)) = (&c.declared, &c.actual) {
            let lines = values::describe(d, v);
            if lines.len() == 1 && !lines[0].starts_with(['+', '-']) {
                let (d, v) = (values::inline(d), values::inline(v));
                s.push_str(&format!(": `{}` → `{}`", code(&cut(&d)), code(&cut(&v))));
            } else {
                let shown: Vec<String> = lines.iter().take(MAX_DIFF_LINES).map(|l| code(&cut(l))).collect();
                let more = lines.len().saturating_sub(MAX_DIFF_LINES);
                let tail = if more > 0 { format!("\n… {more} more lines") } else { String::new() };
                s.push_str(&format!(":\n```{}{tail}```", shown.join("\n")));
            }
        }
    }
    s
}

/// A group's cause, size and members, below its most unusual change.
fn members(g: &Group) -> String {
    let names: Vec<String> = g
        .members
        .iter()
        .take(MAX_MEMBERS)
        .map(|m| format!("`{}`", code(m.address.as_deref().unwrap_or(&m.resource_id))))
        .collect();
    let more = g.members.len().saturating_sub(MAX_MEMBERS);
    let tail = if more > 0 { format!(" and {more} more") } else { String::new() };
    format!(
        "\n*One cause, {} changes:* {} (the most unusual shown)\nMembers: {}{tail}",
        g.members.len(),
        esc(&cut(&g.describe())),
        names.join(", ")
    )
}

/// Text for Slack's mrkdwn: `&`, `<`, `>` escaped (no links or `<!channel>` of its own) and
/// broadcast mentions broken.
pub fn esc(s: &str) -> String {
    let escaped = s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    defuse_mentions(&escaped)
}

/// Inside a code span: escaped like any text, and a backtick cannot close the span.
fn code(s: &str) -> String {
    esc(&s.replace('`', "'"))
}

/// `@here` becomes `@\u{2060}here`: it reads the same and pings nobody.
fn defuse_mentions(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let lower = s.to_ascii_lowercase();
    let mut i = 0;
    while let Some(at) = lower[i..].find('@') {
        let pos = i + at;
        out.push_str(&s[i..=pos]);
        let after = &lower[pos + 1..];
        if ["channel", "here", "everyone"].iter().any(|w| after.starts_with(w)) {
            out.push('\u{2060}');
        }
        i = pos + 1;
    }
    out.push_str(&s[i..]);
    out
}

fn cut(s: &str) -> String {
    if s.chars().count() <= MAX_TEXT {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(MAX_TEXT).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::tests::row;

    #[test]
    fn escapes_links_and_mentions() {
        assert_eq!(
            esc("a & <b> <!channel> @here @Everyone x@y"),
            "a &amp; &lt;b&gt; &lt;!channel&gt; @\u{2060}here @\u{2060}Everyone x@y"
        );
    }

    #[test]
    fn one_block_set_per_change_with_what_where_who_why() {
        let mut c = row(9, "2026-12-06T03:14:00Z", "drifted", true, "open");
        c.actor = Some("arn:aws:iam::123456789012:user/<!here>".into());
        let m = message("1 anomalous change", &[Group::single(c)], "driftscan report --since 7d --anomalous");
        let blocks = m["blocks"].as_array().unwrap();
        assert_eq!(blocks[0]["type"], "header");
        let text = m.to_string();
        for needle in [
            "aws_security_group.web",
            "`\\\"web\\\"` → `\\\"web &lt;b&gt;&amp;&lt;/b&gt;\\\"`",
            "account 123456789012, us-east-1",
            "user/&lt;!here&gt;",
            "Sun 03:14 UTC",
            "driftscan report --since 7d",
        ] {
            assert!(text.contains(needle), "lacks {needle}: {text}");
        }
        assert!(!text.contains("<!here>"));
        let many: Vec<_> =
            (0..20).map(|i| Group::single(row(i, "2026-12-06T03:14:00Z", "drifted", true, "open"))).collect();
        let m = message("20 anomalous changes", &many, "x");
        assert!(m["blocks"].as_array().unwrap().len() <= 50);
        assert!(m.to_string().contains("and 8 more changes"));
    }
}
