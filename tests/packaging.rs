//! The release artifacts in dist/ (made by packaging/build): the static binary, the .deb and the
//! .rpm, their man pages and completions, and SHA256SUMS.
//!
//! CI (.ci/run) runs packaging/build once before `cargo test` and sets BOOTREADY_DIST_REQUIRED,
//! which makes a missing dist/ a failure. Elsewhere a missing dist/ is built here, under a lock.
//! After changing the code, rerun packaging/build: these tests use what is in dist/ and fail
//! when its binary's version is not this crate's.
//!
//! Needs root (chroot, mount, dpkg), and the tools .ci/run installs: file, rpm, man-db, bash.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use common::{debian_root, fixture};

const STATIC_BINARY: &str = "bootready-x86_64-linux";
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// dist/, built once if it is missing (a failure instead when BOOTREADY_DIST_REQUIRED is set).
fn dist() -> &'static Path {
    static DIST: OnceLock<PathBuf> = OnceLock::new();
    DIST.get_or_init(|| {
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let dist = repo.join("dist");
        if !dist.join("SHA256SUMS").is_file() {
            assert!(
                std::env::var_os("BOOTREADY_DIST_REQUIRED").is_none(),
                "dist/ is missing: run packaging/build before cargo test (.ci/run does)"
            );
            // packaging/build holds a lock and builds only if dist/ is still missing then.
            let out = Command::new("bash")
                .args(["packaging/build", "--if-missing"])
                .current_dir(&repo)
                .output()
                .expect("runs packaging/build");
            assert!(
                out.status.success(),
                "dist/ is missing and packaging/build failed; run it yourself to see why:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        dist
    })
}

fn static_binary() -> PathBuf {
    dist().join(STATIC_BINARY)
}

/// The one file in dist/ whose name ends with `suffix`.
fn artifact(suffix: &str) -> PathBuf {
    let found: Vec<PathBuf> = fs::read_dir(dist())
        .expect("reads dist/")
        .map(|e| e.expect("reads a dist/ entry").path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    assert_eq!(found.len(), 1, "want exactly one *{suffix} in dist/, found {found:?}");
    found.into_iter().next().unwrap_or_default()
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(cmd: &mut Command) -> String {
    String::from_utf8_lossy(&run(cmd).stdout).into_owned()
}

/// A private copy of the cached Debian root, removed when dropped (never touch the cache).
fn debian_copy() -> tempfile::TempDir {
    let copy = tempfile::Builder::new()
        .prefix("bootready-debian-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("temp dir");
    run(Command::new("cp").arg("-a").arg(format!("{}/.", debian_root().display())).arg(copy.path()));
    copy
}

/// `mount -t proc` inside a root copy, unmounted when dropped (before the copy is removed:
/// declare it after the copy).
struct ProcMount(PathBuf);

impl ProcMount {
    fn new(root: &Path) -> ProcMount {
        let target = root.join("proc");
        fs::create_dir_all(&target).expect("creates proc/ in the copy");
        run(Command::new("mount").args(["-t", "proc", "proc"]).arg(&target));
        ProcMount(target)
    }
}

impl Drop for ProcMount {
    fn drop(&mut self) {
        let ok = Command::new("umount").arg(&self.0).status().map(|s| s.success()).unwrap_or(false);
        if !ok {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
}

/// `chroot ROOT ARGS...` with an empty environment but for PATH, as a provisioner would run it.
fn chroot(root: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("chroot");
    cmd.arg(root)
        .args(args)
        .env_clear()
        .env("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    cmd
}

/// The verdict and every (check id, status) of a JSON report.
fn verdict_and_statuses(json: &[u8]) -> (String, Vec<(String, String)>) {
    let report: serde_json::Value = serde_json::from_slice(json)
        .unwrap_or_else(|e| panic!("not a JSON report ({e}): {}", String::from_utf8_lossy(json)));
    let checks = report["checks"].as_array().unwrap_or_else(|| panic!("no checks in {report}"));
    let statuses = checks.iter().map(|c| (c["id"].to_string(), c["status"].to_string())).collect();
    (report["verdict"].to_string(), statuses)
}

#[test]
fn static_binary_is_static_and_runs_with_an_empty_environment() {
    let bin = static_binary();
    let file = stdout(Command::new("file").arg("-L").arg(&bin));
    assert!(
        file.contains("statically linked") || file.contains("static-pie linked"),
        "file(1) does not call it static: {file}"
    );
    assert!(file.contains("x86-64"), "{file}");
    // ldd exits non-zero on a static binary; what it prints is what counts.
    let ldd = Command::new("ldd").arg(&bin).output().expect("runs ldd");
    let ldd = format!("{}{}", String::from_utf8_lossy(&ldd.stdout), String::from_utf8_lossy(&ldd.stderr));
    assert!(
        ldd.contains("not a dynamic executable") || ldd.contains("statically linked"),
        "ldd finds dynamic dependencies: {ldd}"
    );

    let version = stdout(Command::new(&bin).arg("--version").env_clear());
    assert_eq!(version.trim(), format!("bootready {VERSION}"), "dist/ is stale: rerun packaging/build");

    let out = Command::new(&bin)
        .args(["check", "--cloud", "aws", "--format", "json", "--root"])
        .arg(fixture("centos-7.9"))
        .env_clear()
        .output()
        .expect("runs the static binary");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, statuses) = verdict_and_statuses(&out.stdout);
    assert!(statuses.contains(&("\"matrix\"".into(), "\"pass\"".into())), "CentOS 7 on AWS: {statuses:?}");
}

#[test]
fn static_binary_live_verdict_in_a_debian_chroot_equals_its_root_verdict_from_outside() {
    let copy = debian_copy();
    let root = copy.path();
    fs::copy(static_binary(), root.join("usr/local/bin/bootready")).expect("copies the binary in");
    let _proc = ProcMount::new(root);

    let live = chroot(root, &["bootready", "check", "--cloud", "aws", "--format", "json"])
        .output()
        .expect("chroot runs");
    let outside = Command::new(static_binary())
        .args(["check", "--cloud", "aws", "--format", "json", "--root"])
        .arg(root)
        .output()
        .expect("runs the static binary");
    for out in [&live, &outside] {
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "exit {:?}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (live_verdict, live_checks) = verdict_and_statuses(&live.stdout);
    let (root_verdict, root_checks) = verdict_and_statuses(&outside.stdout);
    assert_eq!(live_checks, root_checks, "per-check statuses: live in the chroot vs --root from outside");
    assert_eq!(live_verdict, root_verdict);
    assert_eq!(live.status.code(), outside.status.code());
    let live_report: serde_json::Value = serde_json::from_slice(&live.stdout).expect("JSON");
    assert_eq!(live_report["target"], "live host", "the chroot run inspected the live host");
    assert_eq!(live_report["facts"]["os"]["id"], "debian", "{live_report}");
}

#[test]
fn deb_installs_with_dpkg_in_a_debian_chroot_and_runs() {
    let copy = debian_copy();
    let root = copy.path();
    let deb = artifact("_amd64.deb");
    fs::copy(&deb, root.join("tmp/bootready.deb")).expect("copies the .deb in");
    let _proc = ProcMount::new(root);

    run(&mut chroot(root, &["dpkg", "-i", "/tmp/bootready.deb"]));
    let version = stdout(&mut chroot(root, &["bootready", "--version"]));
    assert_eq!(version.trim(), format!("bootready {VERSION}"));
    let files = stdout(&mut chroot(root, &["dpkg", "-L", "bootready"]));
    for want in [
        "/usr/bin/bootready",
        "/usr/share/man/man1/bootready.1.gz",
        "/usr/share/man/man1/bootready-check.1.gz",
        "/usr/share/bash-completion/completions/bootready",
        "/usr/share/zsh/vendor-completions/_bootready",
        "/usr/share/fish/vendor_completions.d/bootready.fish",
    ] {
        assert!(files.lines().any(|l| l == want), "{want} not in the .deb:\n{files}");
    }
    let depends = stdout(&mut chroot(root, &["dpkg-query", "-W", "-f", "${Depends}", "bootready"]));
    assert_eq!(depends.trim(), "", "a static binary depends on nothing");
}

/// The rpmlib() features el6's rpm 4.8.0 provides (lib/rpmds.c, rpmlibProvides, tag
/// rpm-4.8.0-release). A package requiring any other (PayloadIsZstd, LargeFiles, ...) does
/// not install there.
const RPM_4_8_RPMLIB: &[&str] = &[
    "VersionedDependencies",
    "CompressedFileNames",
    "PayloadIsBzip2",
    "PayloadIsXz",
    "PayloadIsLzma",
    "PayloadFilesHavePrefix",
    "ExplicitPackageProvide",
    "HeaderLoadSortsTags",
    "ScriptletInterpreterArgs",
    "PartialHardlinkSets",
    "ConcurrentAccess",
    "BuiltinLuaScripts",
    "FileDigests",
    "FileCaps",
];

#[test]
fn rpm_holds_the_files_and_needs_nothing_el6_lacks() {
    let rpm = artifact(".x86_64.rpm");
    let files = stdout(Command::new("rpm").arg("-qpl").arg(&rpm));
    for want in [
        "/usr/bin/bootready",
        "/usr/share/man/man1/bootready.1.gz",
        "/usr/share/man/man1/bootready-check.1.gz",
        "/usr/share/bash-completion/completions/bootready",
        "/usr/share/zsh/site-functions/_bootready",
        "/usr/share/fish/vendor_completions.d/bootready.fish",
    ] {
        assert!(files.lines().any(|l| l == want), "{want} not in the .rpm:\n{files}");
    }

    let requires = stdout(Command::new("rpm").arg("-qpR").arg(&rpm));
    for req in requires.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if req == "/bin/sh" {
            continue;
        }
        let feature =
            req.strip_prefix("rpmlib(").and_then(|r| r.split_once(')')).map(|(f, _)| f).unwrap_or_else(
                || panic!("the .rpm requires {req:?}: only /bin/sh and rpmlib() features are allowed"),
            );
        assert!(RPM_4_8_RPMLIB.contains(&feature), "rpm 4.8 (el6) lacks rpmlib({feature})");
    }

    let compressor = stdout(Command::new("rpm").args(["-qp", "--qf", "%{PAYLOADCOMPRESSOR}"]).arg(&rpm));
    assert_eq!(compressor, "gzip", "el6's rpm 4.8 reads gzip, bzip2 and xz payloads only");

    // rpm 4.8 rejects a signature header with more than 32 tags or 8192 bytes of data
    // (rpmReadSignature). It sits right after the 96-byte lead: magic, 4 reserved bytes, il, dl.
    let bytes = fs::read(&rpm).expect("reads the .rpm");
    assert_eq!(&bytes[96..99], &[0x8e, 0xad, 0xe8], "signature header magic");
    let word = |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let (tags, data) = (word(104), word(108));
    assert!(tags <= 32 && data <= 8192, "signature header: {tags} tags, {data} bytes");

    let checked = stdout(Command::new("rpm").args(["--checksig", "--nosignature"]).arg(&rpm));
    assert!(checked.contains("digests OK"), "{checked}");

    // Installs into an empty root with no --nodeps: nothing is required.
    let empty = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    run(Command::new("rpm").arg("--root").arg(empty.path()).arg("--initdb"));
    run(Command::new("rpm").arg("--root").arg(empty.path()).args(["-i", "--nosignature"]).arg(&rpm));
    let version = stdout(Command::new(empty.path().join("usr/bin/bootready")).arg("--version").env_clear());
    assert_eq!(version.trim(), format!("bootready {VERSION}"));
}

/// The .deb's files, unpacked into a temp dir.
fn unpacked_deb() -> tempfile::TempDir {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    run(Command::new("dpkg-deb").arg("-x").arg(artifact("_amd64.deb")).arg(dir.path()));
    dir
}

#[test]
fn man_pages_render_without_warnings() {
    let deb = unpacked_deb();
    let man1 = deb.path().join("usr/share/man/man1");
    for (page, wants) in [
        ("bootready.1.gz", &["SUBCOMMANDS", "bootready-check(1)", "EXIT STATUS"][..]),
        (
            "bootready-check.1.gz",
            &["--cloud", "--format", "EXAMPLES", "EXIT STATUS", "bootready could not do its job"][..],
        ),
        ("bootready-matrix.1.gz", &["--root"][..]),
    ] {
        let out = run(Command::new("man")
            .args(["--warnings", "-l"])
            .arg(man1.join(page))
            .env("MANWIDTH", "100")
            .env_remove("MAN_KEEP_FORMATTING")
            .env("MANPAGER", "cat")
            .env("PAGER", "cat"));
        let text = String::from_utf8_lossy(&out.stdout);
        let warnings = String::from_utf8_lossy(&out.stderr);
        assert!(warnings.trim().is_empty(), "{page}: groff warnings:\n{warnings}");
        for want in wants {
            assert!(text.contains(want), "{page} lacks {want:?}:\n{text}");
        }
    }
}

#[test]
fn bash_completion_loads_and_completes_subcommands_and_flags() {
    let deb = unpacked_deb();
    let script = deb.path().join("usr/share/bash-completion/completions/bootready");
    let complete = stdout(
        Command::new("bash").arg("-c").arg("source \"$1\" && complete -p bootready").arg("bash").arg(&script),
    );
    assert!(complete.contains("bootready"), "{complete}");
    let complete_words = |words: &str, cword: usize| {
        let program = format!(
            "source \"$1\"; COMP_WORDS=({words}); COMP_CWORD={cword}; COMP_LINE=\"{words}\"; COMP_POINT=${{#COMP_LINE}}; \
             $(complete -p bootready | sed -n 's/.*-F \\([^ ]*\\).*/\\1/p') bootready \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\""
        );
        stdout(Command::new("bash").arg("-c").arg(program).arg("bash").arg(&script))
    };
    let subcommands = complete_words("bootready ch", 1);
    assert!(subcommands.lines().any(|l| l.trim() == "check"), "{subcommands}");
    assert!(subcommands.lines().any(|l| l.trim() == "checks"), "{subcommands}");
    let flags = complete_words("bootready check --cl", 2);
    assert!(flags.lines().any(|l| l.trim() == "--cloud"), "{flags}");
}

#[test]
fn sha256sums_cover_every_artifact_and_match() {
    let sums = fs::read_to_string(dist().join("SHA256SUMS")).expect("reads SHA256SUMS");
    let listed: Vec<&str> = sums.lines().filter_map(|l| l.split_whitespace().nth(1)).collect();
    for entry in fs::read_dir(dist()).expect("reads dist/") {
        let name = entry.expect("reads an entry").file_name().to_string_lossy().into_owned();
        if name != "SHA256SUMS" {
            assert!(listed.contains(&name.as_str()), "{name} not in SHA256SUMS:\n{sums}");
        }
    }
    assert!(listed.contains(&STATIC_BINARY), "{sums}");
    run(Command::new("sha256sum").args(["--check", "--strict", "SHA256SUMS"]).current_dir(dist()));
}

/// The inline lines of the Linux Packer template's gate, with `${var.cloud}` filled in.
fn packer_gate_script(cloud: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("packaging/packer/linux.pkr.hcl");
    let body = hcl::parse(&fs::read_to_string(&path).expect("reads the template")).expect("valid HCL");
    let build = body.blocks().find(|b| b.identifier() == "build").expect("a build block");
    let inline = build
        .body()
        .blocks()
        .filter(|b| {
            b.identifier() == "provisioner" && b.labels().first().map(|l| l.as_str()) == Some("shell")
        })
        .filter_map(|b| b.body().attributes().find(|a| a.key() == "inline").map(|a| a.expr().clone()))
        .find(|e| e.to_string().contains("--format junit"))
        .expect("the gate's inline commands");
    let hcl::Expression::Array(lines) = inline else { panic!("inline is not a list: {inline}") };
    let mut script = String::new();
    for line in lines {
        let text = line.to_string();
        let text = text
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .unwrap_or_else(|| panic!("not a string: {text}"));
        script.push_str(&text.replace("${var.cloud}", cloud).replace("\\\"", "\""));
        script.push('\n');
    }
    script
}

#[test]
fn packer_gate_script_fails_a_not_ready_image_and_leaves_the_reports() {
    let copy = debian_copy();
    let root = copy.path();
    // What the template's file provisioner uploads, where it uploads it.
    fs::copy(static_binary(), root.join("tmp/bootready")).expect("uploads the binary");
    let _proc = ProcMount::new(root);
    // Packer's shell provisioner runs inline commands with `/bin/sh -e` (inline_shebang). VMware
    // never bootstraps dynamically: not ready, exit 1, the build fails. On AWS the script's exit
    // code must be the verdict's, whatever the other checks say about this Debian.
    for cloud in ["vmware", "aws"] {
        for report in ["tmp/bootready.xml", "tmp/bootready.json"] {
            let _ = fs::remove_file(root.join(report));
        }
        fs::write(root.join("tmp/gate.sh"), packer_gate_script(cloud)).expect("writes the script");
        let out = chroot(root, &["/bin/sh", "-e", "/tmp/gate.sh"]).output().expect("runs the gate");
        let json: serde_json::Value =
            serde_json::from_slice(&fs::read(root.join("tmp/bootready.json")).expect("the JSON report"))
                .expect("JSON");
        let want_exit = if json["verdict"] == "ready" { 0 } else { 1 };
        if cloud == "vmware" {
            assert_eq!(json["verdict"], "not-ready");
        }
        assert_eq!(
            out.status.code(),
            Some(want_exit),
            "--cloud {cloud}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let junit = fs::read_to_string(root.join("tmp/bootready.xml"))
            .expect("the JUnit report is there to download");
        assert!(junit.contains("<testsuite"), "{junit}");
        assert_eq!(junit.contains("<failure") || junit.contains("<error"), want_exit == 1, "{junit}");
    }
}
