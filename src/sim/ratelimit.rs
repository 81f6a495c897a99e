//! The per-(action, region) limit: at most N requests accepted in any sliding second,
//! counted on arrival; and the statistics the rate tests read.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// At most this many arrival times are kept per (action, region) for `SimStats::arrivals`.
const MAX_ARRIVALS: usize = 100_000;
const WINDOW: Duration = Duration::from_secs(1);

#[derive(Default)]
struct Key {
    accepted: VecDeque<Instant>,
    seen: VecDeque<Instant>,
    max_in_window: u32,
    arrivals: Vec<Duration>,
}

pub struct RateLimiter {
    started: Instant,
    keys: HashMap<(String, String), Key>,
}

fn trim(q: &mut VecDeque<Instant>, now: Instant) {
    while q.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
        q.pop_front();
    }
}

impl RateLimiter {
    pub fn new(started: Instant) -> Self {
        Self {
            started,
            keys: HashMap::new(),
        }
    }

    /// Records an arrival; false if it is over `limit` (the request must be throttled).
    /// Throttled requests count in the statistics but not against the limit.
    pub fn arrive(&mut self, action: &str, region: &str, limit: u32, now: Instant) -> bool {
        let key = self
            .keys
            .entry((action.to_string(), region.to_string()))
            .or_default();
        trim(&mut key.seen, now);
        key.seen.push_back(now);
        key.max_in_window = key.max_in_window.max(key.seen.len() as u32);
        if key.arrivals.len() < MAX_ARRIVALS {
            key.arrivals.push(now.duration_since(self.started));
        }
        trim(&mut key.accepted, now);
        if key.accepted.len() as u32 >= limit {
            return false;
        }
        key.accepted.push_back(now);
        true
    }

    pub fn max_in_window(&self) -> HashMap<(String, String), u32> {
        self.keys
            .iter()
            .map(|(k, v)| (k.clone(), v.max_in_window))
            .collect()
    }

    pub fn arrivals(&self) -> HashMap<(String, String), Vec<Duration>> {
        self.keys
            .iter()
            .map(|(k, v)| (k.clone(), v.arrivals.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sliding_window() {
        let t0 = Instant::now();
        let mut rl = RateLimiter::new(t0);
        let ok = (0..25).filter(|_| rl.arrive("A", "r", 20, t0)).count();
        assert_eq!(ok, 20);
        // Another region has its own budget.
        assert!(rl.arrive("A", "r2", 20, t0));
        // 999 ms later the window still holds the first 20.
        assert!(!rl.arrive("A", "r", 20, t0 + Duration::from_millis(999)));
        assert!(rl.arrive("A", "r", 20, t0 + Duration::from_millis(1000)));
        assert_eq!(rl.max_in_window()[&("A".into(), "r".into())], 26);
        assert_eq!(rl.arrivals()[&("A".into(), "r".into())].len(), 27);
    }
}
