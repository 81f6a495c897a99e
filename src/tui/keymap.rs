//! Keys as data: `assets/keymap.toml` (mode, keys → action, description) drives both the
//! event loop and the help screen, with the user's overrides applied on top.

use std::collections::{BTreeMap, HashMap};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use super::action::Action;
use super::state::State;
use super::state::popup::Popup;

const DEFAULT: &str = include_str!("../../assets/keymap.toml");

/// Where a key is pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Global,
    Normal,
    Confirm,
    Message,
    Help,
    Failures,
    Signatures,
    Attempts,
    Pager,
    Input,
}

impl Mode {
    pub fn of(state: &State) -> Self {
        if state.input.is_some() {
            return Self::Input;
        }
        match &state.popup {
            None => Self::Normal,
            Some(Popup::Confirm(_)) => Self::Confirm,
            Some(Popup::Message(_)) => Self::Message,
            Some(Popup::Help { .. }) => Self::Help,
            Some(Popup::Failures(_)) => Self::Failures,
            Some(Popup::Signatures(_)) => Self::Signatures,
            Some(Popup::Attempts(_)) => Self::Attempts,
            Some(Popup::Pager(_)) => Self::Pager,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Global => "Everywhere",
            Self::Normal => "Panes",
            Self::Confirm => "Confirmation",
            Self::Message => "Message",
            Self::Help => "Help",
            Self::Failures => "Failures view",
            Self::Signatures => "Failure signatures",
            Self::Attempts => "Attempts",
            Self::Pager => "Log pager",
            Self::Input => "Input line",
        }
    }
}

/// A key with its modifiers (Shift is part of the character for printable keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    pub fn from_event(e: KeyEvent) -> Self {
        Self {
            code: e.code,
            ctrl: e.modifiers.contains(KeyModifiers::CONTROL),
            alt: e.modifiers.contains(KeyModifiers::ALT),
        }
    }

    /// Reads "ctrl-c", "shift-tab", "enter", "pgdn", "G", "?", "space", "f5", ...
    pub fn parse(s: &str) -> Option<Self> {
        let mut ctrl = false;
        let mut alt = false;
        let mut shift = false;
        let mut rest = s;
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(r) = lower.strip_prefix("ctrl-").or(lower.strip_prefix("c-")) {
                ctrl = true;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower.strip_prefix("alt-").or(lower.strip_prefix("m-")) {
                alt = true;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower.strip_prefix("shift-") {
                shift = true;
                rest = &rest[rest.len() - r.len()..];
            } else {
                break;
            }
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "backspace" | "bs" => KeyCode::Backspace,
            "tab" if shift => KeyCode::BackTab,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pgdown" | "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "delete" | "del" => KeyCode::Delete,
            f if f.len() > 1 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse().ok()?)
            }
            _ => {
                let mut chars = rest.chars();
                let c = chars.next()?;
                if chars.next().is_some() {
                    return None;
                }
                let c = if shift { c.to_ascii_uppercase() } else { c };
                KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c })
            }
        };
        Some(Self { code, ctrl, alt })
    }

    /// How the help screen writes the key.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Enter => "⏎".to_string(),
            KeyCode::Esc => "esc".into(),
            KeyCode::Backspace => "⌫".into(),
            KeyCode::Tab => "tab".into(),
            KeyCode::BackTab => "shift-tab".into(),
            KeyCode::Char(' ') => "space".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "pgup".into(),
            KeyCode::PageDown => "pgdn".into(),
            KeyCode::Home => "home".into(),
            KeyCode::End => "end".into(),
            KeyCode::Delete => "del".into(),
            KeyCode::F(n) => format!("f{n}"),
            KeyCode::Char(c) => c.to_string(),
            _ => "?".into(),
        };
        let mut s = String::new();
        if self.ctrl {
            s.push_str("ctrl-");
        }
        if self.alt {
            s.push_str("alt-");
        }
        s + &base
    }
}

#[derive(Debug, Deserialize)]
struct File {
    bind: Vec<RawBinding>,
}

#[derive(Debug, Deserialize)]
struct RawBinding {
    mode: Mode,
    on: Vec<String>,
    run: String,
    desc: String,
    #[serde(default)]
    dangerous: bool,
}

/// One line of the keymap.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub mode: Mode,
    pub keys: Vec<Key>,
    pub action: Action,
    pub desc: String,
    pub dangerous: bool,
}

#[derive(Debug, Clone)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
    lookup: HashMap<(Mode, Key), Action>,
}

