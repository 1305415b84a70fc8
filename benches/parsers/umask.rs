//! The umask sources of a CentOS 7 image, through the public gather on a temporary root: the
//! centos-7.9 test fixture (systemd units, /etc/profile, /etc/bashrc, login.defs) plus what a
//! full install adds, 30 files in /etc/profile.d (22 of them sourced `*.sh`) and 20 PAM files.

use std::fs;
use std::path::Path;
use std::time::Duration;

use bootready::facts::umask;
use bootready::target::Target;
use criterion::Criterion;

/// CentOS 7's /etc/profile.d (bash, coreutils, grep, less, vim, which, kde, qt, PackageKit, ...),
/// with shortened bodies, and a site's hardening script last in glob order.
const PROFILE_D: [(&str, &str); 30] = [
    (
        "256term.sh",
        "# Enable 256 color capabilities for appropriate terminals\nlocal256=\"$COLORTERM$XTERM_VERSION$ROXTERM_ID$KONSOLE_DBUS_SESSION\"\nif [ -n \"$local256\" ] || [ -n \"$SHELL_256\" ]; then\n  case \"$TERM\" in\n    'xterm') TERM=xterm-256color;;\n  esac\n  export TERM\nfi\nunset local256\n",
    ),
    ("256term.csh", "if ( $?TERM ) then\n  setenv TERM xterm-256color\nendif\n"),
    (
        "abrt-console-notification.sh",
        "tty -s || return 0\n[ -f \"$HOME/.cache/abrt/lastnotification\" ] || return 0\nLPATHDIR=\"$HOME/.cache/abrt\"\nSINCEFILE=\"$LPATHDIR/lastnotification\"\nabrt-cli status --since=\"$SINCE\" 2>\"$ABRT_DEBUG_LOG\" || echo \"'abrt-cli status' timed out\"\n",
    ),
    (
        "bash_completion.sh",
        "# Check for interactive bash and that we haven't already been sourced.\nif [ -n \"${BASH_VERSION-}\" -a -n \"${PS1-}\" -a -z \"${BASH_COMPLETION_COMPAT_DIR-}\" ]; then\n    bash=${BASH_VERSION%.*}; bmajor=${bash%.*}; bminor=${bash#*.}\n    if [ $bmajor -gt 4 ] || [ $bmajor -eq 4 -a $bminor -ge 1 ]; then\n        [ -r \"${XDG_CONFIG_HOME:-$HOME/.config}/bash_completion\" ] && \\\n            . \"${XDG_CONFIG_HOME:-$HOME/.config}/bash_completion\"\n        if shopt -q progcomp && [ -r /usr/share/bash-completion/bash_completion ]; then\n            . /usr/share/bash-completion/bash_completion\n        fi\n    fi\n    unset bash bmajor bminor\nfi\n",
    ),
    (
        "colorgrep.sh",
        "/usr/libexec/grepconf.sh -c || return\nalias grep='grep --color=auto' 2>/dev/null\nalias egrep='egrep --color=auto' 2>/dev/null\nalias fgrep='fgrep --color=auto' 2>/dev/null\n",
    ),
    (
        "colorgrep.csh",
        "/usr/libexec/grepconf.sh -c\nif ( $status == 1 ) then\n    exit\nendif\nalias grep 'grep --color=auto'\n",
    ),
    (
        "colorls.sh",
        "# color-ls initialization\n[ -z \"$BASH_VERSION\" -o -z \"$PS1\" ] && return\nalias ll='ls -l' 2>/dev/null\nalias l.='ls -d .*' 2>/dev/null\nINCLUDE=\nCOLORS=\nfor colors in \"$HOME/.dir_colors.$TERM\" \"$HOME/.dircolors.$TERM\" \\\n    \"$HOME/.dir_colors\" \"$HOME/.dircolors\"; do\n  [ -e \"$colors\" ] && COLORS=\"$colors\" && \\\n  INCLUDE=\"`cat \"$COLORS\" | grep '^INCLUDE' | cut -d ' ' -f2-`\" && \\\n  break\ndone\nalias ls='ls --color=auto' 2>/dev/null\n",
    ),
    ("colorls.csh", "alias ll 'ls -l'\nalias l. 'ls -d .*'\nalias ls 'ls --color=auto'\n"),
    (
        "flatpak.sh",
        "if command -v flatpak > /dev/null; then\n    export XDG_DATA_DIRS=\"${XDG_DATA_DIRS:-/usr/local/share:/usr/share}\"\nfi\n",
    ),
    ("kde.sh", "if [ -z \"$KDEDIRS\" ]; then\n  KDEDIRS=\"/usr\"\n  export KDEDIRS\nfi\n"),
    ("kde.csh", "if ( ! $?KDEDIRS ) then\n  setenv KDEDIRS /usr\nendif\n"),
    (
        "lang.sh",
        "# /etc/profile.d/lang.sh - set i18n stuff\nsourced=0\nif [ -n \"$LANG\" ]; then\n    saved_lang=\"$LANG\"\n    [ -f \"$HOME/.i18n\" ] && . \"$HOME/.i18n\" && sourced=1\n    LANG=\"$saved_lang\"\n    unset saved_lang\nelse\n    for langfile in /etc/locale.conf \"$HOME/.i18n\" ; do\n        [ -f $langfile ] && . $langfile && sourced=1\n    done\nfi\nunset sourced\nunset langfile\n",
    ),
    ("lang.csh", "set sourced=0\nif ($?LANG) then\n    set sourced=1\nendif\nunset sourced\n"),
    (
        "less.sh",
        "# less initialization script (sh)\n[ -x /usr/bin/lesspipe.sh ] && export LESSOPEN=\"${LESSOPEN-||/usr/bin/lesspipe.sh %s}\"\n",
    ),
    (
        "less.csh",
        "if ( -x /usr/bin/lesspipe.sh ) then\n  setenv LESSOPEN \"||/usr/bin/lesspipe.sh %s\"\nendif\n",
    ),
    (
        "modules.sh",
        "shell=`/bin/basename \\`/bin/ps -p $$ -ocomm=\\``\nif [ -f /usr/share/Modules/init/$shell ]; then\n  . /usr/share/Modules/init/$shell\nelse\n  . /usr/share/Modules/init/sh\nfi\n",
    ),
    (
        "PackageKit.sh",
        "#!/bin/sh\ncommand_not_found_handle () {\n\tlocal retval\n\tif [ ! -S /var/run/dbus/system_bus_socket ]; then\n\t\techo \"bash: $1: command not found\"\n\t\treturn 127\n\tfi\n\t/usr/libexec/pk-command-not-found \"$@\"\n\tretval=$?\n\treturn $retval\n}\n",
    ),
    (
        "perl-homedir.sh",
        "PERL_HOMEDIR=1\n[ -f /etc/sysconfig/perl-homedir ] && . /etc/sysconfig/perl-homedir\n[ -f $HOME/.perl-homedir ] && . $HOME/.perl-homedir\nalias perlll='eval `perl -Mlocal::lib`'\nif [ x\"$PERL_HOMEDIR\" = \"x1\" ] ; then\n  eval \"`perl -Mlocal::lib 2>/dev/null`\"\nfi\n",
    ),
    (
        "qt.sh",
        "# Qt initialization script (sh)\nif [ -z \"${QTDIR}\" ]; then\n  case `uname -m` in\n    x86_64 | ia64 | s390x | ppc64 | ppc64le)\n      QT_PREFIXES=\"/usr/lib64/qt-3.3 /usr/lib/qt-3.3\" ;;\n    *)\n      QT_PREFIXES=\"/usr/lib/qt-3.3 /usr/lib64/qt-3.3\" ;;\n  esac\nfi\n",
    ),
    ("qt.csh", "if ( ! $?QTDIR ) then\n  setenv QTDIR /usr/lib64/qt-3.3\nendif\n"),
    (
        "qt-graphicssystem.sh",
        "if [ -z \"$QT_GRAPHICSSYSTEM_CHECKED\" ]; then\n  QT_GRAPHICSSYSTEM_CHECKED=1\n  export QT_GRAPHICSSYSTEM_CHECKED\nfi\n",
    ),
    (
        "scl-init.sh",
        "if [ -z \"$BASH_VERSION\" ]; then\n    return\nfi\nscl() {\n  if [ \"$1\" = \"load\" -o \"$1\" = \"unload\" ]; then\n    eval \"module $@\"\n  else\n    /usr/bin/scl \"$@\"\n  fi\n}\n",
    ),
    (
        "vim.sh",
        "if [ -n \"$BASH_VERSION\" -o -n \"$KSH_VERSION\" -o -n \"$ZSH_VERSION\" ]; then\n  [ -x /usr/bin/id ] || return\n  ID=`/usr/bin/id -u`\n  [ -n \"$ID\" -a \"$ID\" -le 200 ] && return\n  # for bash and zsh, only if no alias is already set\n  alias vi >/dev/null 2>&1 || alias vi=vim\nfi\n",
    ),
    (
        "vim.csh",
        "if ( -x /usr/bin/id ) then\n    if ( \"`/usr/bin/id -u`\" > 200 ) then\n        alias vi vim\n    endif\nendif\n",
    ),
    (
        "vte.sh",
        "[ -n \"${BASH_VERSION:-}\" -o -n \"${ZSH_VERSION:-}\" ] || return 0\n[ \"${VTE_VERSION:-0}\" -ge 3405 ] || return 0\n__vte_urlencode() (\n  LC_ALL=C\n  str=\"$1\"\n)\n",
    ),
    (
        "which2.sh",
        "# Initialization script for bash and sh\n# export AFS if you are in AFS environment\nalias which='alias | /usr/bin/which --tty-only --read-alias --show-dot --show-tilde'\n",
    ),
    (
        "which2.csh",
        "# Initialization script for csh\n# alias which 'alias | /usr/bin/which --tty-only --read-alias --show-dot --show-tilde'\n",
    ),
    (
        "gawk.sh",
        "gawkpath_default () {\n\tunset AWKPATH\n\texport AWKPATH=`gawk 'BEGIN {print ENVIRON[\"AWKPATH\"]}'`\n}\n",
    ),
    (
        "gawk.csh",
        "alias gawkpath_default 'unsetenv AWKPATH; setenv AWKPATH `gawk -v x=AWKPATH \"BEGIN {print ENVIRON[x]}\"`'\n",
    ),
    ("zz-hardening.sh", "# Site hardening: CIS CentOS Linux 7 Benchmark 5.4.4\numask 027\n"),
];

