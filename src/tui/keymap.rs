//! The keymap: TOML sections of `{ on, run, desc }` entries, built-in
//! defaults embedded in the binary, a user file that replaces or extends
//! sections. Footer hints and the help overlay are generated from it, so
//! they cannot drift from the real bindings.

use super::action::Action;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use std::fmt;
use std::path::Path;
use toml::Spanned;

/// The built-in keymap.
pub const DEFAULT_KEYMAP: &str = include_str!("../../keymaps/default.toml");

/// Where a key is pressed: the top overlay, else the active pane, with
/// `global` consulted after a pane's own section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    Global,
    Overview,
    Files,
    Signature,
    Transparency,
    Licenses,
    Lineage,
    Ledger,
    Help,
    Filter,
    Confirm,
    Detail,
    /// The note (and scope) prompt before an approval or rejection is drafted.
    Note,
}

impl Context {
    pub const ALL: [Context; 13] = [
        Context::Global,
        Context::Overview,
        Context::Files,
        Context::Signature,
        Context::Transparency,
        Context::Licenses,
        Context::Lineage,
        Context::Ledger,
        Context::Help,
        Context::Filter,
        Context::Confirm,
        Context::Detail,
        Context::Note,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Overview => "overview",
            Context::Files => "files",
            Context::Signature => "signature",
            Context::Transparency => "transparency",
            Context::Licenses => "licenses",
            Context::Lineage => "lineage",
            Context::Ledger => "ledger",
            Context::Help => "help",
            Context::Filter => "filter",
            Context::Confirm => "confirm",
            Context::Detail => "detail",
            Context::Note => "note",
        }
    }

    /// Overlays own the keyboard: `global` is not consulted under them.
    pub fn is_modal(self) -> bool {
        matches!(self, Context::Help | Context::Filter | Context::Confirm | Context::Detail | Context::Note)
    }

    /// Contexts where unbound printable keys are typed into an input.
    pub fn takes_text(self) -> bool {
        matches!(self, Context::Help | Context::Filter | Context::Note)
    }
}

/// One key with modifiers. Letters compare without Shift (the character
/// already says it), so `S` and `<S-s>` from different terminals match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeySpec {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl KeySpec {
    fn normalized(code: KeyCode, mods: KeyModifiers) -> Self {
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match code {
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                if mods.contains(KeyModifiers::CONTROL) { KeyCode::Char(c.to_ascii_lowercase()) } else { KeyCode::Char(c) }
            }
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            other => other,
        };
        KeySpec { code, mods }
    }

    pub fn from_event(ev: &KeyEvent) -> Self {
        Self::normalized(ev.code, ev.modifiers)
    }

    /// Parses `q`, `?`, `<C-c>`, `<S-Tab>`, `<Enter>`, `<PageDown>`, `<F1>`…
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut chars = s.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return Ok(Self::normalized(KeyCode::Char(c), KeyModifiers::NONE));
        }
        let inner = s
            .strip_prefix('<')
            .and_then(|r| r.strip_suffix('>'))
            .ok_or_else(|| format!("key {s:?} is neither one character nor a <Name> such as <Enter> or <C-c>"))?;
        let mut mods = KeyModifiers::NONE;
        let mut rest = inner;
        while let Some((m, r)) = rest.split_once('-').filter(|(m, r)| m.len() == 1 && !r.is_empty()) {
            mods |= match m {
                "C" | "c" => KeyModifiers::CONTROL,
                "A" | "a" | "M" | "m" => KeyModifiers::ALT,
                "S" | "s" => KeyModifiers::SHIFT,
                _ => return Err(format!("unknown modifier {m:?} in {s:?} (allowed: C, A, S)")),
            };
            rest = r;
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" | "cr" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" if mods.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "backspace" | "bs" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "space" => KeyCode::Char(' '),
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "lt" => KeyCode::Char('<'),
            "gt" => KeyCode::Char('>'),
            f if f.len() > 1 && f.starts_with('f') && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) => {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            _ if rest.chars().count() == 1 => KeyCode::Char(rest.chars().next().unwrap_or(' ')),
            _ => {
                return Err(format!(
                    "unknown key name {rest:?} in {s:?} (allowed: one character, Enter, Esc, Tab, BackTab, Backspace, Delete, Space, Up, Down, Left, Right, PageUp, PageDown, Home, End, F1-F12, with C-, A-, S- modifiers)"
                ));
            }
        };
        Ok(Self::normalized(code, mods))
    }
}

