//! Writes the man page and the shell completions for the packages, generated from the clap
//! definition (`bootready::cli::Cli`), so they can never drift from `--help`.
//!
//!     cargo run --example dist-assets -- OUT_DIR
//!
//! writes `OUT_DIR/man/bootready.1` and `OUT_DIR/completions/{bootready.bash,_bootready,
//! bootready.fish}`. packaging/build runs it; it is an example rather than a subcommand so the
//! shipped binary carries neither the generators nor a hidden command.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::CommandFactory;
use clap_complete::Shell;

fn main() -> anyhow::Result<()> {
    let out = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .context("usage: cargo run --example dist-assets -- OUT_DIR")?;
    let cmd = bootready::cli::Cli::command();

    let man_dir = out.join("man");
    fs::create_dir_all(&man_dir).with_context(|| format!("creating {}", man_dir.display()))?;
    let mut pages = cmd.clone().disable_help_subcommand(true);
    pages.build();
    write_man_pages(&pages, &man_dir)?;

    let completions = out.join("completions");
    fs::create_dir_all(&completions).with_context(|| format!("creating {}", completions.display()))?;
    for (shell, file) in
        [(Shell::Bash, "bootready.bash"), (Shell::Zsh, "_bootready"), (Shell::Fish, "bootready.fish")]
    {
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut cmd.clone(), "bootready", &mut script);
        write(&completions.join(file), &script)?;
    }
    Ok(())
}

/// One page per command (`bootready.1`, `bootready-check.1`, ...), like
/// `clap_mangen::generate_to`, except that the after-help text ("Examples:", "Exit codes:")
/// becomes EXAMPLES and EXIT STATUS sections kept line for line, not refilled into a paragraph.
fn write_man_pages(cmd: &clap::Command, dir: &Path) -> anyhow::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_man_pages(sub, dir)?;
    }
    let man = clap_mangen::Man::new(cmd.clone())
        .source(format!("bootready {}", env!("CARGO_PKG_VERSION")))
        .manual("User Commands");
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut page)?;
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(&mut page)?;
    }
    if let Some(after) = cmd.get_after_long_help().or(cmd.get_after_help()) {
        page.extend_from_slice(preformatted_sections(&after.to_string()).as_bytes());
    }
    if cmd.get_version().is_some() {
        man.render_version_section(&mut page)?;
    }
    write(&dir.join(man.get_filename()), &page)
}

/// Turns "Heading:\n  line\n  line\n\nHeading:\n ..." into `.SH HEADING` sections whose lines
/// are not filled (`.nf`), with roff's special characters escaped.
fn preformatted_sections(text: &str) -> String {
    let mut roff = String::new();
    for block in text.split("\n\n") {
        let mut lines = block.lines();
        let Some(heading) = lines.next() else { continue };
        let heading = match heading.trim().trim_end_matches(':').to_uppercase().as_str() {
            "EXIT CODES" => "EXIT STATUS".to_string(),
            other => other.to_string(),
        };
        roff.push_str(&format!(".SH \"{heading}\"\n.nf\n"));
        for line in lines {
            let escaped = line.replace('\\', "\\e").replace('-', "\\-");
            let escaped = if escaped.starts_with(['.', '\'']) { format!("\\&{escaped}") } else { escaped };
            roff.push_str(&escaped);
            roff.push('\n');
        }
        roff.push_str(".fi\n");
    }
    roff
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}
