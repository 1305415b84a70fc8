//! Just enough of the POSIX shell to find the `umask` commands a startup file runs for one
//! kind of shell (root, non-interactive, login or not), without running anything.
//!
//! It understands comments, quotes, backslash continuations, `if/elif/else/fi` with `[ ]`,
//! `test` and `shopt -q login_shell` conditions, `cond && cmd`, `return`/`exit` at top level,
//! and that function bodies, loops and `case` arms may or may not run. A condition it cannot
//! evaluate makes the commands under it "maybe": they are reported as such, and the caller
//! decides how to count them.

/// A three-valued truth: the shell would (not) take this branch, or it cannot be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tri {
    /// Known true.
    Yes,
    /// Known false.
    No,
    /// Depends on something not known without running the file.
    Maybe,
}

impl Tri {
    fn from(b: bool) -> Tri {
        if b { Tri::Yes } else { Tri::No }
    }
    fn and(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::No, _) | (_, Tri::No) => Tri::No,
            (Tri::Yes, Tri::Yes) => Tri::Yes,
            _ => Tri::Maybe,
        }
    }
    fn or(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::Yes, _) | (_, Tri::Yes) => Tri::Yes,
            (Tri::No, Tri::No) => Tri::No,
            _ => Tri::Maybe,
        }
    }
    fn not(self) -> Tri {
        match self {
            Tri::Yes => Tri::No,
            Tri::No => Tri::Yes,
            Tri::Maybe => Tri::Maybe,
        }
    }
}

/// Who is running the file: the bootstrap is root and non-interactive.
#[derive(Debug, Clone, Copy)]
pub struct ShellContext {
    /// The shell is a login shell (`shopt -q login_shell`).
    pub login: bool,
    /// The shell is interactive (`$PS1` set, `i` in `$-`).
    pub interactive: bool,
}

/// One `umask` command found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UmaskCommand {
    /// 1-based line number where the command's line starts.
    pub line: usize,
    /// The whole source line, trimmed.
    pub text: String,
    /// The mask argument as written (`077`, `u=rwx,g=,o=`); `None` for a bare `umask`/`umask -S`.
    pub arg: Option<String>,
    /// Whether the shell runs it for the given context.
    pub runs: Tri,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FrameKind {
    If,
    Loop,
    Case,
    Brace,
}

#[derive(Debug, Clone)]
struct Frame {
    kind: FrameKind,
    /// Activity of the enclosing code.
    outer: Tri,
    /// Activity of the current branch (relative to `outer`).
    branch: Tri,
    /// Whether some earlier branch of this `if` was taken.
    taken: Tri,
}

/// A piece of a command line: the separator before it and its words.
#[derive(Debug, Clone)]
struct Piece {
    sep: Sep,
    words: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sep {
    Start,
    Semi,
    And,
    Or,
    Pipe,
}

/// Finds the `umask` commands of a shell startup file and whether each runs in `ctx`.
pub fn umask_commands(text: &str, ctx: ShellContext) -> Vec<UmaskCommand> {
    // A command is found only as the word `umask`, whose letters are then in one line of the
    // file, as they are: a file without them has none, and most profile scripts are walked
    // for nothing (the walk was half of a check's umask fact).
    if memchr::memmem::find(text.as_bytes(), b"umask").is_none() {
        return Vec::new();
    }
    walk(text, ctx)
}

/// The commands of [`umask_commands`], found by walking every line.
fn walk(text: &str, ctx: ShellContext) -> Vec<UmaskCommand> {
    let mut w = Walker {
        ctx,
        frames: Vec::new(),
        cond: None,
        out: Vec::new(),
        stopped: false,
        function_next: false,
        depth: 0,
    };
    for (line_no, raw, logical) in logical_lines(text) {
        if w.stopped {
            break;
        }
        let pieces = split_pieces(&strip_comment(&logical));
        w.line(line_no, raw.trim(), pieces);
    }
    w.out
}

struct Walker {
    ctx: ShellContext,
    frames: Vec<Frame>,
    /// An `if`/`elif` condition being collected: (is_elif, pieces).
    cond: Option<(bool, Vec<Piece>)>,
    out: Vec<UmaskCommand>,
    stopped: bool,
    /// A function header without its `{` was seen: the next `{` opens its body.
    function_next: bool,
    /// How deep `piece` has recursed within one piece.
    depth: usize,
}

/// Keywords handled within one piece (`then umask 002 else umask 022 fi` has four); a hostile
/// line of thousands is cut here instead of exhausting the stack.
const MAX_KEYWORDS_PER_PIECE: usize = 64;

impl Walker {
    fn active(&self) -> Tri {
        self.frames.last().map(|f| f.outer.and(f.branch)).unwrap_or(Tri::Yes)
    }

