use super::*;
use secrecy::ExposeSecret;
use std::path::Path;

/// Config is tested against its own catalog, not the real registry: it must work for
/// whatever providers it is handed.
struct Fake;

const SONAR: ProviderSpec = ProviderSpec {
    name: "sonar",
    env: "SONAR",
    key_name: "API_KEY",
    options: &[],
    default_base_url: None,
};
const WOLF: ProviderSpec = ProviderSpec {
    name: "arcticwolf",
    env: "ARCTICWOLF",
    key_name: "API_KEY",
    options: &["ticket_url"],
    default_base_url: Some("https://wolf.example"),
};

impl Catalog for Fake {
    fn specs(&self) -> Vec<&'static ProviderSpec> {
        vec![&SONAR, &WOLF]
    }
}

fn resolve(file: &ConfigFile, env: &Env, sel: &Selection) -> Result<SourceConfig> {
    super::resolve(file, env, sel, &Fake)
}

fn file(text: &str) -> ConfigFile {
    ConfigFile::parse(text, Path::new("/tmp/tix.toml")).unwrap()
}

fn sel(provider: &str) -> Selection {
    Selection {
        provider: Some(provider.into()),
        ..Selection::default()
    }
}

#[test]
fn env_alone_configures_sonar() {
    let env = Env::from_pairs([
        ("TIX_SONAR_URL", "https://sonar.example"),
        ("TIX_SONAR_API_KEY", "k-123"),
    ]);
    let c = resolve(&ConfigFile::default(), &env, &sel("sonar")).unwrap();
    assert_eq!(c.http.base_url.as_str(), "https://sonar.example/");
    assert_eq!(c.api_key.expose_secret(), "k-123");
    assert_eq!(c.profile, None);
}

#[test]
fn base_url_flag_beats_env_beats_the_default_profile() {
    let env = Env::from_pairs([("TIX_SONAR_URL", "https://env.example"), ("K", "v")]);
    let f = file("[profiles.prod]\nprovider = \"sonar\"\nbase_url = \"https://profile.example\"\napi_key_env = \"K\"\n")
        .with_env(&env);
    let c = resolve(&f, &env, &sel("sonar")).unwrap();
    assert_eq!(c.http.base_url.host_str(), Some("env.example"));
    assert_eq!(c.profile.as_deref(), Some("prod"));
    let named = Selection {
        profile: Some("prod".into()),
        ..Selection::default()
    };
    let c = resolve(&f, &env, &named).unwrap();
    assert_eq!(c.http.base_url.host_str(), Some("profile.example"));
    let mut s = sel("sonar");
    s.base_url = Some("http://127.0.0.1:9/sonar".into());
    let c = resolve(&f, &env, &s).unwrap();
    assert_eq!(c.http.base_url.as_str(), "http://127.0.0.1:9/sonar");
}

/// Where the profile comes from in one cell of the matrix.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ProfileKind {
    None,
    /// `--profile p` (or `TIX_PROFILE`).
    Named,
    /// The provider's only profile, picked by `--provider`.
    Default,
}

