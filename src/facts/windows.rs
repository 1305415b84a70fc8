//! Windows facts from the registry: the edition and build (`SOFTWARE\Microsoft\Windows NT\
//! CurrentVersion`), the cloudbase-init service (`SYSTEM\<control set>\Services\cloudbase-init`),
//! its config files, and local accounts (for Google's administrator nuance).
//!
//! Live Windows reads the registry through the Windows API; an offline image (`--root` at a
//! mounted Windows volume) reads the hive files `Windows/System32/config/SOFTWARE` and `SYSTEM`
//! with the bounded reader in [`super::regf`]. Offline hives have no `CurrentControlSet`: it is
//! found through `SYSTEM\Select\Current`. Nothing from the image is ever executed.

use serde::Serialize;

use super::GatherError;
use super::cloudbase::{self, CloudbaseConfig};
use super::os::{self, OsRelease};
use super::regf::{Hive, RegValue};
use crate::target::{Mode, Target};

/// The in-root directory of the offline registry hives.
pub const HIVE_DIR: &str = "/Windows/System32/config";
/// Largest hive file read (real SOFTWARE hives are 50 to 150 MB).
const MAX_HIVE: u64 = 1024 * 1024 * 1024;
/// The key holding the edition and build.
pub const CURRENT_VERSION: &str = "Microsoft\\Windows NT\\CurrentVersion";
/// cloudbase-init's service key, below the control set.
pub const SERVICE_KEY: &str = "Services\\cloudbase-init";
/// Where the Cloudbase-Init MSI installs by default.
pub const DEFAULT_INSTALL_DIR: &str = "/Program Files/Cloudbase Solutions/Cloudbase-Init";

/// What the Windows registry and file system say about the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WindowsFacts {
    /// `ProductName`, e.g. `Windows Server 2016 Datacenter`.
    pub product_name: Option<String>,
    /// `CurrentBuild` (falling back to `CurrentBuildNumber`), e.g. 14393.
    pub current_build: Option<u32>,
    /// `CurrentMajorVersionNumber` (10 on 2016 and later; absent before).
    pub current_major_version: Option<u32>,
    /// `CurrentVersion` (6.1 on 2008 R2; 6.3 on 2012 R2 and every later release).
    pub current_version: Option<String>,
    /// `InstallationType`: `Server`, `Server Core`, `Client` (absent on 2008 R2).
    pub installation_type: Option<String>,
    /// Where the values came from: the hive file or the live registry key.
    pub source: String,
    /// Hives whose base block says they were not written out cleanly (offline only): recent
    /// changes may sit in the `.LOG1`/`.LOG2` transaction logs, which are not replayed.
    pub dirty_hives: Vec<String>,
    /// The control set the services were read from, e.g. `ControlSet001`.
    pub control_set: Option<String>,
    /// The cloudbase-init service entry, `None` when there is none.
    pub cloudbase_service: Option<ServiceEntry>,
    /// The in-root install directory, when it exists.
    pub cloudbase_install_dir: Option<String>,
    /// `cloudbase-init.conf` (the file the service reads at boot), when present.
    pub cloudbase_config: Option<CloudbaseConfig>,
    /// `cloudbase-init-unattend.conf` (the sysprep pass only), when present.
    pub cloudbase_unattend_config: Option<CloudbaseConfig>,
    /// Local accounts; `None` when they could not be read (see `accounts_note`).
    pub accounts: Option<Vec<LocalAccount>>,
    /// How the accounts were read, or why they were not.
    pub accounts_note: String,
    /// True when `admin` is known for every account (live); offline only the built-in
    /// Administrator (RID 500) is known to be one, as group memberships are not read.
    pub accounts_admin_complete: bool,
}

/// A Windows service's registry entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceEntry {
    /// The key read, e.g. `HKLM\SYSTEM\ControlSet001\Services\cloudbase-init`.
    pub key: String,
    /// `Start`: 2 automatic, 3 manual, 4 disabled.
    pub start: Option<u32>,
    /// `DelayedAutostart` (1: automatic, delayed start).
    pub delayed_autostart: Option<u32>,
    /// `ImagePath`: the command line the service manager runs.
    pub image_path: Option<String>,
}

/// A local user account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocalAccount {
    /// User name.
    pub name: String,
    /// Member of the local Administrators group.
    pub admin: bool,
    /// Not disabled.
    pub enabled: bool,
}

/// Which hive a registry path is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HiveName {
    /// `HKLM\SOFTWARE`.
    Software,
    /// `HKLM\SYSTEM`.
    System,
}

