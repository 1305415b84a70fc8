//! The legacy release files (`/etc/centos-release`, `/etc/redhat-release`, `/etc/lsb-release`,
//! `/etc/debian_version`, `/etc/SuSE-release`, ...): every path bootready reads, on any bytes.
#![no_main]

use bootready::facts::os::{LEGACY, from_legacy, major_of};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for path in LEGACY {
        if let Some(os) = from_legacy(path, &text) {
            assert!(!os.id.is_empty(), "{path}: empty id from {text:?}");
            assert_eq!(os.major, major_of(&os.version_id));
            assert_eq!(os.source, path);
        }
    }
});
