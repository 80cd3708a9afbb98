//! Output byte-identical to what tix printed before the list-throughput work (issue 18):
//! the SHA-256 of `tix list` over the simulator's fixed dataset (seed 1), per provider and
//! format. The expected digests were taken from the release build of commit 2a3f43f with
//! `tix sim --tickets 2500` (the same dataset `tix_sim::start` serves here). Arctic Wolf's
//! organizations are listed in parallel and merged as they answer, so its order varies
//! from run to run (it did before too): its lines are hashed sorted.

use crate::every_provider::{simulator, tix};
use crate::harness::{code, stderr};

/// (arguments after `list`, SHA-256 of stdout; of its lines sorted for Arctic Wolf).
const EXPECTED: &[(&[&str], &str)] = &[
    (
        &["-p", "sonar", "-o", "jsonl"],
        "fc4f78e0a116e26239682473163040dd6ea471f19c2166414c7bb3b43ab833ab",
    ),
    (
        &["-p", "sonar", "-o", "json"],
        "4188a1c1fe4a16334535e8da1cc745b5a6753b4d16a8526c1eaac5f91f5497ad",
    ),
    (
        &["-p", "sonar", "-o", "csv"],
        "7d98624609eab2c471d5f783fe1457715cf8fb116088ee51768910a2c92c57dd",
    ),
    (
        &["-p", "sonar", "-o", "jsonl", "--raw"],
        "5139d6fee6b869fcc2ed6a260e6f686104d72a5376e48c912d676f444eef12d4",
    ),
    (
        &["-p", "argus", "-o", "jsonl"],
        "a3556fd61aee99306dc5afcd7175bac820788dbba4a56bf9c61215a496d0b644",
    ),
    (
        &["-p", "cyderes", "-o", "jsonl"],
        "46fe61099170404b9f0c8d944d9cfe34d83f13ad9f42923ece67d8e4741c45c6",
    ),
    (
        &["-p", "arcticwolf", "-o", "jsonl"],
        "82ea83a71fc5cb94b59902923c446e6d262e7e93255c858c208fd15072f30b76",
    ),
];

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn list_output_is_byte_identical_to_before_on_the_fixed_seed() {
    let sim = simulator(2500).await;
    let mut wrong = Vec::new();
    for (args, expected) in EXPECTED {
        let mut argv = vec!["list"];
        argv.extend_from_slice(args);
        let o = tix(&sim, &argv, &[]).await;
        assert_eq!(code(&o), 0, "{argv:?}: {}", stderr(&o));
        let got = if args.contains(&"arcticwolf") {
            let mut lines: Vec<&[u8]> = o.stdout.split_inclusive(|b| *b == b'\n').collect();
            lines.sort();
            sha256_hex(&lines.concat())
        } else {
            sha256_hex(&o.stdout)
        };
        if got != *expected {
            wrong.push(format!("{argv:?}: {got} (expected {expected})"));
        }
    }
    assert!(wrong.is_empty(), "output changed:\n{}", wrong.join("\n"));
    sim.shutdown().await;
}
