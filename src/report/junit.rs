//! The JUnit XML report: one testcase per check; fail and error as `<failure>`/`<error>`,
//! skip as `<skipped>`, warn as a passing testcase with its message in `<system-out>`.

use std::fmt::Write;

use super::Report;
use crate::checks::Status;

/// Renders the report as a JUnit XML document.
pub fn render(report: &Report) -> String {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let name = format!("bootready {}", report.target);
    let (tests, failures, errors, skipped) = (
        report.checks.len(),
        report.count(Status::Fail) + if report.strict { report.count(Status::Warn) } else { 0 },
        report.count(Status::Error),
        report.count(Status::Skip),
    );
    let _ = writeln!(
        x,
        "<testsuites name=\"bootready\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">"
    );
    let _ = writeln!(
        x,
        "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">",
        escape(&name)
    );
    for c in &report.checks {
        let _ = write!(x, "    <testcase classname=\"bootready\" name=\"{}\">", escape(c.id));
        let mut detail = c.evidence.iter().map(|e| format!("evidence: {e}")).collect::<Vec<_>>();
        if let Some(fix) = &c.remediation {
            detail.push(format!("fix: {fix}"));
        }
        let body = escape(&detail.join("\n"));
        let msg = escape(&c.summary);
        match c.status {
            Status::Pass => {}
            Status::Warn if !report.strict => {
                let _ = write!(x, "\n      <system-out>warning: {msg}\n{body}</system-out>\n    ");
            }
            Status::Warn | Status::Fail => {
                let kind = c.status.as_str();
                let _ =
                    write!(x, "\n      <failure message=\"{msg}\" type=\"{kind}\">{body}</failure>\n    ");
            }
            Status::Error => {
                let _ = write!(x, "\n      <error message=\"{msg}\" type=\"error\">{body}</error>\n    ");
            }
            Status::Skip => {
                let _ = write!(x, "\n      <skipped message=\"{msg}\"/>\n    ");
            }
        }
        x.push_str("</testcase>\n");
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

/// Escapes text for XML attributes and content, dropping characters XML 1.0 forbids.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(escape("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;\u{fffd}");
    }
}
