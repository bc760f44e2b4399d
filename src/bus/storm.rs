//! Storm detection: an exact sliding window of the last `threshold` accept times per type.

/// A ring of the accept times (nanoseconds) of the most recent events of one type.
///
/// With at most `threshold` events allowed in any window, the next event is a storm exactly
/// when the ring is full and its oldest time is still inside the window; so one comparison
/// decides, with no per-event allocation once the ring has grown to `threshold`.
#[derive(Debug, Default)]
pub(crate) struct StormWindow {
    stamps: Vec<u64>,
    // Index of the oldest stamp once the ring is full.
    head: usize,
}

impl StormWindow {
    /// Would accepting an event at `now` exceed `threshold` events within `window`?
    /// Returns the count in the window (the new event included) when it would.
    #[inline]
    pub(crate) fn check(&self, now: u64, threshold: usize, window: u64) -> Result<(), usize> {
        if self.stamps.len() < threshold {
            return Ok(());
        }
        match self.stamps.get(self.head) {
            Some(&oldest) if now.saturating_sub(oldest) < window => Err(threshold + 1),
            Some(_) => Ok(()),
            // threshold == 0: no event of this type is ever allowed.
            None => Err(1),
        }
    }

    /// Records an accepted event at `now`; call only after `check` passed.
    #[inline]
    pub(crate) fn record(&mut self, now: u64, threshold: usize) {
        if self.stamps.len() < threshold {
            self.stamps.push(now);
        } else if let Some(slot) = self.stamps.get_mut(self.head) {
            *slot = now;
            self.head = (self.head + 1) % self.stamps.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_threshold_then_refuses_until_the_oldest_leaves_the_window() {
        let mut w = StormWindow::default();
        for t in 0..3 {
            assert!(w.check(t, 3, 10).is_ok());
            w.record(t, 3);
        }
        assert_eq!(w.check(9, 3, 10), Err(4));
        // At t = 10 the event at t = 0 is 10 ns old: outside a 10 ns window.
        assert!(w.check(10, 3, 10).is_ok());
        w.record(10, 3);
        assert_eq!(w.check(10, 3, 10), Err(4));
        assert!(w.check(11, 3, 10).is_ok());
    }

    #[test]
    fn zero_threshold_refuses_everything() {
        let w = StormWindow::default();
        assert_eq!(w.check(0, 0, 10), Err(1));
    }
}
