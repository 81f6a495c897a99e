//! Copying with OSC 52: the terminal puts the text on the system clipboard, which also
//! works over SSH (no X11 or clipboard daemon needed).

use base64::Engine;

/// The escape sequence that sets the clipboard to `text` (already sanitized by the caller).
pub fn osc52(text: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\u{1b}]52;c;{b64}\u{7}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn osc52_encodes_base64() {
        assert_eq!(super::osc52("hi"), "\u{1b}]52;c;aGk=\u{7}");
    }
}