/// The usual PAM stack of a CentOS 7 install: authconfig's files and the services that include
/// them, one hardened with pam_umask.
const SYSTEM_AUTH: &str = "#%PAM-1.0\n# This file is auto-generated.\n# User changes will be destroyed the next time authconfig is run.\n\
auth        required      pam_env.so\nauth        required      pam_faildelay.so delay=2000000\n\
auth        sufficient    pam_unix.so nullok try_first_pass\nauth        requisite     pam_succeed_if.so uid >= 1000 quiet_success\n\
auth        required      pam_deny.so\n\naccount     required      pam_unix.so\naccount     sufficient    pam_localuser.so\n\
account     sufficient    pam_succeed_if.so uid < 1000 quiet\naccount     required      pam_permit.so\n\n\
password    requisite     pam_pwquality.so try_first_pass local_users_only retry=3 authtok_type=\n\
password    sufficient    pam_unix.so sha512 shadow nullok try_first_pass use_authtok\npassword    required      pam_deny.so\n\n\
session     optional      pam_keyinit.so revoke\nsession     required      pam_limits.so\n-session     optional      pam_systemd.so\n\
session     [success=1 default=ignore] pam_succeed_if.so service in crond quiet use_uid\nsession     required      pam_unix.so\n";
const LOGIN: &str = "#%PAM-1.0\nauth [user_unknown=ignore success=ok ignore=ignore default=bad] pam_securetty.so\n\
auth       substack     system-auth\nauth       include      postlogin\naccount    required     pam_nologin.so\n\
account    include      system-auth\npassword   include      system-auth\n# pam_selinux.so close should be the first session rule\n\
session    required     pam_selinux.so close\nsession    required     pam_loginuid.so\nsession    optional     pam_console.so\n\
session    required     pam_selinux.so open\nsession    required     pam_namespace.so\nsession    optional     pam_keyinit.so force revoke\n\
session    include      system-auth\nsession    include      postlogin\n-session   optional     pam_ck_connector.so\n";
const POSTLOGIN: &str = "#%PAM-1.0\n# This file is auto-generated.\n# User changes will be destroyed the next time authconfig is run.\n\n\
session     [success=1 default=ignore] pam_succeed_if.so service !~ gdm* service !~ su* quiet\n\
session     [default=1]   pam_lastlog.so nowtmp silent\nsession     optional      pam_lastlog.so silent noupdate showfailed\n\
session     optional      pam_umask.so umask=0027\n";
const PAM_D: [(&str, &str); 20] = [
    ("system-auth-ac", SYSTEM_AUTH),
    ("password-auth-ac", SYSTEM_AUTH),
    ("postlogin-ac", POSTLOGIN),
    ("login", LOGIN),
    ("remote", LOGIN),
    (
        "sshd",
        "#%PAM-1.0\nauth       required     pam_sepermit.so\nauth       substack     password-auth\nauth       include      postlogin\n-auth      optional     pam_reauthorize.so prepare\naccount    required     pam_nologin.so\naccount    include      password-auth\npassword   include      password-auth\nsession    required     pam_selinux.so close\nsession    required     pam_loginuid.so\nsession    required     pam_selinux.so open env_params\nsession    required     pam_namespace.so\nsession    optional     pam_keyinit.so force revoke\nsession    include      password-auth\nsession    include      postlogin\n-session   optional     pam_reauthorize.so prepare\n",
    ),
    (
        "su",
        "#%PAM-1.0\nauth\t\tsufficient\tpam_rootok.so\n#auth\t\trequired\tpam_wheel.so use_uid\nauth\t\tsubstack\tsystem-auth\nauth\t\tinclude\t\tpostlogin\naccount\t\tsufficient\tpam_succeed_if.so uid = 0 use_uid quiet\naccount\t\tinclude\t\tsystem-auth\npassword\tinclude\t\tsystem-auth\nsession\t\tinclude\t\tsystem-auth\nsession\t\tinclude\t\tpostlogin\nsession\t\toptional\tpam_xauth.so\n",
    ),
    (
        "su-l",
        "#%PAM-1.0\nauth     include        su\naccount  include        su\npassword include        su\nsession  optional       pam_keyinit.so force revoke\nsession  include        su\n",
    ),
    (
        "sudo",
        "#%PAM-1.0\nauth       include      system-auth\naccount    include      system-auth\npassword   include      system-auth\nsession    optional     pam_keyinit.so revoke\nsession    required     pam_limits.so\nsession    include      system-auth\n",
    ),
    (
        "sudo-i",
        "#%PAM-1.0\nauth       include      sudo\naccount    include      sudo\npassword   include      sudo\nsession    optional     pam_keyinit.so force revoke\nsession    include      sudo\n",
    ),
    (
        "runuser",
        "#%PAM-1.0\nauth\t\tsufficient\tpam_rootok.so\nsession\t\toptional\tpam_keyinit.so revoke\nsession\t\trequired\tpam_limits.so\nsession\t\t[success=1 default=ignore] pam_succeed_if.so service in crond quiet use_uid\nsession\t\trequired\tpam_unix.so\n",
    ),
    (
        "runuser-l",
        "#%PAM-1.0\nauth\t\tinclude\t\trunuser\nsession\t\toptional\tpam_keyinit.so force revoke\n-session\toptional\tpam_systemd.so\nsession\t\tinclude\t\trunuser\n",
    ),
    (
        "crond",
        "#\n# The PAM configuration file for the cron daemon\n#\naccount    required   pam_access.so\naccount    include    password-auth\nsession    required   pam_loginuid.so\nsession    include    password-auth\nauth       include    password-auth\n",
    ),
    (
        "passwd",
        "#%PAM-1.0\nauth       include\tsystem-auth\naccount    include\tsystem-auth\npassword   substack\tsystem-auth\n-password   optional\tpam_gnome_keyring.so use_authtok\npassword   substack\tpostlogin\n",
    ),
    (
        "chfn",
        "#%PAM-1.0\nauth       sufficient   pam_rootok.so\nauth       include      system-auth\naccount    include      system-auth\npassword   include      system-auth\nsession    include      system-auth\n",
    ),
    (
        "chsh",
        "#%PAM-1.0\nauth       sufficient   pam_rootok.so\nauth       include      system-auth\naccount    include      system-auth\npassword   include      system-auth\nsession    include      system-auth\n",
    ),
    (
        "other",
        "#%PAM-1.0\nauth     required       pam_deny.so\naccount  required       pam_deny.so\npassword required       pam_deny.so\nsession  required       pam_deny.so\n",
    ),
    (
        "config-util",
        "#%PAM-1.0\nauth\t\tsufficient\tpam_rootok.so\nauth\t\tsufficient\tpam_timestamp.so\nauth\t\tinclude\t\tsystem-auth\naccount\t\trequired\tpam_permit.so\nsession\t\trequired\tpam_permit.so\nsession\t\toptional\tpam_xauth.so\nsession\t\toptional\tpam_timestamp.so\n",
    ),
    (
        "systemd-user",
        "#%PAM-1.0\naccount  include system-auth\nsession  required pam_selinux.so close\nsession  required pam_selinux.so nottys open\nsession  required pam_loginuid.so\nsession  include system-auth\n",
    ),
    (
        "polkit-1",
        "#%PAM-1.0\nauth       include      system-auth\naccount    include      system-auth\npassword   include      system-auth\nsession    include      system-auth\n",
    ),
];

