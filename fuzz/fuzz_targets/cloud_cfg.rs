//! cloud.cfg YAML (with the parser's alias/depth budget), merged over a real base file, on any
//! bytes: an error is fine, a panic, hang or runaway allocation is not.
#![no_main]

use bootready::facts::cloud_init::merge_texts;
use libfuzzer_sys::fuzz_target;

const BASE: &str = include_str!("../../tests/fixtures/centos-7.9/etc/cloud/cloud.cfg");

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = merge_texts([("/etc/cloud/cloud.cfg", BASE), ("/etc/cloud/cloud.cfg.d/99.cfg", &*text)]);
});
