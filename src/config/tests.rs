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

fn describe(file: &ConfigFile, env: &Env) -> Vec<Resolved> {
    super::describe(file, env, &Fake)
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
fn base_url_flag_beats_profile_beats_env() {
    let env = Env::from_pairs([("TIX_SONAR_URL", "https://env.example"), ("K", "v")]);
    let f = file("[profiles.prod]\nprovider = \"sonar\"\nbase_url = \"https://profile.example\"\napi_key_env = \"K\"\n")
        .with_env(&env);
    let c = resolve(&f, &env, &sel("sonar")).unwrap();
    assert_eq!(c.http.base_url.host_str(), Some("profile.example"));
    assert_eq!(c.profile.as_deref(), Some("prod"));
    let mut s = sel("sonar");
    s.base_url = Some("http://127.0.0.1:9/sonar".into());
    let c = resolve(&f, &env, &s).unwrap();
    assert_eq!(c.http.base_url.as_str(), "http://127.0.0.1:9/sonar");
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
fn profile_by_name_and_ambiguity() {
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
fn describe_never_shows_a_secret() {
    let env = Env::from_pairs([
        ("TIX_SONAR_URL", "https://s"),
        ("TIX_SONAR_API_KEY", "sekret"),
    ]);
    let f = file(
        "[profiles.a]\nprovider = \"sonar\"\nbase_url = \"https://a\"\napi_key = \"lit-key\"\n",
    );
    let shown = format!("{:?}", describe(&f, &env));
    assert!(
        !shown.contains("sekret") && !shown.contains("lit-key"),
        "{shown}"
    );
    assert!(shown.contains("env TIX_SONAR_API_KEY"));
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
    let c = resolve(&f, &env, &sel("sonar")).unwrap();
    assert_eq!(c.http.pin_sha256.as_deref(), Some("profile-pin"));
    let names = c.http.tls_names.expect("set by resolve");
    assert_eq!(names.env_prefix, "TIX_SONAR");
    let shown = describe(&f, &env);
    assert_eq!(shown[0].pin_sha256.as_deref(), Some("profile-pin"));
    assert_eq!(shown[1].name, "(env) sonar");
    assert_eq!(shown[1].pin_sha256.as_deref(), Some("env-pin"));
}