/// Copies a fixture tree, keeping its symlinks as symlinks (`/bin -> usr/bin`, the units).
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("directory");
    for entry in fs::read_dir(from).expect("fixture directory") {
        let entry = entry.expect("fixture entry");
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type().expect("file type");
        if kind.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(&src).expect("link"), &dst).expect("symlink");
        } else if kind.is_dir() {
            copy_tree(&src, &dst);
        } else {
            fs::copy(&src, &dst).expect("copy");
        }
    }
}

pub fn bench(c: &mut Criterion) {
    let root = tempfile::tempdir().expect("temporary directory");
    copy_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/centos-7.9"), root.path());
    let etc = root.path().join("etc");
    for (name, text) in PROFILE_D {
        fs::write(etc.join("profile.d").join(name), text).expect("profile.d file");
    }
    fs::create_dir_all(etc.join("pam.d")).expect("pam.d");
    for (name, text) in PAM_D {
        fs::write(etc.join("pam.d").join(name), text).expect("pam.d file");
    }
    // authconfig's files are symlinks to its -ac copies, as on a real install.
    for name in ["system-auth", "password-auth", "postlogin"] {
        std::os::unix::fs::symlink(format!("{name}-ac"), etc.join("pam.d").join(name)).expect("symlink");
    }
    let target = Target::image(root.path()).expect("root");
    let facts = umask::gather(&target);
    assert!(facts.errors.is_empty(), "{:?}", facts.errors);
    assert_eq!(facts.login.value, "0027", "zz-hardening.sh and pam_umask decide the login path");

    let mut g = c.benchmark_group("umask");
    // Small and steady: short runs keep `cargo bench --bench parsers` within a couple of minutes.
    g.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    g.bench_function("centos-7.9 + 30 profile.d + 23 pam.d files", |b| {
        b.iter(|| umask::gather(&target).effective.len())
    });
    g.finish();
}
