//! The embedded simulator of every provider API.
