//! cloudbase-init's configuration (`conf/cloudbase-init.conf`, `conf/cloudbase-init-unattend.conf`):
//! an INI file (Python's oslo.config), of which bootready reads `plugins` and `metadata_services`
//! in `[DEFAULT]`.

use serde::Serialize;

use super::GatherError;
use crate::target::Target;

/// The plugin that runs user data (scripts, including the bootstrap) at boot.
pub const USER_DATA_PLUGIN: &str = "cloudbaseinit.plugins.common.userdata.UserDataPlugin";

/// One parsed cloudbase-init config file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CloudbaseConfig {
    /// The in-root path read.
    pub path: String,
    /// The `plugins` list (`None` when the option is absent: cloudbase-init's default list,
    /// which includes the user-data plugin).
    pub plugins: Option<Vec<String>>,
    /// Line of the `plugins` option, when present.
    pub plugins_line: Option<usize>,
    /// The `metadata_services` list (`None`: cloudbase-init's default search order).
    pub metadata_services: Option<Vec<String>>,
    /// Line of the `metadata_services` option, when present.
    pub metadata_services_line: Option<usize>,
}

impl CloudbaseConfig {
    /// Whether the user-data plugin runs: the default list has it, an explicit one must name it.
    pub fn user_data_active(&self) -> bool {
        self.plugins.as_ref().is_none_or(|p| p.iter().any(|x| x == USER_DATA_PLUGIN))
    }
}

/// Parses a cloudbase-init config: `[DEFAULT]` options, `#`/`;` comments, comma-separated lists
/// that may continue on indented lines (oslo.config accepts both).
pub fn parse(path: &str, text: &str) -> CloudbaseConfig {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut cfg = CloudbaseConfig {
        path: path.to_string(),
        plugins: None,
        plugins_line: None,
        metadata_services: None,
        metadata_services_line: None,
    };
    let mut section = String::from("DEFAULT");
    // The option being continued on indented lines: (name, line, value so far).
    let mut current: Option<(String, usize, String)> = None;
    let finish = |cfg: &mut CloudbaseConfig, opt: Option<(String, usize, String)>| {
        if let Some((name, line, value)) = opt {
            let list: Vec<String> =
                value.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
            match name.as_str() {
                "plugins" => {
                    cfg.plugins = Some(list);
                    cfg.plugins_line = Some(line);
                }
                "metadata_services" => {
                    cfg.metadata_services = Some(list);
                    cfg.metadata_services_line = Some(line);
                }
                _ => {}
            }
        }
    };
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let trimmed = raw.trim();
        if trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        let continuation = raw.starts_with([' ', '\t']) && !trimmed.is_empty();
        if continuation && let Some((_, _, value)) = current.as_mut() {
            value.push(',');
            value.push_str(trimmed);
            continue;
        }
        finish(&mut cfg, current.take());
        if trimmed.is_empty() {
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            section = name.trim().to_string();
            continue;
        }
        if !section.eq_ignore_ascii_case("DEFAULT") {
            continue;
        }
        let Some((key, value)) = trimmed.split_once(['=', ':']) else { continue };
        let key = key.trim().to_ascii_lowercase();
        if key == "plugins" || key == "metadata_services" {
            current = Some((key, line_no, value.trim().to_string()));
        }
    }
    finish(&mut cfg, current.take());
    cfg
}

/// Reads and parses one config file through the root; `Ok(None)` when it does not exist.
pub fn read(target: &Target, path: &str) -> Result<Option<CloudbaseConfig>, GatherError> {
    match target.root.read_text(path) {
        Ok(text) => Ok(Some(parse(path, &text))),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(GatherError::from_root(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cloudbase-init.conf the Cloudbase-Init 1.1.x MSI installs (options absent: defaults).
    const MSI_DEFAULT: &str = "[DEFAULT]\r\nusername=Admin\r\ngroups=Administrators\r\n\
        inject_user_password=true\r\nconfig_drive_raw_hhd=true\r\nconfig_drive_cdrom=true\r\n\
        config_drive_vfat=true\r\nbsdtar_path=C:\\Program Files\\Cloudbase Solutions\\Cloudbase-Init\\bin\\bsdtar.exe\r\n\
        mtools_path=C:\\Program Files\\Cloudbase Solutions\\Cloudbase-Init\\bin\\\r\nverbose=true\r\ndebug=true\r\n\
        logdir=C:\\Program Files\\Cloudbase Solutions\\Cloudbase-Init\\log\\\r\nlogfile=cloudbase-init.log\r\n\
        default_log_levels=comtypes=INFO,suds=INFO,iso8601=WARN,requests=WARN\r\nlogging_serial_port_settings=\r\n\
        mtu_use_dhcp_config=true\r\nntp_use_dhcp_config=true\r\n\
        local_scripts_path=C:\\Program Files\\Cloudbase Solutions\\Cloudbase-Init\\LocalScripts\\\r\n\
        check_latest_version=true\r\n";

    #[test]
    fn msi_default_has_no_plugins_option_so_user_data_runs() {
        let cfg = parse("/c.conf", MSI_DEFAULT);
        assert_eq!(cfg.plugins, None);
        assert_eq!(cfg.metadata_services, None);
        assert!(cfg.user_data_active());
    }

    #[test]
    fn explicit_lists_with_continuation_lines() {
        // The multi-line style of cloudbase-init's documentation examples.
        let text = "[DEFAULT]\nmetadata_services=cloudbaseinit.metadata.services.ec2service.EC2Service\n\
            plugins=cloudbaseinit.plugins.common.mtu.MTUPlugin,\n    \
            cloudbaseinit.plugins.windows.createuser.CreateUserPlugin,\n    \
            cloudbaseinit.plugins.common.sethostname.SetHostNamePlugin\n\n[openstack]\nplugins=x\n";
        let cfg = parse("/c.conf", text);
        assert_eq!(cfg.plugins.as_ref().map(Vec::len), Some(3));
        assert_eq!(cfg.plugins_line, Some(3));
        assert!(!cfg.user_data_active());
        assert_eq!(
            cfg.metadata_services,
            Some(vec!["cloudbaseinit.metadata.services.ec2service.EC2Service".to_string()])
        );
        assert_eq!(cfg.metadata_services_line, Some(2));
    }

    #[test]
    fn explicit_list_with_user_data_plugin() {
        let text = format!("[DEFAULT]\n# plugins=none\nplugins = a.B, {USER_DATA_PLUGIN}\n");
        let cfg = parse("/c.conf", &text);
        assert!(cfg.user_data_active());
        assert_eq!(cfg.plugins_line, Some(3));
    }
}
