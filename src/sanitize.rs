//! Makes untrusted text safe to put on a terminal.
//!
//! Every string that comes from the network (names, error messages, logs) passes through
//! here before it is drawn or printed. Escape sequences (CSI, OSC, DCS, ...), C0 and C1
//! controls, DEL and bidirectional overrides are replaced by visible stand-ins, so data can
//! neither move the cursor, set the clipboard, make links, ring the bell, nor reorder text.
//!
//! Characters whose width terminals disagree on are settled too, so a cell drawn as one
//! width is never shown as another (which would leave stray glyphs and shifted borders):
//! regional indicators (flags) become a mark; emoji skin-tone modifiers and variation
//! selectors are dropped, leaving the base character.

use std::borrow::Cow;

/// The stand-in for anything else removed: U+2426, the symbol for SUBSTITUTE. (Not U+FFFD:
/// that one also stands for bytes that were not UTF-8, and some terminals drop it.)
const MARK: char = '\u{2426}';

/// The visible stand-in for a removed character: C0 controls and DEL by their control
/// pictures (`␛`, `␇`, `␍`, ...), so a reader sees what was there; everything else by MARK.
fn stand_in(c: char) -> char {
    match c {
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or(MARK),
        '\u{7f}' => '\u{2421}',
        _ => MARK,
    }
}

/// Whether a character could move, recolour or reorder what a terminal shows.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        // bidi embeddings, overrides and isolates; line/paragraph separators
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}'
        | '\u{061c}' | '\u{2028}' | '\u{2029}'
        // zero-width and BOM characters that hide text
        | '\u{200b}'..='\u{200d}' | '\u{feff}')
}

/// Whether terminals disagree on how wide the character makes what it follows or forms.
fn is_width_unstable(c: char) -> bool {
    matches!(c, '\u{1f1e6}'..='\u{1f1ff}' | '\u{1f3fb}'..='\u{1f3ff}' | '\u{fe00}'..='\u{fe0f}')
}

/// One line of display text: every control (newlines and tabs included) becomes a visible
/// mark, so a table cell cannot be broken or shifted.
pub fn line(s: &str) -> Cow<'_, str> {
    clean(s, false)
}

/// Multi-line text (logs, error messages, JSON): newlines are kept, tabs become spaces,
/// every other control becomes a visible mark.
pub fn text(s: &str) -> Cow<'_, str> {
    clean(s, true)
}

/// Whether `s` needs no change: a byte at a time while it is ASCII (most text is), a
/// character at a time otherwise.
fn is_clean(s: &str, keep_newlines: bool) -> bool {
    let kept = |b: u8| (b' '..0x7f).contains(&b) || (keep_newlines && b == b'\n');
    s.bytes().all(kept)
        || s.chars()
            .all(|c| (!is_unsafe(c) || (keep_newlines && c == '\n')) && !is_width_unstable(c))
}

