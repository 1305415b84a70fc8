//! The kernel command line as the image's boot loader configuration sets it: GRUB 2's
//! `/etc/default/grub` and generated `grub.cfg`, legacy GRUB's `grub.conf` (CentOS 6), Boot
//! Loader Specification entries and `/etc/kernel/cmdline`.

use crate::target::root::{self, Root};

/// Boot loader entries read from one directory (a real image has one per kernel).
const MAX_ENTRIES: usize = 1000;

/// Lines of the boot loader configuration whose kernel command line holds `word`, as
/// `file:line: text`.
pub fn find(root: &Root, word: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut scan = |file: &str, is_cmdline: &dyn Fn(&str) -> Option<String>| {
        let Ok(text) = root.read_text(file) else { return };
        for (n, line) in text.lines().enumerate() {
            if let Some(cmdline) = is_cmdline(line)
                && has_word(&cmdline, word)
            {
                found.push(format!("{file}:{}: {}", n + 1, line.trim()));
            }
        }
    };
    scan("/etc/default/grub", &default_grub);
    for file in ["/boot/grub2/grub.cfg", "/boot/grub/grub.cfg", "/boot/grub/grub.conf", "/boot/grub2/grubenv"]
    {
        scan(file, &kernel_line);
    }
    scan("/etc/kernel/cmdline", &|l: &str| Some(l.to_string()));
    if let Ok(entries) = root.read_dir("/boot/loader/entries", MAX_ENTRIES) {
        for e in entries.iter().filter(|e| e.name.ends_with(".conf")) {
            scan(&root::join("/boot/loader/entries", &e.name), &kernel_line);
        }
    }
    found
}

/// `GRUB_CMDLINE_LINUX="..."` and `GRUB_CMDLINE_LINUX_DEFAULT="..."`.
fn default_grub(line: &str) -> Option<String> {
    let line = line.trim();
    let (key, value) = line.split_once('=')?;
    key.starts_with("GRUB_CMDLINE_LINUX").then(|| value.trim_matches(['"', '\'']).to_string())
}

/// A kernel line of grub.cfg/grub.conf (`linux`, `linux16`, `linuxefi`, `kernel`), a BLS
/// `options` line, or grubenv's `kernelopts=`.
fn kernel_line(line: &str) -> Option<String> {
    let line = line.trim();
    if let Some(rest) = line.strip_prefix("kernelopts=") {
        return Some(rest.to_string());
    }
    let (first, rest) = line.split_once(char::is_whitespace)?;
    matches!(first, "linux" | "linux16" | "linuxefi" | "kernel" | "options").then(|| rest.to_string())
}

/// True when `word` is one of the whitespace-separated words of a command line.
pub fn has_word(cmdline: &str, word: &str) -> bool {
    cmdline.split_whitespace().any(|w| w.trim_matches(['"', '\'']) == word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grub_defaults_and_kernel_lines() {
        // CentOS 7.9 cloud image /etc/default/grub, with the switch added.
        let line = "GRUB_CMDLINE_LINUX=\"console=tty0 console=ttyS0,115200n8 no_timer_check net.ifnames=0 crashkernel=auto cloud-init=disabled\"";
        assert!(has_word(&default_grub(line).unwrap(), "cloud-init=disabled"));
        assert_eq!(default_grub("GRUB_TIMEOUT=1"), None);
        // CentOS 6.10 /boot/grub/grub.conf kernel line.
        let k = "\tkernel /boot/vmlinuz-2.6.32-754.el6.x86_64 ro root=UUID=0f790447 rd_NO_LUKS cloud-init=disabled";
        assert!(has_word(&kernel_line(k).unwrap(), "cloud-init=disabled"));
        assert_eq!(kernel_line("title CentOS 6 (2.6.32-754.el6.x86_64)"), None);
        assert!(!has_word("ro quiet cloud-init=enabled", "cloud-init=disabled"));
        // Rocky 9 Boot Loader Specification entry (/boot/loader/entries/<id>-5.14.0-362.8.1.el9_3.x86_64.conf).
        let bls = "options root=UUID=5a1e0a6e-93a1 console=ttyS0,115200n8 no_timer_check crashkernel=1G-4G:192M cloud-init=disabled";
        assert!(has_word(&kernel_line(bls).unwrap(), "cloud-init=disabled"));
        assert_eq!(kernel_line("title Rocky Linux (5.14.0-362.8.1.el9_3.x86_64) 9.3 (Blue Onyx)"), None);
    }
}
