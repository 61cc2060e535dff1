//! Themes: TOML files of semantic roles (`fail = { fg = "red", bold = true }`)
//! plus symbols. Built-in themes are embedded; `--theme NAME|FILE` picks one,
//! a user file may `extends = "default"` and override some roles. Panes ask
//! for roles, never raw colours, and every status also carries a glyph and a
//! word so no theme (monochrome included) loses meaning.

use super::keymap::{key_in_message, line_col};
use crate::report::{CheckStatus, FileStatus, Verdict};
use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

/// Built-in themes: (name, TOML).
pub const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    ("high-contrast", include_str!("../../themes/high-contrast.toml")),
    ("monochrome", include_str!("../../themes/monochrome.toml")),
    ("colorblind", include_str!("../../themes/colorblind.toml")),
];

/// What a style is for. Every built-in theme defines every role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Text,
    Muted,
    Title,
    Border,
    BorderFocus,
    Selection,
    Tab,
    TabActive,
    Header,
    Pass,
    Fail,
    Warn,
    Pending,
    Skip,
    KeyHintKey,
    KeyHintDesc,
    Danger,
    Progress,
    ProgressTrack,
    Toast,
    Match,
}

impl Role {
    pub const ALL: [Role; 21] = [
        Role::Text,
        Role::Muted,
        Role::Title,
        Role::Border,
        Role::BorderFocus,
        Role::Selection,
        Role::Tab,
        Role::TabActive,
        Role::Header,
        Role::Pass,
        Role::Fail,
        Role::Warn,
        Role::Pending,
        Role::Skip,
        Role::KeyHintKey,
        Role::KeyHintDesc,
        Role::Danger,
        Role::Progress,
        Role::ProgressTrack,
        Role::Toast,
        Role::Match,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Role::Text => "text",
            Role::Muted => "muted",
            Role::Title => "title",
            Role::Border => "border",
            Role::BorderFocus => "border_focus",
            Role::Selection => "selection",
            Role::Tab => "tab",
            Role::TabActive => "tab_active",
            Role::Header => "header",
            Role::Pass => "pass",
            Role::Fail => "fail",
            Role::Warn => "warn",
            Role::Pending => "pending",
            Role::Skip => "skip",
            Role::KeyHintKey => "key_hint_key",
            Role::KeyHintDesc => "key_hint_desc",
            Role::Danger => "danger",
            Role::Progress => "progress",
            Role::ProgressTrack => "progress_track",
            Role::Toast => "toast",
            Role::Match => "match",
        }
    }

    fn from_name(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == s)
    }
}

/// Glyphs; with the word beside them they carry a status without colour.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Symbols {
    pub pass: String,
    pub fail: String,
    pub warn: String,
    pub pending: String,
    pub skip: String,
    pub ignored: String,
    pub tree_branch: String,
    pub tree_last: String,
    pub tree_pipe: String,
    pub bar_full: String,
    pub bar_empty: String,
    pub selected: String,
}

impl Default for Symbols {
    fn default() -> Self {
        Symbols {
            pass: "✓".into(),
            fail: "✗".into(),
            warn: "!".into(),
            pending: "…".into(),
            skip: "-".into(),
            ignored: "·".into(),
            tree_branch: "├─".into(),
            tree_last: "└─".into(),
            tree_pipe: "│ ".into(),
            bar_full: "█".into(),
            bar_empty: "░".into(),
            selected: "▶".into(),
        }
    }
}

/// A loaded theme.
#[derive(Debug, Clone)]
pub struct Theme {
    pub name: String,
    styles: BTreeMap<Role, Style>,
    pub symbols: Symbols,
}

