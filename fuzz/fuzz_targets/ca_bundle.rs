//! A CA bundle (PEM blocks, or one DER certificate) on any bytes: garbage base64, truncated
//! blocks and bad DER must come back as unparseable, never a crash; and every certificate the
//! DER reader accepts, OpenSSL's decoder must accept too (it is what the image really uses).
#![no_main]

use bootready::facts::certs::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for cert in parse(data, true).certs {
        assert!(
            openssl::x509::X509::from_der(&cert.der).is_ok(),
            "OpenSSL refuses what we read: {:?}",
            cert.summary
        );
    }
});
