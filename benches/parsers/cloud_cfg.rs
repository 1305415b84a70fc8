//! cloud-init's configuration: Debian 12's real `/etc/cloud/cloud.cfg` and ten drop-ins in
//! `cloud.cfg.d` of the kinds images carry (distribution, image builder, cloud vendor, site
//! hardening), read and merged from a temporary root as `bootready check --root` does.

use std::hint::black_box;
use std::time::Duration;

use bootready::facts::cloud_init::{merge_texts, read_config};
use bootready::target::Root;
use criterion::Criterion;

/// /etc/cloud/cloud.cfg from Debian 12 (cloud-init 22.4.2-1).
const CLOUD_CFG: &str = include_str!("../../tests/fixtures/debian-12/etc/cloud/cloud.cfg");
/// /etc/cloud/cloud.cfg.d/05_logging.cfg from Debian 12.
const LOGGING: &str = include_str!("../../tests/fixtures/debian-12/etc/cloud/cloud.cfg.d/05_logging.cfg");

/// Drop-ins in the shapes images ship them (file name, text), besides 05_logging.cfg.
const DROP_INS: [(&str, &str); 10] = [
    (
        "01_debian_cloud.cfg",
        "apt:\n  generate_mirrorlists: true\n\nsystem_info:\n  default_user:\n    name: admin\n    \
         sudo: ALL=(ALL) NOPASSWD:ALL\n    shell: /bin/bash\n    lock_passwd: True\n    gecos: Debian\n    \
         groups: [adm, audio, cdrom, dialout, dip, floppy, plugdev, sudo, video]\n  package_mirrors:\n    \
         - arches: [default]\n      failsafe:\n        primary: https://deb.debian.org/debian\n        \
         security: https://deb.debian.org/debian-security\n",
    ),
    (
        "10_ssh.cfg",
        "ssh_pwauth: false\ndisable_root: true\nssh_deletekeys: true\nssh_genkeytypes: [rsa, ecdsa, ed25519]\n",
    ),
    ("20_timezone.cfg", "timezone: Etc/UTC\nntp:\n  enabled: true\n  ntp_client: chrony\n"),
    (
        "50-curtin-networking.cfg",
        "network:\n  version: 2\n  ethernets:\n    eth0:\n      match:\n        name: en*\n      dhcp4: true\n      \
         dhcp6: false\n",
    ),
    (
        "90_dpkg.cfg",
        "# to update this file, run dpkg-reconfigure cloud-init\ndatasource_list: [ NoCloud, ConfigDrive, \
         OpenNebula, DigitalOcean, Azure, AltCloud, OVF, MAAS, GCE, OpenStack, CloudSigma, SmartOS, Bigstep, \
         Scaleway, AliYun, Ec2, CloudStack, Hetzner, IBMCloud, Oracle, Exoscale, RbxCloud, UpCloud, VMware, \
         Vultr, LXD, NWCS, None ]\n",
    ),
    (
        "90-azure.cfg",
        "datasource:\n  Azure:\n    apply_network_config: false\n    data_dir: /var/lib/waagent\n",
    ),
    ("91-dib-cloud-init-datasources.cfg", "datasource_list: [ Ec2, None ]\n"),
    ("95_hostname.cfg", "preserve_hostname: false\nmanage_etc_hosts: true\nfqdn: localhost.localdomain\n"),
    (
        "99_packer.cfg",
        "cloud_final_modules:\n - [rightscale_userdata, once]\n - scripts-vendor\n - scripts-per-once\n - \
         scripts-per-boot\n - scripts-per-instance\n - [scripts-user, always]\n - ssh-authkey-fingerprints\n - \
         keys-to-console\n - phone-home\n - final-message\n - power-state-change\n",
    ),
    ("99-disable-network-config.cfg", "network: {config: disabled}\n"),
];

pub fn bench(c: &mut Criterion) {
    let root_dir = tempfile::tempdir().expect("temporary directory");
    let d = root_dir.path().join("etc/cloud/cloud.cfg.d");
    std::fs::create_dir_all(&d).expect("cloud.cfg.d");
    std::fs::write(root_dir.path().join("etc/cloud/cloud.cfg"), CLOUD_CFG).expect("cloud.cfg");
    std::fs::write(d.join("05_logging.cfg"), LOGGING).expect("drop-in");
    for (name, text) in DROP_INS {
        std::fs::write(d.join(name), text).expect("drop-in");
    }
    // cloud-init reads only *.cfg: the README Debian ships there is listed and skipped.
    std::fs::write(
        d.join("README"),
        "# All files with the '.cfg' extension in this directory will be read\n",
    )
    .expect("README");
    let root = Root::new(root_dir.path()).expect("root");
    let merged = read_config(&root).expect("the drop-ins parse");
    assert_eq!(merged.files.len(), 12, "{:?}", merged.files);

    let mut texts =
        vec![("/etc/cloud/cloud.cfg", CLOUD_CFG), ("/etc/cloud/cloud.cfg.d/05_logging.cfg", LOGGING)];
    texts.extend(DROP_INS);

    let mut g = c.benchmark_group("cloud.cfg");
    // Small and steady: short runs keep `cargo bench --bench parsers` within a couple of minutes.
    g.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    g.bench_function("cloud.cfg + 11 drop-ins, read and merged", |b| {
        b.iter(|| read_config(black_box(&root)).map(|m| m.files.len()))
    });
    g.bench_function("cloud.cfg + 11 drop-ins, merged from memory", |b| {
        b.iter(|| merge_texts(black_box(texts.iter().copied())).map(|m| m.files.len()))
    });
    g.finish();
}
