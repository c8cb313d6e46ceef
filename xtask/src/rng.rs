//! A seeded pseudo-random generator, so that one seed gives the same estate everywhere.

/// SplitMix64 (Steele, Lea and Flood, 2014): 64 bits of state, no dependencies, and the same
/// output on every platform and Rust version.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// Derives an independent stream for one entity, so that an entity's facts do not depend
    /// on the order in which other entities are generated.
    pub fn stream(seed: u64, kind: u64, index: usize) -> Self {
        let mut mixer = Rng(seed ^ kind.wrapping_mul(0xA076_1D64_78BD_642F));
        let base = mixer.next_u64();
        Rng(base ^ (index as u64).wrapping_mul(0xE703_7ED1_A0B4_28DB))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Returns a number in `0..bound`, or 0 when `bound` is 0.
    pub fn below(&mut self, bound: usize) -> usize {
        if bound == 0 {
            return 0;
        }
        (self.next_u64() % bound as u64) as usize
    }

    /// Returns true with a probability of `per_mille` in 1,000.
    pub fn per_mille(&mut self, per_mille: usize) -> bool {
        self.below(1000) < per_mille
    }

    /// Returns a number in `0..bound` that favours small values: the smaller of two draws.
    pub fn skewed(&mut self, bound: usize) -> usize {
        self.below(bound).min(self.below(bound))
    }

    /// Picks one element of a slice; the slice must not be empty.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// Returns `length` characters of upper-case letters and digits, as IAM unique ids use.
    pub fn id_suffix(&mut self, length: usize) -> String {
        const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        (0..length)
            .map(|_| char::from(ALPHABET[self.below(ALPHABET.len())]))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence() {
        let mut first = Rng::new(7);
        let mut second = Rng::new(7);
        for _ in 0..100 {
            assert_eq!(first.next_u64(), second.next_u64());
        }
    }

    #[test]
    fn streams_differ_by_index() {
        let first = Rng::stream(1, 2, 3).next_u64();
        let second = Rng::stream(1, 2, 4).next_u64();
        assert_ne!(first, second);
    }

    #[test]
    fn below_stays_in_range() {
        let mut rng = Rng::new(1);
        assert!((0..1000).all(|_| rng.below(7) < 7));
        assert_eq!(rng.below(0), 0);
    }
}
