//! The operating system of the target: os-release first, then the older release files
//! (CentOS/RHEL 6 have no os-release), or Windows' own version data.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use super::GatherError;
use crate::target::Target;

/// The operating system of the target, with the file its answer came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OsRelease {
    /// os-release `ID` spelling: centos, rhel, ol, amzn, rocky, almalinux, fedora, debian,
    /// ubuntu, sles, opensuse-leap, windows, ...
    pub id: String,
    /// Full version, e.g. `7.9.2009`, `6.10`, `22.04`, `2012r2`.
    pub version_id: String,
    /// Major version: 7, 6, 22, 2012 (Windows Server release year).
    pub major: Option<u32>,
    /// Short name, e.g. `CentOS Linux`.
    pub name: String,
    /// Human name, e.g. `CentOS Linux 7 (Core)`.
    pub pretty_name: String,
    /// rhel | debian | suse | windows | other.
    pub family: Family,
    /// os-release `ID_LIKE`, when given.
    pub id_like: Vec<String>,
    /// The file (or source) the answer came from.
    pub source: String,
}

/// The distribution family, which decides package names and file layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Rhel,
    Debian,
    Suse,
    Windows,
    Other,
}

impl Family {
    /// Lower-case name as used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Rhel => "rhel",
            Family::Debian => "debian",
            Family::Suse => "suse",
            Family::Windows => "windows",
            Family::Other => "other",
        }
    }
}

/// The os-release files, in the order the os-release spec reads them.
const OS_RELEASE: [&str; 2] = ["/etc/os-release", "/usr/lib/os-release"];

/// Legacy release files, most specific first: Oracle Linux 6 also ships a `redhat-release`
/// that claims to be RHEL, and Ubuntu also ships a `debian_version`.
pub const LEGACY: [&str; 7] = [
    "/etc/centos-release",
    "/etc/oracle-release",
    "/etc/redhat-release",
    "/etc/system-release",
    "/etc/lsb-release",
    "/etc/debian_version",
    "/etc/SuSE-release",
];

/// Detects the target's operating system.
pub fn gather(target: &Target) -> Result<OsRelease, GatherError> {
    if let Some(win) = windows(target) {
        return win;
    }
    for path in OS_RELEASE {
        match target.root.read_text(path) {
            Ok(text) => {
                return from_os_release(&text, path)
                    .ok_or_else(|| GatherError::new(Some(path), "no ID= line in os-release"));
            }
            Err(e) if e.is_not_found() => continue,
            Err(e) => return Err(GatherError::from_root(e)),
        }
    }
    let mut first_error = None;
    for path in LEGACY {
        match target.root.read_text(path) {
            Ok(text) => {
                if let Some(os) = from_legacy(path, &text) {
                    return Ok(os);
                }
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first_error {
        return Err(GatherError::from_root(e));
    }
    Err(GatherError::new(
        None,
        "no release file found (looked for /etc/os-release, /usr/lib/os-release, \
         /etc/centos-release, /etc/redhat-release, /etc/oracle-release, /etc/system-release, \
         /etc/lsb-release, /etc/debian_version, /etc/SuSE-release)",
    ))
}

/// Windows: the live host's registry (os_info as the fallback), or an offline image's SOFTWARE
/// hive (`Windows/System32/config/SOFTWARE`); `None` when the target is not Windows.
fn windows(target: &Target) -> Option<Result<OsRelease, GatherError>> {
    super::windows::os_release(target)
}

/// Parses os-release text into key/value pairs (shell-style quoting, comments, CRLF, BOM).
pub fn parse_os_release(text: &str) -> BTreeMap<String, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut map = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else { continue };
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        map.insert(key.to_string(), unquote(value.trim()));
    }
    map
}

/// Removes shell quoting from an os-release value: `"a \"b\""`, `'c'`, or bare words.
fn unquote(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some(n @ ('"' | '\\' | '$' | '`')) => out.push(n),
                            Some(n) => {
                                out.push('\\');
                                out.push(n);
                            }
                            None => out.push('\\'),
                        },
                        _ => out.push(c),
                    }
                }
            }
            '\'' => {
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    out.push(c);
                }
            }
            '\\' => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            '#' if out.is_empty() => break,
            c if c.is_whitespace() => break,
            _ => out.push(c),
        }
    }
    out
}

