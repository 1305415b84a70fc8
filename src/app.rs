//! Runs a parsed command: builds the target, gathers facts, runs checks, writes the report.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;

use crate::checks::certificates::RequiredCa;
use crate::checks::{self, CheckOptions, Verdict};
use crate::cli::{CheckArgs, Cli, Command, FactsArgs, FactsFormat, MatrixArgs, PythonArgs};
use crate::facts;
use crate::policy::Policy;
use crate::report::{self, Format, Report, text};
use crate::target::{Mode, Target};

/// Runs the command; `Err` means the tool could not do its job (exit 2).
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Facts(args) => show_facts(args),
        Command::Matrix(args) => matrix(args),
        Command::Checks => {
            let mut out = String::new();
            for c in checks::ALL {
                out.push_str(&format!("{:<14} {}\n", c.id, c.about));
            }
            print(&out)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let policy = Policy::load(&args.policy.policy)?;
    if let Some(cloud) = &args.cloud {
        policy.cloud(cloud)?;
    }
    let selected = checks::select(&args.only, &args.skip)?;
    let target = Target::from_arg(args.target.root.as_deref())?;
    if args.probe && target.mode == Mode::Image && !args.probe_from_host {
        anyhow::bail!(
            "--probe connects from this machine, not from the image: with --root add --probe-from-host to probe from here and verify against the image's CA bundle"
        );
    }
    let ca_certs = args.ca_cert.iter().map(|f| read_ca_cert(f)).collect::<anyhow::Result<Vec<_>>>()?;
    let ca_certs = ca_certs.into_iter().flatten().collect();
    // Only an https:// store is probed: plain HTTP has nothing to verify.
    let input = facts::FactsInput {
        now: args.now,
        probe: args.bundle_store.clone().filter(|u| args.probe && checks::has_scheme(u, "https://")),
        ..facts_input(&args.python)
    };
    let options = CheckOptions {
        cloud: args.cloud.clone(),
        https: args.https,
        bundle_store: args.bundle_store.clone(),
        ca_certs,
        probe: input.probe.is_some(),
    };
    let facts = facts::gather_with(&target, &input, &checks::needs(&selected, &options));
    let outcomes: Vec<_> = selected.iter().map(|c| (c.run)(&facts, &policy, &options)).collect();
    let verdict = Verdict::of(&outcomes, args.strict);
    let report = Report {
        schema_version: report::SCHEMA_VERSION,
        bootready_version: env!("CARGO_PKG_VERSION"),
        target: target.describe(),
        cloud: args.cloud,
        facts,
        checks: outcomes,
        verdict,
        strict: args.strict,
    };
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let rendered = match args.format {
        Format::Text => text::render(&report, text::use_colour(to_terminal)),
        Format::Json => report::json::render(&report),
        Format::Junit => report::junit::render(&report),
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, rendered).with_context(|| format!("writing --output {}", path.display()))?;
            print(&format!("{}\n", report.verdict_line()))?;
        }
        None => print(&rendered)?,
    }
    Ok(match verdict {
        Verdict::Ready => ExitCode::SUCCESS,
        Verdict::NotReady => ExitCode::from(1),
    })
}

/// The user's input to fact gathering.
fn facts_input(python: &PythonArgs) -> facts::FactsInput {
    facts::FactsInput { python: python.python.clone(), ..Default::default() }
}

fn show_facts(args: FactsArgs) -> anyhow::Result<ExitCode> {
    let target = Target::from_arg(args.target.root.as_deref())?;
    let facts = facts::gather_with(&target, &facts_input(&args.python), facts::Fact::ALL);
    let out = match args.format {
        FactsFormat::Text => text::render_value(&facts),
        FactsFormat::Json => format!("{}\n", serde_json::to_string_pretty(&facts)?),
    };
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}

fn matrix(args: MatrixArgs) -> anyhow::Result<ExitCode> {
    let policy = Policy::load(&args.policy.policy)?;
    let target = Target::from_arg(args.target.root.as_deref())?;
    let facts = facts::gather_with(&target, &facts::FactsInput::default(), checks::matrix::NEEDS);
    let rows: Vec<(String, checks::Outcome)> = policy
        .clouds
        .keys()
        .map(|cloud| (cloud.clone(), checks::matrix::for_cloud(&facts, &policy, cloud)))
        .collect();
    let out = match args.format {
        FactsFormat::Json => {
            let json: Vec<_> = rows
                .iter()
                .map(|(cloud, o)| serde_json::json!({"cloud": cloud, "status": o.status, "summary": o.summary, "evidence": o.evidence, "remediation": o.remediation}))
                .collect();
            format!("{}\n", serde_json::to_string_pretty(&json)?)
        }
        FactsFormat::Text => {
            let colour = text::use_colour(std::io::stdout().is_terminal());
            let mut x = match &facts.os {
                Ok(os) => format!("{} ({} {})\n", os.pretty_name, os.id, os.version_id),
                Err(e) => format!("unidentified OS ({e})\n"),
            };
            for (cloud, o) in &rows {
                x.push_str(&format!("{cloud:<10} {} {}\n", text::paint(o.status, colour), o.summary));
            }
            x
        }
    };
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// Largest --ca-cert file read.
const CA_CERT_LIMIT: u64 = 1024 * 1024;

/// Reads a `--ca-cert` file (PEM, possibly several certificates, or DER): every certificate in it.
fn read_ca_cert(path: &std::path::Path) -> anyhow::Result<Vec<RequiredCa>> {
    use std::io::Read;
    let meta = std::fs::metadata(path).with_context(|| format!("--ca-cert {}", path.display()))?;
    if !meta.is_file() {
        anyhow::bail!("--ca-cert {}: not a regular file", path.display());
    }
    let file = std::fs::File::open(path).with_context(|| format!("--ca-cert {}", path.display()))?;
    let mut data = Vec::new();
    file.take(CA_CERT_LIMIT + 1)
        .read_to_end(&mut data)
        .with_context(|| format!("--ca-cert {}", path.display()))?;
    if data.len() as u64 > CA_CERT_LIMIT {
        anyhow::bail!(
            "--ca-cert {}: larger than {CA_CERT_LIMIT} bytes: not a CA certificate",
            path.display()
        );
    }
    let parsed = facts::certs::parse(&data, true);
    if let Some(bad) = parsed.bad.first() {
        anyhow::bail!("--ca-cert {}: line {}: {}", path.display(), bad.line, bad.error);
    }
    if parsed.certs.is_empty() {
        anyhow::bail!("--ca-cert {}: no certificate in it", path.display());
    }
    Ok(parsed
        .certs
        .into_iter()
        .map(|c| c.summary)
        .map(|s| RequiredCa { file: path.display().to_string(), subject: s.subject, sha256: s.sha256 })
        .collect())
}

/// Writes to standard output; a closed pipe (`| head`) is not an error worth a panic.
fn print(s: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing to standard output"),
    }
}