impl HiveName {
    fn as_str(self) -> &'static str {
        match self {
            HiveName::Software => "SOFTWARE",
            HiveName::System => "SYSTEM",
        }
    }
}

/// Read access to the two HKLM hives bootready needs.
trait Registry {
    /// Value `name` of `key` in `hive`; `Ok(None)` when the key or value is absent.
    fn value(&self, hive: HiveName, key: &str, name: &str) -> Result<Option<RegValue>, GatherError>;
    /// Whether `key` exists in `hive`.
    fn has_key(&self, hive: HiveName, key: &str) -> Result<bool, GatherError>;
    /// How to name `key` in evidence.
    fn describe(&self, hive: HiveName, key: &str) -> String;
    /// The control set holding the services (`CurrentControlSet` live).
    fn control_set(&self) -> Result<String, GatherError>;
}

/// The offline hives of an image.
struct OfflineRegistry {
    software: Hive,
    software_path: String,
    system: Option<(Hive, String)>,
}

impl OfflineRegistry {
    fn hive(&self, hive: HiveName) -> Result<(&Hive, &str), GatherError> {
        match hive {
            HiveName::Software => Ok((&self.software, &self.software_path)),
            HiveName::System => match &self.system {
                Some((h, p)) => Ok((h, p)),
                None => {
                    Err(GatherError::new(Some(&format!("{HIVE_DIR}/SYSTEM")), "the SYSTEM hive is missing"))
                }
            },
        }
    }
}

impl Registry for OfflineRegistry {
    fn value(&self, hive: HiveName, key: &str, name: &str) -> Result<Option<RegValue>, GatherError> {
        let (h, path) = self.hive(hive)?;
        let err = |e: super::regf::HiveError| GatherError::new(Some(path), format!("{key}\\{name}: {e}"));
        match h.open(key).map_err(err)? {
            Some(k) => h.value(k, name).map_err(err),
            None => Ok(None),
        }
    }

    fn has_key(&self, hive: HiveName, key: &str) -> Result<bool, GatherError> {
        let (h, path) = self.hive(hive)?;
        h.open(key).map(|k| k.is_some()).map_err(|e| GatherError::new(Some(path), format!("{key}: {e}")))
    }

    fn describe(&self, hive: HiveName, key: &str) -> String {
        let path = self.hive(hive).map(|(_, p)| p.to_string()).unwrap_or_default();
        format!("{path} (HKLM\\{}\\{key})", hive.as_str())
    }

    fn control_set(&self) -> Result<String, GatherError> {
        let current = self.value(HiveName::System, "Select", "Current")?.and_then(|v| v.as_u64());
        match current {
            Some(n) if (1..=999).contains(&n) => Ok(format!("ControlSet{n:03}")),
            _ => Err(GatherError::new(
                self.hive(HiveName::System).ok().map(|(_, p)| p),
                "SYSTEM\\Select\\Current is missing or not a control set number",
            )),
        }
    }
}

/// Finds the offline SOFTWARE hive of a Windows image, with the real spelling of its path.
fn find_hive(target: &Target, name: &str) -> Result<Option<String>, GatherError> {
    target.root.find_nocase(&format!("{HIVE_DIR}/{name}")).map_err(GatherError::from_root)
}

fn open_hive(target: &Target, path: &str) -> Result<(Hive, String), GatherError> {
    let bytes = target.root.read(path, MAX_HIVE).map_err(GatherError::from_root)?;
    let hive = Hive::parse(bytes).map_err(|e| GatherError::new(Some(path), e.0))?;
    Ok((hive, path.to_string()))
}

fn offline(target: &Target, with_system: bool) -> Option<Result<OfflineRegistry, GatherError>> {
    // Not finding the hive (or not being able to search for it, e.g. a root directory with more
    // entries than the listing cap) means "not a Windows image": the Linux detection decides.
    let software = find_hive(target, "SOFTWARE").ok().flatten()?;
    Some((|| {
        let (software, software_path) = open_hive(target, &software)?;
        let system = if with_system {
            match find_hive(target, "SYSTEM")? {
                Some(p) => Some(open_hive(target, &p)?),
                None => None,
            }
        } else {
            None
        };
        Ok(OfflineRegistry { software, software_path, system })
    })())
}

/// The edition and build from the registry.
struct Version {
    product_name: Option<String>,
    current_build: Option<u32>,
    current_major_version: Option<u32>,
    current_version: Option<String>,
    installation_type: Option<String>,
    source: String,
}

