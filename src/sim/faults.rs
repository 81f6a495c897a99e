//! Fault injection: random faults drawn per request with a seeded generator, and one-shot
//! faults queued per action.

use std::collections::{HashMap, VecDeque};

use rand::{Rng, SeedableRng, rngs::StdRng};

/// Faults applied to API requests. Percentages are 0-100.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Added to every response.
    pub latency_ms: u64,
    pub latency_jitter_ms: u64,
    /// Occasional long latency.
    pub spike_pct: f64,
    pub spike_ms: u64,
    /// Answer InternalError (request not applied).
    pub internal_error_pct: f64,
    /// Close the connection without answering; the request is not applied.
    pub drop_pct: f64,
    /// Apply the request, then close the connection without answering.
    pub drop_after_pct: f64,
    /// HTTP 200 with a body that is not valid JSON (the request is applied for reads only).
    pub malformed_pct: f64,
    /// Lower the per-(action, region) limit to this.
    pub throttle_rps: Option<u32>,
    /// The sim's clock = real clock + skew (signature expiry, Date header, run progress and
    /// presigned URL expiry all use it).
    pub clock_skew_secs: i64,
    /// For this many seconds after the sim starts, every API request is answered
    /// InternalError and nothing is carried out: an outage at start.
    pub outage_secs: u64,
    /// Actions answered `UnauthorizedOperation`, as for a CAM user whose policy does not
    /// allow them (checked after the signature and the region, before anything else).
    pub unauthorized: Vec<String>,
}

/// A fault for the next request of one action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OneShotFault {
    Drop,
    DropAfter,
    InternalError,
    Malformed,
    Throttle,
    /// Apply the request, then never answer: the connection stays open until the client
    /// gives up or the sim stops.
    Hang,
    /// HTTP 200 with a body whose strings use escapes JSON forbids (a lone surrogate, `\x`,
    /// raw control bytes, bytes that are not UTF-8); applied like `Malformed`.
    BadEscapes,
}

/// The random generator and the one-shot queues.
pub struct FaultState {
    rng: StdRng,
    queued: HashMap<String, VecDeque<OneShotFault>>,
}

impl FaultState {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed ^ 0xFA17),
            queued: HashMap::new(),
        }
    }

    pub fn inject(&mut self, action: &str, f: OneShotFault) {
        self.queued
            .entry(action.to_string())
            .or_default()
            .push_back(f);
    }

    /// The fault for a request of `action`: a queued one-shot first, else a random draw.
    pub fn draw(&mut self, action: &str, f: &Faults) -> Option<OneShotFault> {
        if let Some(q) = self.queued.get_mut(action)
            && let Some(one) = q.pop_front()
        {
            return Some(one);
        }
        let roll = self.rng.random::<f64>() * 100.0;
        let mut acc = 0.0;
        for (pct, fault) in [
            (f.drop_pct, OneShotFault::Drop),
            (f.drop_after_pct, OneShotFault::DropAfter),
            (f.internal_error_pct, OneShotFault::InternalError),
            (f.malformed_pct, OneShotFault::Malformed),
        ] {
            acc += pct.max(0.0);
            if roll < acc {
                return Some(fault);
            }
        }
        None
    }

    /// The latency to add to one response, in ms.
    pub fn latency(&mut self, f: &Faults) -> u64 {
        let jitter = if f.latency_jitter_ms > 0 {
            self.rng.random_range(0..=f.latency_jitter_ms)
        } else {
            0
        };
        let spike = if f.spike_pct > 0.0 && self.rng.random::<f64>() * 100.0 < f.spike_pct {
            f.spike_ms
        } else {
            0
        };
        f.latency_ms + jitter + spike
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_shots_come_first_in_order() {
        let mut s = FaultState::new(1);
        s.inject("RetryRuns", OneShotFault::Drop);
        s.inject("RetryRuns", OneShotFault::Malformed);
        let none = Faults::default();
        assert_eq!(s.draw("RetryRuns", &none), Some(OneShotFault::Drop));
        assert_eq!(s.draw("DescribeRuns", &none), None);
        assert_eq!(s.draw("RetryRuns", &none), Some(OneShotFault::Malformed));
        assert_eq!(s.draw("RetryRuns", &none), None);
    }

    #[test]
    fn percentages_are_roughly_honoured() {
        let mut s = FaultState::new(2);
        let f = Faults {
            internal_error_pct: 30.0,
            ..Faults::default()
        };
        let hits = (0..1000).filter(|_| s.draw("A", &f).is_some()).count();
        assert!((220..380).contains(&hits), "{hits}");
    }
}
