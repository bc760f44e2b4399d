//! The bus's notion of time, injectable so that storm windows and breaker cool-downs can be
//! tested deterministically without sleeping.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where the bus reads the time from.
///
/// Times are durations since the clock's own epoch (the bus's creation for [`Clock::System`]),
/// so audit records carry relative times and stay free of wall-clock timestamps.
#[derive(Debug, Clone)]
pub enum Clock {
    /// Monotonic time since the given instant.
    System(Instant),
    /// Time that only moves when a test (or [`crate::bus::replay`]) moves it.
    Manual(ManualClock),
}

impl Clock {
    /// A monotonic clock starting now.
    pub fn system() -> Self {
        Clock::System(Instant::now())
    }

    /// A manual clock starting at zero, and the handle that moves it.
    pub fn manual() -> (Self, ManualClock) {
        let handle = ManualClock::default();
        (Clock::Manual(handle.clone()), handle)
    }

    /// The time elapsed since the clock's epoch.
    pub fn now(&self) -> Duration {
        match self {
            Clock::System(epoch) => epoch.elapsed(),
            Clock::Manual(m) => m.now(),
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

/// A shared, manually advanced clock. Clones share the same time.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    nanos: Arc<AtomicU64>,
}

impl ManualClock {
    /// The current manual time.
    pub fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::Acquire))
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        self.nanos.fetch_add(duration_nanos(by), Ordering::AcqRel);
    }

    /// Sets the clock to `to`; replay uses this to restore recorded times.
    pub fn set(&self, to: Duration) {
        self.nanos.store(duration_nanos(to), Ordering::Release);
    }
}

/// Nanoseconds of `d`, saturating: u64 nanoseconds cover 584 years, so saturation only guards
/// against absurd inputs.
pub(crate) fn duration_nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}