fn version(reg: &dyn Registry) -> Result<Version, GatherError> {
    let get = |name: &str| reg.value(HiveName::Software, CURRENT_VERSION, name);
    let num = |v: Option<RegValue>| v.and_then(|v| v.as_u64()).and_then(|n| u32::try_from(n).ok());
    let build = match num(get("CurrentBuild")?) {
        Some(b) => Some(b),
        None => num(get("CurrentBuildNumber")?),
    };
    Ok(Version {
        product_name: get("ProductName")?.and_then(|v| v.as_string()),
        current_build: build,
        current_major_version: num(get("CurrentMajorVersionNumber")?),
        current_version: get("CurrentVersion")?.and_then(|v| v.as_string()),
        installation_type: get("InstallationType")?.and_then(|v| v.as_string()),
        source: reg.describe(HiveName::Software, CURRENT_VERSION),
    })
}

fn release_of(v: &Version) -> OsRelease {
    let mut product = v.product_name.clone().unwrap_or_else(|| "Windows".to_string());
    // Server Core images still say "Server" in ProductName; InstallationType is the backstop.
    if !product.to_ascii_lowercase().contains("server")
        && v.installation_type.as_deref().is_some_and(|t| t.to_ascii_lowercase().contains("server"))
    {
        product.push_str(" Server");
    }
    os::windows_release(&product, v.current_build, &v.source)
}

/// The OS of a Windows target (live Windows, or an image with a SOFTWARE hive); `None` when
/// the target is not Windows.
pub fn os_release(target: &Target) -> Option<Result<OsRelease, GatherError>> {
    #[cfg(windows)]
    if target.mode == Mode::Live {
        return Some(
            version(&live::LiveRegistry)
                .map(|v| if v.product_name.is_some() { release_of(&v) } else { live::os_info_release() }),
        );
    }
    if target.mode == Mode::Live {
        return None;
    }
    let reg = match offline(target, false)? {
        Ok(r) => r,
        Err(e) => return Some(Err(e)),
    };
    Some(version(&reg).map(|v| release_of(&v)))
}

/// Gathers the Windows facts; `Ok(None)` when the target is not Windows.
pub fn gather(target: &Target) -> Result<Option<WindowsFacts>, GatherError> {
    #[cfg(windows)]
    if target.mode == Mode::Live {
        let (accounts, note) = match live::accounts() {
            Ok(a) => (Some(a), "NetUserEnum (live)".to_string()),
            Err(e) => (None, format!("NetUserEnum failed: {e}")),
        };
        return from_registry(target, &live::LiveRegistry, Vec::new(), (accounts, note, true)).map(Some);
    }
    if target.mode == Mode::Live {
        return Ok(None);
    }
    let Some(reg) = offline(target, true) else { return Ok(None) };
    let reg = reg?;
    let dirty: Vec<String> = [
        Some((&reg.software, reg.software_path.as_str())),
        reg.system.as_ref().map(|(h, p)| (h, p.as_str())),
    ]
    .into_iter()
    .flatten()
    .filter(|(h, _)| h.dirty)
    .map(|(_, p)| p.to_string())
    .collect();
    let accounts: Accounts = match sam_accounts(target) {
        Ok(Some((accounts, path))) => (
            Some(accounts),
            format!(
                "{path} (SAM\\Domains\\Account\\Users): offline, only the built-in Administrator \
                 (RID 500) is known to be an administrator"
            ),
            false,
        ),
        Ok(None) => (None, format!("no SAM hive in {HIVE_DIR}"), false),
        Err(e) => (None, format!("SAM hive not read: {e}"), false),
    };
    from_registry(target, &reg, dirty, accounts).map(Some)
}

/// Local accounts and what is known of them: (accounts, how they were read, admin known for all).
type Accounts = (Option<Vec<LocalAccount>>, String, bool);

/// Where an offline SAM keeps one user's fixed record (`F`): the RID at 0x30, the ACB flags at 0x38,
/// bit 0x0001 disabled (the layout chntpw's sam.h and dissect.target's SAM plugin document).
const ACB_OFFSET: usize = 0x38;
const ACB_DISABLED: u16 = 0x0001;
/// The built-in Administrator's relative id.
const ADMINISTRATOR_RID: u32 = 500;

