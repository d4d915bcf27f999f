//! The values the writer formats itself: deterministic UIDs under the `2.25` root, the
//! hashes they are mixed from, and decimal strings (DS) of at most 16 characters.
//! They are also used by the phantom, whose file names and random streams come from the
//! same hashes.

/// A deterministic UID `2.25.<decimal>` made from `seed` and `key`.
///
/// The decimal is a 128-bit number mixed from both (never zero, so it has no leading
/// zero); the UID is at most 44 characters long. Different keys give different UIDs.
pub fn derive_uid(seed: u64, key: &str) -> String {
    let h = fnv1a64(key.as_bytes());
    let hi = splitmix64_mix(seed ^ h);
    let lo = splitmix64_mix(hi ^ h.rotate_left(29) ^ 0xA076_1D64_78BD_642F);
    let mut value = (u128::from(hi) << 64) | u128::from(lo);
    if value == 0 {
        value = 1;
    }
    format!("2.25.{value}")
}

/// Whether `uid` is a valid DICOM UID: 1 to 64 characters, digits and dots, no empty
/// component, and no component with a leading zero (except `0` itself).
pub fn is_valid_uid(uid: &str) -> bool {
    if uid.is_empty() || uid.len() > 64 {
        return false;
    }
    uid.split('.').all(|part| {
        !part.is_empty()
            && part.bytes().all(|b| b.is_ascii_digit())
            && (part == "0" || !part.starts_with('0'))
    })
}

/// 64-bit FNV-1a hash (used for UIDs and file names; stable by construction).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The splitmix64 finaliser: a bijective 64-bit mix.
pub fn splitmix64_mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Formats a value for a DS (decimal string) element: at most 16 characters, shortest
/// exact representation when it fits, fewer decimals otherwise.
pub fn format_ds(value: f64) -> Option<String> {
    if !value.is_finite() {
        return None;
    }
    let value = if value == 0.0 { 0.0 } else { value }; // no "-0"
    let plain = format!("{value}");
    if plain.len() <= 16 {
        return Some(plain);
    }
    (0..=15usize).rev().find_map(|decimals| {
        let s = format!("{value:.decimals$}");
        let s = if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        };
        (s.len() <= 16).then_some(s)
    })
}