/// Builds the OS from os-release text; `None` when it has no `ID`.
pub fn from_os_release(text: &str, source: &str) -> Option<OsRelease> {
    let map = parse_os_release(text);
    let id = map.get("ID")?.to_ascii_lowercase();
    if id.is_empty() {
        return None;
    }
    let version_id = map.get("VERSION_ID").cloned().unwrap_or_default();
    let id_like: Vec<String> = map
        .get("ID_LIKE")
        .map(|s| s.split_whitespace().map(str::to_ascii_lowercase).collect())
        .unwrap_or_default();
    let name = map.get("NAME").cloned().unwrap_or_else(|| id.clone());
    let pretty_name =
        map.get("PRETTY_NAME").cloned().unwrap_or_else(|| format!("{name} {version_id}").trim().to_string());
    Some(OsRelease {
        family: family_of(&id, &id_like),
        major: major_of(&version_id),
        id,
        version_id,
        name,
        pretty_name,
        id_like,
        source: source.to_string(),
    })
}

/// The family of an os-release `ID`, falling back to `ID_LIKE`.
pub fn family_of(id: &str, id_like: &[String]) -> Family {
    let of = |id: &str| match id {
        "centos" | "rhel" | "ol" | "amzn" | "rocky" | "almalinux" | "fedora" | "scientific"
        | "cloudlinux" | "eurolinux" | "virtuozzo" => Some(Family::Rhel),
        "debian" | "ubuntu" | "raspbian" | "linuxmint" => Some(Family::Debian),
        "sles" | "sled" | "opensuse" | "opensuse-leap" | "opensuse-tumbleweed" | "suse" => Some(Family::Suse),
        "windows" => Some(Family::Windows),
        _ => None,
    };
    of(id).or_else(|| id_like.iter().find_map(|l| of(l))).unwrap_or(Family::Other)
}

/// The leading number of a version: `7.9.2009` -> 7, `2018.03` -> 2018, `bookworm/sid` -> none.
pub fn major_of(version: &str) -> Option<u32> {
    let digits: String = version.trim().chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

static RELEASE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?P<name>.+?)\s+release\s+(?P<version>\d[\w.]*)").expect("static regex")
});
static SUSE_VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^\s*VERSION\s*=\s*(?P<v>[\d.]+)").expect("static regex"));
static SUSE_PATCHLEVEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^\s*PATCHLEVEL\s*=\s*(?P<p>\d+)").expect("static regex"));

/// Builds the OS from one of the legacy release files; `None` when the text is not understood.
pub fn from_legacy(path: &str, text: &str) -> Option<OsRelease> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().next().unwrap_or("").trim();
    match path {
        "/etc/lsb-release" => {
            let map = parse_os_release(text);
            let id = map.get("DISTRIB_ID")?.to_ascii_lowercase();
            if id.is_empty() {
                return None;
            }
            let version_id = map.get("DISTRIB_RELEASE").cloned().unwrap_or_default();
            let pretty =
                map.get("DISTRIB_DESCRIPTION").cloned().unwrap_or_else(|| format!("{id} {version_id}"));
            let name = map.get("DISTRIB_ID").cloned().unwrap_or_default();
            Some(make(&id, &version_id, &name, &pretty, path))
        }
        "/etc/debian_version" => {
            // Numeric on Debian releases ("9.13", "12.4"); a codename on testing or Ubuntu.
            major_of(first)?;
            Some(make("debian", first, "Debian GNU/Linux", &format!("Debian GNU/Linux {first}"), path))
        }
        "/etc/SuSE-release" => {
            let version = SUSE_VERSION.captures(text)?.name("v")?.as_str().to_string();
            let lower = first.to_ascii_lowercase();
            let (id, name) =
                if lower.contains("opensuse") { ("opensuse-leap", "openSUSE") } else { ("sles", "SLES") };
            let version_id = match SUSE_PATCHLEVEL.captures(text).and_then(|c| c.name("p")) {
                Some(p) if p.as_str() != "0" => format!("{version}.{}", p.as_str()),
                _ => version,
            };
            Some(make(id, &version_id, name, first, path))
        }
        _ => {
            let caps = RELEASE_LINE.captures(first)?;
            let name = caps.name("name")?.as_str();
            let version = caps.name("version")?.as_str();
            let id = id_from_release_name(name)?;
            Some(make(id, version, name, first, path))
        }
    }
}