/// The README's table, restated: flag > --profile/TIX_PROFILE > environment > config
/// default > built-in, for every combination of layers present, for the URL, the key and
/// the CA file, checked on both what `resolve` returns and what `config show` reports.
#[test]
fn precedence_matrix_matches_the_documented_table() {
    for spec in [&SONAR, &WOLF] {
        for flag in [false, true] {
            for kind in [ProfileKind::None, ProfileKind::Named, ProfileKind::Default] {
                for in_env in [false, true] {
                    let name = spec.name;
                    let mut pairs = vec![("PROFILE_KEY", "key-profile")];
                    let url_var = format!("TIX_{}_URL", spec.env);
                    let key_var = spec.key_var();
                    let ca_var = format!("TIX_{}_CA_FILE", spec.env);
                    if in_env {
                        pairs.push((&url_var, "https://env.example"));
                        pairs.push((&key_var, "key-env"));
                        pairs.push((&ca_var, "/env.pem"));
                    }
                    let env = Env::from_pairs(pairs.iter().copied());
                    let f = if kind == ProfileKind::None {
                        ConfigFile::default()
                    } else {
                        file(&format!(
                            "[profiles.p]\nprovider = \"{name}\"\nbase_url = \"https://profile.example\"\n\
                             api_key_env = \"PROFILE_KEY\"\nca_file = \"/profile.pem\"\n"
                        ))
                        .with_env(&env)
                    };
                    let mut s = Selection {
                        provider: Some(name.into()),
                        ..Selection::default()
                    };
                    if kind == ProfileKind::Named {
                        s.profile = Some("p".into());
                    }
                    if flag {
                        s.base_url = Some("https://flag.example".into());
                        s.ca_file = Some("/flag.pem".into());
                    }
                    let cell = format!("{name} flag={flag} profile={kind:?} env={in_env}");
                    // The documented order, highest first; the first layer present wins.
                    let layers: [(bool, &str); 5] = [
                        (flag, "flag"),
                        (kind == ProfileKind::Named, "profile"),
                        (in_env, "env"),
                        (kind == ProfileKind::Default, "profile"),
                        (spec.default_base_url.is_some(), "builtin"),
                    ];
                    let want_url = layers.iter().find(|l| l.0).map(|l| l.1);
                    let want_key = layers[1..4].iter().find(|l| l.0).map(|l| l.1);
                    let want_ca = layers[..4].iter().find(|l| l.0).map(|l| l.1);

                    let eff = super::effective(&f, &env, &s, &Fake).unwrap();
                    let origin_word = |o: &Origin| match o {
                        Origin::Flag(_) => "flag",
                        Origin::Profile { .. } => "profile",
                        Origin::Env(_) => "env",
                        Origin::BuiltIn => "builtin",
                    };
                    assert_eq!(
                        eff.base_url.as_ref().map(|u| origin_word(&u.origin)),
                        want_url,
                        "url: {cell}"
                    );
                    assert_eq!(
                        eff.api_key.as_ref().map(|u| origin_word(&u.origin)),
                        want_key,
                        "key: {cell}"
                    );
                    assert_eq!(
                        eff.ca_file.as_ref().map(|u| origin_word(&u.origin)),
                        want_ca,
                        "ca: {cell}"
                    );

                    let c = resolve(&f, &env, &s);
                    match (want_url, want_key) {
                        (Some(url), Some(key)) => {
                            let c = c.unwrap_or_else(|e| panic!("{cell}: {e}"));
                            let host = match url {
                                "builtin" => "wolf.example".to_owned(),
                                other => format!("{other}.example"),
                            };
                            assert_eq!(c.http.base_url.host_str(), Some(host.as_str()), "{cell}");
                            assert_eq!(c.api_key.expose_secret(), format!("key-{key}"), "{cell}");
                            let ca = want_ca.map(|w| std::path::PathBuf::from(format!("/{w}.pem")));
                            assert_eq!(c.http.ca_file, ca, "{cell}");
                        }
                        _ => {
                            let e = c.err().unwrap_or_else(|| panic!("{cell}: resolved"));
                            assert_eq!(e.exit_code(), 3, "{cell}: {e}");
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn a_default_profile_settles_several_and_two_defaults_are_refused_when_read() {
    let two = "[profiles.a]\nprovider = \"sonar\"\nbase_url = \"https://a\"\napi_key = \"1\"\n\
               [profiles.b]\nprovider = \"sonar\"\nbase_url = \"https://b\"\napi_key = \"2\"\n";
    let err = resolve(&file(two), &Env::default(), &sel("sonar"))
        .err()
        .unwrap();
    let err = err.to_string();
    assert!(
        err.contains("(a, b)") && err.contains("default = true"),
        "{err}"
    );
    let f = file(&two.replace("api_key = \"2\"", "api_key = \"2\"\ndefault = true"));
    let c = resolve(&f, &Env::default(), &sel("sonar")).unwrap();
    assert_eq!(c.profile.as_deref(), Some("b"));
    let both = two
        .replace("api_key = \"1\"", "api_key = \"1\"\ndefault = true")
        .replace("api_key = \"2\"", "api_key = \"2\"\ndefault = true");
    let err = ConfigFile::parse(&both, Path::new("c.toml")).err().unwrap();
    assert!(
        err.to_string()
            .contains("several sonar profiles say `default = true` (a, b)"),
        "{err}"
    );
}

#[test]
fn sync_all_runs_each_profile_once_and_the_environment_alone_too() {
    let env = Env::from_pairs([
        ("TIX_SONAR_URL", "https://env.example"),
        ("TIX_SONAR_API_KEY", "k"),
    ]);
    let two = "[profiles.a]\nprovider = \"sonar\"\nbase_url = \"https://a\"\napi_key = \"1\"\n\
               [profiles.b]\nprovider = \"sonar\"\nbase_url = \"https://b\"\napi_key = \"2\"\n";
    let all = super::all_sources(&file(two), &env, &Fake);
    let shown: Vec<String> = all
        .iter()
        .map(|s| format!("{:?}/{:?}/{}", s.profile, s.provider, s.env_only))
        .collect();
    assert_eq!(
        shown,
        [
            "Some(\"a\")/None/false",
            "Some(\"b\")/None/false",
            "None/Some(\"sonar\")/true"
        ]
    );
    // The environment-only source resolves to the environment, not to a profile.
    let c = resolve(&file(two), &env, &all[2]).unwrap();
    assert_eq!(c.profile, None);
    assert_eq!(c.http.base_url.host_str(), Some("env.example"));
    // A profile that is exactly the environment's source is not run twice.
    let same = "[profiles.a]\nprovider = \"sonar\"\nbase_url = \"https://env.example\"\napi_key_env = \"TIX_SONAR_API_KEY\"\n";
    let all = super::all_sources(&file(same).with_env(&env), &env, &Fake);
    assert_eq!(all.len(), 1);
}

#[test]
fn sonar_without_any_url_says_how_to_set_one() {
    let env = Env::from_pairs([("TIX_SONAR_API_KEY", "k")]);
    let err = resolve(&ConfigFile::default(), &env, &sel("sonar"))
        .err()
        .unwrap();
    assert_eq!(err.exit_code(), 3);
    assert!(err.to_string().contains("TIX_SONAR_URL"), "{err}");
}

#[test]
fn missing_key_is_an_auth_error_naming_the_variable() {
    let env = Env::from_pairs([("TIX_SONAR_URL", "https://s")]);
    let err = resolve(&ConfigFile::default(), &env, &sel("sonar"))
        .err()
        .unwrap();
    assert_eq!(err.exit_code(), 3);
    assert!(err.to_string().contains("TIX_SONAR_API_KEY"), "{err}");
}

#[test]
fn literal_key_refused_in_a_shared_file() {
    let mut f =
        file("[profiles.s]\nprovider = \"sonar\"\nbase_url = \"https://s\"\napi_key = \"lit\"\n");
    f.shared = true;
    let err = resolve(&f, &Env::default(), &sel("sonar")).err().unwrap();
    assert!(err.to_string().contains("chmod 600"), "{err}");
    assert!(!err.to_string().contains("lit\""), "{err}");
    f.shared = false;
    let c = resolve(&f, &Env::default(), &sel("sonar")).unwrap();
    assert_eq!(c.api_key.expose_secret(), "lit");
}

#[test]
fn api_key_cmd_is_run_and_its_failure_hides_its_output() {
    let f = file(
        "[profiles.s]\nprovider = \"sonar\"\nbase_url = \"https://s\"\napi_key_cmd = \"printf 'from-cmd\\\\n'\"\n",
    );
    let c = resolve(&f, &Env::default(), &sel("sonar")).unwrap();
    assert_eq!(c.api_key.expose_secret(), "from-cmd");
    let f = file(
        "[profiles.s]\nprovider = \"sonar\"\nbase_url = \"https://s\"\napi_key_cmd = \"echo hunter2; exit 3\"\n",
    );
    let err = resolve(&f, &Env::default(), &sel("sonar")).err().unwrap();
    assert!(!err.to_string().contains("hunter2"), "{err}");
}

#[test]
fn profile_by_name_and_unknown_names() {
    let f = file(
        "[profiles.a]\nprovider = \"sonar\"\nbase_url = \"https://a\"\napi_key = \"1\"\n\
         [profiles.b]\nprovider = \"sonar\"\nbase_url = \"https://b\"\napi_key = \"2\"\n",
    );
    let err = resolve(&f, &Env::default(), &sel("sonar")).err().unwrap();
    assert!(err.to_string().contains("--profile"), "{err}");
    let s = Selection {
        profile: Some("b".into()),
        ..Selection::default()
    };
    let c = resolve(&f, &Env::default(), &s).unwrap();
    assert_eq!(c.http.base_url.host_str(), Some("b"));
    let s = Selection {
        profile: Some("zz".into()),
        ..Selection::default()
    };
    let err = resolve(&f, &Env::default(), &s).err().unwrap();
    assert!(err.to_string().contains("profiles: a, b"), "{err}");
}

#[test]
fn unknown_keys_in_the_file_are_rejected() {
    let err = ConfigFile::parse(
        "[profiles.a]\nprovider = \"sonar\"\napikey = \"x\"\n",
        Path::new("c.toml"),
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("apikey"), "{err}");
}

#[test]
fn effective_settings_never_show_a_secret() {
    let env = Env::from_pairs([
        ("TIX_SONAR_URL", "https://s"),
        ("TIX_SONAR_API_KEY", "sekret"),
    ]);
    let f = file(
        "[profiles.a]\nprovider = \"sonar\"\nbase_url = \"https://a\"\napi_key = \"lit-key\"\n",
    );
    for s in super::show_selections(&f, &env, None, &Fake) {
        let shown = format!("{:?}", super::effective(&f, &env, &s, &Fake));
        assert!(
            !shown.contains("sekret") && !shown.contains("lit-key"),
            "{shown}"
        );
    }
    let e = super::effective(&f, &env, &sel("sonar"), &Fake).unwrap();
    assert_eq!(e.api_key.unwrap().value, "env TIX_SONAR_API_KEY");
    assert!(!format!("{:?}", f.profiles["a"]).contains("lit-key"));
}

#[test]
fn bad_base_url_flag_names_the_flag() {
    let env = Env::from_pairs([("TIX_SONAR_API_KEY", "k")]);
    let mut s = sel("sonar");
    s.base_url = Some("not a url".into());
    let err = resolve(&ConfigFile::default(), &env, &s).err().unwrap();
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("--base-url"));
}

#[test]
fn a_profile_option_the_provider_does_not_take_is_refused() {
    let env = Env::from_pairs([("K", "v")]);
    let f = file("[profiles.p]\nprovider = \"sonar\"\nbase_url = \"https://s\"\napi_key_env = \"K\"\n[profiles.p.options]\nticket_url = \"x\"\n")
        .with_env(&env);
    let err = resolve(&f, &env, &sel("sonar")).err().unwrap().to_string();
    assert!(
        err.contains("unknown option 'ticket_url' for sonar (allowed: none)"),
        "{err}"
    );
}

#[test]
fn pin_sha256_comes_from_the_profile_else_the_environment() {
    let env = Env::from_pairs([
        ("TIX_SONAR_URL", "https://sonar.example"),
        ("TIX_SONAR_API_KEY", "k"),
        ("TIX_SONAR_PIN_SHA256", "env-pin"),
    ]);
    let alone = resolve(&ConfigFile::default(), &env, &sel("sonar")).unwrap();
    assert_eq!(alone.http.pin_sha256.as_deref(), Some("env-pin"));
    let f = file(
        "[profiles.box]\nprovider = \"sonar\"\nbase_url = \"https://10.0.0.5\"\npin_sha256 = \"profile-pin\"\n",
    )
    .with_env(&env);
    // The environment beats a profile picked as the provider's default (precedence 3
    // over 4); a profile named with --profile beats the environment (2 over 3).
    let c = resolve(&f, &env, &sel("sonar")).unwrap();
    assert_eq!(c.http.pin_sha256.as_deref(), Some("env-pin"));
    let named = Selection {
        profile: Some("box".into()),
        ..Selection::default()
    };
    let c = resolve(&f, &env, &named).unwrap();
    assert_eq!(c.http.pin_sha256.as_deref(), Some("profile-pin"));
    let names = c.http.tls_names.expect("set by resolve");
    assert_eq!(names.env_prefix, "TIX_SONAR");
    let quiet = Env::from_pairs([("TIX_SONAR_API_KEY", "k")]);
    let f = f.with_env(&quiet);
    let c = resolve(&f, &quiet, &sel("sonar")).unwrap();
    assert_eq!(c.http.pin_sha256.as_deref(), Some("profile-pin"));
}