impl fmt::Display for KeySpec {
    /// The short form shown in the footer and help (`^c`, `S-Tab`, `↑`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut prefix = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            prefix.push_str("Ctrl-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            prefix.push_str("Alt-");
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            prefix.push_str("Shift-");
        }
        let name = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::Delete => "Del".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::F(n) => format!("F{n}"),
            _ => "?".into(),
        };
        write!(f, "{prefix}{name}")
    }
}

/// One resolved binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub key: KeySpec,
    pub action: Action,
    pub desc: String,
    /// Shown in the footer (every binding is in the help).
    pub footer: bool,
}

/// A malformed keymap or theme file: which file, where, which key, and
/// what is allowed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{file}:{line}:{column}: {key}: {message}")]
pub struct ConfigFileError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub key: String,
    pub message: String,
}

/// A malformed keymap.
pub type KeymapError = ConfigFileError;

/// Reads a keymap or theme file; an unreadable one is an error naming it.
pub(crate) fn read_config_file(path: &Path) -> Result<String, ConfigFileError> {
    std::fs::read_to_string(path).map_err(|e| ConfigFileError {
        file: path.display().to_string(),
        line: 0,
        column: 0,
        key: "-".into(),
        message: format!("cannot read: {e}"),
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    on: Spanned<String>,
    run: Spanned<String>,
    desc: Option<String>,
    #[serde(default = "yes")]
    footer: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSection {
    keymap: Option<Vec<RawEntry>>,
    #[serde(default)]
    prepend_keymap: Vec<RawEntry>,
    #[serde(default)]
    append_keymap: Vec<RawEntry>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawKeymap {
    #[serde(default)]
    global: RawSection,
    #[serde(default)]
    overview: RawSection,
    #[serde(default)]
    files: RawSection,
    #[serde(default)]
    signature: RawSection,
    #[serde(default)]
    transparency: RawSection,
    #[serde(default)]
    licenses: RawSection,
    #[serde(default)]
    lineage: RawSection,
    #[serde(default)]
    ledger: RawSection,
    #[serde(default)]
    help: RawSection,
    #[serde(default)]
    filter: RawSection,
    #[serde(default)]
    confirm: RawSection,
    #[serde(default)]
    detail: RawSection,
    #[serde(default)]
    note: RawSection,
}

impl RawKeymap {
    fn take(&mut self, ctx: Context) -> RawSection {
        std::mem::take(match ctx {
            Context::Global => &mut self.global,
            Context::Overview => &mut self.overview,
            Context::Files => &mut self.files,
            Context::Signature => &mut self.signature,
            Context::Transparency => &mut self.transparency,
            Context::Licenses => &mut self.licenses,
            Context::Lineage => &mut self.lineage,
            Context::Ledger => &mut self.ledger,
            Context::Help => &mut self.help,
            Context::Filter => &mut self.filter,
            Context::Confirm => &mut self.confirm,
            Context::Detail => &mut self.detail,
            Context::Note => &mut self.note,
        })
    }
}

/// The effective keymap: bindings per context, in display order.
#[derive(Debug, Clone)]
pub struct Keymap {
    sections: Vec<(Context, Vec<Binding>)>,
}

/// 1-based line and column of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line, column)
}

/// The key named in a serde/toml message (`unknown field `x``), if any.
pub(crate) fn key_in_message(msg: &str) -> Option<String> {
    let start = msg.find('`')? + 1;
    let end = msg[start..].find('`')? + start;
    Some(msg[start..end].to_string())
}

impl Keymap {
    /// The built-in keymap.
    pub fn builtin() -> Result<Self, KeymapError> {
        Self::parse("<built-in keymap>", DEFAULT_KEYMAP, None)
    }

    /// The built-in keymap with a user file applied on top.
    pub fn load(user: Option<&Path>) -> Result<Self, KeymapError> {
        match user {
            None => Self::builtin(),
            Some(path) => {
                let text = read_config_file(path)?;
                let base = Self::builtin()?;
                Self::parse(&path.display().to_string(), &text, Some(base))
            }
        }
    }

    /// Parses `text`; with `base`, a section without `keymap` keeps the
    /// base bindings and `prepend_keymap`/`append_keymap` extend them.
    pub fn parse(file: &str, text: &str, base: Option<Keymap>) -> Result<Self, KeymapError> {
        let mut raw: RawKeymap = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((0, 0));
            KeymapError {
                file: file.into(),
                line,
                column,
                key: key_in_message(e.message()).unwrap_or_else(|| "-".into()),
                message: e.message().trim().to_string(),
            }
        })?;
        let mut sections = Vec::new();
        for ctx in Context::ALL {
            let section = raw.take(ctx);
            let convert = |entries: Vec<RawEntry>| -> Result<Vec<Binding>, KeymapError> {
                entries.into_iter().map(|e| Self::binding(file, text, ctx, e)).collect()
            };
            let base_bindings = base.as_ref().map(|b| b.bindings(ctx).to_vec()).unwrap_or_default();
            let mut bindings = convert(section.prepend_keymap)?;
            match section.keymap {
                Some(list) => bindings.extend(convert(list)?),
                None => bindings.extend(base_bindings),
            }
            bindings.extend(convert(section.append_keymap)?);
            // Earlier entries win: drop later duplicates of the same key.
            let mut seen = std::collections::HashSet::new();
            bindings.retain(|b| seen.insert(b.key));
            sections.push((ctx, bindings));
        }
        Ok(Keymap { sections })
    }

    fn binding(file: &str, text: &str, ctx: Context, e: RawEntry) -> Result<Binding, KeymapError> {
        let err = |span: std::ops::Range<usize>, key: &str, message: String| {
            let (line, column) = line_col(text, span.start);
            KeymapError { file: file.into(), line, column, key: format!("{}.{key}", ctx.name()), message }
        };
        let key = KeySpec::parse(e.on.get_ref()).map_err(|m| err(e.on.span(), "on", m))?;
        let action = Action::from_name(e.run.get_ref()).ok_or_else(|| {
            err(e.run.span(), "run", format!("unknown action {:?} (allowed: {})", e.run.get_ref(), Action::allowed_names()))
        })?;
        Ok(Binding { key, action, desc: e.desc.unwrap_or_else(|| action.name().replace('-', " ")), footer: e.footer })
    }

    pub fn bindings(&self, ctx: Context) -> &[Binding] {
        self.sections.iter().find(|(c, _)| *c == ctx).map(|(_, b)| b.as_slice()).unwrap_or(&[])
    }

    /// Removes every binding whose action writes (`--read-only`).
    pub fn without_writes(mut self) -> Self {
        for (_, b) in &mut self.sections {
            b.retain(|b| !b.action.writes());
        }
        self
    }

    /// The action `key` means in `ctx`: its own section first, then
    /// `global` unless an overlay owns the keyboard.
    pub fn lookup(&self, ctx: Context, key: KeySpec) -> Option<Action> {
        let own = self.bindings(ctx).iter().find(|b| b.key == key).map(|b| b.action);
        if own.is_some() || ctx.is_modal() {
            return own;
        }
        self.bindings(Context::Global).iter().find(|b| b.key == key).map(|b| b.action)
    }

    /// The bindings that apply in `ctx`, own section first (for help and footer).
    pub fn applicable(&self, ctx: Context) -> Vec<(Context, &Binding)> {
        let mut out: Vec<(Context, &Binding)> = self.bindings(ctx).iter().map(|b| (ctx, b)).collect();
        if !ctx.is_modal() && ctx != Context::Global {
            let own: std::collections::HashSet<KeySpec> = out.iter().map(|(_, b)| b.key).collect();
            out.extend(self.bindings(Context::Global).iter().filter(|b| !own.contains(&b.key)).map(|b| (Context::Global, b)));
        }
        out
    }

    /// The first key bound to `action` in `ctx` (for messages like "press ? for help").
    pub fn key_for(&self, ctx: Context, action: Action) -> Option<KeySpec> {
        self.applicable(ctx).into_iter().find(|(_, b)| b.action == action).map(|(_, b)| b.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_specs_parse() {
        assert_eq!(KeySpec::parse("q").unwrap(), KeySpec { code: KeyCode::Char('q'), mods: KeyModifiers::NONE });
        assert_eq!(KeySpec::parse("<C-c>").unwrap(), KeySpec { code: KeyCode::Char('c'), mods: KeyModifiers::CONTROL });
        assert_eq!(KeySpec::parse("<S-Tab>").unwrap().code, KeyCode::BackTab);
        assert_eq!(KeySpec::parse("<PageDown>").unwrap().code, KeyCode::PageDown);
        assert_eq!(KeySpec::parse("<F5>").unwrap().code, KeyCode::F(5));
        assert!(KeySpec::parse("<Nope>").is_err());
        assert!(KeySpec::parse("qq").is_err());
        assert!(KeySpec::parse("<X-a>").is_err());
    }

    #[test]
    fn shifted_letters_match_their_character() {
        let ev = KeyEvent::new(KeyCode::Char('S'), KeyModifiers::SHIFT);
        assert_eq!(KeySpec::from_event(&ev), KeySpec::parse("S").unwrap());
        let bt = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(KeySpec::from_event(&bt), KeySpec::parse("<S-Tab>").unwrap());
    }

    #[test]
    fn builtin_has_no_duplicates_and_every_binding_has_a_desc() {
        let text = DEFAULT_KEYMAP;
        let km = Keymap::builtin().unwrap();
        for ctx in Context::ALL {
            let mut seen = std::collections::HashSet::new();
            for b in km.bindings(ctx) {
                assert!(seen.insert(b.key), "duplicate {} in [{}]", b.key, ctx.name());
            }
        }
        // Every entry in the file has an explicit desc.
        let raw: toml::Table = toml::from_str(text).unwrap();
        for (section, v) in raw {
            for entry in v.get("keymap").and_then(|k| k.as_array()).into_iter().flatten() {
                assert!(entry.get("desc").and_then(|d| d.as_str()).is_some_and(|d| !d.is_empty()), "[{section}] {entry:?} has no desc");
            }
        }
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let text = "[global]\nkeymap = [\n  { on = \"q\", run = \"quit\", desc = \"Quit\" },\n  { on = \"x\", run = \"explode\", desc = \"Boom\" },\n]\n";
        let e = Keymap::parse("my.toml", text, None).unwrap_err();
        assert_eq!((e.file.as_str(), e.line, e.key.as_str()), ("my.toml", 4, "global.run"));
        assert!(e.message.contains("explode") && e.message.contains("quit"), "{e}");

        let e = Keymap::parse("k.toml", "[files]\nkeymap = [ { on = \"<Bogus>\", run = \"up\" } ]\n", None).unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (2, "files.on"));

        let e = Keymap::parse("k.toml", "[global]\n\n[fiels]\nkeymap = []\n", None).unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (3, "fiels"), "{e}");
    }

    #[test]
    fn user_files_extend_the_defaults() {
        let base = Keymap::builtin().unwrap();
        let user = "[global]\nprepend_keymap = [ { on = \"x\", run = \"quit\", desc = \"Leave\" } ]\n";
        let km = Keymap::parse("u.toml", user, Some(base.clone())).unwrap();
        assert_eq!(km.lookup(Context::Files, KeySpec::parse("x").unwrap()), Some(Action::Quit));
        assert_eq!(km.lookup(Context::Files, KeySpec::parse("q").unwrap()), Some(Action::Quit));
        assert_eq!(km.bindings(Context::Files).len(), base.bindings(Context::Files).len());
    }

    #[test]
    fn overlays_do_not_fall_through_to_global() {
        let km = Keymap::builtin().unwrap();
        assert_eq!(km.lookup(Context::Files, KeySpec::parse("q").unwrap()), Some(Action::Quit));
        assert_eq!(km.lookup(Context::Filter, KeySpec::parse("q").unwrap()), None);
    }

    #[test]
    fn read_only_drops_writes() {
        let km = Keymap::builtin().unwrap().without_writes();
        assert!(Context::ALL.iter().all(|c| km.bindings(*c).iter().all(|b| !b.action.writes())));
    }
}