impl Keymap {
    /// The default keymap with `overrides` (action name → keys) applied. In read-only mode
    /// dangerous bindings are removed and their keys only say so.
    pub fn new(overrides: &BTreeMap<String, Vec<String>>, read_only: bool) -> Result<Self, String> {
        let file: File = toml::from_str(DEFAULT).map_err(|e| format!("built-in keymap: {e}"))?;
        let mut bindings = Vec::new();
        for b in file.bind {
            let action = Action::from_name(&b.run)
                .ok_or_else(|| format!("built-in keymap: unknown action {}", b.run))?;
            let keys =
                b.on.iter()
                    .map(|k| Key::parse(k).ok_or_else(|| format!("built-in keymap: bad key {k}")))
                    .collect::<Result<Vec<_>, _>>()?;
            bindings.push(Binding {
                mode: b.mode,
                keys,
                action,
                desc: b.desc,
                dangerous: b.dangerous,
            });
        }
        for (name, keys) in overrides {
            let action =
                Action::from_name(name).ok_or_else(|| format!("keys: unknown action {name:?}"))?;
            let keys = keys
                .iter()
                .map(|k| Key::parse(k).ok_or_else(|| format!("keys.{name}: cannot read key {k:?}")))
                .collect::<Result<Vec<_>, _>>()?;
            let mut found = false;
            for b in bindings.iter_mut().filter(|b| b.action == action) {
                b.keys = keys.clone();
                found = true;
            }
            if !found {
                return Err(format!("keys: {name} has no binding to change"));
            }
        }
        let mut lookup = HashMap::new();
        let mut silenced = Vec::new();
        bindings.retain(|b| {
            if read_only && b.dangerous {
                silenced.push((b.mode, b.keys.clone()));
                false
            } else {
                true
            }
        });
        for (mode, keys) in silenced {
            for k in keys {
                lookup.insert((mode, k), Action::ReadOnly);
            }
        }
        for b in &bindings {
            for k in &b.keys {
                lookup.insert((b.mode, *k), b.action.clone());
            }
        }
        Ok(Self { bindings, lookup })
    }

    /// The action a key runs in a mode (global bindings apply everywhere).
    pub fn action(&self, mode: Mode, key: KeyEvent) -> Option<Action> {
        let k = Key::from_event(key);
        self.lookup
            .get(&(mode, k))
            .or_else(|| self.lookup.get(&(Mode::Global, k)))
            .cloned()
    }

    /// The first key of an action in a mode, for the hint line.
    pub fn key_for(&self, mode: Mode, action: &Action) -> Option<String> {
        self.bindings
            .iter()
            .find(|b| b.mode == mode && b.action == *action)
            .and_then(|b| b.keys.first())
            .map(Key::label)
    }

    /// (mode, keys, description) for the help screen, in the keymap's order.
    pub fn help(&self) -> Vec<(Mode, String, String)> {
        let mut v: Vec<(Mode, String, String)> = self
            .bindings
            .iter()
            .map(|b| {
                let keys: Vec<String> = b.keys.iter().map(Key::label).collect();
                (b.mode, keys.join(" "), b.desc.clone())
            })
            .collect();
        v.sort_by_key(|(m, _, _)| *m);
        v
    }
}

/// Every action of the built-in keymap with its keys as config.toml writes them, for
/// `omtop config init`. An action bound in several places with different keys says so.
pub fn config_defaults() -> Vec<crate::config::template::KeyDefault> {
    let Ok(file) = toml::from_str::<File>(DEFAULT) else {
        return Vec::new();
    };
    let mut out: Vec<crate::config::template::KeyDefault> = Vec::new();
    let mut places: HashMap<String, Vec<(Mode, Vec<String>)>> = HashMap::new();
    for b in file.bind {
        let seen = places.entry(b.run.clone()).or_default();
        if seen.is_empty() {
            out.push(crate::config::template::KeyDefault {
                action: b.run.clone(),
                keys: b.on.clone(),
                desc: b.desc.clone(),
            });
        }
        seen.push((b.mode, b.on));
    }
    for k in &mut out {
        let seen = &places[&k.action];
        if seen.iter().any(|(_, keys)| *keys != k.keys) {
            let each: Vec<String> = seen
                .iter()
                .map(|(m, keys)| format!("{}: {}", m.title(), keys.join(" ")))
                .collect();
            k.desc = format!("{} (keys differ by place: {})", k.desc, each.join("; "));
        }
    }
    out
}

