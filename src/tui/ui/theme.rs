//! Colours. Meaning never rests on colour alone (every status also has a symbol), so
//! `NO_COLOR` drops them all and keeps only bold and reverse video.

use std::collections::BTreeMap;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

use crate::api::types::StatusClass;

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub running: Style,
    pub pending: Style,
    pub succeeded: Style,
    pub failed: Style,
    pub cancelled: Style,
    pub unknown: Style,
    pub accent: Style,
    pub dim: Style,
    pub warn: Style,
    pub error: Style,
    pub info: Style,
    pub header: Style,
    pub selected: Style,
    pub selected_unfocused: Style,
    pub border: Style,
    pub border_focused: Style,
    pub key: Style,
}

/// The colours a `[theme]` table can set, with their defaults (config.toml's names).
pub const DEFAULT_COLOURS: [(&str, &str); 15] = [
    ("running", "cyan"),
    ("pending", "yellow"),
    ("succeeded", "green"),
    ("failed", "red"),
    ("cancelled", "magenta"),
    ("unknown", "gray"),
    ("accent", "cyan"),
    ("dim", "darkgray"),
    ("warn", "yellow"),
    ("error", "red"),
    ("info", "green"),
    ("border", "darkgray"),
    ("border_focused", "cyan"),
    ("key", "cyan"),
    ("selected", "blue"),
];

impl Theme {
    pub fn colored() -> Self {
        let fg = |c| Style::new().fg(c);
        Self {
            running: fg(Color::Cyan),
            pending: fg(Color::Yellow),
            succeeded: fg(Color::Green),
            failed: fg(Color::Red),
            cancelled: fg(Color::Magenta),
            unknown: fg(Color::Gray),
            accent: fg(Color::Cyan).add_modifier(Modifier::BOLD),
            dim: fg(Color::DarkGray),
            warn: fg(Color::Yellow),
            error: fg(Color::Red).add_modifier(Modifier::BOLD),
            info: fg(Color::Green),
            header: Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            selected: Style::new()
                .bg(Color::Blue)
                .fg(Color::White)
                .add_modifier(Modifier::BOLD),
            selected_unfocused: Style::new().bg(Color::DarkGray),
            border: fg(Color::DarkGray),
            border_focused: fg(Color::Cyan),
            key: fg(Color::Cyan).add_modifier(Modifier::BOLD),
        }
    }

    pub fn plain() -> Self {
        let s = Style::new();
        let bold = Style::new().add_modifier(Modifier::BOLD);
        Self {
            running: s,
            pending: s,
            succeeded: s,
            failed: bold,
            cancelled: s,
            unknown: s,
            accent: bold,
            dim: s,
            warn: bold,
            error: bold,
            info: s,
            header: Style::new().add_modifier(Modifier::UNDERLINED),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            selected_unfocused: Style::new().add_modifier(Modifier::UNDERLINED),
            border: s,
            border_focused: bold,
            key: bold,
        }
    }

    /// The theme for the options: plain under `NO_COLOR`, else colours with overrides
    /// (name → colour, e.g. `failed = "#ff5555"`, `running = "lightblue"`).
    pub fn new(no_color: bool, overrides: &BTreeMap<String, String>) -> Result<Self, String> {
        if no_color {
            return Ok(Self::plain());
        }
        let mut t = Self::colored();
        for (name, value) in overrides {
            let c = Color::from_str(value)
                .map_err(|_| format!("theme.{name}: cannot read colour {value:?}"))?;
            let slot = match name.as_str() {
                "running" => &mut t.running,
                "pending" => &mut t.pending,
                "succeeded" => &mut t.succeeded,
                "failed" => &mut t.failed,
                "cancelled" => &mut t.cancelled,
                "unknown" => &mut t.unknown,
                "accent" => &mut t.accent,
                "dim" => &mut t.dim,
                "warn" => &mut t.warn,
                "error" => &mut t.error,
                "info" => &mut t.info,
                "border" => &mut t.border,
                "border_focused" => &mut t.border_focused,
                "key" => &mut t.key,
                "selected" => {
                    t.selected = t.selected.bg(c);
                    continue;
                }
                _ => return Err(format!("theme: unknown colour name {name:?}")),
            };
            *slot = slot.fg(c);
        }
        Ok(t)
    }

    pub fn status(&self, class: StatusClass) -> Style {
        match class {
            StatusClass::Pending => self.pending,
            StatusClass::Running => self.running,
            StatusClass::Succeeded => self.succeeded,
            StatusClass::Failed => self.failed,
            StatusClass::Cancelled => self.cancelled,
            StatusClass::Unknown => self.unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_colours_are_the_theme() {
        let named: BTreeMap<String, String> = DEFAULT_COLOURS
            .iter()
            .map(|(n, c)| ((*n).to_string(), (*c).to_string()))
            .collect();
        assert_eq!(Theme::new(false, &named), Ok(Theme::colored()));
    }

    #[test]
    fn overrides_and_no_color() {
        let mut o = BTreeMap::new();
        o.insert("failed".to_string(), "#ff0000".to_string());
        let t = Theme::new(false, &o).expect("theme");
        assert_eq!(t.failed.fg, Some(Color::Rgb(255, 0, 0)));
        assert_eq!(Theme::new(true, &o).expect("theme").failed.fg, None);
        o.insert("nope".to_string(), "red".to_string());
        assert!(Theme::new(false, &o).is_err());
    }
}
