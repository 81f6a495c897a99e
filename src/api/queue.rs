//! The rate limiter every request passes through before it is signed and sent.
//!
//! The service allows a fixed number of requests per second per action and region. The
//! limiter keeps, per (action, region), the send times of the last second and grants a new
//! send only while fewer than `rate` fall inside the window. Waiting requests are served
//! interactive-first, then in arrival order, and background requests may fill only
//! `rate - reserve` of the window: the reserve is headroom kept for what the user asks, so
//! a keypress is answered at once even while polling or a long paged fetch is queued. The
//! window is a little longer than a second so that network jitter cannot squeeze
//! `rate + 1` arrivals into one second at the service. If the service throttles a key all
//! the same (its arrivals bunched more than the margin allows), that key's margin doubles,
//! up to half a second, and returns to normal after a minute without throttling.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::Instant;

/// Who is waiting for the request: the user, or background polling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Priority {
    /// Something the user just asked for; goes first.
    Interactive = 0,
    /// Polling and refreshes; uses what the user leaves.
    Background = 1,
}

/// The limiter's bucket: one action in one region.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LimitKey {
    pub action: String,
    pub region: String,
}

#[derive(Default)]
struct KeyState {
    sent: VecDeque<Instant>,
    waiting: [VecDeque<oneshot::Sender<()>>; 2],
    pumping: bool,
    /// Margin added to the window after the service throttled this key, and when it last
    /// did.
    widened: Option<(Duration, Instant)>,
}

impl KeyState {
    /// The window for this key now: one second and the margin, widened after throttling.
    fn window(&mut self, now: Instant) -> Duration {
        if self
            .widened
            .is_some_and(|(_, at)| now.duration_since(at) >= WIDENED_FOR)
        {
            self.widened = None;
        }
        BASE_WINDOW + self.widened.map_or(Duration::ZERO, |(extra, _)| extra)
    }

    fn prune(&mut self, now: Instant, window: Duration) {
        while self
            .sent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            self.sent.pop_front();
        }
    }

    fn has_waiters(&self) -> bool {
        self.waiting.iter().any(|q| !q.is_empty())
    }

    /// Whether a new request of `priority` would overtake someone already waiting.
    fn would_overtake(&self, priority: Priority) -> bool {
        self.waiting[..=priority as usize]
            .iter()
            .any(|q| !q.is_empty())
    }
}

/// A sliding-window limiter keyed by (action, region).
pub struct RateLimiter {
    rate: usize,
    reserve: usize,
    keys: Mutex<HashMap<LimitKey, KeyState>>,
}

/// The extra length of the window beyond one second (see the module doc).
pub const WINDOW_MARGIN: Duration = Duration::from_millis(50);
const BASE_WINDOW: Duration = Duration::from_millis(1000).saturating_add(WINDOW_MARGIN);
/// The most a key's window is widened after throttling.
const MAX_WIDENING: Duration = Duration::from_millis(500);
/// How long a widened window lasts after the last throttling.
const WIDENED_FOR: Duration = Duration::from_secs(60);

impl RateLimiter {
    pub fn new(rate: u32) -> Arc<Self> {
        let rate = rate.max(1) as usize;
        Arc::new(Self {
            rate,
            reserve: rate / 5,
            keys: Mutex::new(HashMap::new()),
        })
    }

    pub fn rate(&self) -> u32 {
        u32::try_from(self.rate).unwrap_or(u32::MAX)
    }