/// Local accounts from the offline SAM hive: names from `Users\Names\<name>` (whose default
/// value's *type* is the user's RID), enabled from the ACB flags in `Users\<RID>\F`.
fn sam_accounts(target: &Target) -> Result<Option<(Vec<LocalAccount>, String)>, GatherError> {
    let Some(path) = find_hive(target, "SAM")? else { return Ok(None) };
    let (hive, path) = open_hive(target, &path)?;
    let err = |e: super::regf::HiveError| GatherError::new(Some(&path), e.0);
    let users = "SAM\\Domains\\Account\\Users";
    let Some(names) = hive.open(&format!("{users}\\Names")).map_err(err)? else {
        return Err(GatherError::new(Some(&path), format!("{users}\\Names is missing")));
    };
    let mut out = Vec::new();
    for key in hive.subkeys(names).map_err(err)? {
        let name = hive.name(key).map_err(err)?;
        let Some((rid, _)) = hive.raw_value(key, "").map_err(err)? else { continue };
        let f = hive.open(&format!("{users}\\{rid:08X}")).map_err(err)?;
        let acb = match f {
            Some(k) => hive.raw_value(k, "F").map_err(err)?.and_then(|(_, d)| {
                d.get(ACB_OFFSET..ACB_OFFSET + 2).map(|b| u16::from_le_bytes([b[0], b[1]]))
            }),
            None => None,
        };
        let Some(acb) = acb else {
            return Err(GatherError::new(Some(&path), format!("{users}\\{rid:08X}\\F is missing or short")));
        };
        out.push(LocalAccount { name, admin: rid == ADMINISTRATOR_RID, enabled: acb & ACB_DISABLED == 0 });
    }
    Ok(Some((out, path)))
}

fn from_registry(
    target: &Target,
    reg: &dyn Registry,
    dirty_hives: Vec<String>,
    (accounts, accounts_note, accounts_admin_complete): Accounts,
) -> Result<WindowsFacts, GatherError> {
    let v = version(reg)?;
    let control_set = reg.control_set()?;
    let key = format!("{control_set}\\{SERVICE_KEY}");
    let service = if reg.has_key(HiveName::System, &key)? {
        let num = |n: &str| -> Result<Option<u32>, GatherError> {
            Ok(reg
                .value(HiveName::System, &key, n)?
                .and_then(|v| v.as_u64())
                .and_then(|n| u32::try_from(n).ok()))
        };
        Some(ServiceEntry {
            key: reg.describe(HiveName::System, &key),
            start: num("Start")?,
            delayed_autostart: num("DelayedAutostart")?,
            image_path: reg.value(HiveName::System, &key, "ImagePath")?.and_then(|v| v.as_string()),
        })
    } else {
        None
    };
    // The service's own --config-file names the file it reads at boot; else the MSI default.
    let config_path = service
        .as_ref()
        .and_then(|s| s.image_path.as_deref())
        .and_then(config_file_of)
        .and_then(|p| in_root_path(&p));
    let install_dir = target.root.find_nocase(DEFAULT_INSTALL_DIR).map_err(GatherError::from_root)?;
    let conf_dir = |name: &str| -> Result<Option<String>, GatherError> {
        target.root.find_nocase(&format!("{DEFAULT_INSTALL_DIR}/conf/{name}")).map_err(GatherError::from_root)
    };
    let config_path = match config_path {
        Some(p) => target.root.find_nocase(&p).map_err(GatherError::from_root)?,
        None => conf_dir("cloudbase-init.conf")?,
    };
    let config = match config_path {
        Some(p) => cloudbase::read(target, &p)?,
        None => None,
    };
    let unattend = match conf_dir("cloudbase-init-unattend.conf")? {
        Some(p) => cloudbase::read(target, &p)?,
        None => None,
    };
    Ok(WindowsFacts {
        product_name: v.product_name,
        current_build: v.current_build,
        current_major_version: v.current_major_version,
        current_version: v.current_version,
        installation_type: v.installation_type,
        source: v.source,
        dirty_hives,
        control_set: Some(control_set),
        cloudbase_service: service,
        cloudbase_install_dir: install_dir,
        cloudbase_config: config,
        cloudbase_unattend_config: unattend,
        accounts,
        accounts_note,
        accounts_admin_complete,
    })
}

/// The `--config-file` argument of a cloudbase-init service command line.
pub fn config_file_of(image_path: &str) -> Option<String> {
    let rest = &image_path[image_path.find("--config-file")? + "--config-file".len()..];
    let rest = rest.trim_start_matches([' ', '=']);
    let value = match rest.strip_prefix('"') {
        Some(quoted) => quoted.split('"').next()?,
        None => rest.split_whitespace().next()?,
    };
    (!value.is_empty()).then(|| value.to_string())
}

