//! The JSON report: the `Report` serialised as it is.

use super::Report;

/// Renders the report as pretty-printed JSON with a trailing newline.
pub fn render(report: &Report) -> String {
    // Sized for a whole image's report (Debian's is ~90 KB, most of it the CA bundle's
    // entries), so that it is written once rather than copied at each doubling.
    let mut out = Vec::with_capacity(128 * 1024);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, Pretty::default());
    // Serialising plain data with string keys cannot fail.
    if let Err(e) = serde::Serialize::serialize(report, &mut ser) {
        return format!("{{\"error\": \"{e}\"}}\n");
    }
    out.push(b'\n');
    // serde_json writes UTF-8 only.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// serde_json's `PrettyFormatter` with a two-space indent, writing each line break and its
/// indent in one piece: the stock one writes the indent one level at a time, which for a
/// whole image's report was 9 000 two-byte writes, a third of a check's `memcpy` calls.
#[derive(Default)]
struct Pretty {
    depth: usize,
    has_value: bool,
}

/// `,` then a line break then the deepest indent written in one piece.
const BREAKS: &[u8; 2 + 2 * 32] = b",\n                                                                ";

impl Pretty {
    /// A line break (after a comma unless `first`) and the current indent.
    fn newline<W: ?Sized + std::io::Write>(&self, w: &mut W, first: bool) -> std::io::Result<()> {
        let from = usize::from(first);
        match BREAKS.get(from..2 + 2 * self.depth) {
            Some(piece) => w.write_all(piece),
            None => {
                w.write_all(&BREAKS[from..2])?;
                (0..self.depth).try_for_each(|_| w.write_all(b"  "))
            }
        }
    }

    fn begin<W: ?Sized + std::io::Write>(&mut self, w: &mut W, open: &[u8]) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(open)
    }

    fn end<W: ?Sized + std::io::Write>(&mut self, w: &mut W, close: &[u8]) -> std::io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.newline(w, true)?;
        }
        w.write_all(close)
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.begin(w, b"[")
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.end(w, b"]")
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.newline(w, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.begin(w, b"{")
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.end(w, b"}")
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.newline(w, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
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

    /// What serde_json's own pretty printer writes.
    fn stock(value: &impl serde::Serialize) -> String {
        let mut out = serde_json::to_vec_pretty(value).unwrap();
        out.push(b'\n');
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn pretty_writes_what_serde_json_pretty_writes() {
        // Every shape: empty and nested containers, deeper than the one-piece indent goes.
        let mut deep = serde_json::json!("bottom");
        for i in 0..40 {
            deep = if i % 2 == 0 {
                serde_json::json!([deep, [], {}, i])
            } else {
                serde_json::json!({"k": deep, "e": {}, "a": [], "s": "x\n\"y"})
            };
        }
        let shapes = [
            serde_json::json!(null),
            serde_json::json!([]),
            serde_json::json!({}),
            serde_json::json!([[]]),
            serde_json::json!({"a": {}, "b": [1, 2, {"c": [null, true, 1.5, "é"]}], "d": []}),
            deep,
        ];
        for shape in &shapes {
            let report = &shape;
            let mut out = Vec::new();
            let mut ser = serde_json::Serializer::with_formatter(&mut out, Pretty::default());
            serde::Serialize::serialize(report, &mut ser).unwrap();
            out.push(b'\n');
            assert_eq!(String::from_utf8(out).unwrap(), stock(shape));
        }
        // A whole report of a fixture image.
        let target = crate::target::Target::image(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/centos-7.9"
        )))
        .unwrap();
        let facts =
            crate::facts::gather_with(&target, &crate::facts::FactsInput::default(), crate::facts::Fact::ALL);
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
        assert!(report.facts.trust_store.as_ref().is_ok_and(|s| s.certificates > 0));
        assert!(render(&report).lines().count() > 200);
        assert_eq!(render(&report), stock(&report));
    }
}
