//! The human-readable report.

use std::fmt::Write;

use serde::Serialize;

use super::Report;
use crate::checks::{Outcome, Status};

/// Whether to use ANSI colour: only on a terminal, and never when `NO_COLOR` is set.
pub fn use_colour(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The status as a fixed-width label, coloured when asked.
pub fn paint(status: Status, colour: bool) -> String {
    let label = format!("{:<5}", status.as_str().to_uppercase());
    if !colour {
        return label;
    }
    let code = match status {
        Status::Pass => "32",
        Status::Warn => "33",
        Status::Fail | Status::Error => "1;31",
        Status::Skip => "2",
    };
    format!("\x1b[{code}m{label}\x1b[0m")
}

/// Renders one outcome as a status line with indented evidence and fix.
pub fn outcome(x: &mut String, o: &Outcome, colour: bool) {
    let _ = writeln!(x, "{} {:<14} {}", paint(o.status, colour), o.id, o.summary);
    for e in &o.evidence {
        let _ = writeln!(x, "{:20}{e}", "");
    }
    if let Some(fix) = &o.remediation {
        let _ = writeln!(x, "{:20}fix: {fix}", "");
    }
}

/// Renders the whole report.
pub fn render(report: &Report, colour: bool) -> String {
    let mut x = String::new();
    let os = match &report.facts.os {
        Ok(os) => format!("{} ({} {}, {} family)", os.pretty_name, os.id, os.version_id, os.family.as_str()),
        Err(e) => format!("unidentified OS ({e})"),
    };
    let cloud = report.cloud.as_deref().map(|c| format!(", cloud {c}")).unwrap_or_default();
    let _ = writeln!(x, "bootready {}: {os}{cloud}", report.target);
    for o in &report.checks {
        outcome(&mut x, o, colour);
    }
    let _ = writeln!(x, "{}", report.verdict_line());
    x
}

/// Renders any serialisable value (the facts) as indented `key: value` lines.
pub fn render_value(value: &impl Serialize) -> String {
    let v = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
    let mut x = String::new();
    walk(&mut x, &v, 0);
    x
}

fn walk(x: &mut String, v: &serde_json::Value, depth: usize) {
    use serde_json::Value;
    let pad = "  ".repeat(depth);
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match v {
                    Value::Object(m) if !m.is_empty() => {
                        let _ = writeln!(x, "{pad}{k}:");
                        walk(x, v, depth + 1);
                    }
                    Value::Array(a) if a.iter().any(|e| e.is_object()) => {
                        let _ = writeln!(x, "{pad}{k}:");
                        walk(x, v, depth + 1);
                    }
                    _ => {
                        let _ = writeln!(x, "{pad}{k}: {}", scalar(v));
                    }
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let _ = writeln!(x, "{pad}- [{i}]");
                walk(x, item, depth + 1);
            }
        }
        other => {
            let _ = writeln!(x, "{pad}{}", scalar(other));
        }
    }
}

fn scalar(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Null => "-".to_string(),
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(scalar).collect::<Vec<_>>().join(", "),
        Value::Object(_) => "{}".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_colour_without_terminal() {
        assert!(!use_colour(false));
        let mut x = String::new();
        outcome(&mut x, &Outcome::new("os", Status::Fail, "bad").fix("do it"), false);
        assert_eq!(x, format!("FAIL  os             bad\n{:20}fix: do it\n", ""));
    }

    #[test]
    fn values_render_as_indented_lines() {
        let v =
            serde_json::json!({"os": {"id": "centos", "major": 7, "id_like": ["rhel", "fedora"]}, "x": null});
        assert_eq!(render_value(&v), "os:\n  id: centos\n  major: 7\n  id_like: rhel, fedora\nx: -\n");
    }
}