/// A malformed theme: file, line, key and what is allowed.
pub type ThemeError = super::keymap::ConfigFileError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStyle {
    fg: Option<Spanned<String>>,
    bg: Option<Spanned<String>>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    dim: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underline: bool,
    #[serde(default)]
    reversed: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTheme {
    name: Option<String>,
    description: Option<String>,
    extends: Option<Spanned<String>>,
    #[serde(default)]
    styles: BTreeMap<Spanned<String>, RawStyle>,
    symbols: Option<Symbols>,
}

const COLOUR_NAMES: &[(&str, Color)] = &[
    ("reset", Color::Reset),
    ("black", Color::Black),
    ("red", Color::Red),
    ("green", Color::Green),
    ("yellow", Color::Yellow),
    ("blue", Color::Blue),
    ("magenta", Color::Magenta),
    ("cyan", Color::Cyan),
    ("gray", Color::Gray),
    ("darkgray", Color::DarkGray),
    ("lightred", Color::LightRed),
    ("lightgreen", Color::LightGreen),
    ("lightyellow", Color::LightYellow),
    ("lightblue", Color::LightBlue),
    ("lightmagenta", Color::LightMagenta),
    ("lightcyan", Color::LightCyan),
    ("white", Color::White),
];

/// Parses a colour name, `#rrggbb` or a 0–255 palette index.
pub fn parse_colour(s: &str) -> Result<Color, String> {
    let lower = s.to_ascii_lowercase();
    if let Some((_, c)) = COLOUR_NAMES.iter().find(|(n, _)| *n == lower) {
        return Ok(*c);
    }
    if let Some(hex) = lower.strip_prefix('#')
        && hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
            let v = u32::from_str_radix(hex, 16).map_err(|e| e.to_string())?;
            return Ok(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
        }
    if let Ok(i) = lower.parse::<u8>() {
        return Ok(Color::Indexed(i));
    }
    Err(format!(
        "unknown colour {s:?} (allowed: {}, #rrggbb, or a palette index 0-255)",
        COLOUR_NAMES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
    ))
}

impl Theme {
    /// Names of the built-in themes.
    pub fn builtin_names() -> Vec<&'static str> {
        BUILTIN.iter().map(|(n, _)| *n).collect()
    }

    pub fn builtin(name: &str) -> Result<Theme, ThemeError> {
        let (n, text) = BUILTIN.iter().find(|(n, _)| *n == name).ok_or_else(|| ThemeError {
            file: "--theme".into(),
            line: 0,
            column: 0,
            key: name.into(),
            message: format!("no such theme (built-in: {}; or a path to a .toml file)", Self::builtin_names().join(", ")),
        })?;
        Self::parse(&format!("<built-in theme {n}>"), text, 0)
    }

    /// Picks the theme: `--theme` (a built-in name or a file) wins; else
    /// `monochrome` when `NO_COLOR` is set and non-empty; else `default`.
    pub fn select(theme: Option<&str>, no_colour: bool) -> Result<Theme, ThemeError> {
        match theme {
            Some(t) if BUILTIN.iter().any(|(n, _)| *n == t) => Self::builtin(t),
            Some(t) if t.ends_with(".toml") || t.contains('/') || Path::new(t).is_file() => Self::from_file(Path::new(t)),
            Some(t) => Self::builtin(t),
            None if no_colour => Self::builtin("monochrome"),
            None => Self::builtin("default"),
        }
    }

    pub fn from_file(path: &Path) -> Result<Theme, ThemeError> {
        let text = super::keymap::read_config_file(path)?;
        Self::parse(&path.display().to_string(), &text, 0)
    }

    /// Parses a theme; a theme without `extends` must define every role.
    fn parse(file: &str, text: &str, depth: u8) -> Result<Theme, ThemeError> {
        let err = |span: Option<std::ops::Range<usize>>, key: String, message: String| {
            let (line, column) = span.map(|s| line_col(text, s.start)).unwrap_or((0, 0));
            ThemeError { file: file.into(), line, column, key, message }
        };
        let raw: RawTheme = toml::from_str(text).map_err(|e| {
            err(e.span(), key_in_message(e.message()).unwrap_or_else(|| "-".into()), e.message().trim().to_string())
        })?;
        let _ = raw.description;
        let mut theme = match &raw.extends {
            Some(base) if depth == 0 => {
                if !BUILTIN.iter().any(|(n, _)| n == base.get_ref()) {
                    return Err(err(
                        Some(base.span()),
                        "extends".into(),
                        format!("no built-in theme {:?} (allowed: {})", base.get_ref(), Self::builtin_names().join(", ")),
                    ));
                }
                let mut t = Self::builtin(base.get_ref())?;
                t.symbols = raw.symbols.clone().unwrap_or(t.symbols);
                t
            }
            Some(base) => return Err(err(Some(base.span()), "extends".into(), "built-in themes cannot extend".into())),
            None => Theme { name: String::new(), styles: BTreeMap::new(), symbols: raw.symbols.clone().unwrap_or_default() },
        };
        theme.name = raw.name.clone().unwrap_or_else(|| file.to_string());
        for (key, spec) in &raw.styles {
            let role = Role::from_name(key.get_ref()).ok_or_else(|| {
                err(
                    Some(key.span()),
                    format!("styles.{}", key.get_ref()),
                    format!("unknown role (allowed: {})", Role::ALL.map(Role::name).join(", ")),
                )
            })?;
            let colour = |c: &Option<Spanned<String>>, which: &str| -> Result<Option<Color>, ThemeError> {
                match c {
                    None => Ok(None),
                    Some(c) => parse_colour(c.get_ref())
                        .map(Some)
                        .map_err(|m| err(Some(c.span()), format!("styles.{}.{which}", role.name()), m)),
                }
            };
            let mut style = Style::default();
            if let Some(fg) = colour(&spec.fg, "fg")? {
                style = style.fg(fg);
            }
            if let Some(bg) = colour(&spec.bg, "bg")? {
                style = style.bg(bg);
            }
            for (on, m) in [
                (spec.bold, Modifier::BOLD),
                (spec.dim, Modifier::DIM),
                (spec.italic, Modifier::ITALIC),
                (spec.underline, Modifier::UNDERLINED),
                (spec.reversed, Modifier::REVERSED),
            ] {
                if on {
                    style = style.add_modifier(m);
                }
            }
            theme.styles.insert(role, style);
        }
        if raw.extends.is_none()
            && let Some(missing) = Role::ALL.iter().find(|r| !theme.styles.contains_key(r)) {
                return Err(err(
                    None,
                    format!("styles.{}", missing.name()),
                    "role not defined (a theme without `extends` must define every role)".into(),
                ));
            }
        Ok(theme)
    }

    pub fn style(&self, role: Role) -> Style {
        self.styles.get(&role).copied().unwrap_or_default()
    }

    pub fn verdict_role(v: Verdict) -> Role {
        match v {
            Verdict::Verified => Role::Pass,
            Verdict::Failed => Role::Fail,
            Verdict::Unpinned | Verdict::Unsigned => Role::Warn,
        }
    }

    pub fn verdict_glyph(&self, v: Verdict) -> &str {
        match v {
            Verdict::Verified => &self.symbols.pass,
            Verdict::Failed => &self.symbols.fail,
            Verdict::Unpinned | Verdict::Unsigned => &self.symbols.warn,
        }
    }

    /// Role and glyph of a file status (the word comes from the engine).
    pub fn file_status(&self, s: FileStatus) -> (Role, &str) {
        match s {
            FileStatus::Verified => (Role::Pass, &self.symbols.pass),
            FileStatus::Pending => (Role::Pending, &self.symbols.pending),
            FileStatus::Ignored => (Role::Skip, &self.symbols.ignored),
            FileStatus::Modified | FileStatus::Missing | FileStatus::UnsignedExtra | FileStatus::Error => {
                (Role::Fail, &self.symbols.fail)
            }
        }
    }

    /// Role, glyph and word of a check status.
    pub fn check_status(&self, s: CheckStatus) -> (Role, &str, &'static str) {
        match s {
            CheckStatus::Pass => (Role::Pass, &self.symbols.pass, "ok"),
            CheckStatus::Fail => (Role::Fail, &self.symbols.fail, "FAIL"),
            CheckStatus::Warn => (Role::Warn, &self.symbols.warn, "warn"),
            CheckStatus::Skip => (Role::Skip, &self.symbols.skip, "skip"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_theme_loads_and_defines_every_role() {
        for (name, text) in BUILTIN {
            let raw: toml::Table = toml::from_str(text).unwrap();
            let styles = raw["styles"].as_table().unwrap();
            for role in Role::ALL {
                assert!(styles.contains_key(role.name()), "theme {name} lacks {}", role.name());
            }
            Theme::builtin(name).unwrap_or_else(|e| panic!("{e}"));
        }
    }

    #[test]
    fn monochrome_uses_no_colour() {
        let t = Theme::builtin("monochrome").unwrap();
        for role in Role::ALL {
            let s = t.style(role);
            assert!(s.fg.is_none() && s.bg.is_none(), "{} has a colour", role.name());
        }
        assert!(t.style(Role::Selection).add_modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn no_colour_selects_monochrome_unless_a_theme_is_named() {
        assert_eq!(Theme::select(None, true).unwrap().name, "monochrome");
        assert_eq!(Theme::select(None, false).unwrap().name, "default");
        assert_eq!(Theme::select(Some("light"), true).unwrap().name, "light");
    }

    #[test]
    fn colours_parse() {
        assert_eq!(parse_colour("Red"), Ok(Color::Red));
        assert_eq!(parse_colour("#0a0B0c"), Ok(Color::Rgb(10, 11, 12)));
        assert_eq!(parse_colour("208"), Ok(Color::Indexed(208)));
        assert!(parse_colour("purpel").unwrap_err().contains("allowed"));
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let e = Theme::parse("t.toml", "extends = \"default\"\n[styles]\nfail = { fg = \"purpel\" }\n", 0).unwrap_err();
        assert_eq!((e.file.as_str(), e.line, e.key.as_str()), ("t.toml", 3, "styles.fail.fg"));
        let e = Theme::parse("t.toml", "extends = \"default\"\n[styles]\n\nfial = { fg = \"red\" }\n", 0).unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (4, "styles.fial"));
        let e = Theme::parse("t.toml", "extends = \"default\"\n[styles]\nfail = { fg = \"red\", blink = true }\n", 0).unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (3, "blink"), "{e}");
        let e = Theme::parse("t.toml", "[styles]\ntext = {}\n", 0).unwrap_err();
        assert!(e.message.contains("every role"), "{e}");
    }

    #[test]
    fn user_themes_extend_builtins() {
        let t = Theme::parse("t.toml", "extends = \"light\"\nname = \"mine\"\n[styles]\nfail = { fg = \"#ff0000\" }\n", 0).unwrap();
        assert_eq!(t.name, "mine");
        assert_eq!(t.style(Role::Fail).fg, Some(Color::Rgb(255, 0, 0)));
        assert_eq!(t.style(Role::Pass), Theme::builtin("light").unwrap().style(Role::Pass));
    }
}
