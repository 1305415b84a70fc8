//! A registry hive (regf) on any bytes: parse it, then walk its keys and values with bounds,
//! as the Windows facts do. Errors are fine; panics and hangs are not.
#![no_main]

use bootready::facts::regf::Hive;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(hive) = Hive::parse(data.to_vec()) else { return };
    let mut stack = vec![(hive.root(), 0u32)];
    let mut visited = 0;
    while let Some((key, depth)) = stack.pop() {
        visited += 1;
        if visited > 2_000 || depth > 16 {
            break;
        }
        let _ = hive.name(key);
        let _ = hive.value(key, "CurrentBuild");
        let _ = hive.value(key, "Start");
        if let Ok(children) = hive.subkeys(key) {
            stack.extend(children.into_iter().map(|k| (k, depth + 1)));
        }
    }
    let _ = hive.open("Microsoft\\Windows NT\\CurrentVersion");
    let _ = hive.open("Select");
});
