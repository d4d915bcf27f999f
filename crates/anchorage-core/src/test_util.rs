//! Helpers for the crate's own unit tests.

/// One step of the xorshift64 generator: a cheap, repeatable stream of bits for noise
/// images and stream mutations (not for anything that must be random).
pub fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}