/// `C:\Program Files\x` as an in-root path (`/Program Files/x`); other drives are not in the root.
pub fn in_root_path(windows_path: &str) -> Option<String> {
    let rest = windows_path.strip_prefix("C:").or_else(|| windows_path.strip_prefix("c:"))?;
    Some(rest.replace('\\', "/"))
}

#[cfg(windows)]
mod live {
    //! The live registry and local accounts through the Windows API (all present since
    //! Windows 2000: RegOpenKeyExW, RegQueryValueExW, RegCloseKey, NetUserEnum, NetApiBufferFree).

    use windows_sys::Win32::Foundation::{ERROR_FILE_NOT_FOUND, ERROR_MORE_DATA, ERROR_SUCCESS};
    use windows_sys::Win32::NetworkManagement::NetManagement::{
        FILTER_NORMAL_ACCOUNT, MAX_PREFERRED_LENGTH, NetApiBufferFree, NetUserEnum, UF_ACCOUNTDISABLE,
        USER_INFO_1, USER_PRIV_ADMIN,
    };
    use windows_sys::Win32::System::Registry::{
        HKEY, HKEY_LOCAL_MACHINE, KEY_READ, KEY_WOW64_64KEY, RegCloseKey, RegOpenKeyExW, RegQueryValueExW,
    };

    use super::{GatherError, HiveName, LocalAccount, OsRelease, RegValue, Registry};

    /// Largest value read from the live registry.
    const MAX_VALUE: u32 = 1024 * 1024;

    fn wide(s: &str) -> Vec<u16> {
        s.encode_utf16().chain([0]).collect()
    }

    /// `HKEY_LOCAL_MACHINE` through the API.
    pub struct LiveRegistry;

    struct OpenKey(HKEY);

    impl Drop for OpenKey {
        fn drop(&mut self) {
            // SAFETY: the handle came from a successful RegOpenKeyExW and is closed once.
            unsafe { RegCloseKey(self.0) };
        }
    }

    fn open(hive: HiveName, key: &str) -> Result<Option<OpenKey>, GatherError> {
        let path = wide(&format!("{}\\{key}", hive.as_str()));
        let mut handle: HKEY = std::ptr::null_mut();
        // SAFETY: path is NUL-terminated; handle is a valid out pointer.
        let rc = unsafe {
            RegOpenKeyExW(HKEY_LOCAL_MACHINE, path.as_ptr(), 0, KEY_READ | KEY_WOW64_64KEY, &mut handle)
        };
        match rc {
            ERROR_SUCCESS => Ok(Some(OpenKey(handle))),
            ERROR_FILE_NOT_FOUND => Ok(None),
            e => Err(GatherError::new(
                None,
                format!("HKLM\\{}\\{key}: RegOpenKeyExW error {e}", hive.as_str()),
            )),
        }
    }

    impl Registry for LiveRegistry {
        fn value(&self, hive: HiveName, key: &str, name: &str) -> Result<Option<RegValue>, GatherError> {
            let Some(k) = open(hive, key)? else { return Ok(None) };
            let wname = wide(name);
            let mut kind = 0u32;
            let mut len = 0u32;
            let what = || format!("HKLM\\{}\\{key}\\{name}", hive.as_str());
            // SAFETY: size query with a null data pointer; all out pointers are valid.
            let rc = unsafe {
                RegQueryValueExW(
                    k.0,
                    wname.as_ptr(),
                    std::ptr::null(),
                    &mut kind,
                    std::ptr::null_mut(),
                    &mut len,
                )
            };
            match rc {
                ERROR_SUCCESS => {}
                ERROR_FILE_NOT_FOUND => return Ok(None),
                e => return Err(GatherError::new(None, format!("{}: RegQueryValueExW error {e}", what()))),
            }
            if len > MAX_VALUE {
                return Err(GatherError::new(None, format!("{}: {len} bytes, too large", what())));
            }
            let mut buf = vec![0u8; len as usize];
            // SAFETY: buf holds len bytes; len is passed in and updated with the bytes written.
            let rc = unsafe {
                RegQueryValueExW(k.0, wname.as_ptr(), std::ptr::null(), &mut kind, buf.as_mut_ptr(), &mut len)
            };
            match rc {
                ERROR_SUCCESS => {}
                ERROR_MORE_DATA => {
                    return Err(GatherError::new(None, format!("{}: value grew while read", what())));
                }
                e => return Err(GatherError::new(None, format!("{}: RegQueryValueExW error {e}", what()))),
            }
            buf.truncate(len as usize);
            Ok(Some(RegValue::decode(kind, &buf)))
        }

