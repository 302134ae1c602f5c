//! NumPy's legacy `np.random.RandomState(seed).shuffle`, bit for bit: Keras shuffles the files of
//! `image_dataset_from_directory` (and splits off the validation files after) with it, so the
//! same folder and seed give the same split here as in Keras.

/// The Mersenne Twister MT19937 as NumPy's `RandomState` seeds and draws it.
pub(crate) struct RandomState {
    key: [u32; 624],
    pos: usize,
}

impl RandomState {
    /// `np.random.RandomState(seed)` for an integer seed below 2³².
    pub fn new(seed: u32) -> Self {
        let mut key = [0u32; 624];
        key[0] = seed;
        for i in 1..624 {
            key[i] = 1_812_433_253u32.wrapping_mul(key[i - 1] ^ (key[i - 1] >> 30)).wrapping_add(i as u32);
        }
        RandomState { key, pos: 624 }
    }

    /// The next 32 random bits (`genrand_int32`).
    fn next_u32(&mut self) -> u32 {
        if self.pos == 624 {
            self.twist();
        }
        let mut y = self.key[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    fn twist(&mut self) {
        const UPPER: u32 = 0x8000_0000;
        const LOWER: u32 = 0x7fff_ffff;
        for i in 0..624 {
            let y = (self.key[i] & UPPER) | (self.key[(i + 1) % 624] & LOWER);
            let mut next = self.key[(i + 397) % 624] ^ (y >> 1);
            if y & 1 == 1 {
                next ^= 0x9908_b0df;
            }
            self.key[i] = next;
        }
        self.pos = 0;
    }

    /// A uniform integer in `0..=max` by NumPy's masked rejection (`random_interval`).
    fn interval(&mut self, max: u32) -> u32 {
        if max == 0 {
            return 0;
        }
        let mut mask = max;
        for shift in [1, 2, 4, 8, 16] {
            mask |= mask >> shift;
        }
        loop {
            let value = self.next_u32() & mask;
            if value <= max {
                return value;
            }
        }
    }

    /// `RandomState.shuffle(values)`: Fisher–Yates from the end, as NumPy does.
    pub fn shuffle<T>(&mut self, values: &mut [T]) {
        for i in (1..values.len()).rev() {
            let j = self.interval(i as u32) as usize;
            values.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_and_shuffles_as_numpy() {
        // The reference MT19937 outputs for seed 5489 (std::mt19937's default).
        let mut rng = RandomState::new(5489);
        assert_eq!(rng.next_u32(), 3_499_211_612);
        assert_eq!(rng.next_u32(), 581_869_302);
        // `np.random.RandomState(seed).shuffle(list(range(n)))`, from tests/fixtures/directory_datasets.py.
        let text = include_str!("../../../tests/fixtures/directory_datasets.json");
        let fixture: serde_json::Value = serde_json::from_str(text).unwrap();
        for case in fixture["shuffles"].as_array().unwrap() {
            let (seed, n) = (case["seed"].as_u64().unwrap() as u32, case["n"].as_u64().unwrap() as usize);
            let mut values: Vec<u64> = (0..n as u64).collect();
            RandomState::new(seed).shuffle(&mut values);
            let want: Vec<u64> = case["shuffled"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
            assert_eq!(values, want, "seed {seed}");
        }
    }
}
