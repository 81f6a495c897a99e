//! Hostile mode: every string the simulator returns is laced with what an attacker who can
//! name a run, a sample or a task would put there: terminal escape sequences (CSI, OSC 52
//! clipboard writes, OSC 8 links, a title change, a device-status query), BEL, backspace,
//! carriage return, C1 controls, bidi overrides, CJK and emoji, and now and then 100 KB.
//!
//! Only the answer is poisoned, never the world, so the protocol keeps working: identifiers
//! (`…Id`, `…Ids`, `…Uuid`, `…Uuids`), regions, error codes and presigned URLs stay clean
//! because the client sends them back or acts on them, and so do the kinds the service sets
//! (a call's RunType, a group's Type and ApplicationType), which shape the tree and the logs. Statuses and times are poisoned too. The same
//! original string always gets the same payload, so names that group together (a
//! scatter's shards) still do.

use serde_json::Value;

/// The payloads. Each starts with a marker, so a test can tell which one it sees.
pub const PAYLOADS: &[&str] = &[
    // CSI: clear the screen, home, blink + reverse red, and ask the terminal to answer.
    "«csi»\u{1b}[2J\u{1b}[H\u{1b}[31;5;7mred\u{1b}[6n",
    // OSC 52: write to the clipboard (BEL- and ST-terminated).
    "«osc52»\u{1b}]52;c;cm0gLXJmIH4K\u{7}\u{1b}]52;p;cm0gLXJmIH4K\u{1b}\\",
    // OSC 8: a hyperlink hiding where it goes; OSC 0: the window title.
    "«osc8»\u{1b}]8;;https://evil.example/\u{1b}\\click\u{1b}]8;;\u{1b}\\\u{1b}]0;pwned\u{7}",
    // BEL, backspaces over the text before, a carriage return to overwrite the line.
    "«ctl»\u{7}\u{8}\u{8}\u{8}\u{8}\rOVERWRITTEN\u{7f}",
    // C1: 8-bit CSI and OSC, and a DCS.
    "«c1»\u{9b}31m\u{9d}52;c;cm0K\u{9c}\u{90}q\u{9c}\u{85}",
    // Bidi overrides and isolates that reorder what follows.
    "«bidi»\u{202e}gpj.exe\u{202c}\u{2066}\u{2067}\u{2068}\u{2069}\u{200f}",
    // Newlines and tabs inside one field.
    "«lines»first\nsecond\r\nthird\tcol\u{b}\u{c}",
    // Wide text: CJK, emoji with joiners and modifiers, combining marks.
    "«wide»全基因组测序🧬👩🏽‍🔬🇨🇳e\u{301}\u{200b}ｆｕｌｌ",
];

/// Keys whose values the client sends back or dials, and so stay as they are.
fn is_protocol_key(key: &str) -> bool {
    key.ends_with("Id")
        || key.ends_with("Ids")
        || key.ends_with("Uuid")
        || key.ends_with("Uuids")
        || key == "Region"
        || key == "Code"
        || key == "RunType"
        || key == "Type"
        || key == "ApplicationType"
        || key.starts_with("CosSignedUrl")
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// `original` with a payload chosen by its content: one in 50 gets 100 KB more.
pub fn poison(original: &str) -> String {
    let h = fnv(original);
    let payload = PAYLOADS[(h % PAYLOADS.len() as u64) as usize];
    let mut out = format!("{original}{payload}");
    if h % 50 == 7 {
        out.push_str("«big»");
        out.push_str(&"长".repeat(100 * 1024 / 3));
    }
    out
}

/// Every line of a text file or log, poisoned: logs arrive as text, not as JSON fields.
pub fn poison_lines(text: &str) -> String {
    text.lines().map(|l| poison(l) + "\n").collect()
}

fn walk(key: &str, v: &mut Value) {
    match v {
        Value::String(s) if !is_protocol_key(key) => {
            *s = if key == "Content" {
                poison_lines(s)
            } else {
                poison(s)
            };
        }
        Value::Array(items) => items.iter_mut().for_each(|i| walk(key, i)),
        Value::Object(map) => map.iter_mut().for_each(|(k, i)| walk(k, i)),
        _ => {}
    }
}

/// A whole response envelope, poisoned (`RequestId` stays clean).
pub fn poison_json(body: &[u8]) -> Vec<u8> {
    match serde_json::from_slice::<Value>(body) {
        Ok(mut v) => {
            walk("", &mut v);
            v.to_string().into_bytes()
        }
        // Already not JSON (a malformed-body fault): leave it so.
        Err(_) => body.to_vec(),
    }
}

/// A body whose strings use escapes JSON does not allow: a lone surrogate, `\x`, raw
/// control bytes and bytes that are not UTF-8. No JSON parser should accept it.
pub fn bad_escapes(request_id: &str) -> Vec<u8> {
    let mut body = format!(
        "{{\"Response\":{{\"Name\":\"\\ud800 lone\",\"Description\":\"\\x1b[31m\",\"RequestId\":\"{request_id}\"}}}}"
    )
    .into_bytes();
    let at = body.len() - 2;
    body.splice(
        at..at,
        b",\"Raw\":\"\x1b]52;c;AA==\x07\xff\xfe\xc3\""
            .iter()
            .copied(),
    );
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_stay_and_everything_else_is_poisoned() {
        let body = br#"{"Response":{"RunGroups":[{"RunGroupId":"rg-1","Name":"wgs","Region":"ap-guangzhou",
            "Option":{"FailureMode":"RUN_ALL"},"RunStatusCounts":[{"Status":"RUNNING","Count":2}]}],
            "RequestId":"r-1"}}"#;
        let out: Value = serde_json::from_slice(&poison_json(body)).expect("still JSON");
        let g = &out["Response"]["RunGroups"][0];
        assert_eq!(g["RunGroupId"], "rg-1");
        assert_eq!(g["Region"], "ap-guangzhou");
        assert_eq!(out["Response"]["RequestId"], "r-1");
        assert_eq!(g["RunStatusCounts"][0]["Count"], 2);
        for s in [
            &g["Name"],
            &g["Option"]["FailureMode"],
            &g["RunStatusCounts"][0]["Status"],
        ] {
            let s = s.as_str().expect("a string");
            assert!(s.contains('«') && s.len() > 20, "{s:?}");
        }
    }

    #[test]
    fn equal_strings_get_equal_payloads() {
        assert_eq!(poison("ScatterCall"), poison("ScatterCall"));
        assert_eq!(poison_lines("a\nb").lines().count(), 2);
    }

    #[test]
    fn bad_escapes_are_refused_by_json() {
        let body = bad_escapes("r-1");
        assert!(serde_json::from_slice::<Value>(&body).is_err());
        assert!(std::str::from_utf8(&body).is_err());
    }
}