fn clean(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    if is_clean(s, keep_newlines) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' if keep_newlines => out.push('\n'),
            '\r' if keep_newlines => {
                // CRLF is a newline; a lone CR (which would overwrite the line) is marked.
                if chars.peek() != Some(&'\n') {
                    out.push(stand_in('\r'));
                }
            }
            '\t' if keep_newlines => out.push_str("    "),
            '\u{1b}' => {
                // Swallow the whole escape sequence, leaving one mark in its place.
                skip_escape(&mut chars);
                out.push(stand_in('\u{1b}'));
            }
            c if is_unsafe(c) => out.push(stand_in(c)),
            '\u{1f1e6}'..='\u{1f1ff}' => out.push(MARK),
            c if is_width_unstable(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Escapes, inside JSON text, what serde leaves raw but a terminal would act on (DEL, C1
/// controls, bidi overrides, zero-width characters). Outside strings JSON is ASCII (and
/// serde escapes C0 controls in strings), so every character caught here is inside a string
/// and its `\uXXXX` form is still the same JSON.
pub fn escape_json(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\u{7f}' || (!c.is_ascii() && is_unsafe(c)) {
            for unit in c.encode_utf16(&mut [0; 2]) {
                escaped.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            escaped.push(c);
        }
    }
    escaped
}

/// The longest string sequence (OSC, DCS, ...) skipped before giving up on finding its end.
const MAX_STRING_SEQUENCE: usize = 4096;

/// Skips the rest of an escape sequence whose ESC has been read: CSI `ESC [ ... final`,
/// OSC/DCS/PM/APC/SOS strings up to BEL or ST, or a two-character escape. A sequence never
/// swallows a newline, nor more than [`MAX_STRING_SEQUENCE`] characters, so one stray ESC
/// cannot hide the rest of a log.
fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.peek() {
        Some('[') => {
            chars.next();
            // Parameters and intermediates (0x20..=0x3f), then one final byte (0x40..=0x7e).
            while let Some(&c) = chars.peek() {
                if (' '..='?').contains(&c) {
                    chars.next();
                } else {
                    if ('@'..='~').contains(&c) {
                        chars.next();
                    }
                    break;
                }
            }
        }
        Some(']' | 'P' | '^' | '_' | 'X') => {
            chars.next();
            let mut skipped = 0;
            while let Some(&c) = chars.peek() {
                if c == '\n' || skipped >= MAX_STRING_SEQUENCE {
                    break;
                }
                chars.next();
                skipped += 1;
                if c == '\u{7}' || c == '\u{9c}' {
                    break;
                }
                if c == '\u{1b}' && chars.peek() == Some(&'\\') {
                    chars.next();
                    break;
                }
            }
        }
        Some('\n') | None => {}
        Some(_) => {
            chars.next();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(line("sample NA12878 肿瘤 🧬"), Cow::Borrowed(_)));
        assert!(matches!(text("line 1\nline 2 肿瘤\n"), Cow::Borrowed(_)));
        assert!(matches!(line("line 1\nline 2"), Cow::Owned(_)));
        assert!(matches!(text("a\r\nb"), Cow::Owned(_)));
        assert!(matches!(text("C1 \u{85} in UTF-8"), Cow::Owned(_)));
    }

    #[test]
    fn escape_sequences_are_removed() {
        let hostile = "a\u{1b}[31mred\u{1b}[0m b\u{1b}]52;c;aGk=\u{7} c\u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{1b}\\ d\u{7}\u{8}\u{9b}2J";
        let out = line(hostile);
        assert!(!out.contains('\u{1b}'));
        assert!(!out.contains('\u{7}'));
        assert!(!out.contains('\u{8}'));
        assert!(!out.contains('\u{9b}'));
        assert!(!out.contains("52;"));
        assert!(out.contains("red") && out.contains("link"));
    }

    #[test]
    fn newlines_break_lines_only_in_text() {
        assert_eq!(line("a\nb\rc\td"), "a␊b␍c␉d");
        assert_eq!(text("a\r\nb\rc\td"), "a\nb␍c    d");
    }

    #[test]
    fn a_stray_sequence_does_not_hide_the_rest_of_a_log() {
        let log = "line 1 \u{1b}]0;title\nline 2\nline 3 \u{1b}[\nline 4";
        assert_eq!(text(log), "line 1 ␛\nline 2\nline 3 ␛\nline 4");
        let long = format!("a\u{1b}]{}b", "x".repeat(10_000));
        assert!(line(&long).ends_with('b'));
    }

    #[test]
    fn characters_of_unstable_width_are_settled() {
        // A flag, a skin-toned emoji, a heart with a presentation selector.
        assert_eq!(line("🇨🇳 👩🏽 ❤\u{fe0f}"), "␦␦ 👩 ❤");
        assert_eq!(
            line("全基因组 ｆｕｌｌ e\u{301}"),
            "全基因组 ｆｕｌｌ e\u{301}"
        );
    }

    #[test]
    fn bidi_overrides_are_marked() {
        assert_eq!(line("abc\u{202e}fed"), "abc␦fed");
        assert_eq!(line("x\u{2067}y\u{2069}"), "x␦y␦");
    }

    #[test]
    fn unterminated_sequences_do_not_swallow_forever_or_panic() {
        assert_eq!(line("\u{1b}"), "␛");
        assert_eq!(line("ok\u{1b}]52;c;"), "ok␛");
        assert_eq!(line("ok\u{1b}["), "ok␛");
    }
}
