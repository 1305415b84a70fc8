//! The Packer templates in packaging/packer/ parse as HCL2 and gate the way the README says:
//! upload the binary, run `bootready check ... --format junit --output ...` with exit codes that
//! fail the build on a not-ready image, download the report (also when the build failed).
//! Packer itself is not in the package registries, so `packer validate` does not run here.

use std::collections::BTreeSet;
use std::path::PathBuf;

use hcl::{Block, Body};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn template(name: &str) -> Body {
    let path = repo().join("packaging/packer").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    hcl::parse(&text).unwrap_or_else(|e| panic!("{} is not valid HCL: {e}", path.display()))
}

fn blocks<'a>(body: &'a Body, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
    body.blocks().filter(move |b| b.identifier() == kind)
}

fn label(block: &Block, i: usize) -> &str {
    block.labels().get(i).map(|l| l.as_str()).unwrap_or_default()
}

/// An attribute's expression as HCL text (strings keep their quotes), or "" when absent.
fn attr(block: &Block, key: &str) -> String {
    block.body().attributes().find(|a| a.key() == key).map(|a| a.expr().to_string()).unwrap_or_default()
}

fn build(body: &Body) -> &Block {
    blocks(body, "build").next().expect("a build block")
}

/// The provisioners of the build block, in order, as (type, block).
fn provisioners(body: &Body) -> Vec<(&str, &Block)> {
    blocks(build(body).body(), "provisioner").map(|b| (label(b, 0), b)).collect()
}

fn variable_default(body: &Body, name: &str) -> String {
    let var = blocks(body, "variable")
        .find(|b| label(b, 0) == name)
        .unwrap_or_else(|| panic!("no variable {name}"));
    attr(var, "default")
}

/// Every `var.NAME` used anywhere in the template is declared (packer validate's first check).
fn assert_variables_declared(name: &str) {
    let text =
        std::fs::read_to_string(repo().join("packaging/packer").join(name)).expect("reads the template");
    let body = template(name);
    let declared: BTreeSet<&str> = blocks(&body, "variable").map(|b| label(b, 0)).collect();
    let used = regex::Regex::new(r"\bvar\.([A-Za-z_][A-Za-z0-9_-]*)").expect("valid regex");
    for cap in used.captures_iter(&text) {
        assert!(declared.contains(&cap[1]), "{name} uses var.{} but does not declare it", &cap[1]);
    }
}

#[test]
fn linux_template_uploads_the_static_binary_gates_and_downloads_the_report() {
    let body = template("linux.pkr.hcl");
    assert_variables_declared("linux.pkr.hcl");

    // The default binary path is what packaging/build makes.
    let binary = variable_default(&body, "bootready_binary");
    assert_eq!(binary, "\"dist/bootready-x86_64-linux\"");
    let build_script =
        std::fs::read_to_string(repo().join("packaging/build")).expect("reads packaging/build");
    assert!(
        build_script.contains("$dist/bootready-x86_64-linux"),
        "packaging/build no longer makes {binary}"
    );

    let sources = attr(build(&body), "sources");
    assert!(sources.matches("source.").count() >= 2, "parallel builds need two sources: {sources}");

    let steps = provisioners(&body);
    let upload =
        steps.iter().position(|(t, b)| *t == "file" && attr(b, "direction").is_empty()).expect("an upload");
    assert_eq!(attr(steps[upload].1, "source"), "var.bootready_binary");
    assert_eq!(attr(steps[upload].1, "destination"), "\"/tmp/bootready\"");

    let gate = steps
        .iter()
        .position(|(t, b)| *t == "shell" && attr(b, "inline").contains("--format junit"))
        .expect("the gate");
    assert!(gate > upload, "the gate runs after the upload");
    let inline = attr(steps[gate].1, "inline");
    assert!(
        inline.contains(
            "/tmp/bootready check --cloud ${var.cloud} --format junit --output /tmp/bootready.xml\""
        ),
        "{inline}"
    );
    let codes = attr(steps[gate].1, "valid_exit_codes");
    assert_eq!(
        codes.split_whitespace().collect::<String>(),
        "var.enforce?[0]:[0,1]",
        "exit 2 must never pass"
    );

    let download = steps
        .iter()
        .position(|(t, b)| {
            *t == "file"
                && attr(b, "direction") == "\"download\""
                && attr(b, "source") == "\"/tmp/bootready.xml\""
        })
        .expect("a download of the JUnit report");
    assert!(download > gate);

    let on_error = blocks(build(&body).body(), "error-cleanup-provisioner")
        .next()
        .expect("an error-cleanup-provisioner");
    assert_eq!(label(on_error, 0), "file");
    assert_eq!(attr(on_error, "direction"), "\"download\"");
    assert_eq!(attr(on_error, "source"), "\"/tmp/bootready.xml\"");
}

#[test]
fn windows_template_runs_the_exe_in_powershell_and_propagates_its_exit_code() {
    let body = template("windows.pkr.hcl");
    assert_variables_declared("windows.pkr.hcl");

    let source = blocks(&body, "source").next().expect("a source");
    assert_eq!(attr(source, "communicator"), "\"winrm\"");
    let user_data = attr(source, "user_data_file");
    let file = user_data
        .trim_matches('"')
        .replace("${path.root}", &repo().join("packaging/packer").to_string_lossy());
    assert!(std::path::Path::new(&file).is_file(), "user_data_file {user_data} does not exist");

    let steps = provisioners(&body);
    let upload =
        steps.iter().find(|(t, b)| *t == "file" && attr(b, "direction").is_empty()).expect("an upload").1;
    assert_eq!(attr(upload, "source"), "var.bootready_exe");
    let exe = attr(upload, "destination");
    assert_eq!(exe, "\"C:/Windows/Temp/bootready.exe\"");

    let gate = steps
        .iter()
        .find(|(t, b)| *t == "powershell" && attr(b, "inline").contains("--format junit"))
        .expect("the gate")
        .1;
    let inline = attr(gate, "inline");
    assert!(
        inline.contains("& C:/Windows/Temp/bootready.exe check --cloud ${var.cloud} --format junit --output C:/Windows/Temp/bootready.xml"),
        "{inline}"
    );
    let last = inline.trim_end_matches([']', '\n', ' ', ',']).rsplit('"').nth(1).unwrap_or_default();
    assert_eq!(last, "exit $LASTEXITCODE", "the script must end with the gate's exit code: {inline}");
    let codes = attr(gate, "valid_exit_codes");
    assert_eq!(codes.split_whitespace().collect::<String>(), "var.enforce?[0]:[0,1]");

    assert!(steps.iter().any(|(t, b)| *t == "file"
        && attr(b, "direction") == "\"download\""
        && attr(b, "source") == "\"C:/Windows/Temp/bootready.xml\""));
    let on_error = blocks(build(&body).body(), "error-cleanup-provisioner")
        .next()
        .expect("an error-cleanup-provisioner");
    assert_eq!(attr(on_error, "source"), "\"C:/Windows/Temp/bootready.xml\"");
}
