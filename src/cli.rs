//! Every flag and subcommand, in one place; the help text lives here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::report::Format;

const EXIT_CODES: &str = "\
Exit codes:
  0  ready: no check failed (warnings allowed, unless --strict)
  1  not ready: a check ended in fail or error (or warn, with --strict)
  2  bootready could not do its job: bad arguments, --root missing or unreadable, bad --policy";

const EXAMPLES: &str = "\
Examples:
  bootready check --cloud aws                      # on the VM, before capturing it
  bootready check --root /mnt/image --cloud azure  # an image root mounted at /mnt/image
  bootready check --cloud aws --format junit --output report.xml
  bootready matrix --root /mnt/image               # this image on every cloud
  bootready facts --format json                    # what was detected, nothing decided";

/// Will this machine image bootstrap its management agent when an orchestrator launches it
/// with a bootstrap script in user data? bootready inspects the running host (or an image root
/// mounted at a directory), maps it onto the vendor's support matrix, checks what the bootstrap
/// needs, and says ready or not ready, with the reason and the fix.
#[derive(Debug, Parser)]
#[command(name = "bootready", version, about, long_about, after_long_help = format!("{EXAMPLES}\n\n{EXIT_CODES}"))]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every check and give a verdict (exit 0 ready, 1 not ready, 2 could not check).
    #[command(after_long_help = format!("{EXAMPLES}\n\n{EXIT_CODES}"))]
    Check(CheckArgs),
    /// Print what was detected about the target (nothing is decided).
    Facts(FactsArgs),
    /// Print this image's support-matrix verdict for every cloud in one table.
    Matrix(MatrixArgs),
    /// List every check id with what it verifies.
    Checks,
}

/// Where to look.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// Inspect the image root filesystem mounted at DIR, as if DIR were `/`, instead of the
    /// running host. Nothing in DIR is executed or written; symlinks never lead out of it.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
}

/// What the bootstrap runs.
#[derive(Debug, Args)]
pub struct PythonArgs {
    /// The interpreter the bootstrap runs: a NAME looked up on the root login PATH
    /// (/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin) or a PATH inside the
    /// target, e.g. /opt/rh/python27/root/usr/bin/python. Default: the first of python,
    /// python2, python3 found on that PATH.
    #[arg(long, value_name = "NAME|PATH")]
    pub python: Option<String>,
}

/// The policy in force.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// Lay a policy file over the built-in support matrix (same format as the built-in
    /// checks/matrix.toml: add clouds or image rows, or replace them). Repeatable.
    #[arg(long, value_name = "FILE")]
    pub policy: Vec<PathBuf>,
}

/// Arguments of `bootready check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub python: PythonArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// The cloud the image will be launched on: aws, azure, google, openstack, softlayer,
    /// alibaba, vmware (or one a --policy file adds). Without it the matrix check is skipped.
    #[arg(long, value_name = "CLOUD")]
    pub cloud: Option<String>,
    /// The bootstrap will fetch over HTTPS: turn on every HTTPS requirement (Python >= 2.7.9
    /// with a verifying ssl module, openssl-devel, the CA in the trust store). Also implied by
    /// an https:// --bundle-store and by --cloud softlayer.
    #[arg(long)]
    pub https: bool,
    /// URL of the bundle store the bootstrap downloads from; https:// implies --https.
    #[arg(long, value_name = "URL")]
    pub bundle_store: Option<String>,
    /// A CA certificate (PEM or DER file on this machine) that the image's CA bundle must hold,
    /// e.g. the one that signed the bundle store's certificate; compared by SHA-256
    /// fingerprint. If it sits in the anchors directory but not in the bundle, the report
    /// says that `update-ca-trust extract` / `update-ca-certificates` was not run. Repeatable.
    #[arg(long = "ca-cert", value_name = "FILE")]
    pub ca_cert: Vec<PathBuf>,
    /// Judge certificate validity at this instant instead of now: a date (2027-01-01, its
    /// midnight UTC) or an RFC 3339 time (2027-01-01T12:00:00Z, 2027-01-01T13:00:00+01:00).
    /// Useful to ask "will the image still work when it is launched next year?".
    #[arg(long, value_name = "WHEN", value_parser = parse_now)]
    pub now: Option<i64>,
    /// Connect to the https:// --bundle-store from this machine and verify its chain and host
    /// name against the image's CA bundle (and nothing else); reports the chain, the protocol
    /// and why it fails (unknown CA, expired, name mismatch, refused, timeout). At most 10 s.
    /// Live host only: with --root it also needs --probe-from-host.
    #[arg(long, requires = "bundle_store")]
    pub probe: bool,
    /// With --root and --probe: probe from this host's network, verifying against the
    /// image's CA bundle (what the image would trust, not what it could reach).
    #[arg(long, requires = "probe")]
    pub probe_from_host: bool,
    /// Report format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Write the report to FILE; standard output then gets only the verdict line.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Treat warnings as not ready (exit 1).
    #[arg(long)]
    pub strict: bool,
    /// Run only this check (repeatable; see `bootready checks` for the ids).
    #[arg(long = "check", value_name = "ID")]
    pub only: Vec<String>,
    /// Do not run this check (repeatable).
    #[arg(long = "skip", value_name = "ID")]
    pub skip: Vec<String>,
}

/// Parses `--now`.
fn parse_now(s: &str) -> Result<i64, String> {
    crate::timestamp::parse(s)
}

/// Arguments of `bootready facts`.
#[derive(Debug, Args)]
pub struct FactsArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub python: PythonArgs,
    /// Output format (text or json).
    #[arg(long, value_enum, default_value = "text")]
    pub format: FactsFormat,
}

/// Formats for `facts` and `matrix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FactsFormat {
    /// Indented `key: value` lines.
    Text,
    /// JSON.
    Json,
}

/// Arguments of `bootready matrix`.
#[derive(Debug, Args)]
pub struct MatrixArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Output format (text or json).
    #[arg(long, value_enum, default_value = "text")]
    pub format: FactsFormat,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
