//! A `--policy` TOML file laid over the built-in matrix: any text must end in `Ok` or in an
//! error that names the file, never in a panic (spans and line/column positions included).
#![no_main]

use std::sync::LazyLock;

use bootready::policy::Policy;
use libfuzzer_sys::fuzz_target;

static BUILTIN: LazyLock<Policy> = LazyLock::new(|| Policy::builtin().expect("the built-in matrix loads"));

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut policy = BUILTIN.clone();
    match policy.overlay("fuzz.toml", &text) {
        Ok(()) => {
            // Every cell names a cloud the policy defines.
            for image in &policy.images {
                for cloud in image.cells.keys() {
                    assert!(policy.clouds.contains_key(cloud), "{cloud}");
                }
            }
        }
        Err(e) => assert!(e.to_string().starts_with("policy fuzz.toml"), "{e}"),
    }
});
