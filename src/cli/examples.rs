//! The EXAMPLES section of every command's `--help`, kept in one table so that a new
//! subcommand without examples fails `every_command_has_examples` instead of shipping
//! a help page that only lists flags.

/// (command path below `tix`, examples). The path is the subcommand names joined by
/// spaces; `""` is `tix` itself.
const EXAMPLES: &[(&str, &str)] = &[
    (
        "",
        "tix demo                                  # see it work, no key needed
  tix list -p sonar --since 7d --status open
  tix get sonar 4711
  tix config show                           # where each setting comes from",
    ),
    (
        "list",
        "tix list -p sonar --since 7d --status open,in_progress
  tix list -p sonar,argus --sort updated --limit 20
  tix list -p argus --tenant acme --priority critical,high -o csv > cases.csv
  tix list --profile prod --wide --limit all
  tix list -p cyderes --explain --keyword phishing",
    ),
    (
        "get",
        "tix get argus 4711
  tix get sonar 8f2c1e7a -o json
  tix get cyderes CYD-1001 --fields id,status,title",
    ),
    (
        "comment",
        "tix comment argus 4711 \"Host isolated, please confirm\"
  tix comment sonar 8f2c1e7a --file notes.md
  echo \"seen\" | tix comment cyderes CYD-1001",
    ),
    (
        "close",
        "tix close argus 4711
  tix close sonar 8f2c1e7a --comment \"False positive: backup job\"",
    ),
    (
        "create",
        "tix create argus --subject \"Unknown admin login\" --customer acme --service ids
  tix create cyderes --subject \"New VPN range\" --description-file req.md",
    ),
    (
        "update",
        "tix update argus 4711 --status waiting_provider --comment \"Logs attached\"
  tix update sonar 8f2c1e7a --priority high",
    ),
    (
        "attach",
        "tix attach list argus 4711
  tix attach get argus 4711 91 --to ./evidence/
  tix attach add argus 4711 pcap.zip",
    ),
    (
        "attach list",
        "tix attach list argus 4711
  tix attach list cyderes CYD-1001 -o json",
    ),
    (
        "attach get",
        "tix attach get argus 4711 91
  tix attach get argus 4711 91 --to - | sha256sum",
    ),
    ("attach add", "tix attach add argus 4711 pcap.zip"),
    (
        "tags",
        "tix tags list argus 4711
  tix tags add argus 4711 reviewed fp-candidate
  tix tags rm argus 4711 fp-candidate",
    ),
    (
        "orgs",
        "tix orgs -p arcticwolf
  tix orgs -p arcticwolf --root \"Maple Clinics\" -o csv",
    ),
    (
        "iocs",
        "tix iocs -p cyderes --since 1d
  tix iocs -p cyderes -o csv > iocs.csv",
    ),
    (
        "cw",
        "tix cw check --board \"MSSP\" --status New --company ACME",
    ),
    (
        "cw check",
        "tix cw check --board \"MSSP\" --status New --company ACME",
    ),
    (
        "providers",
        "tix providers
  tix providers -o json",
    ),
    ("schema", "tix schema > ticket.schema.json"),
    (
        "config",
        "tix config show
  tix --profile prod config show -o json",
    ),
    (
        "config show",
        "tix config show
  TIX_SONAR_URL=https://sonar.example tix config show   # env beats the config default",
    ),
    (
        "sim",
        "tix sim --port 8080
  tix sim --latency 50ms --fault-rate 0.1",
    ),
    (
        "sync",
        "tix sync --all --out ~/tix-archive
  tix sync -p sonar --out - | jq .id
  tix sync --profile prod --to connectwise --board MSSP --status New --company ACME
  tix sync -p sonar --out ~/tix-archive --dry-run
  TIX_STATE_URL=postgres://tix@db.example/sync tix sync --all --workers 4 --out /srv/tix",
    ),
    ("sync status", "tix sync status"),
    (
        "state",
        "tix state migrate --state postgres://tix@db.example/sync
  tix state export > state.jsonl",
    ),
    (
        "state migrate",
        "PGPASSWORD=… tix state migrate --state postgres://tix@db.example/sync
  TIX_STATE_URL=postgres://tix@db.example/sync tix state migrate",
    ),
    (
        "state export",
        "tix state export > state.jsonl                     # the default SQLite state
  tix state export --state postgres://tix@db.example/sync > state.jsonl",
    ),
    (
        "state import",
        "tix state import state.jsonl --state postgres://tix@db.example/sync
  TIX_STATE_URL=postgres://tix@db.example/sync tix state import -   # the export on stdin",
    ),
    ("sync reset", "tix sync reset sonar"),
    (
        "sync reset",
        "tix sync reset sonar                      # forget the window; the next run starts over
  tix sync reset connectwise:prod --state /var/lib/tix/sync.db",
    ),
    (
        "stats",
        "tix stats -p sonar,argus --since 30d
  tix stats -p argus --by customer -o csv > per-customer.csv
  tix stats -p cyderes --by priority --since 2026-10-01 --chart",
    ),
    (
        "watch",
        "tix watch -p sonar,argus --interval 60s
  tix watch -p argus -o jsonl | jq -c .ticket.id
  tix watch -p sonar --exec notify-send tix      # the ticket as JSON on its stdin",
    ),
    (
        "tls",
        "tix tls show https://sonar.example:8443
  tix tls show https://10.0.0.5 --provider sonar --ca-file appliance.pem",
    ),
    (
        "tls show",
        "tix tls show https://sonar.example:8443      # the chain, its fingerprints, trusted or not
  tix tls show https://10.0.0.5 --provider sonar --ca-file appliance.pem
  tix tls show https://cw.example --provider connectwise --json",
    ),
    (
        "demo",
        "tix demo
  tix demo --per-provider 10",
    ),
    (
        "completions",
        "tix completions bash > ~/.local/share/bash-completion/completions/tix
  tix completions zsh > \"${fpath[1]}/_tix\"",
    ),
    ("man", "tix man > tix.1 && man ./tix.1"),
];

