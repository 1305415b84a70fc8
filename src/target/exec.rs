//! Bounded subprocesses, for the live host only: no shell, a clean environment, stdin closed,
//! a timeout that kills (and reaps) the whole process group, and capped output.
//!
//! In image mode nothing from the image may run on the host, so [`run`] refuses with
//! [`ExecError::ImageMode`] before anything is spawned.

use std::ffi::OsStr;
use std::fmt;
use std::io::{self, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::{Mode, Target};

/// The PATH every subprocess gets: the default PATH of a root login, never the caller's.
pub const SAFE_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/// How often a running child is polled for exit.
const POLL: Duration = Duration::from_millis(5);
/// After the child is gone, how long the output readers may take to see end-of-file (a
/// grandchild that left the process group may hold the pipes open; we do not wait for it).
const DRAIN_GRACE: Duration = Duration::from_millis(500);

/// Bounds on one subprocess.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Wall-clock time before the process group is killed.
    pub timeout: Duration,
    /// Bytes kept from each of stdout and stderr; the rest is read and discarded.
    pub max_output: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { timeout: Duration::from_secs(5), max_output: 64 * 1024 }
    }
}

/// What a finished (or killed) subprocess did.
#[derive(Debug, Clone)]
pub struct ExecOutput {
    /// Exit code, when it exited normally.
    pub code: Option<i32>,
    /// The signal that ended it (Unix), e.g. 9 after a timeout, 11 for a crash.
    pub signal: Option<i32>,
    /// True when the timeout expired and the process was killed.
    pub timed_out: bool,
    /// Captured standard output (at most `max_output` bytes).
    pub stdout: Vec<u8>,
    /// Captured standard error (at most `max_output` bytes).
    pub stderr: Vec<u8>,
    /// True when stdout had more than `max_output` bytes.
    pub stdout_truncated: bool,
    /// True when stderr had more than `max_output` bytes.
    pub stderr_truncated: bool,
    /// Wall-clock time from spawn to reaping.
    pub elapsed: Duration,
}

impl ExecOutput {
    /// True when the process exited by itself with code 0.
    pub fn success(&self) -> bool {
        !self.timed_out && self.code == Some(0)
    }

    /// One line describing how it ended: `exit 0`, `killed by signal 11`, `timed out after 5s`.
    pub fn describe_end(&self, limits: &Limits) -> String {
        if self.timed_out {
            return format!("timed out after {:?} and was killed", limits.timeout);
        }
        match (self.code, self.signal) {
            (Some(c), _) => format!("exit status {c}"),
            (None, Some(s)) => format!("killed by signal {s}"),
            (None, None) => "ended without an exit status".to_string(),
        }
    }
}

/// Why a subprocess could not be run at all.
#[derive(Debug)]
pub enum ExecError {
    /// The target is an image root: nothing from it is ever executed.
    ImageMode { program: String },
    /// The program could not be started (missing, not executable, bad interpreter line).
    Spawn { program: String, source: io::Error },
    /// Waiting for or killing the child failed.
    Wait { program: String, source: io::Error },
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExecError::ImageMode { program } => {
                write!(f, "{program}: not run: the target is an image root and nothing from it is executed")
            }
            ExecError::Spawn { program, source } => write!(f, "{program}: could not be started: {source}"),
            ExecError::Wait { program, source } => write!(f, "{program}: waiting for it failed: {source}"),
        }
    }
}

impl std::error::Error for ExecError {}

/// Runs `program` with `args` on the live host within `limits`. `program` is a path on the
/// host (on a live target, in-root paths are host paths). The environment is only
/// `PATH=`[`SAFE_PATH`] and `LC_ALL=C`.
pub fn run(
    target: &Target,
    program: &Path,
    args: &[&OsStr],
    limits: &Limits,
) -> Result<ExecOutput, ExecError> {
    let name = program.display().to_string();
    if target.mode == Mode::Image {
        return Err(ExecError::ImageMode { program: name });
    }
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env_clear()
        .env("PATH", SAFE_PATH)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(dir) = target.root.base().to_str() {
        cmd.current_dir(dir);
    }
    platform::prepare(&mut cmd);
    let start = Instant::now();
    let mut child = cmd.spawn().map_err(|source| ExecError::Spawn { program: name.clone(), source })?;
    let stdout = child.stdout.take().map(|s| Capture::start(s, limits.max_output));
    let stderr = child.stderr.take().map(|s| Capture::start(s, limits.max_output));
    let (status, timed_out) = wait_bounded(&mut child, limits.timeout)
        .map_err(|source| ExecError::Wait { program: name.clone(), source })?;
    let drain_until = Instant::now() + DRAIN_GRACE;
    let (stdout, stdout_truncated) = stdout.map(|c| c.finish(drain_until)).unwrap_or_default();
    let (stderr, stderr_truncated) = stderr.map(|c| c.finish(drain_until)).unwrap_or_default();
    Ok(ExecOutput {
        code: status.code(),
        signal: platform::signal(&status),
        timed_out,
        stdout,
        stderr,
        stdout_truncated,
        stderr_truncated,
        elapsed: start.elapsed(),
    })
}

/// Waits for `child` until `timeout`; then kills its process group and reaps it.
fn wait_bounded(child: &mut Child, timeout: Duration) -> io::Result<(ExitStatus, bool)> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            // The leader is gone; stragglers in its group (a shell's `sleep`) go too. While any
            // member lives the group id cannot be reused, so this reaches only our children.
            platform::kill_group(child);
            return Ok((status, false));
        }
        if Instant::now() >= deadline {
            platform::kill_group(child);
            let _ = child.kill();
            return Ok((child.wait()?, true));
        }
        thread::sleep(POLL);
    }
}

