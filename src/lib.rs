//! bootready: will this machine image bootstrap its management agent from user data?
//!
//! Data flows one way: target -> facts -> checks -> report.

pub mod app;
pub mod beside;
pub mod checks;
pub mod cli;
pub mod facts;
pub mod policy;
pub mod report;
#[cfg(target_arch = "x86_64")]
pub mod string_fns;
pub mod target;
pub mod timestamp;
