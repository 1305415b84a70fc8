//! The umask sources: `umask` arguments, login.defs, pam_umask lines, systemd units, shell
//! startup files in every login/interactive context, and /proc's `Umask:` line.
#![no_main]

use bootready::facts::shell::{ShellContext, umask_commands};
use bootready::facts::umask::{
    login_defs_umask, pam_umask_lines, parse_mask, parse_proc_status, unit_umask_lines,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Some(mask) = parse_mask(&text, 0o022) {
        assert!(mask <= 0o777, "{mask:o}");
    }
    let _ = login_defs_umask(&text);
    let _ = pam_umask_lines(&text);
    let _ = unit_umask_lines(&text);
    let _ = parse_proc_status(&text);
    for (login, interactive) in [(false, false), (false, true), (true, false), (true, true)] {
        let _ = umask_commands(&text, ShellContext { login, interactive });
    }
});
