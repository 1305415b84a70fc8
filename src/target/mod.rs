//! What is inspected: the live host, or an image root filesystem mounted at a directory.

pub mod exec;
mod listing;
pub mod root;

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Serialize;

pub use root::{Root, RootError};

/// Whether the target is the running system or an image root seen from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The running host: `/`, and its live state (process umask, interpreters) may be probed.
    Live,
    /// An image root: files only; nothing from it is ever executed.
    Image,
}

/// The thing being inspected.
#[derive(Debug, Clone)]
pub struct Target {
    /// Live host or image root.
    pub mode: Mode,
    /// The file tree, always read through the root resolver.
    pub root: Root,
}

impl Target {
    /// The running host, read at `/`.
    pub fn live() -> anyhow::Result<Target> {
        let root = Root::new(live_root()).context("opening the live root filesystem")?;
        Ok(Target { mode: Mode::Live, root })
    }

    /// An image root mounted at `dir`; exit-2 material if it is missing or unreadable.
    pub fn image(dir: &Path) -> anyhow::Result<Target> {
        let meta = std::fs::metadata(dir).with_context(|| format!("--root {}", dir.display()))?;
        if !meta.is_dir() {
            bail!("--root {}: not a directory", dir.display());
        }
        std::fs::read_dir(dir).with_context(|| format!("--root {}: cannot list it", dir.display()))?;
        let root = Root::new(dir).with_context(|| format!("--root {}", dir.display()))?;
        Ok(Target { mode: Mode::Image, root })
    }

    /// A target for `--root DIR` when given, else the live host.
    pub fn from_arg(root: Option<&Path>) -> anyhow::Result<Target> {
        match root {
            Some(dir) => Target::image(dir),
            None => Target::live(),
        }
    }

    /// Human-readable name: `live host` or the root directory.
    pub fn describe(&self) -> String {
        match self.mode {
            Mode::Live => "live host".to_string(),
            Mode::Image => self.root.base().display().to_string(),
        }
    }
}

#[cfg(unix)]
fn live_root() -> PathBuf {
    PathBuf::from("/")
}

#[cfg(windows)]
fn live_root() -> PathBuf {
    // The system drive is the root of a live Windows host.
    std::env::var_os("SystemDrive")
        .map(|d| PathBuf::from(format!("{}\\", d.to_string_lossy())))
        .unwrap_or_else(|| PathBuf::from("C:\\"))
}
