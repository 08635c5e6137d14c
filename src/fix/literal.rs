//! HCL literals for `driftscan fix`: reading a literal expression as the JSON value a state holds,
//! and writing a JSON value as HCL text.
//!
//! Only literals are read. A variable, a function call or an interpolated string is an expression
//! whose value depends on something `fix` cannot see, so it is never evaluated and never edited.

use hcl::edit::expr::{Expression, ObjectKey};
use serde_json::{Map, Value};

/// The value of `expr` when it is a literal (scalars, and lists and objects of literals), else `None`.
pub fn value(expr: &Expression) -> Option<Value> {
    Some(match expr {
        Expression::Null(_) => Value::Null,
        Expression::Bool(b) => Value::Bool(*b.value()),
        Expression::Number(n) => serde_json::from_str(&n.value().to_string()).ok()?,
        Expression::String(s) => Value::String(s.value().to_string()),
        Expression::Array(array) => Value::Array(array.iter().map(value).collect::<Option<_>>()?),
        Expression::Object(object) => {
            let mut map = Map::new();
            for (key, v) in object.iter() {
                map.insert(key_text(key)?, value(v.expr())?);
            }
            Value::Object(map)
        }
        Expression::Parenthesis(p) => value(p.inner())?,
        _ => return None,
    })
}

/// An object key as text, when it is an identifier or a literal string.
pub fn key_text(key: &ObjectKey) -> Option<String> {
    match key {
        ObjectKey::Ident(ident) => Some(ident.as_str().to_string()),
        ObjectKey::Expression(Expression::String(s)) => Some(s.value().to_string()),
        ObjectKey::Expression(_) => None,
    }
}

/// `value` as HCL text on one line: `"t3.large"`, `true`, `["a", "b"]`, `{ Name = "web" }`.
pub fn render(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quote(s),
        Value::Array(items) => format!("[{}]", items.iter().map(render).collect::<Vec<_>>().join(", ")),
        Value::Object(map) if map.is_empty() => "{}".into(),
        Value::Object(map) => {
            let entries: Vec<String> = map.iter().map(|(k, v)| format!("{} = {}", key(k), render(v))).collect();
            format!("{{ {} }}", entries.join(", "))
        }
    }
}

/// An object key: bare when it is an identifier (as `terraform fmt` leaves `Name`), else quoted
/// (`"aws:cloudformation"`, `"cost center"`).
pub fn key(k: &str) -> String {
    let mut chars = k.chars();
    let ident = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    // `null`, `true` and `false` as bare keys would read as values.
    if ident && !matches!(k, "null" | "true" | "false") {
        k.to_string()
    } else {
        quote(k)
    }
}

/// A quoted HCL string. `${` and `%{` are doubled so a live value that looks like a template
/// (a tag holding `${var.x}`) is written as the text it is, not as an interpolation.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(text: &str) -> Expression {
        text.parse().unwrap()
    }

    #[test]
    fn literals_are_read_expressions_are_not() {
        assert_eq!(
            value(&parse(r#"{ Name = "web", "a b" = [1, true, null] }"#)),
            Some(json!({"Name": "web", "a b": [1, true, null]}))
        );
        assert_eq!(value(&parse("var.size")), None);
        assert_eq!(value(&parse(r#""web-${var.env}""#)), None);
        assert_eq!(value(&parse(r#"["a", local.b]"#)), None);
        assert_eq!(value(&parse("merge(local.tags, {})")), None);
    }

    #[test]
    fn rendered_values_read_back_as_themselves() {
        let values = [
            json!("t3.large"),
            json!("quote \" backslash \\ ${not} %{this} tab\t\u{1}"),
            json!(40),
            json!(1.5),
            json!([true, null, "x"]),
            json!({"Name": "web", "cost center": "42", "true": "t", "aws:x": "y"}),
            json!({}),
        ];
        for v in values {
            assert_eq!(value(&parse(&render(&v))), Some(v.clone()), "{}", render(&v));
        }
    }
}