/// Maps the product name at the start of a `*-release` line to an os-release `ID`.
fn id_from_release_name(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let table: [(&str, &str); 10] = [
        ("centos", "centos"),
        ("red hat enterprise linux", "rhel"),
        ("oracle linux", "ol"),
        ("enterprise linux", "ol"),
        ("amazon linux", "amzn"),
        ("rocky linux", "rocky"),
        ("almalinux", "almalinux"),
        ("fedora", "fedora"),
        ("scientific linux", "scientific"),
        ("cloudlinux", "cloudlinux"),
    ];
    table.iter().find(|(needle, _)| lower.starts_with(needle)).map(|(_, id)| *id)
}

fn make(id: &str, version_id: &str, name: &str, pretty: &str, source: &str) -> OsRelease {
    OsRelease {
        id: id.to_string(),
        version_id: version_id.to_string(),
        major: major_of(version_id),
        name: name.to_string(),
        pretty_name: pretty.to_string(),
        family: family_of(id, &[]),
        id_like: Vec::new(),
        source: source.to_string(),
    }
}

/// Maps a Windows product name and build number to the OS, with the Server release year as
/// `major` (Server 2012 R2 -> major 2012, version `2012r2`). The build number decides when
/// the name is ambiguous: `CurrentVersion` reads 6.3 on 2012 R2, 2016 and 2019 alike.
pub fn windows_release(product_name: &str, build: Option<u32>, source: &str) -> OsRelease {
    let lower = product_name.to_ascii_lowercase();
    let server = lower.contains("server");
    let by_build = build.and_then(|b| match b {
        7600 | 7601 => Some("2008r2"),
        9200 => Some("2012"),
        9600 => Some("2012r2"),
        14393 => Some("2016"),
        17763 => Some("2019"),
        20348 => Some("2022"),
        26100 => Some("2025"),
        _ => None,
    });
    let by_name = ["2025", "2022", "2019", "2016", "2012 r2", "2012", "2008 r2", "2008"]
        .iter()
        .find(|y| lower.contains(*y))
        .map(|y| y.replace(' ', ""));
    let version_id = if server {
        by_build.map(str::to_string).or(by_name).unwrap_or_default()
    } else {
        build.map(|b| b.to_string()).unwrap_or_default()
    };
    let major = if server { major_of(&version_id) } else { None };
    let id = if server { "windows" } else { "windows-client" };
    OsRelease {
        id: id.to_string(),
        version_id,
        major,
        name: "Windows".to_string(),
        pretty_name: product_name.to_string(),
        family: Family::Windows,
        id_like: Vec::new(),
        source: source.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centos7_os_release() {
        // /usr/lib/os-release from centos-release-7-9.2009.1.el7.centos
        let text = "NAME=\"CentOS Linux\"\nVERSION=\"7 (Core)\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\n\
                    VERSION_ID=\"7\"\nPRETTY_NAME=\"CentOS Linux 7 (Core)\"\nANSI_COLOR=\"0;31\"\n\
                    CPE_NAME=\"cpe:/o:centos:centos:7\"\nHOME_URL=\"https://www.centos.org/\"\n";
        let os = from_os_release(text, "/etc/os-release").unwrap();
        assert_eq!((os.id.as_str(), os.version_id.as_str(), os.major), ("centos", "7", Some(7)));
        assert_eq!(os.family, Family::Rhel);
        assert_eq!(os.pretty_name, "CentOS Linux 7 (Core)");
        assert_eq!(os.id_like, ["rhel", "fedora"]);
    }

    #[test]
    fn quoting_comments_crlf_and_bom() {
        let text = "\u{feff}# comment\r\nID=ubuntu\r\nNAME='Ubuntu'\r\nPRETTY_NAME=\"A \\\"quoted\\\" \\$name\"\r\nVERSION_ID=22.04 # trailing\r\n";
        let map = parse_os_release(text);
        assert_eq!(map["ID"], "ubuntu");
        assert_eq!(map["NAME"], "Ubuntu");
        assert_eq!(map["PRETTY_NAME"], "A \"quoted\" $name");
        assert_eq!(map["VERSION_ID"], "22.04");
    }

    #[test]
    fn unknown_id_uses_id_like() {
        let os = from_os_release("ID=myos\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=8.4\n", "x").unwrap();
        assert_eq!(os.family, Family::Rhel);
        assert_eq!(os.major, Some(8));
        assert!(from_os_release("NAME=nothing\n", "x").is_none());
    }

    #[test]
    fn legacy_release_lines() {
        let cases = [
            ("/etc/centos-release", "CentOS release 6.10 (Final)\n", "centos", "6.10", 6),
            ("/etc/centos-release", "CentOS Linux release 7.9.2009 (Core)\n", "centos", "7.9.2009", 7),
            (
                "/etc/redhat-release",
                "Red Hat Enterprise Linux Server release 6.10 (Santiago)\n",
                "rhel",
                "6.10",
                6,
            ),
            ("/etc/oracle-release", "Oracle Linux Server release 6.10\n", "ol", "6.10", 6),
            ("/etc/system-release", "Amazon Linux AMI release 2018.03\n", "amzn", "2018.03", 2018),
            ("/etc/redhat-release", "Rocky Linux release 9.3 (Blue Onyx)\n", "rocky", "9.3", 9),
            ("/etc/redhat-release", "AlmaLinux release 8.9 (Midnight Oncilla)\n", "almalinux", "8.9", 8),
            ("/etc/redhat-release", "Fedora release 38 (Thirty Eight)\n", "fedora", "38", 38),
        ];
        for (path, text, id, version, major) in cases {
            let os = from_legacy(path, text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(
                (os.id.as_str(), os.version_id.as_str(), os.major),
                (id, version, Some(major)),
                "{text}"
            );
            assert_eq!(os.family, Family::Rhel);
            assert_eq!(os.source, path);
        }
        assert!(from_legacy("/etc/redhat-release", "garbage\n").is_none());
    }

    #[test]
    fn empty_lsb_distrib_id_identifies_nothing() {
        // Found by the legacy_release fuzz target: an empty DISTRIB_ID made an OS with id "".
        assert!(from_legacy("/etc/lsb-release", "OracS\u{fffd}vegvase 6.10\nDISTRIB_ID=").is_none());
        assert!(from_legacy("/etc/lsb-release", "DISTRIB_ID=\"\"\nDISTRIB_RELEASE=22.04\n").is_none());
    }

    #[test]
    fn lsb_debian_and_suse_files() {
        let ubuntu = "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=16.04\nDISTRIB_CODENAME=xenial\nDISTRIB_DESCRIPTION=\"Ubuntu 16.04.7 LTS\"\n";
        let os = from_legacy("/etc/lsb-release", ubuntu).unwrap();
        assert_eq!((os.id.as_str(), os.major, os.family), ("ubuntu", Some(16), Family::Debian));
        let os = from_legacy("/etc/debian_version", "9.13\n").unwrap();
        assert_eq!((os.id.as_str(), os.major), ("debian", Some(9)));
        assert!(from_legacy("/etc/debian_version", "bookworm/sid\n").is_none());
        let sles = "SUSE Linux Enterprise Server 11 (x86_64)\nVERSION = 11\nPATCHLEVEL = 4\n";
        let os = from_legacy("/etc/SuSE-release", sles).unwrap();
        assert_eq!((os.id.as_str(), os.version_id.as_str(), os.family), ("sles", "11.4", Family::Suse));
        let leap = "openSUSE 42.3 (x86_64)\nVERSION = 42.3\nCODENAME = Malachite\n";
        assert_eq!(from_legacy("/etc/SuSE-release", leap).unwrap().id, "opensuse-leap");
    }

    #[test]
    fn windows_rows_from_build_and_name() {
        let cases = [
            ("Windows Server 2008 R2 Datacenter", Some(7601), "2008r2", Some(2008)),
            ("Windows Server 2012 Standard", Some(9200), "2012", Some(2012)),
            ("Windows Server 2012 R2 Datacenter", Some(9600), "2012r2", Some(2012)),
            ("Windows Server 2016 Datacenter", Some(14393), "2016", Some(2016)),
            ("Windows Server 2019 Datacenter", Some(17763), "2019", Some(2019)),
            ("Windows Server 2022 Datacenter", Some(20348), "2022", Some(2022)),
            ("Windows Server 2016 Datacenter", None, "2016", Some(2016)),
        ];
        for (name, build, version, major) in cases {
            let os = windows_release(name, build, "test");
            assert_eq!(
                (os.id.as_str(), os.version_id.as_str(), os.major),
                ("windows", version, major),
                "{name}"
            );
        }
        let client = windows_release("Windows 10 Pro", Some(19045), "test");
        assert_eq!((client.id.as_str(), client.major), ("windows-client", None));
    }
}
