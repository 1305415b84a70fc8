//! `/etc/passwd` and `/etc/group` on any bytes.
#![no_main]

use bootready::facts::accounts::{parse_group, parse_passwd};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = parse_passwd(&text);
    let _ = parse_group(&text);
});