/// One output stream read on its own thread into a capped buffer.
struct Capture {
    shared: Arc<Mutex<(Vec<u8>, bool)>>,
    handle: JoinHandle<()>,
}

impl Capture {
    fn start(mut stream: impl Read + Send + 'static, cap: usize) -> Capture {
        let shared = Arc::new(Mutex::new((Vec::new(), false)));
        let sink = Arc::clone(&shared);
        let handle = thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            loop {
                let n = match stream.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                };
                let Ok(mut guard) = sink.lock() else { break };
                let (buf, truncated) = &mut *guard;
                let room = cap.saturating_sub(buf.len());
                buf.extend_from_slice(&chunk[..n.min(room)]);
                if n > room {
                    *truncated = true; // keep reading so the child never blocks on a full pipe
                }
            }
        });
        Capture { shared, handle }
    }

    /// What was captured, waiting for end-of-file until `until` at most.
    fn finish(self, until: Instant) -> (Vec<u8>, bool) {
        while !self.handle.is_finished() && Instant::now() < until {
            thread::sleep(POLL);
        }
        let done = self.handle.is_finished();
        if done {
            let _ = self.handle.join();
        }
        match self.shared.lock() {
            Ok(mut guard) => {
                let (buf, truncated) = std::mem::take(&mut *guard);
                // A reader still running means something outside the group holds the pipe.
                (buf, truncated || !done)
            }
            Err(_) => (Vec::new(), true),
        }
    }
}

#[cfg(unix)]
mod platform {
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    use std::process::{Child, Command, ExitStatus};

    /// Puts the child in a process group of its own, so a timeout kills its children too.
    pub fn prepare(cmd: &mut Command) {
        cmd.process_group(0);
    }

    pub fn kill_group(child: &Child) {
        if let Ok(pid) = libc::pid_t::try_from(child.id()) {
            // SAFETY: kill(2) with a negative pid signals the group the child leads; no memory
            // is touched. The group was created for this child by `prepare`.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
    }

    pub fn signal(status: &ExitStatus) -> Option<i32> {
        status.signal()
    }
}

#[cfg(not(unix))]
mod platform {
    use std::process::{Child, Command, ExitStatus};

    pub fn prepare(_cmd: &mut Command) {}

    pub fn kill_group(_child: &Child) {}

    pub fn signal(_status: &ExitStatus) -> Option<i32> {
        None
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::target::Root;

    fn live() -> Target {
        Target { mode: Mode::Live, root: Root::new("/").unwrap() }
    }

    fn sh(script: &str, limits: &Limits) -> ExecOutput {
        run(&live(), Path::new("/bin/sh"), &[OsStr::new("-c"), OsStr::new(script)], limits).unwrap()
    }

    #[test]
    fn timeout_kills_sleep_and_its_group() {
        let limits = Limits { timeout: Duration::from_millis(300), ..Limits::default() };
        let start = Instant::now();
        // The shell forks `sleep`, which holds stdout open: the group kill must end both.
        let out = sh("echo started; sleep 30; echo never", &limits);
        assert!(out.timed_out, "{out:?}");
        assert_eq!(out.signal, Some(libc::SIGKILL));
        assert_eq!(out.code, None);
        assert_eq!(out.stdout, b"started\n");
        assert!(start.elapsed() < Duration::from_secs(5), "took {:?}", start.elapsed());
        assert!(out.describe_end(&limits).contains("timed out"));
    }

    #[test]
    fn output_flood_is_capped_and_does_not_block() {
        let limits = Limits { timeout: Duration::from_secs(20), max_output: 1000 };
        // 8 MB on each stream: far beyond a pipe buffer, so an unread pipe would deadlock.
        let out = sh("head -c 8000000 /dev/zero; head -c 8000000 /dev/zero >&2; exit 3", &limits);
        assert!(!out.timed_out, "{out:?}");
        assert_eq!(out.code, Some(3));
        assert_eq!((out.stdout.len(), out.stderr.len()), (1000, 1000));
        assert!(out.stdout_truncated && out.stderr_truncated);
        assert!(!out.success());
    }

    #[test]
    fn environment_is_cleaned() {
        // SAFETY (test only): set before the child is spawned; other tests do not read these.
        unsafe {
            std::env::set_var("PYTHONPATH", "/evil");
            std::env::set_var("LD_PRELOAD", "/evil.so");
        }
        let out = sh("env", &Limits::default());
        let env = String::from_utf8_lossy(&out.stdout);
        let mut vars: Vec<&str> = env
            .lines()
            .filter(|l| !l.starts_with("PWD=") && !l.starts_with("SHLVL=") && !l.starts_with("_="))
            .collect();
        vars.sort();
        let want = ["LC_ALL=C".to_string(), format!("PATH={SAFE_PATH}")];
        assert_eq!(vars, want, "{env}");
        assert!(out.success());
    }

    #[test]
    fn stdin_is_null() {
        let out = sh("cat; echo done", &Limits { timeout: Duration::from_secs(5), ..Limits::default() });
        assert!(!out.timed_out);
        assert_eq!(out.stdout, b"done\n");
    }

    #[test]
    fn image_mode_refuses_to_run() {
        let image = Target { mode: Mode::Image, root: Root::new("/").unwrap() };
        let err = run(&image, Path::new("/bin/true"), &[], &Limits::default()).unwrap_err();
        assert!(matches!(err, ExecError::ImageMode { .. }), "{err}");
        assert!(err.to_string().contains("nothing from it is executed"));
    }

    #[test]
    fn missing_program_is_a_spawn_error() {
        let err = run(&live(), Path::new("/nonexistent/python"), &[], &Limits::default()).unwrap_err();
        assert!(matches!(err, ExecError::Spawn { .. }), "{err}");
    }
}
