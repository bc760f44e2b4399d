//! The per-event-type circuit breaker.

use std::time::Duration;

/// What re-closes an open breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BreakerPolicy {
    /// Only [`crate::bus::Bus::reset`] closes it.
    #[default]
    Manual,
    /// After the cool-down, one publish is let through as a half-open trial: if fewer than
    /// half of the type's handlers fail on it the breaker closes, otherwise it opens again.
    CoolDown(Duration),
}

/// A breaker's state, as shown in stats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BreakerState {
    /// Publishes pass.
    Closed,
    /// Publishes are refused.
    Open,
    /// One trial event is in flight; other publishes are refused until it is dispatched.
    HalfOpen,
}

impl BreakerState {
    /// The state's lowercase name, as used in metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
enum Inner {
    #[default]
    Closed,
    Open {
        since: u64,
    },
    HalfOpen {
        trial: u64,
    },
}

/// A breaker: decides admission on publish and learns from each dispatch.
#[derive(Debug, Default)]
pub(crate) struct Breaker {
    inner: Inner,
}

/// Admission decision for one publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admit {
    Pass,
    /// The cool-down has passed: this publish becomes the half-open trial if it is accepted.
    Trial,
    Refuse,
}

impl Breaker {
    #[inline]
    pub(crate) fn admit(&self, now: u64, policy: BreakerPolicy) -> Admit {
        match (self.inner, policy) {
            (Inner::Closed, _) => Admit::Pass,
            (Inner::Open { since }, BreakerPolicy::CoolDown(d))
                if now.saturating_sub(since) >= super::clock::duration_nanos(d) =>
            {
                Admit::Trial
            }
            _ => Admit::Refuse,
        }
    }

    /// The trial publish was accepted with sequence number `seq`.
    pub(crate) fn start_trial(&mut self, seq: u64) {
        self.inner = Inner::HalfOpen { trial: seq };
    }

    /// Event `seq` was dispatched; `tripped` says whether at least half its handlers failed.
    pub(crate) fn record(&mut self, seq: u64, tripped: bool, now: u64) {
        self.inner = match self.inner {
            _ if tripped => Inner::Open { since: now },
            Inner::HalfOpen { trial } if trial == seq => Inner::Closed,
            other => other,
        };
    }

    /// Event `seq` was dropped undispatched (storm); a dropped trial proves nothing, so the
    /// breaker goes back to open and waits a full cool-down again.
    pub(crate) fn dropped(&mut self, seq: u64, now: u64) {
        if let Inner::HalfOpen { trial } = self.inner {
            if trial == seq {
                self.inner = Inner::Open { since: now };
            }
        }
    }

    pub(crate) fn reset(&mut self) {
        self.inner = Inner::Closed;
    }

    pub(crate) fn state(&self) -> BreakerState {
        match self.inner {
            Inner::Closed => BreakerState::Closed,
            Inner::Open { .. } => BreakerState::Open,
            Inner::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }
}
