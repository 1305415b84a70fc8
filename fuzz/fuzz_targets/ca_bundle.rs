//! A CA bundle (PEM blocks, or one DER certificate) on any bytes: every block is parsed with
//! OpenSSL; garbage base64 and truncated blocks must come back as unparseable, never a crash.
#![no_main]

use bootready::facts::certs::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse(data, true);
});
