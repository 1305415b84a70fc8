//! The JSON report: the `Report` serialised as it is.

use super::Report;

/// Renders the report as pretty-printed JSON with a trailing newline.
pub fn render(report: &Report) -> String {
    // Sized for a whole image's report (Debian's is ~90 KB, most of it the CA bundle's
    // entries), so that it is written once rather than copied at each doubling.
    let mut out = Vec::with_capacity(128 * 1024);
    // Serialising plain data with string keys cannot fail.
    if let Err(e) = serde_json::to_writer_pretty(&mut out, report) {
        return format!("{{\"error\": \"{e}\"}}\n");
    }
    out.push(b'\n');
    // serde_json writes UTF-8 only.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{Outcome, Status, Verdict};
    use crate::facts::Facts;
    use crate::facts::os::from_os_release;

    #[test]
    fn schema_fields_are_where_the_docs_say() {
        let facts = Facts::with_os(from_os_release("ID=centos\nVERSION_ID=7\n", "/etc/os-release").unwrap());
        let report = Report {
            schema_version: 1,
            bootready_version: "0",
            target: "/img".into(),
            cloud: Some("aws".into()),
            facts,
            checks: vec![Outcome::new("matrix", Status::Pass, "ok").evidence("cell")],
            verdict: Verdict::Ready,
            strict: false,
        };
        let v: serde_json::Value = serde_json::from_str(&render(&report)).unwrap();
        assert_eq!(v["schema_version"], 1);
        assert_eq!(v["facts"]["os"]["id"], "centos");
        assert_eq!(v["facts"]["os"]["version_id"], "7");
        assert_eq!(v["facts"]["os"]["major"], 7);
        assert_eq!(v["facts"]["os"]["family"], "rhel");
        assert_eq!(v["checks"][0]["id"], "matrix");
        assert_eq!(v["checks"][0]["status"], "pass");
        assert_eq!(v["checks"][0]["evidence"][0], "cell");
        assert_eq!(v["checks"][0]["remediation"], serde_json::Value::Null);
        assert_eq!(v["verdict"], "ready");
    }
}