    /// How many sends of the window a priority may fill.
    fn cap(&self, priority: Priority) -> usize {
        match priority {
            Priority::Interactive => self.rate,
            Priority::Background => self.rate - self.reserve,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<LimitKey, KeyState>> {
        // A panic while holding this lock leaves only counters behind; keep going.
        self.keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Waits until a request for `key` may be sent, and counts it as sent.
    pub async fn acquire(self: &Arc<Self>, key: &LimitKey, priority: Priority) {
        loop {
            let rx = {
                let mut keys = self.lock();
                let state = keys.entry(key.clone()).or_default();
                let now = Instant::now();
                let window = state.window(now);
                state.prune(now, window);
                if !state.would_overtake(priority) && state.sent.len() < self.cap(priority) {
                    state.sent.push_back(now);
                    return;
                }
                let (tx, rx) = oneshot::channel();
                state.waiting[priority as usize].push_back(tx);
                if !state.pumping {
                    state.pumping = true;
                    tokio::spawn(Arc::clone(self).pump(key.clone()));
                }
                rx
            };
            if rx.await.is_ok() {
                return;
            }
        }
    }

    /// Hands out slots to the waiters of one key as the window frees them.
    async fn pump(self: Arc<Self>, key: LimitKey) {
        // If this task is dropped (runtime shutting down), let the next waiter start another.
        let _guard = PumpGuard {
            limiter: &self,
            key: &key,
        };
        loop {
            let next = {
                let mut keys = self.lock();
                let Some(state) = keys.get_mut(&key) else {
                    return;
                };
                let now = Instant::now();
                let window = state.window(now);
                state.prune(now, window);
                while let Some(priority) = [Priority::Interactive, Priority::Background]
                    .into_iter()
                    .find(|p| !state.waiting[*p as usize].is_empty())
                {
                    if state.sent.len() >= self.cap(priority) {
                        break;
                    }
                    let Some(tx) = state.waiting[priority as usize].pop_front() else {
                        break;
                    };
                    // A waiter whose caller gave up does not use the slot.
                    if tx.send(()).is_ok() {
                        state.sent.push_back(now);
                    }
                }
                if !state.has_waiters() {
                    state.pumping = false;
                    return;
                }
                match state.sent.front() {
                    Some(first) => *first + window,
                    None => now,
                }
            };
            tokio::time::sleep_until(next).await;
        }
    }

    fn stop_pumping(&self, key: &LimitKey) {
        if let Some(state) = self.lock().get_mut(key) {
            state.pumping = false;
        }
    }

    /// Requests sent in the last second, per key, for the status bar.
    pub fn recent(&self) -> Vec<(LimitKey, u32)> {
        let now = Instant::now();
        let mut keys = self.lock();
        keys.iter_mut()
            .filter_map(|(k, s)| {
                let window = s.window(now);
                s.prune(now, window);
                let n = s
                    .sent
                    .iter()
                    .filter(|t| now.duration_since(**t) < Duration::from_secs(1))
                    .count();
                (n > 0).then(|| (k.clone(), u32::try_from(n).unwrap_or(u32::MAX)))
            })
            .collect()
    }

    /// The service throttled a request of `key` although the window allowed it: its
    /// arrivals bunched more than the margin allows, so widen that key's window (doubling,
    /// up to `MAX_WIDENING`) for the next minute.
    pub fn throttled(&self, key: &LimitKey) {
        let mut keys = self.lock();
        let state = keys.entry(key.clone()).or_default();
        let extra = state
            .widened
            .map_or(WINDOW_MARGIN, |(e, _)| e * 2)
            .min(MAX_WIDENING);
        state.widened = Some((extra, Instant::now()));
        tracing::warn!(action = %key.action, region = %key.region, ?extra, "throttled by the service; widening the window");
    }

    /// Requests waiting for a slot, over all keys.
    pub fn queued(&self) -> usize {
        self.lock()
            .values()
            .map(|s| s.waiting.iter().map(VecDeque::len).sum::<usize>())
            .sum()
    }
}

struct PumpGuard<'a> {
    limiter: &'a RateLimiter,
    key: &'a LimitKey,
}

impl Drop for PumpGuard<'_> {
    fn drop(&mut self) {
        self.limiter.stop_pumping(self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(action: &str) -> LimitKey {
        LimitKey {
            action: action.into(),
            region: "ap-guangzhou".into(),
        }
    }

    /// Most grants that fall into any window of `len` starting at a grant.
    fn max_in_window(times: &[Duration], len: Duration) -> usize {
        times
            .iter()
            .map(|start| {
                times
                    .iter()
                    .filter(|t| **t >= *start && **t < *start + len)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[tokio::test(start_paused = true)]
    async fn never_more_than_rate_in_any_second_and_close_to_it() {
        let limiter = RateLimiter::new(20);
        let start = Instant::now();
        let grants = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for _ in 0..300 {
            let (l, g) = (Arc::clone(&limiter), Arc::clone(&grants));
            tasks.push(tokio::spawn(async move {
                l.acquire(&key("DescribeRuns"), Priority::Interactive).await;
                g.lock().expect("lock").push(start.elapsed());
            }));
        }
        for t in tasks {
            t.await.expect("task");
        }
        let times = grants.lock().expect("lock").clone();
        assert_eq!(times.len(), 300);
        assert!(max_in_window(&times, Duration::from_secs(1)) <= 20);
        let last = times.iter().max().copied().unwrap_or_default();
        // 300 at 20 per 1.05 s: the last is granted after 14 windows.
        assert!(last <= Duration::from_millis(14 * 1050 + 10), "{last:?}");
        assert!(300.0 / last.as_secs_f64() >= 18.0);
    }

    #[tokio::test(start_paused = true)]
    async fn interactive_goes_before_queued_background() {
        let limiter = RateLimiter::new(20);
        let k = key("DescribeRuns");
        let mut background = Vec::new();
        for _ in 0..100 {
            let (l, k) = (Arc::clone(&limiter), k.clone());
            background.push(tokio::spawn(async move {
                l.acquire(&k, Priority::Background).await;
            }));
        }
        for _ in 0..1000 {
            tokio::task::yield_now().await;
        }
        // Background fills 16 of 20 and leaves the rest to the user.
        assert_eq!(limiter.queued(), 84);
        let start = Instant::now();
        limiter.acquire(&k, Priority::Interactive).await;
        assert_eq!(start.elapsed(), Duration::ZERO);

        // Mid-drain, with background still queued, the user is again served at once.
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let start = Instant::now();
        limiter.acquire(&k, Priority::Interactive).await;
        assert!(
            start.elapsed() <= Duration::from_millis(100),
            "{:?}",
            start.elapsed()
        );
        assert!(limiter.queued() > 0, "background still waiting behind it");
        for b in background {
            b.await.expect("task");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttled_key_widens_its_window_for_a_while() {
        let limiter = RateLimiter::new(1);
        let k = key("DescribeRuns");
        // Each acquire after the first waits one window; returns that wait.
        let gap = || async {
            limiter.acquire(&k, Priority::Interactive).await;
            let start = Instant::now();
            limiter.acquire(&k, Priority::Interactive).await;
            start.elapsed()
        };
        assert_eq!(gap().await, Duration::from_millis(1050));
        limiter.throttled(&k);
        assert_eq!(gap().await, Duration::from_millis(1100));
        limiter.throttled(&k);
        limiter.throttled(&k);
        assert_eq!(gap().await, Duration::from_millis(1250));
        for _ in 0..5 {
            limiter.throttled(&k);
        }
        assert_eq!(
            gap().await,
            Duration::from_millis(1550),
            "at most 500 ms wider"
        );
        // Another key is not slowed.
        let start = Instant::now();
        limiter
            .acquire(&key("GetRunStatus"), Priority::Interactive)
            .await;
        limiter
            .acquire(&key("GetRunStatus"), Priority::Interactive)
            .await;
        assert_eq!(start.elapsed(), Duration::from_millis(1050));
        // A minute without throttling, and the window is back to normal.
        tokio::time::sleep(WIDENED_FOR).await;
        assert_eq!(gap().await, Duration::from_millis(1050));
    }

    #[tokio::test(start_paused = true)]
    async fn keys_are_independent() {
        let limiter = RateLimiter::new(2);
        let start = Instant::now();
        for action in ["A", "B", "C"] {
            limiter.acquire(&key(action), Priority::Background).await;
            limiter.acquire(&key(action), Priority::Background).await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        limiter.acquire(&key("A"), Priority::Background).await;
        assert!(start.elapsed() >= Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_waiter_does_not_use_a_slot() {
        let limiter = RateLimiter::new(1);
        let k = key("A");
        limiter.acquire(&k, Priority::Background).await;
        let l = Arc::clone(&limiter);
        let k2 = k.clone();
        let gave_up = tokio::spawn(async move { l.acquire(&k2, Priority::Background).await });
        tokio::task::yield_now().await;
        gave_up.abort();
        let start = Instant::now();
        limiter.acquire(&k, Priority::Background).await;
        // One window, not two: the aborted waiter took no slot.
        assert!(start.elapsed() <= Duration::from_millis(1100));
    }
}