/// `cmd` with the EXAMPLES section added to it and to each of its subcommands.
pub fn with_examples(cmd: clap::Command) -> clap::Command {
    add(cmd, "")
}

fn add(mut cmd: clap::Command, path: &str) -> clap::Command {
    if let Some((_, text)) = EXAMPLES.iter().find(|(p, _)| *p == path) {
        cmd = cmd.after_help(format!("Examples:\n  {text}"));
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in names {
        let sub = if path.is_empty() {
            name.clone()
        } else {
            format!("{path} {name}")
        };
        cmd = cmd.mut_subcommand(&name, |c| add(c, &sub));
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(cmd: &clap::Command, path: &str, out: &mut Vec<(String, bool)>) {
        out.push((path.to_owned(), cmd.get_after_help().is_some()));
        for s in cmd.get_subcommands() {
            // clap's own `help` subcommand prints help; it needs no examples.
            if s.get_name() == "help" {
                continue;
            }
            let p = if path.is_empty() {
                s.get_name().to_owned()
            } else {
                format!("{path} {}", s.get_name())
            };
            walk(s, &p, out);
        }
    }

    #[test]
    fn every_command_has_examples() {
        let mut cmd = with_examples(<super::super::Cli as clap::CommandFactory>::command());
        cmd.build();
        let mut seen = Vec::new();
        walk(&cmd, "", &mut seen);
        let missing: Vec<&str> = seen
            .iter()
            .filter(|(_, has)| !has)
            .map(|(p, _)| p.as_str())
            .collect();
        assert!(missing.is_empty(), "no examples for: {missing:?}");
    }

    /// An example line as argv: the first command of the line, without comments,
    /// pipes or redirections; double quotes group words.
    fn argv(line: &str) -> Vec<String> {
        let line = line.split(" #").next().unwrap_or(line);
        let at = line.find("tix ").expect("each example runs tix");
        let mut words = Vec::new();
        let mut word = String::new();
        let mut quoted = false;
        for c in line[at..].chars() {
            match c {
                '"' => quoted = !quoted,
                ' ' if !quoted => {
                    if !word.is_empty() {
                        words.push(std::mem::take(&mut word));
                    }
                }
                '|' | '>' | '&' if !quoted => break,
                c => word.push(c),
            }
        }
        if !word.is_empty() {
            words.push(word);
        }
        words
    }

    #[test]
    fn every_example_parses_as_the_command_it_documents() {
        let cmd = with_examples(<super::super::Cli as clap::CommandFactory>::command());
        for (path, text) in EXAMPLES {
            for line in text.lines() {
                let argv = argv(line);
                if let Err(e) = cmd.clone().try_get_matches_from(&argv) {
                    panic!("{path:?}: {line}\n{e}");
                }
                let words: Vec<&str> = argv.iter().skip(1).map(String::as_str).collect();
                let documented: Vec<&str> = path.split_whitespace().collect();
                assert!(
                    path.is_empty() || words.windows(documented.len()).any(|w| w == documented),
                    "{path:?}: {line}"
                );
            }
        }
    }
}
