//! Reading an answer's body with a ceiling on its decompressed size.
//!
//! reqwest decompresses gzip as the body streams; reading it chunk by chunk and stopping
//! at the ceiling means a gzip bomb (a few MB that inflate to gigabytes) costs at most the
//! ceiling in memory, never what the bomb would inflate to.

use bytes::{Bytes, BytesMut};

/// Why a body could not be read whole.
pub(super) enum BodyError {
    /// More than the ceiling arrived (after decompression).
    TooLarge,
    /// The connection failed or went silent mid-body.
    Cut(reqwest::Error),
}

/// The body of `resp`, or [`BodyError::TooLarge`] as soon as more than `cap` bytes arrive.
pub(super) async fn read_capped(mut resp: reqwest::Response, cap: u64) -> Result<Bytes, BodyError> {
    // A declared length is a hint for the allocation only: a server may lie about it, and
    // a compressed body's length says nothing about what it inflates to.
    let hint = resp.content_length().unwrap_or(0).min(cap).min(1 << 20);
    let mut buf = BytesMut::with_capacity(hint as usize);
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Cut)? {
        if buf.len() as u64 + chunk.len() as u64 > cap {
            return Err(BodyError::TooLarge);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

/// At most `cap` bytes of an error answer: enough for any provider's error message, and
/// a hostile error body costs no more. The rest is dropped with the connection.
pub(super) async fn read_prefix(mut resp: reqwest::Response, cap: usize) -> Bytes {
    let mut buf = BytesMut::new();
    while let Ok(Some(chunk)) = resp.chunk().await {
        let room = cap.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if buf.len() >= cap {
            break;
        }
    }
    buf.freeze()
}
