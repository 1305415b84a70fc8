//! cloudbase-init.conf (INI with continuation lines) on any bytes.
#![no_main]

use bootready::facts::cloudbase::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse(
        "/Program Files/Cloudbase Solutions/Cloudbase-Init/conf/cloudbase-init.conf",
        &String::from_utf8_lossy(data),
    );
});
