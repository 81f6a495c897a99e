//! Deterministic randomness, identifiers and time formatting for the simulated world.
//!
//! Everything the world generates comes from SplitMix64 hashes of the seed and a few
//! integers, so any part of it (a run's call tree, a task's log) can be rebuilt on demand
//! without being stored.

use chrono::{DateTime, Datelike, Timelike};

use crate::api::types::{Timestamp, service_zone};

/// One SplitMix64 step: a well-mixed 64-bit hash of `z`.
pub fn mix(z: u64) -> u64 {
    let mut z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hashes a seed together with one more value.
pub fn hash2(a: u64, b: u64) -> u64 {
    mix(a ^ mix(b.wrapping_add(0x5851_F42D_4C95_7F2D)))
}

/// Hashes a seed with a string (names of calls, keys).
pub fn hash_str(a: u64, s: &str) -> u64 {
    s.bytes().fold(mix(a), |h, b| mix(h ^ u64::from(b)))
}

/// A small deterministic generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(mix(seed))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// A value in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// A value in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = (hi - lo).max(0) as u64 + 1;
        lo + self.below(span) as i64
    }

    /// A float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const ADJECTIVES: [&str; 24] = [
    "brave", "calm", "eager", "fancy", "gentle", "happy", "jolly", "kind", "lively", "merry",
    "nimble", "proud", "quiet", "rapid", "shy", "tidy", "vivid", "witty", "zealous", "bold",
    "clever", "daring", "loyal", "mellow",
];
const COLOURS: [&str; 20] = [
    "amber", "azure", "beige", "coral", "crimson", "cyan", "ecru", "gold", "indigo", "ivory",
    "jade", "lime", "magenta", "olive", "peach", "plum", "sepia", "teal", "violet", "white",
];
const ANIMALS: [&str; 24] = [
    "otter", "falcon", "heron", "lynx", "panda", "gecko", "bison", "crane", "dingo", "egret",
    "ferret", "gibbon", "ibis", "koala", "lemur", "marmot", "newt", "okapi", "puffin", "quokka",
    "raven", "skunk", "tapir", "walrus",
];

/// A Tencent-style resource id: `run-brave-amber-otter-123456`.
pub fn word_id(prefix: &str, rng: &mut Rng) -> String {
    format!(
        "{prefix}-{}-{}-{}-{:06}",
        rng.pick(&ADJECTIVES),
        rng.pick(&COLOURS),
        rng.pick(&ANIMALS),
        rng.below(1_000_000)
    )
}

/// A version-4-shaped UUID from a hash.
pub fn uuid(h: u64) -> String {
    let a = mix(h);
    let b = mix(a ^ 0xA5A5_A5A5);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        8 + (b >> 62),
        (b >> 48) & 0xfff,
        b & 0xffff_ffff_ffff
    )
}

/// A short lower-case alphanumeric suffix (`env-05d0g0w2`).
pub fn short_id(prefix: &str, rng: &mut Rng) -> String {
    const CHARS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let s: String = (0..8)
        .map(|_| CHARS[rng.below(CHARS.len() as u64) as usize] as char)
        .collect();
    format!("{prefix}-{s}")
}

fn local(ms: i64) -> chrono::DateTime<chrono::FixedOffset> {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&service_zone())
}

/// ISO 8601 in China Standard Time, as the run APIs write times: `2026-11-20T14:10:15+08:00`.
pub fn iso(ms: i64) -> String {
    let t = local(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+08:00",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A Timestamp in the run APIs' ISO form, built without re-parsing its text.
pub fn ts(ms: i64) -> Timestamp {
    Timestamp {
        raw: iso(ms).into(),
        parsed: Some(local(ms - ms.rem_euclid(1000))),
    }
}

/// `YYYY-MM-DD hh:mm:ss` in China Standard Time, as the project API writes times.
pub fn plain(ms: i64) -> String {
    local(ms).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// `YYYYMMDD` for names such as `wgs-germline-20261120-0`.
pub fn compact_date(ms: i64) -> String {
    local(ms).format("%Y%m%d").to_string()
}

/// Nextflow's log time stamp: `Nov-20 14:10:15.123`.
pub fn nf_log_time(ms: i64) -> String {
    local(ms).format("%b-%d %H:%M:%S%.3f").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_service_shapes() {
        let mut rng = Rng::new(1);
        let id = word_id("run", &mut rng);
        let parts: Vec<&str> = id.split('-').collect();
        assert_eq!(parts.len(), 5);
        assert_eq!(parts[0], "run");
        assert_eq!(parts[4].len(), 6);
        let u = uuid(7);
        assert_eq!(u.len(), 36);
        assert_eq!(u.as_bytes()[14], b'4');
        assert_eq!(short_id("env", &mut rng).len(), 12);
    }

    #[test]
    fn same_seed_same_values() {
        let a: Vec<u64> = (0..5).map(|_| Rng::new(9).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(hash2(1, 2), hash2(2, 1));
    }

    #[test]
    fn times_are_in_china_standard_time() {
        assert_eq!(iso(1_667_196_675_000), "2022-10-31T14:11:15+08:00");
        assert_eq!(plain(1_667_196_675_000), "2022-10-31 14:11:15");
    }
}