    fn in_function(&self) -> bool {
        self.frames.iter().any(|f| f.kind == FrameKind::Brace && f.branch == Tri::Maybe)
    }

    fn line(&mut self, line: usize, text: &str, pieces: Vec<Piece>) {
        let mut chain = Tri::Yes;
        let mut last_test: Option<Tri> = None;
        for piece in pieces {
            match piece.sep {
                Sep::Start | Sep::Semi => chain = Tri::Yes,
                Sep::And => chain = chain.and(last_test.unwrap_or(Tri::Maybe)),
                Sep::Or => chain = chain.and(last_test.map(Tri::not).unwrap_or(Tri::Maybe)),
                Sep::Pipe => {}
            }
            last_test = self.piece(line, text, piece.sep, &piece.words, chain);
            if self.stopped {
                return;
            }
        }
    }

    /// Handles one piece's words; returns the value of a test command, if it was one.
    /// Handles one piece, bounding the recursion a line of many keywords (`fi fi fi ...`) causes.
    fn piece(&mut self, line: usize, text: &str, sep: Sep, words: &[String], chain: Tri) -> Option<Tri> {
        if self.depth >= MAX_KEYWORDS_PER_PIECE {
            return None;
        }
        self.depth += 1;
        let value = self.words(line, text, sep, words, chain);
        self.depth -= 1;
        value
    }

