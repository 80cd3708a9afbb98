//! A real PostgreSQL server for the tests of the PostgreSQL sync state: `initdb` into a
//! temporary directory, `pg_ctl start` on a free loopback port (its unix socket in the
//! same directory), stopped with `pg_ctl stop -m immediate` when dropped. Never a mock.
//!
//! initdb and postgres refuse to run as root, and the tests run as root here and on CI:
//! then both run as the `postgres` system user (`runuser`), with the directory given to
//! it. A machine without PostgreSQL fails the test with how to install it; `.ci/run`
//! installs it when missing.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The superuser's name and password in every test server: the password is there so the
/// tests see that it never reaches a log, an error or argv.
pub const USER: &str = "tix";
pub const PASSWORD: &str = "pg-secret-4b1d";

pub struct PgServer {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    /// Running as root: the server's commands run as this user.
    run_as: Option<String>,
    /// With TLS: the PEM file of the private CA that signed the server's certificate.
    ca: Option<PathBuf>,
}

impl PgServer {
    /// A fresh cluster, started and accepting connections.
    pub fn start() -> PgServer {
        PgServer::start_with(false)
    }

    /// The same, with TLS on: a certificate for 127.0.0.1 signed by a private CA made
    /// here ([`PgServer::ca`]), which no system trusts.
    pub fn start_tls() -> PgServer {
        PgServer::start_with(true)
    }

    /// The private CA's PEM file of a server started with TLS.
    pub fn ca(&self) -> &Path {
        self.ca.as_deref().expect("a server started with start_tls")
    }

    fn start_with(tls: bool) -> PgServer {
        let bin = bin_dir().unwrap_or_else(|| {
            panic!(
                "PostgreSQL is not installed: the sync-state tests need its initdb and pg_ctl \
                 (on PATH or in /usr/lib/postgresql/<version>/bin). Install it with \
                 `apt-get install -y postgresql` (Debian/Ubuntu; .ci/run does this)"
            )
        });
        // SAFETY: geteuid has no preconditions and cannot fail.
        let root = unsafe { libc::geteuid() } == 0;
        let run_as = root.then(|| "postgres".to_owned());
        let dir = tempfile::Builder::new().prefix("tix-pg").tempdir().unwrap();
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, PASSWORD).unwrap();
        if let Some(user) = &run_as {
            chown_to(dir.path(), user);
            chown_to(&pwfile, user);
        }
        let data = dir.path().join("data");
        let mut server = PgServer {
            dir,
            bin,
            port: 0,
            run_as,
            ca: None,
        };
        let out = server.run(
            "initdb",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-U".as_ref(),
                USER.as_ref(),
                "--pwfile".as_ref(),
                pwfile.as_os_str(),
                "--auth=scram-sha-256".as_ref(),
                "--no-sync".as_ref(),
                "-E".as_ref(),
                "UTF8".as_ref(),
            ],
        );
        assert!(out.status.success(), "initdb failed: {}", text(&out));
        // A free port can be taken by another test between our probe and the server's
        // bind: then the start fails and is tried on another port.
        let ssl = if tls {
            server.make_certificates()
        } else {
            String::new()
        };
        for _ in 0..5 {
            server.port = free_port();
            let options = format!(
                "-p {} -h 127.0.0.1 -k {} -c fsync=off -c max_connections=200{ssl}",
                server.port,
                server.dir.path().display()
            );
            let log = server.dir.path().join("log");
            let out = server.run(
                "pg_ctl",
                &[
                    "start".as_ref(),
                    "-w".as_ref(),
                    "-t".as_ref(),
                    "60".as_ref(),
                    "-D".as_ref(),
                    data.as_os_str(),
                    "-l".as_ref(),
                    log.as_os_str(),
                    "-o".as_ref(),
                    options.as_ref(),
                ],
            );
            if out.status.success() {
                return server;
            }
            eprintln!(
                "pg_ctl start on port {} failed: {}\n{}",
                server.port,
                text(&out),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        panic!("PostgreSQL did not start (see the log above)");
    }

    /// A private CA and a server certificate for 127.0.0.1 it signs, written where the
    /// server can read them (its key readable by it alone, as PostgreSQL insists); answers
    /// the options that turn TLS on.
    fn make_certificates(&mut self) -> String {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "tix test PostgreSQL CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_key = KeyPair::generate().unwrap();
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::from_params(&ca_params, &ca_key);
        let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
        leaf.distinguished_name
            .push(DnType::CommonName, "127.0.0.1");
        let key = KeyPair::generate().unwrap();
        let cert = leaf.signed_by(&key, &issuer).unwrap();
        let dir = self.dir.path();
        let (crt, pem_key, ca) = (
            dir.join("server.crt"),
            dir.join("server.key"),
            dir.join("ca.pem"),
        );
        std::fs::write(&crt, cert.pem()).unwrap();
        std::fs::write(&pem_key, key.serialize_pem()).unwrap();
        std::fs::write(&ca, ca_cert.pem()).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pem_key, std::fs::Permissions::from_mode(0o600)).unwrap();
        if let Some(user) = &self.run_as {
            chown_to(&crt, user);
            chown_to(&pem_key, user);
        }
        self.ca = Some(ca);
        format!(
            " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
            crt.display(),
            pem_key.display()
        )
    }

    /// A URL with the password in it, TLS off (loopback).
    pub fn url(&self) -> String {
        format!(
            "postgres://{USER}:{PASSWORD}@127.0.0.1:{}/postgres?sslmode=disable",
            self.port
        )
    }

    /// The same without the password (given through PGPASSWORD instead).
    pub fn url_without_password(&self) -> String {
        format!(
            "postgres://{USER}@127.0.0.1:{}/postgres?sslmode=disable",
            self.port
        )
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Runs one of the server's programs, as the `postgres` user when we are root.
    fn run(&self, program: &str, args: &[&std::ffi::OsStr]) -> Output {
        let exe = self.bin.join(program);
        let mut cmd = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_remove("PGPASSWORD")
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()))
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self.run(
            "pg_ctl",
            &[
                "stop".as_ref(),
                "-m".as_ref(),
                "immediate".as_ref(),
                "-D".as_ref(),
                data.as_os_str(),
            ],
        );
    }
}

/// Where initdb and pg_ctl are: PATH first, then Debian's versioned directories, newest
/// first.
fn bin_dir() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file());
    if on_path.is_some() {
        return on_path;
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn chown_to(path: &Path, user: &str) {
    let out = Command::new("chown").arg(user).arg(path).output().unwrap();
    assert!(
        out.status.success(),
        "chown {user} {}: {}",
        path.display(),
        text(&out)
    );
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn a_test_server_starts_accepts_connections_and_stops_when_dropped() {
    let server = PgServer::start();
    let port = server.port();
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    let socket = server.dir.path().join(format!(".s.PGSQL.{port}"));
    assert!(socket.exists(), "the unix socket lives in the temp dir");
    drop(server);
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "stopped on drop"
    );
}

#[tokio::test]
async fn the_test_server_asks_for_the_password() {
    let server = PgServer::start();
    let connect = |url: String| async move {
        let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
        tokio::spawn(conn);
        client.query_one("SELECT 1::int4", &[]).await
    };
    let row = connect(server.url()).await.unwrap();
    assert_eq!(row.get::<_, i32>(0), 1);
    let e = connect(server.url_without_password()).await.unwrap_err();
    assert!(format!("{e:?}").contains("password missing"), "{e:?}");
}