        fn has_key(&self, hive: HiveName, key: &str) -> Result<bool, GatherError> {
            Ok(open(hive, key)?.is_some())
        }

        fn describe(&self, hive: HiveName, key: &str) -> String {
            format!("registry HKLM\\{}\\{key}", hive.as_str())
        }

        fn control_set(&self) -> Result<String, GatherError> {
            Ok("CurrentControlSet".to_string())
        }
    }

    /// The OS from os_info, when the registry has no ProductName.
    pub fn os_info_release() -> OsRelease {
        let info = os_info::get();
        let edition = info.edition().unwrap_or("Windows").to_string();
        let build = match info.version() {
            os_info::Version::Semantic(_, _, build) => u32::try_from(*build).ok(),
            _ => None,
        };
        super::os::windows_release(&edition, build, "os_info (live Windows)")
    }

    /// Local user accounts: USER_INFO_1's privilege level is "admin" for members of the local
    /// Administrators group; `UF_ACCOUNTDISABLE` marks disabled accounts.
    pub fn accounts() -> Result<Vec<LocalAccount>, String> {
        let mut out = Vec::new();
        let mut resume = 0u32;
        loop {
            let mut buf: *mut u8 = std::ptr::null_mut();
            let mut read = 0u32;
            let mut total = 0u32;
            // SAFETY: all out pointers are valid; the buffer is freed with NetApiBufferFree.
            let rc = unsafe {
                NetUserEnum(
                    std::ptr::null(),
                    1,
                    FILTER_NORMAL_ACCOUNT,
                    &mut buf,
                    MAX_PREFERRED_LENGTH,
                    &mut read,
                    &mut total,
                    &mut resume,
                )
            };
            if rc != ERROR_SUCCESS && rc != ERROR_MORE_DATA {
                return Err(format!("error {rc}"));
            }
            if !buf.is_null() {
                // SAFETY: on success buf holds `read` USER_INFO_1 records.
                let users = unsafe { std::slice::from_raw_parts(buf as *const USER_INFO_1, read as usize) };
                for u in users {
                    let name = if u.usri1_name.is_null() {
                        String::new()
                    } else {
                        // SAFETY: usri1_name is a NUL-terminated wide string inside buf.
                        let len = (0..).take_while(|&i| unsafe { *u.usri1_name.add(i) } != 0).count();
                        String::from_utf16_lossy(unsafe { std::slice::from_raw_parts(u.usri1_name, len) })
                    };
                    out.push(LocalAccount {
                        name,
                        admin: u.usri1_priv == USER_PRIV_ADMIN,
                        enabled: u.usri1_flags & UF_ACCOUNTDISABLE == 0,
                    });
                }
                // SAFETY: buf came from NetUserEnum.
                unsafe { NetApiBufferFree(buf as *const _) };
            }
            if rc != ERROR_MORE_DATA || out.len() > 100_000 {
                break;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ImagePath the Cloudbase-Init 1.1 MSI writes for the service.
    const IMAGE_PATH: &str = "\"C:\\Program Files\\Cloudbase Solutions\\Cloudbase-Init\\bin\\OpenStackService.exe\" \
        cloudbase-init \"C:\\Program Files\\Cloudbase Solutions\\Cloudbase-Init\\Python\\Python.exe\" \
        -c \"from cloudbaseinit import shell;shell.main()\" \
        --config-file \"C:\\Program Files\\Cloudbase Solutions\\Cloudbase-Init\\conf\\cloudbase-init.conf\"";

    #[test]
    fn config_file_from_image_path() {
        let p = config_file_of(IMAGE_PATH).unwrap();
        assert_eq!(p, "C:\\Program Files\\Cloudbase Solutions\\Cloudbase-Init\\conf\\cloudbase-init.conf");
        assert_eq!(
            in_root_path(&p).unwrap(),
            "/Program Files/Cloudbase Solutions/Cloudbase-Init/conf/cloudbase-init.conf"
        );
        assert_eq!(config_file_of("x.exe --config-file=D:\\c.conf"), Some("D:\\c.conf".into()));
        assert_eq!(in_root_path("D:\\c.conf"), None);
        assert_eq!(config_file_of("x.exe"), None);
    }
}