    fn words(&mut self, line: usize, text: &str, sep: Sep, words: &[String], chain: Tri) -> Option<Tri> {
        if let Some((elif, cond)) = self.cond.as_mut() {
            let elif = *elif;
            match words.iter().position(|w| w == "then") {
                Some(i) => {
                    cond.push(Piece { sep, words: words[..i].to_vec() });
                    let pieces = std::mem::take(cond);
                    self.cond = None;
                    let value = eval_list(&pieces, self.ctx);
                    if elif {
                        if let Some(f) = self.frames.last_mut() {
                            let prior = f.taken;
                            f.branch = prior.not().and(value);
                            f.taken = prior.or(value);
                        }
                    } else {
                        let outer = self.active();
                        self.frames.push(Frame { kind: FrameKind::If, outer, branch: value, taken: value });
                    }
                    self.piece(line, text, Sep::Semi, &words[i + 1..], Tri::Yes);
                }
                None => cond.push(Piece { sep, words: words.to_vec() }),
            }
            return None;
        }
        let first = words.first()?;
        let rest = &words[1..];
        // A case arm's pattern (`xterm)`, `*i*)`): the arm's commands follow it.
        if first.ends_with(')')
            && !first.ends_with("()")
            && self.frames.last().is_some_and(|f| f.kind == FrameKind::Case)
        {
            return self.piece(line, text, sep, rest, chain);
        }
        match first.as_str() {
            "if" | "elif" => {
                self.cond = Some((first == "elif", Vec::new()));
                self.piece(line, text, Sep::Start, rest, Tri::Yes);
                None
            }
            "then" => self.piece(line, text, Sep::Semi, rest, chain),
            "else" => {
                if let Some(f) = self.frames.last_mut().filter(|f| f.kind == FrameKind::If) {
                    f.branch = f.taken.not();
                    f.taken = Tri::Yes;
                }
                self.piece(line, text, Sep::Semi, rest, Tri::Yes)
            }
            "fi" | "done" | "esac" => {
                let kind = match first.as_str() {
                    "fi" => FrameKind::If,
                    "done" => FrameKind::Loop,
                    _ => FrameKind::Case,
                };
                if let Some(pos) = self.frames.iter().rposition(|f| f.kind == kind) {
                    self.frames.truncate(pos);
                }
                self.piece(line, text, Sep::Semi, rest, Tri::Yes)
            }
            "for" | "while" | "until" | "select" => None, // the header; `do` opens the body
            "do" => {
                let outer = self.active();
                self.frames.push(Frame { kind: FrameKind::Loop, outer, branch: Tri::Yes, taken: Tri::Yes });
                self.piece(line, text, Sep::Semi, rest, chain)
            }
            "case" => {
                // Which arm runs depends on the word; every arm is "maybe".
                let outer = self.active();
                self.frames.push(Frame {
                    kind: FrameKind::Case,
                    outer,
                    branch: Tri::Maybe,
                    taken: Tri::Maybe,
                });
                None
            }
            "{" => {
                let outer = self.active();
                let body = if std::mem::take(&mut self.function_next) { Tri::Maybe } else { Tri::Yes };
                self.frames.push(Frame { kind: FrameKind::Brace, outer, branch: body, taken: body });
                self.piece(line, text, Sep::Semi, rest, chain)
            }
            "}" => {
                if let Some(pos) = self.frames.iter().rposition(|f| f.kind == FrameKind::Brace) {
                    self.frames.truncate(pos);
                }
                self.piece(line, text, Sep::Semi, rest, Tri::Yes)
            }
            _ if is_function_start(words) => {
                // A function body runs only when called: "maybe".
                if words.last().is_some_and(|w| w == "{" || w.ends_with("(){")) {
                    let outer = self.active();
                    let (branch, taken) = (Tri::Maybe, Tri::Maybe);
                    self.frames.push(Frame { kind: FrameKind::Brace, outer, branch, taken });
                } else {
                    self.function_next = true;
                }
                None
            }
            "return" | "exit" => {
                if self.active().and(chain) == Tri::Yes && !self.in_function() {
                    self.stopped = true;
                }
                None
            }
            "builtin" | "command" if rest.first().is_some_and(|w| w == "umask") => {
                self.piece(line, text, sep, rest, chain)
            }
            "umask" => {
                // Keywords after the argument (a line flattened as `then umask 002 else ...`).
                let end = rest.iter().position(|w| is_keyword(w)).unwrap_or(rest.len());
                let arg = rest[..end].iter().find(|w| !w.starts_with('-')).map(|w| unquote(w));
                self.out.push(UmaskCommand {
                    line,
                    text: text.to_string(),
                    arg,
                    runs: self.active().and(chain),
                });
                self.piece(line, text, Sep::Semi, &rest[end..], Tri::Yes)
            }
            "!" => self.piece(line, text, sep, rest, chain).map(Tri::not),
            _ => {
                let value = eval_command(words, self.ctx);
                if value.is_some() { value } else { None }
            }
        }
    }
}

fn is_keyword(w: &str) -> bool {
    matches!(w, "then" | "else" | "elif" | "fi" | "do" | "done" | "esac")
}

fn is_function_start(words: &[String]) -> bool {
    let opens = words.last().is_some_and(|w| w == "{" || w.ends_with("(){"));
    let named = words.first().is_some_and(|w| w == "function")
        || words.first().is_some_and(|w| w.ends_with("()"))
        || words.get(1).is_some_and(|w| w == "()");
    named && (opens || words.len() <= 3)
}

/// Evaluates an `if` condition: pieces joined by `&&`, `||` and `;`.
fn eval_list(pieces: &[Piece], ctx: ShellContext) -> Tri {
    let mut value = Tri::Maybe;
    let mut first = true;
    for p in pieces {
        if p.words.is_empty() {
            continue;
        }
        let (neg, words) = match p.words.first().map(String::as_str) {
            Some("!") => (true, &p.words[1..]),
            _ => (false, &p.words[..]),
        };
        let mut v = eval_command(words, ctx).unwrap_or(Tri::Maybe);
        if neg {
            v = v.not();
        }
        value = if first {
            v
        } else {
            match p.sep {
                Sep::And => value.and(v),
                Sep::Or => value.or(v),
                _ => v,
            }
        };
        first = false;
    }
    value
}

/// The exit status of a test-like command: `[ ]`, `[[ ]]`, `test`, `shopt -q login_shell`,
/// `true`, `false`. `None` for any other command.
fn eval_command(words: &[String], ctx: ShellContext) -> Option<Tri> {
    let first = words.first()?.as_str();
    match first {
        "[" | "[[" | "test" => {
            let mut args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
            if first != "test" && args.last().is_some_and(|w| *w == "]" || *w == "]]") {
                args.pop();
            }
            Some(eval_test(&args, ctx))
        }
        "shopt" => {
            let q = words.iter().any(|w| w == "-q");
            if q && words.last().is_some_and(|w| w == "login_shell") {
                Some(Tri::from(ctx.login))
            } else {
                Some(Tri::Maybe)
            }
        }
        "true" | ":" => Some(Tri::Yes),
        "false" => Some(Tri::No),
        _ => None,
    }
}

fn eval_test(args: &[&str], ctx: ShellContext) -> Tri {
    match args {
        ["!", rest @ ..] => eval_test(rest, ctx).not(),
        [one] => expand(one, ctx).map(|v| Tri::from(!v.is_empty())).unwrap_or(Tri::Maybe),
        ["-z", x] => expand(x, ctx).map(|v| Tri::from(v.is_empty())).unwrap_or(Tri::Maybe),
        ["-n", x] => expand(x, ctx).map(|v| Tri::from(!v.is_empty())).unwrap_or(Tri::Maybe),
        [a, op, b] => {
            let (Some(a), Some(b)) = (expand(a, ctx), expand(b, ctx)) else { return Tri::Maybe };
            match *op {
                "=" | "==" => Tri::from(a == b),
                "!=" => Tri::from(a != b),
                "-eq" | "-ne" | "-gt" | "-ge" | "-lt" | "-le" => {
                    let (Ok(a), Ok(b)) = (a.trim().parse::<i64>(), b.trim().parse::<i64>()) else {
                        return Tri::Maybe;
                    };
                    Tri::from(match *op {
                        "-eq" => a == b,
                        "-ne" => a != b,
                        "-gt" => a > b,
                        "-ge" => a >= b,
                        "-lt" => a < b,
                        _ => a <= b,
                    })
                }
                _ => Tri::Maybe,
            }
        }
        _ => Tri::Maybe,
    }
}

/// The value of a word for root in `ctx`, when it can be known without running anything.
fn expand(word: &str, ctx: ShellContext) -> Option<String> {
    let w = unquote(word);
    if !w.contains('$') && !w.contains('`') {
        return Some(w);
    }
    let inner = w
        .strip_prefix("$(")
        .and_then(|s| s.strip_suffix(')'))
        .or_else(|| w.strip_prefix('`').and_then(|s| s.strip_suffix('`')));
    if let Some(cmd) = inner {
        let cmd = cmd.trim().trim_start_matches("/usr/bin/").trim_start_matches("/bin/");
        return match cmd {
            "id -u" | "id -ru" | "id -ur" => Some("0".into()),
            "id -un" | "id -nu" | "id -gn" | "id -ng" | "id -run" | "whoami" => Some("root".into()),
            _ => None,
        };
    }
    let interactive_flags = if ctx.interactive { "himBH" } else { "hB" };
    match w.as_str() {
        "$UID" | "${UID}" | "$EUID" | "${EUID}" => Some("0".into()),
        "$USER" | "${USER}" | "$LOGNAME" | "${LOGNAME}" => Some("root".into()),
        "$PS1" | "${PS1}" | "${PS1-}" | "${PS1:-}" => {
            Some(if ctx.interactive { "# ".into() } else { String::new() })
        }
        "$-" | "${-}" => Some(interactive_flags.into()),
        "${-#*i}" => Some(if ctx.interactive { "mBH".into() } else { interactive_flags.into() }),
        "$BASH_VERSION" | "${BASH_VERSION-}" | "${BASH_VERSION:-}" => Some("5".into()),
        "$BASH" | "${BASH-}" | "${BASH:-}" => Some("/bin/bash".into()),
        _ => None,
    }
}

/// Removes one level of surrounding quotes from a word (and quotes inside it).
pub fn unquote(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut quote: Option<char> = None;
    for c in word.chars() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            _ => out.push(c),
        }
    }
    out
}

