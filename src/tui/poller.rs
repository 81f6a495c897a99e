//! Bookkeeping for every load: at most one request per target is pending, each target
//! remembers when it last succeeded, and failures push its next poll back exponentially.
//! Pure: the clock comes in as Unix seconds, so it is tested without waiting.

use std::collections::HashMap;

use super::effect::{Effect, Request};

/// Polls issued per tick at most (ticks are one second apart): leaves the user headroom.
pub const MAX_POLLS_PER_TICK: usize = 10;
/// The longest pause after repeated failures.
pub const MAX_BACKOFF_SECS: i64 = 300;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Slot {
    pub pending: bool,
    /// When the pending request was issued (Unix seconds).
    pub since: i64,
    /// When the target may be polled again (Unix seconds).
    pub next_due: i64,
    pub failures: u32,
    /// When the target last loaded successfully.
    pub last_ok: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct Poller {
    slots: HashMap<Request, Slot>,
    /// The time now (Unix seconds), set by `update` before it runs: when a request is
    /// issued.
    pub clock: i64,
}

impl Poller {
    pub fn slot(&self, t: &Request) -> Option<&Slot> {
        self.slots.get(t)
    }

    pub fn is_pending(&self, t: &Request) -> bool {
        self.slots.get(t).is_some_and(|s| s.pending)
    }

    /// Lets a load through unless one for the same target is already pending.
    pub fn admit(&mut self, e: Effect, out: &mut Vec<Effect>) -> bool {
        let Some(t) = e.request() else {
            out.push(e);
            return true;
        };
        let slot = self.slots.entry(t.clone()).or_default();
        if slot.pending {
            return false;
        }
        slot.pending = true;
        slot.since = self.clock;
        out.push(e);
        true
    }

    /// When the longest-waiting request still pending was issued.
    pub fn oldest_pending(&self) -> Option<i64> {
        self.slots
            .values()
            .filter(|s| s.pending)
            .map(|s| s.since)
            .min()
    }

    /// Records an answer: the next poll is due after `interval`, or later after failures
    /// (exponentially: from one second for a target that never loaded, from `interval`
    /// for one whose last answer is still shown).
    pub fn done(&mut self, t: &Request, ok: bool, now: i64, interval: i64) {
        let slot = self.slots.entry(t.clone()).or_default();
        slot.pending = false;
        if ok {
            slot.failures = 0;
            slot.last_ok = Some(now);
            slot.next_due = now + interval;
        } else {
            slot.failures = slot.failures.saturating_add(1);
            // What never loaded leaves an empty pane: try again within seconds (2, 4, 8…).
            // What did load stays on screen: back off from its own interval.
            let base = if slot.last_ok.is_some() {
                interval.max(1)
            } else {
                1
            };
            let back = base.saturating_mul(1 << slot.failures.min(8));
            slot.next_due = now + back.min(MAX_BACKOFF_SECS);
        }
    }

    /// Whether a target is due for a poll (never loaded, or its interval has passed).
    pub fn due(&self, t: &Request, now: i64) -> bool {
        self.slots
            .get(t)
            .is_none_or(|s| !s.pending && now >= s.next_due)
    }

    /// For `R`: a request still under way is let through again (the app cancels the one
    /// waiting). After an outage, what was sent into it can take minutes to give up (each
    /// try waits up to the request timeout); the user asking now means now.
    pub fn release(&mut self, t: &Request) {
        if let Some(s) = self.slots.get_mut(t) {
            s.pending = false;
        }
    }

    /// Makes a target due at once (after a mutation, or when the user asks to refresh).
    pub fn expire(&mut self, t: &Request) {
        if let Some(s) = self.slots.get_mut(t) {
            s.next_due = 0;
        }
    }

    /// Issues the due polls among `wanted`, in order, at most `MAX_POLLS_PER_TICK`.
    pub fn schedule(&mut self, now: i64, wanted: Vec<Effect>, out: &mut Vec<Effect>) {
        let mut n = 0;
        for e in wanted {
            if n >= MAX_POLLS_PER_TICK {
                break;
            }
            let Some(t) = e.request() else { continue };
            if self.due(t, now) && self.admit(e, out) {
                n += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(uuid: &str) -> Effect {
        Effect::load(
            Request::Status {
                scope: crate::api::Scope::new("ap-guangzhou", None),
                run_uuid: uuid.into(),
            },
            crate::api::Priority::Background,
        )
    }

    #[test]
    fn a_request_released_is_let_through_again() {
        let mut p = Poller {
            clock: 100,
            ..Poller::default()
        };
        let mut out = Vec::new();
        assert!(p.admit(status("a"), &mut out));
        assert!(!p.admit(status("a"), &mut out), "one under way at a time");
        let a = status("a").request().cloned().expect("a request");
        p.clock = 103;
        p.release(&a);
        assert!(p.admit(status("a"), &mut out));
        assert_eq!(out.len(), 2);
        assert_eq!(p.slot(&a).map(|s| s.since), Some(103));
    }

    #[test]
    fn one_pending_per_target_and_backoff() {
        let mut p = Poller::default();
        let mut out = Vec::new();
        p.schedule(100, vec![status("a"), status("a"), status("b")], &mut out);
        assert_eq!(out.len(), 2);
        out.clear();
        p.schedule(101, vec![status("a")], &mut out);
        assert!(out.is_empty(), "a is still pending");
        let t = status("a").request().expect("a load").clone();
        // (answered at, ok, the next poll is due at), with a 3 s interval.
        let steps = [
            // Never loaded: 2 s, then 4 s.
            (102, false, 104),
            (104, false, 108),
            (120, true, 123),
            // Loaded once: from the interval, 6 s, then 12 s.
            (130, false, 136),
            (136, false, 148),
        ];
        for (now, ok, due_at) in steps {
            p.done(&t, ok, now, 3);
            assert!(!p.due(&t, due_at - 1), "answered at {now}");
            assert!(p.due(&t, due_at), "answered at {now}");
        }
        assert_eq!(p.slot(&t).and_then(|s| s.last_ok), Some(120));
    }

    #[test]
    fn at_most_ten_polls_a_tick() {
        let mut p = Poller::default();
        let mut out = Vec::new();
        let many = (0..25).map(|i| status(&i.to_string())).collect();
        p.schedule(0, many, &mut out);
        assert_eq!(out.len(), MAX_POLLS_PER_TICK);
    }
}
