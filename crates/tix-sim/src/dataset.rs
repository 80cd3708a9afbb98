//! What every provider's simulated dataset has in common: the customers (tenants), the people, the
//! time window, and seeded randomness.
//!
//! The datasets must be byte-identical across runs for a given seed and size, so nothing here reads
//! the clock: tickets are spread over the [`WINDOW_SECS`] before the fixed [`REFERENCE_TIME`]. Each
//! provider draws from its own stream ([`rng`] with the provider's name as salt), so adding a provider
//! or changing one never shifts another's data.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Serialize, Serializer};
use uuid::Uuid;

/// 2026-11-01T00:00:00Z, the "now" of every generated dataset.
pub const REFERENCE_TIME: i64 = 1_793_491_200;

/// Generated tickets are created within the 90 days before [`REFERENCE_TIME`].
pub const WINDOW_SECS: i64 = 90 * 24 * 3600;

/// A customer of the MSSP. Every provider serves the same five, so a unified list shows one
/// customer's tickets from several providers side by side.
pub struct Tenant {
    pub name: &'static str,
    /// The offset of the customer's local time from UTC, in minutes. Providers that print local
    /// times (Sonar) use it, so a client cannot get away without converting to UTC.
    pub utc_offset_minutes: i32,
    /// Two people at the customer who approve or answer tickets.
    pub contacts: [&'static str; 2],
}

pub const TENANTS: [Tenant; 5] = [
    Tenant {
        name: "Hanbit Capital",
        utc_offset_minutes: 9 * 60,
        contacts: ["Jiwoo Kang", "Seojun Lim"],
    },
    Tenant {
        name: "Meridian Retail",
        utc_offset_minutes: 0,
        contacts: ["Olivia Hart", "Tom Fletcher"],
    },
    Tenant {
        name: "Acme Logistics",
        utc_offset_minutes: -5 * 60,
        contacts: ["Maria Lopez", "Kevin Brooks"],
    },
    Tenant {
        name: "Nordlys Energi",
        utc_offset_minutes: 60,
        contacts: ["Ingrid Solberg", "Lars Haugen"],
    },
    Tenant {
        name: "Tasman Health",
        utc_offset_minutes: 5 * 60 + 30,
        contacts: ["Priya Nair", "Arjun Mehta"],
    },
];

/// The MSSP's own SOC analysts, who are assigned tickets.
pub const ANALYSTS: [&str; 8] = [
    "Joshua", "Minji", "Daniel", "Sora", "Ethan", "Yuna", "Liam", "Hana",
];

/// The dataset stream of one provider: `salt` is the provider name (or a finer label).
pub fn rng(seed: u64, salt: &str) -> StdRng {
    StdRng::seed_from_u64(seed ^ fnv1a(salt.as_bytes()))
}

/// A stream for data generated lazily per item (comments, attachments, content), so it does not
/// depend on the order in which items are asked for.
pub fn rng_for(seed: u64, salt: &str, key: u64) -> StdRng {
    StdRng::seed_from_u64(seed ^ fnv1a(salt.as_bytes()) ^ key.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

// FNV-1a: a stable hash (std's hasher is randomised per process, which would break determinism).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A GUID drawn from the dataset stream, with the version-4 bits set like the vendors' own.
pub fn guid(rng: &mut StdRng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

/// `n` creation instants (Unix seconds) within the window, oldest first: ids are handed out in
/// creation order, so ticket `i` is created at `instants[i]`.
pub fn creation_instants(rng: &mut StdRng, n: usize) -> Vec<i64> {
    let start = REFERENCE_TIME - WINDOW_SECS;
    let mut at: Vec<i64> = (0..n)
        .map(|_| rng.random_range(start..REFERENCE_TIME))
        .collect();
    at.sort_unstable();
    at
}

/// A GUID that serializes as the 36-character hyphenated string every vendor uses.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Guid(pub Uuid);

impl Serialize for Guid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Encoded into a buffer and written as one string: `collect_str` escaped it piece by
        // piece, and a page of 1,000 Sonar tickets carries 7,000 of them.
        let mut buf = uuid::Uuid::encode_buffer();
        s.serialize_str(self.0.hyphenated().encode_lower(&mut buf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_deterministic_and_salted() {
        let a: u64 = rng(7, "sonar").random();
        let b: u64 = rng(7, "sonar").random();
        let c: u64 = rng(7, "argus").random();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(
            rng_for(7, "c", 1).random::<u64>(),
            rng_for(7, "c", 2).random::<u64>()
        );
    }

    #[test]
    fn guids_are_version_4_and_instants_stay_in_the_window() {
        let mut r = rng(1, "t");
        assert_eq!(guid(&mut r).get_version_num(), 4);
        let at = creation_instants(&mut r, 1000);
        assert!(at.windows(2).all(|w| w[0] <= w[1]));
        assert!(at[0] >= REFERENCE_TIME - WINDOW_SECS && at[999] < REFERENCE_TIME);
    }
}
