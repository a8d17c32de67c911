//! Plain text: what the text rules (`secrets.*`) read in every file, whatever its kind.

/// Text rules skip files larger than this (bytes): generated bundles, data dumps.
pub const MAX_BYTES: usize = 1 << 20;

/// Whether `bytes` look binary: a NUL byte in the first 8,000 bytes (git's own test).
pub fn is_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(8000)].contains(&0)
}

/// Whether the text rules read a file of these bytes: text, and at most [`MAX_BYTES`].
pub fn readable(bytes: &[u8]) -> bool {
    !is_binary(bytes) && bytes.len() <= MAX_BYTES
}