/// The key reference in Markdown (the README's "Keys" section), from the same table the
/// loop uses.
pub fn markdown(k: &Keymap) -> String {
    let mut out = String::from(
        "Generated from `assets/keymap.toml`, the table the dashboard itself uses; any \
         action's keys can be changed in config.toml's `[keys]` table by action name.\n",
    );
    let mut last = None;
    for b in &k.bindings {
        if last != Some(b.mode) {
            out.push_str(&format!(
                "\n#### {}\n\n| Keys | Action | What it does |\n|---|---|---|\n",
                b.mode.title()
            ));
            last = Some(b.mode);
        }
        let keys: Vec<String> = b.keys.iter().map(|k| format!("`{}`", k.label())).collect();
        let danger = if b.dangerous {
            " (not in read-only mode)"
        } else {
            ""
        };
        out.push_str(&format!(
            "| {} | `{}` | {}{danger} |\n",
            keys.join(" "),
            b.action.name(),
            b.desc
        ));
    }
    out.push_str(
        "\nMouse: a click selects a row (or focuses the details pane); the wheel scrolls.\n\n\
         Commands (`:`): `:project NAME|ID`, `:region R` (or `:region all`), `:group ID`, \
         `:run UUID`, `:env [NAME|ID]` (a region's environments), `:sheet` (the group's sample \
         sheet), `:sort COLUMN [desc]`, `:q`.\n\nIn the input line (`/`, `:`, pager search) printable keys type; \
         `⏎` applies, `esc` cancels (and clears a filter).\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyEventKind;

    #[test]
    fn readme_keys_are_current() {
        const START: &str =
            "<!-- keys: generated by the keymap test; UPDATE_KEYS_DOC=1 cargo test -->\n";
        const END: &str = "<!-- keys end -->";
        let k = Keymap::new(&BTreeMap::new(), false).expect("keymap");
        let want = markdown(&k);
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
        let readme = std::fs::read_to_string(path).expect("README.md");
        let (Some(a), Some(b)) = (readme.find(START), readme.find(END)) else {
            panic!("README.md lacks the keys markers");
        };
        let have = &readme[a + START.len()..b];
        if have != want && std::env::var_os("UPDATE_KEYS_DOC").is_some() {
            let updated = format!("{}{START}{want}{}", &readme[..a], &readme[b..]);
            std::fs::write(path, updated).expect("write README.md");
            return;
        }
        assert_eq!(
            have, want,
            "README keys are stale: run with UPDATE_KEYS_DOC=1"
        );
    }

    fn ev(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent {
            code,
            modifiers: m,
            kind: KeyEventKind::Press,
            state: crossterm::event::KeyEventState::NONE,
        }
    }

    #[test]
    fn default_keymap_loads_and_resolves() {
        let k = Keymap::new(&BTreeMap::new(), false).expect("keymap");
        assert_eq!(
            k.action(Mode::Normal, ev(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(
            k.action(Mode::Normal, ev(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(
            k.action(Mode::Pager, ev(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(
            k.action(Mode::Normal, ev(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::FocusPrev)
        );
        assert_eq!(
            k.action(Mode::Normal, ev(KeyCode::Char('t'), KeyModifiers::NONE)),
            Some(Action::Terminate)
        );
    }

    #[test]
    fn overrides_replace_keys_and_read_only_hides_dangerous_keys() {
        let mut o = BTreeMap::new();
        o.insert("quit".to_string(), vec!["ctrl-q".to_string()]);
        let k = Keymap::new(&o, true).expect("keymap");
        assert_eq!(
            k.action(Mode::Normal, ev(KeyCode::Char('q'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(
            k.action(Mode::Normal, ev(KeyCode::Char('q'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            k.action(Mode::Normal, ev(KeyCode::Char('t'), KeyModifiers::NONE)),
            Some(Action::ReadOnly)
        );
        assert!(!k.help().iter().any(|(_, _, d)| d.contains("Terminate")));
        assert!(Keymap::new(&[("nope".to_string(), vec!["x".to_string()])].into(), false).is_err());
    }

    #[test]
    fn key_strings() {
        assert_eq!(
            Key::parse("ctrl-c").map(|k| (k.code, k.ctrl)),
            Some((KeyCode::Char('c'), true))
        );
        assert_eq!(
            Key::parse("shift-tab").map(|k| k.code),
            Some(KeyCode::BackTab)
        );
        assert_eq!(Key::parse("f5").map(|k| k.code), Some(KeyCode::F(5)));
        assert_eq!(Key::parse("?").map(|k| k.code), Some(KeyCode::Char('?')));
        assert_eq!(Key::parse("nonsense"), None);
    }
}
