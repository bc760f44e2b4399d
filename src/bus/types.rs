//! The per-event-type table: looked up by name once per publish, then by index.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FxHash (rustc's hasher): event type keys are short strings chosen by the application, not
/// by an attacker, and SipHash's flooding resistance costs a measurable share of a publish.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

pub(crate) type FxBuildHasher = BuildHasherDefault<FxHasher>;

/// Event type states in insertion order, with a name index. Queue entries carry the index,
/// so dispatch and accounting never hash the name again.
pub(crate) struct TypeTable<T> {
    index: HashMap<String, usize, FxBuildHasher>,
    slots: Vec<(String, T)>,
}

impl<T: Default> TypeTable<T> {
    pub(crate) fn new() -> Self {
        TypeTable {
            index: HashMap::default(),
            slots: Vec::new(),
        }
    }

    pub(crate) fn find(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// The index and state of `name`, adding a default entry if it is new.
    pub(crate) fn intern(&mut self, name: &str) -> (usize, &mut T) {
        let i = match self.find(name) {
            Some(i) => i,
            None => {
                self.slots.push((name.to_owned(), T::default()));
                self.index.insert(name.to_owned(), self.slots.len() - 1);
                self.slots.len() - 1
            }
        };
        // In bounds: `i` came from the index, which only holds indices of pushed slots.
        (i, &mut self.slots[i].1)
    }

    pub(crate) fn get(&self, name: &str) -> Option<&T> {
        self.find(name).and_then(|i| self.at(i))
    }

    pub(crate) fn get_mut(&mut self, name: &str) -> Option<&mut T> {
        self.find(name).and_then(|i| self.at_mut(i))
    }

    pub(crate) fn at(&self, i: usize) -> Option<&T> {
        self.slots.get(i).map(|s| &s.1)
    }

    pub(crate) fn at_mut(&mut self, i: usize) -> Option<&mut T> {
        self.slots.get_mut(i).map(|s| &mut s.1)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.slots.iter().map(|(n, t)| (n.as_str(), t))
    }

    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = (&str, &mut T)> {
        self.slots.iter_mut().map(|(n, t)| (n.as_str(), t))
    }
}
