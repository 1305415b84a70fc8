//! dpkg's `/var/lib/dpkg/status`, streamed: any bytes, read through buffers of every small
//! size (so lines straddle buffer ends), must parse without panicking, and only stanzas that
//! say `installed` with a package name may come out.
#![no_main]

use std::io::BufReader;

use bootready::facts::packages::parse_dpkg_status;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else { return };
    // A tiny buffer makes the capped line reader meet chunk boundaries everywhere.
    let capacity = usize::from(first % 64) + 1;
    let packages =
        parse_dpkg_status(BufReader::with_capacity(capacity, rest)).expect("reading a slice never fails");
    let whole = parse_dpkg_status(rest).expect("reading a slice never fails");
    assert_eq!(packages, whole, "the result must not depend on the buffer size");
    let stanzas = rest.windows(8).filter(|w| w == b"Package:").count();
    assert!(packages.len() <= stanzas);
    for (name, p) in &packages {
        assert!(!name.is_empty());
        assert_eq!(name, &p.name);
    }
});
