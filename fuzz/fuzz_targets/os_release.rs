//! os-release text (`/etc/os-release`, `/usr/lib/os-release`): any bytes, lossily decoded as
//! the root resolver does, must parse without panicking, and the OS built from it must agree
//! with the key/value map.
#![no_main]

use bootready::facts::os::{from_os_release, major_of, parse_os_release};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let map = parse_os_release(&text);
    for key in map.keys() {
        assert!(!key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{key:?}");
    }
    let os = from_os_release(&text, "/etc/os-release");
    let id = map.get("ID").map(|s| s.to_ascii_lowercase()).unwrap_or_default();
    match os {
        Some(os) => {
            assert_eq!(os.id, id);
            assert_eq!(os.major, major_of(&os.version_id));
        }
        None => assert!(id.is_empty()),
    }
});