/// Lines joined across backslash continuations: (first line number, first raw line, joined).
/// In shell a comment line's trailing backslash continues nothing; sudoers (`accounts`) passes
/// `comments_continue = true`, as its callers always have.
pub fn logical_lines_with(text: &str, comments_continue: bool) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let (no, raw, mut joined) = pending.take().unwrap_or((i + 1, line.to_string(), String::new()));
        match line.strip_suffix('\\') {
            Some(head) if comments_continue || !line.trim_start().starts_with('#') => {
                joined.push_str(head);
                joined.push(' ');
                pending = Some((no, raw, joined));
            }
            _ => {
                joined.push_str(line);
                out.push((no, raw, joined));
            }
        }
    }
    if let Some(p) = pending {
        out.push(p);
    }
    out
}

fn logical_lines(text: &str) -> Vec<(usize, String, String)> {
    logical_lines_with(text, false)
}

/// Drops a `#` comment: a `#` that starts a word, outside quotes.
fn strip_comment(line: &str) -> String {
    let mut quote: Option<char> = None;
    let mut prev: Option<char> = None;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'' | '`') => quote = Some(c),
            (Some(q), c) if c == q && prev != Some('\\') => quote = None,
            (None, '#') if prev.is_none_or(|p| p.is_whitespace() || p == ';') => {
                return line[..i].to_string();
            }
            _ => {}
        }
        prev = Some(c);
    }
    line.to_string()
}

