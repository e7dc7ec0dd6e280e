//! A clock that never moves.
//!
//! microlp measures elapsed time for its optional time limits through
//! `web-time`. The engine never sets a time limit (every solve is bounded by a
//! deterministic budget of branch-and-bound nodes), so the clock only feeds
//! statistics. Replacing it with a constant keeps the solver free of time on
//! every target, and keeps `wasm32-unknown-unknown` builds free of the
//! wasm-bindgen imports that the real crate needs and no canister can provide.

pub use std::time::Duration;

/// An instant on a clock that always reads zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(Duration);

impl Instant {
    /// Always the same instant.
    pub fn now() -> Self {
        Instant(Duration::ZERO)
    }

    /// Always zero: the clock does not move.
    pub fn elapsed(&self) -> Duration {
        Duration::ZERO
    }

    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.0.saturating_sub(earlier.0)
    }

    pub fn checked_add(&self, d: Duration) -> Option<Instant> {
        self.0.checked_add(d).map(Instant)
    }

    pub fn checked_sub(&self, d: Duration) -> Option<Instant> {
        self.0.checked_sub(d).map(Instant)
    }
}

impl std::ops::Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant(self.0 + d)
    }
}

impl std::ops::Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, other: Instant) -> Duration {
        self.duration_since(other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_does_not_move() {
        let a = Instant::now();
        let b = Instant::now();
        assert_eq!(a, b);
        assert_eq!(a.elapsed(), Duration::ZERO);
        assert!(a.checked_add(Duration::from_secs(1)).unwrap() > b);
    }
}
