//! The entropy-coded bits of a JPEG-LS scan and the Golomb codes read from them.

/// The entropy-coded data as bits, with JPEG-LS bit stuffing (a 0 bit after every 0xFF)
/// removed; past the end of the scan (a marker) or the data it reads zeros.
pub struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
    /// Bits, most significant first.
    cache: u64,
    /// Valid bits in `cache`.
    count: u32,
    last_ff: bool,
    /// The scan ended (marker or end of data): further bits are made up.
    ended: bool,
    /// Made-up bits added to `cache` so far.
    made_up: u32,
}

impl<'a> Bits<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Bits {
            data,
            pos: 0,
            cache: 0,
            count: 0,
            last_ff: false,
            ended: false,
            made_up: 0,
        }
    }

    #[inline]
    pub fn fill(&mut self) {
        // Fast path: the next 8 bytes hold no 0xFF (so no stuffing and no marker), and
        // as many whole bytes as fit go into the cache at once.
        if !self.last_ff
            && let Some(chunk) = self.data.get(self.pos..self.pos + 8)
            && let Ok(chunk) = <[u8; 8]>::try_from(chunk)
        {
            let v = u64::from_be_bytes(chunk);
            let inv = !v;
            let has_ff = inv.wrapping_sub(0x0101_0101_0101_0101) & !inv & 0x8080_8080_8080_8080;
            if has_ff == 0 {
                let n = (64 - self.count) / 8; // whole bytes that fit: 1..=8
                let keep = if n >= 8 {
                    u64::MAX
                } else {
                    !(u64::MAX >> (8 * n))
                };
                self.cache |= (v & keep) >> self.count;
                self.count += 8 * n;
                self.pos += n as usize;
                return;
            }
        }
        self.fill_slow();
    }

    /// Byte by byte, with the stuffing and the end of the scan.
    fn fill_slow(&mut self) {
        while self.count <= 56 {
            let Some(&b) = self.data.get(self.pos) else {
                self.ended = true;
                // Zeros past the end; keep `count` growing so that reads terminate.
                self.count += 8;
                self.made_up = self.made_up.saturating_add(8);
                continue;
            };
            if self.last_ff {
                if b >= 0x80 {
                    // A marker: the scan ended.
                    self.ended = true;
                    self.count += 8;
                    self.made_up = self.made_up.saturating_add(8);
                    continue;
                }
                self.cache |= u64::from(b) << (57 - self.count);
                self.count += 7;
            } else {
                self.cache |= u64::from(b) << (56 - self.count);
                self.count += 8;
            }
            self.last_ff = b == 0xFF;
            self.pos += 1;
        }
    }

    /// Reads `n` (≤ 32) bits.
    #[inline]
    pub fn read(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        if self.count < n {
            self.fill();
        }
        let v = (self.cache >> (64 - n)) as u32;
        self.cache <<= n;
        self.count -= n;
        v
    }

    #[inline]
    pub fn bit(&mut self) -> bool {
        self.read(1) == 1
    }

    /// Counts 0 bits up to the next 1 bit (consumed); `None` past `max` zeros.
    #[inline]
    pub fn zeros(&mut self, max: u32) -> Option<u32> {
        let mut total = 0u32;
        loop {
            if self.count <= 56 {
                self.fill();
            }
            let avail = self.count.min(64);
            let lz = self.cache.leading_zeros();
            if lz < avail {
                total += lz;
                if total > max {
                    return None;
                }
                self.cache = self.cache.checked_shl(lz + 1).unwrap_or(0);
                self.count -= lz + 1;
                return Some(total);
            }
            // Every cached bit is 0 (each round takes at least 57, so this ends).
            total += avail;
            self.cache = 0;
            self.count -= avail;
            if total > max {
                return None;
            }
        }
    }

    /// Whether bits past the end of the data (made-up zeros) were consumed.
    pub fn overran(&self) -> bool {
        self.made_up > self.count
    }
}

/// The Golomb parameter: the least `k` (at most 24) with `n << k >= a` (T.87 A.5.1),
/// from the two bit lengths instead of a loop of up to 24 steps.
#[inline]
pub fn golomb_k(n: i32, a: i32) -> u32 {
    if n >= a {
        return 0;
    }
    if n <= 0 {
        return 24;
    }
    // n < a, both positive: n << k reaches a at the bit-length difference or one later.
    let k = n.leading_zeros() - a.leading_zeros();
    let k = if (n << k) < a { k + 1 } else { k };
    k.min(24)
}

/// Reads a mapped error value: Golomb code of parameter `k` with the escape after
/// `limit − qbpp − 1` zeros (T.87 A.5.3). `None` on a code longer than the limit allows.
#[inline]
pub fn golomb(bits: &mut Bits, k: u32, limit: u32, qbpp: u32) -> Option<i32> {
    let escape = limit.checked_sub(qbpp + 1)?;
    // Fast path: the unary part and the k low bits are all in the cache.
    if bits.count < 32 {
        bits.fill();
    }
    let lz = bits.cache.leading_zeros();
    if lz < escape && lz + 1 + k <= bits.count {
        let c = bits.cache << lz << 1;
        // c >> (64 − k), and 0 for k = 0 (bit 63 of c >> 1 is 0).
        let low = (c >> 1) >> (63 - k);
        bits.cache = c << k;
        bits.count -= lz + 1 + k;
        return Some(((lz as i32) << k) + low as i32);
    }
    let hi = bits.zeros(escape)?;
    if hi >= escape {
        return Some(bits.read(qbpp) as i32 + 1);
    }
    if k == 0 {
        return Some(hi as i32);
    }
    Some(((hi as i32) << k) + bits.read(k) as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golomb_k_is_the_standards_loop() {
        // T.87 A.5.1: for (k = 0; (N << k) < A; k++), capped at 24 here.
        let reference = |n: i32, a: i32| {
            let mut k = 0u32;
            while (n << k) < a && k < 24 {
                k += 1;
            }
            k
        };
        for n in 1..=130 {
            for a in (1..5000).chain((5000..1 << 23).step_by(997)) {
                assert_eq!(golomb_k(n, a), reference(n, a), "N = {n}, A = {a}");
            }
        }
    }
}