/// Splits a line into pieces at `;`, `&&`, `||`, `|`, `&` outside quotes, `$( )` and backticks,
/// and each piece into words.
fn split_pieces(line: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut sep = Sep::Start;
    let mut quote: Option<char> = None;
    let mut depth = 0usize; // $( ... ) nesting
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    let flush_word = |word: &mut String, words: &mut Vec<String>| {
        if !word.is_empty() {
            words.push(std::mem::take(word));
        }
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if let Some(q) = quote {
            word.push(c);
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            '"' | '\'' | '`' => {
                quote = Some(c);
                word.push(c);
            }
            '$' if next == Some('(') => {
                depth += 1;
                word.push_str("$(");
                i += 1;
            }
            ')' if depth > 0 => {
                depth -= 1;
                word.push(c);
            }
            _ if depth > 0 => word.push(c),
            ' ' | '\t' => flush_word(&mut word, &mut words),
            ';' | '&' | '|' => {
                flush_word(&mut word, &mut words);
                let (s, skip) = match (c, next) {
                    (';', Some(';')) => (Sep::Semi, 2), // `;;` ends a case arm
                    (';', _) => (Sep::Semi, 1),
                    ('&', Some('&')) => (Sep::And, 2),
                    ('|', Some('|')) => (Sep::Or, 2),
                    ('|', _) => (Sep::Pipe, 1),
                    _ => (Sep::Semi, 1), // `&`: background, a new list
                };
                pieces.push(Piece { sep, words: std::mem::take(&mut words) });
                sep = s;
                i += skip;
                continue;
            }
            _ => word.push(c),
        }
        i += 1;
    }
    flush_word(&mut word, &mut words);
    pieces.push(Piece { sep, words });
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_without_the_word_umask_walks_to_nothing() {
        let mut texts: Vec<String> = [
            "u\"m\"ask 022\n",
            "um\\\nask 022\n",
            "'umask' 022\n",
            "echo \"umask 022\"\nbuiltin umask 077\n",
            "if true; then command umask 027; fi\n",
            "x=$(umask)\n",
            "UMASK 022\n",
        ]
        .map(String::from)
        .to_vec();
        // Every shell file of every fixture root.
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        for root in std::fs::read_dir(fixtures).unwrap().flatten() {
            for rel in ["etc/profile", "etc/bashrc", "etc/bash.bashrc", "etc/init.d/functions"] {
                texts.extend(std::fs::read_to_string(root.path().join(rel)));
            }
            for dir in ["etc/profile.d", "etc/init.d"] {
                for f in std::fs::read_dir(root.path().join(dir)).into_iter().flatten().flatten() {
                    texts.extend(std::fs::read_to_string(f.path()));
                }
            }
        }
        assert!(texts.len() > 30, "{}", texts.len());
        let mut with_umask = 0;
        for text in &texts {
            for ctx in [
                ShellContext { login: true, interactive: false },
                ShellContext { login: false, interactive: true },
            ] {
                let (fast, full) = (umask_commands(text, ctx), walk(text, ctx));
                assert_eq!(
                    fast.iter().map(|u| (u.line, &u.arg, u.runs)).collect::<Vec<_>>(),
                    full.iter().map(|u| (u.line, &u.arg, u.runs)).collect::<Vec<_>>(),
                    "{text}"
                );
                with_umask += usize::from(!full.is_empty());
            }
        }
        assert!(with_umask > 4, "{with_umask}");
    }

    const LOGIN: ShellContext = ShellContext { login: true, interactive: false };
    const NONLOGIN: ShellContext = ShellContext { login: false, interactive: false };

    fn runs(text: &str, ctx: ShellContext) -> Vec<(usize, Option<String>, Tri)> {
        umask_commands(text, ctx).into_iter().map(|u| (u.line, u.arg, u.runs)).collect()
    }

    // CentOS 7 /etc/profile (setup-2.8.71), the umask block and the profile.d loop.
    const CENTOS7_PROFILE: &str = r#"# By default, we want umask to get set. This sets it for login shell
# Current threshold for system reserved uid/gids is 200
# You could check uidgid reservation validity in
# /usr/share/doc/setup-*/uidgid file
if [ $UID -gt 199 ] && [ "`/usr/bin/id -gn`" = "`/usr/bin/id -un`" ]; then
    umask 002
else
    umask 022
fi

for i in /etc/profile.d/*.sh /etc/profile.d/sh.local ; do
    if [ -r "$i" ]; then
        if [ "${-#*i}" != "$-" ]; then
            . "$i"
        else
            . "$i" >/dev/null
        fi
    fi
done
"#;

    #[test]
    fn rhel_uid_block_takes_the_root_branch() {
        assert_eq!(
            runs(CENTOS7_PROFILE, LOGIN),
            [(6, Some("002".into()), Tri::No), (8, Some("022".into()), Tri::Yes)]
        );
    }

    #[test]
    fn flattened_one_line_block() {
        let text = r#"if [ $UID -gt 199 ] && [ "`id -gn`" = "`id -un`" ]; then umask 002 else umask 022 fi"#;
        assert_eq!(runs(text, LOGIN), [(1, Some("002".into()), Tri::No), (1, Some("022".into()), Tri::Yes)]);
        let text = "if [ $UID -gt 199 ]; then umask 002; else umask 022; fi\numask 077\n";
        assert_eq!(
            runs(text, LOGIN),
            [
                (1, Some("002".into()), Tri::No),
                (1, Some("022".into()), Tri::Yes),
                (2, Some("077".into()), Tri::Yes)
            ]
        );
    }

    // CentOS 7 /etc/bashrc: the umask block is for non-login shells only.
    #[test]
    fn bashrc_block_skipped_in_login_shell() {
        let text = r#"if ! shopt -q login_shell ; then # We're not a login shell
    pathmunge () {
        case ":${PATH}:" in
            *:"$1":*)
                ;;
            *)
                if [ "$2" = "after" ] ; then
                    PATH=$PATH:$1
                else
                    PATH=$1:$PATH
                fi
        esac
    }

    if [ $UID -gt 199 ] && [ "`/usr/bin/id -gn`" = "`/usr/bin/id -un`" ]; then
       umask 002
    else
       umask 022
    fi
fi
umask 077
"#;
        assert_eq!(
            runs(text, LOGIN),
            [
                (16, Some("002".into()), Tri::No),
                (18, Some("022".into()), Tri::No),
                (21, Some("077".into()), Tri::Yes)
            ]
        );
        assert_eq!(runs(text, NONLOGIN)[1], (18, Some("022".into()), Tri::Yes));
    }

    #[test]
    fn comments_and_quotes() {
        let text =
            "# umask 077\n  #umask 027\necho '# not a comment'; umask 0027 # hardening\necho \"umask 077\"\n";
        assert_eq!(runs(text, LOGIN), [(3, Some("0027".into()), Tri::Yes)]);
    }

    // Debian 12 /etc/bash.bashrc opens with this guard.
    #[test]
    fn non_interactive_return_stops_the_file() {
        let text =
            "# If not running interactively, don't do anything\n[ -z \"$PS1\" ] && return\numask 077\n";
        assert!(runs(text, LOGIN).is_empty());
        let ctx = ShellContext { login: true, interactive: true };
        assert_eq!(runs(text, ctx), [(3, Some("077".into()), Tri::Yes)]);
    }

    #[test]
    fn unknown_conditions_functions_and_case_are_maybe() {
        let text = "if [ -f /etc/hardened ]; then\n  umask 077\nfi\nset_mask() {\n  umask 027\n}\ncase $TERM in\n  xterm) umask 007 ;;\nesac\n[ \"$HOSTNAME\" = x ] && umask 0007\n";
        let got = runs(text, LOGIN);
        assert!(got.iter().all(|(_, _, r)| *r == Tri::Maybe), "{got:?}");
        assert_eq!(got.len(), 4);
    }

    #[test]
    fn function_brace_on_the_next_line() {
        let text = "set_mask ()\n{\n  umask 027\n}\nfunction other {\n  umask 007\n}\numask 022\n";
        assert_eq!(
            runs(text, LOGIN),
            [
                (3, Some("027".into()), Tri::Maybe),
                (6, Some("007".into()), Tri::Maybe),
                (8, Some("022".into()), Tri::Yes)
            ]
        );
    }

    #[test]
    fn hostile_keyword_runs_do_not_exhaust_the_stack() {
        let text = format!("{}umask 077\n", "fi ".repeat(300_000));
        assert!(runs(&text, LOGIN).is_empty());
        let text = format!("{}\numask 027\n", "if true; then ".repeat(50_000));
        assert_eq!(runs(&text, LOGIN), [(2, Some("027".into()), Tri::Yes)]);
    }

    #[test]
    fn symbolic_and_print_forms() {
        let text = "umask -S\numask u=rwx,g=,o=\numask -S u=rwx,g=rx,o=rx\n";
        assert_eq!(
            runs(text, LOGIN),
            [
                (1, None, Tri::Yes),
                (2, Some("u=rwx,g=,o=".into()), Tri::Yes),
                (3, Some("u=rwx,g=rx,o=rx".into()), Tri::Yes)
            ]
        );
    }

    #[test]
    fn elif_chain_and_continuation() {
        let text = "if [ \"$(id -u)\" -eq 0 ]; then\n umask 027\nelif [ x = x ]; then\n umask 002\nelse\n umask 022\nfi\nif [ $EUID -ne 0 ] \\\n  ; then umask 002; fi\n";
        assert_eq!(
            runs(text, LOGIN),
            [
                (2, Some("027".into()), Tri::Yes),
                (4, Some("002".into()), Tri::No),
                (6, Some("022".into()), Tri::No),
                (8, Some("002".into()), Tri::No)
            ]
        );
    }
}
