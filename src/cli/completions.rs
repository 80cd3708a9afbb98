//! `tix completions SHELL`: a completion script from the same clap definitions, which
//! also completes what clap cannot know statically: the provider names (from the
//! registry) and the profile names of the config file as it is when the script is made.

use clap::builder::PossibleValuesParser;

/// The command tree with every provider argument and `--profile` given their values.
pub fn command(providers: &[&'static str], profiles: &[String]) -> clap::Command {
    let profiles: Vec<clap::builder::PossibleValue> = profiles
        .iter()
        .map(|p| clap::builder::PossibleValue::new(clap::builder::Str::from(p.clone())))
        .collect();
    with_values(super::command(), providers, &profiles)
}

fn with_values(
    mut cmd: clap::Command,
    providers: &[&'static str],
    profiles: &[clap::builder::PossibleValue],
) -> clap::Command {
    let has = |cmd: &clap::Command, id: &str| cmd.get_arguments().any(|a| a.get_id() == id);
    if has(&cmd, "provider") {
        // clap re-adds a changed argument last, which would move a positional PROVIDER
        // behind ID: pin every positional to its declared place first.
        let positionals: Vec<clap::Id> =
            cmd.get_positionals().map(|a| a.get_id().clone()).collect();
        for (i, id) in positionals.iter().enumerate() {
            cmd = cmd.mut_arg(id, |a| a.index(i + 1));
        }
        cmd = cmd.mut_arg("provider", |a| {
            a.value_parser(PossibleValuesParser::new(providers.iter().copied()))
        });
    }
    if has(&cmd, "profile") && !profiles.is_empty() {
        cmd = cmd.mut_arg("profile", |a| {
            a.value_parser(PossibleValuesParser::new(profiles.iter().cloned()))
        });
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in names {
        cmd = cmd.mut_subcommand(&name, |c| with_values(c, providers, profiles));
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(shell: clap_complete::Shell, profiles: &[String]) -> String {
        let mut cmd = command(&["sonar", "argus"], profiles);
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut cmd, "tix", &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn completes_providers_profiles_and_output_formats() {
        let text = script(clap_complete::Shell::Fish, &["prod-sonar".to_owned()]);
        for want in ["sonar", "argus", "prod-sonar", "jsonl", "csv"] {
            assert!(text.contains(want), "{want} in the fish script");
        }
        // The provider values reach `tix get`'s positional argument too.
        let get = command(&["sonar", "argus"], &[]);
        let get = get.find_subcommand("get").unwrap();
        let provider = get
            .get_arguments()
            .find(|a| a.get_id() == "provider")
            .unwrap();
        let values: Vec<String> = provider
            .get_possible_values()
            .iter()
            .map(|v| v.get_name().to_owned())
            .collect();
        assert_eq!(values, ["sonar", "argus"]);
    }
}
