//! The vocabulary of the simulated Sonar: the enumerations the document names, the ticket
//! repositories, the detection templates tickets are made from, and the seeded directory of sites,
//! companies, users and rules they refer to.

use rand::rngs::StdRng;
use uuid::Uuid;

use super::super::dataset::{self, ANALYSTS, TENANTS};

/// Ticket status codes, in the document's order ("Ticket status code").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    New,
    Assigned,
    InProgress,
    Submitted,
    Approved,
    Rejected,
    Closed,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::New,
        Status::Assigned,
        Status::InProgress,
        Status::Submitted,
        Status::Approved,
        Status::Rejected,
        Status::Closed,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Status::New => "NEW",
            Status::Assigned => "ASSIGNED",
            Status::InProgress => "IN_PROGRESS",
            Status::Submitted => "SUBMITTED",
            Status::Approved => "APPROVED",
            Status::Rejected => "REJECTED",
            Status::Closed => "CLOSED",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.name() == s)
    }

    pub fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// Priority: a string in responses, an integer (1 LOW, 2 MEDIUM, 3 HIGH) in the `priorities` filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Priority {
    Low = 1,
    Medium = 2,
    High = 3,
}

impl Priority {
    pub fn name(self) -> &'static str {
        match self {
            Priority::Low => "LOW",
            Priority::Medium => "MEDIUM",
            Priority::High => "HIGH",
        }
    }

    pub fn parse(s: &str) -> Option<Priority> {
        [Priority::Low, Priority::Medium, Priority::High]
            .into_iter()
            .find(|p| p.name() == s)
    }

    pub fn from_number(n: i64) -> Option<Priority> {
        match n {
            1 => Some(Priority::Low),
            2 => Some(Priority::Medium),
            3 => Some(Priority::High),
            _ => None,
        }
    }
}

/// Content format. "Threat detection ticket uses JSON format" (vendor document, field table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Markdown,
    Plain,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::Markdown => "MARKDOWN",
            Format::Plain => "PLAIN",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        [Format::Json, Format::Markdown, Format::Plain]
            .into_iter()
            .find(|f| f.name() == s)
    }
}

/// An assignee's or approver's task status: "ASSIGNED or IN_PROGRESS or CLOSED" (field table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    Assigned,
    InProgress,
    Closed,
}

impl Task {
    pub fn name(self) -> &'static str {
        match self {
            Task::Assigned => "ASSIGNED",
            Task::InProgress => "IN_PROGRESS",
            Task::Closed => "CLOSED",
        }
    }
}

/// Ticket repositories ("ticket type"): `repo_name`, with the format their tickets use.
pub const REPOS: [(&str, Format); 4] = [
    ("Threat", Format::Json),
    ("Vulnerability", Format::Markdown),
    ("Incident", Format::Markdown),
    ("Compliance", Format::Plain),
];

/// How often each repository gets a ticket: most of a SOC's tickets are detections.
pub const REPO_WEIGHTS: [u32; 4] = [60, 15, 10, 15];

/// What a template's `{}` stands for, drawn from the ticket's `subject` number.
#[derive(Clone, Copy)]
pub enum Subject {
    Ip,
    Host,
    Account,
}

pub struct Technique {
    pub id: &'static str,
    pub name: &'static str,
    pub tactic_id: &'static str,
    pub tactic: &'static str,
}

/// A detection rule and the ticket title it produces.
pub struct Template {
    pub repo: u8,
    pub title: &'static str,
    pub subject: Subject,
    pub rule: &'static str,
    pub mitre: Option<Technique>,
}

const fn t(
    repo: u8,
    title: &'static str,
    subject: Subject,
    rule: &'static str,
    mitre: Option<(&'static str, &'static str, &'static str, &'static str)>,
) -> Template {
    let mitre = match mitre {
        Some((id, name, tactic_id, tactic)) => Some(Technique {
            id,
            name,
            tactic_id,
            tactic,
        }),
        None => None,
    };
    Template {
        repo,
        title,
        subject,
        rule,
        mitre,
    }
}

use Subject::{Account, Host, Ip};

/// The first one is the document's own example title.
#[rustfmt::skip]
pub const TEMPLATES: [Template; 15] = [
    t(0, "Attempt to collect web server settings: {}", Ip, "Web server configuration probe",
        Some(("T1595.002", "Vulnerability Scanning", "TA0043", "Reconnaissance"))),
    t(0, "SSH brute force attempt from {}", Ip, "SSH brute force",
        Some(("T1110.001", "Password Guessing", "TA0006", "Credential Access"))),
    t(0, "Outbound connection to known C2 server: {}", Ip, "Known C2 communication",
        Some(("T1071.001", "Web Protocols", "TA0011", "Command and Control"))),
    t(0, "SQL injection attempt against {}", Ip, "SQL injection pattern",
        Some(("T1190", "Exploit Public-Facing Application", "TA0001", "Initial Access"))),
    t(0, "Port scan detected from {}", Ip, "Horizontal port scan",
        Some(("T1046", "Network Service Discovery", "TA0007", "Discovery"))),
    t(0, "Suspicious PowerShell execution on {}", Host, "Encoded PowerShell command",
        Some(("T1059.001", "PowerShell", "TA0002", "Execution"))),
    t(1, "Outdated OpenSSL version on {}", Host, "Vulnerable package inventory", None),
    t(1, "Exposed RDP service on {}", Ip, "Internet-facing remote access",
        Some(("T1133", "External Remote Services", "TA0001", "Initial Access"))),
    t(1, "Missing critical Windows update on {}", Host, "Patch level audit", None),
    t(2, "Malware infection confirmed on {}", Host, "EDR malware verdict",
        Some(("T1204.002", "Malicious File", "TA0002", "Execution"))),
    t(2, "Ransomware activity on {}", Host, "Mass file encryption",
        Some(("T1486", "Data Encrypted for Impact", "TA0040", "Impact"))),
    t(2, "Data exfiltration suspected to {}", Ip, "Large outbound transfer",
        Some(("T1041", "Exfiltration Over C2 Channel", "TA0010", "Exfiltration"))),
    t(3, "Privileged login outside business hours: {}", Account, "Off-hours admin login",
        Some(("T1078", "Valid Accounts", "TA0001", "Initial Access"))),
    t(3, "Audit log collection stopped on {}", Host, "Log source silence",
        Some(("T1562.002", "Disable Windows Event Logging", "TA0005", "Defense Evasion"))),
    t(3, "Shared account usage detected: {}", Account, "Shared credential use", None),
];

const ACCOUNTS: [&str; 6] = [
    "administrator",
    "svc_backup",
    "root",
    "sa",
    "deploy",
    "helpdesk",
];

impl Template {
    pub fn title(&self, subject: u32) -> String {
        self.title
            .replace("{}", &render_subject(self.subject, subject))
    }
}

/// The text a subject number stands for: an IP outside the private ranges, a host name or an account.
pub fn render_subject(kind: Subject, n: u32) -> String {
    match kind {
        Subject::Ip => {
            let [a, b, c, d] = n.to_be_bytes();
            format!("{}.{b}.{c}.{d}", 11 + a % 212)
        }
        Subject::Host => format!("{}-{:04}", ["WS", "SRV", "LT"][n as usize % 3], n % 10_000),
        Subject::Account => ACCOUNTS[n as usize % ACCOUNTS.len()].to_string(),
    }
}

/// The MSSP company the analysts belong to; the document's example assignee works for "Logpresso".
pub const MSSP_COMPANY: &str = "Logpresso";

pub struct Site {
    pub guid: Uuid,
    pub company_guid: Uuid,
}

/// A user: the first [`ANALYSTS`]`.len()` are the MSSP's analysts, then two contacts per site.
pub struct User {
    pub guid: Uuid,
    pub name: &'static str,
    /// `None` for the MSSP, else the site whose company the user works for.
    pub site: Option<usize>,
}

/// Every GUID the dataset refers to, drawn from the seed before the tickets.
pub struct Directory {
    pub mssp_guid: Uuid,
    pub repos: [Uuid; 4],
    pub sites: Vec<Site>,
    pub users: Vec<User>,
    /// One rule GUID per template.
    pub rules: Vec<Uuid>,
}

impl Directory {
    pub fn generate(rng: &mut StdRng) -> Directory {
        let mssp_guid = dataset::guid(rng);
        let repos = [(); 4].map(|_| dataset::guid(rng));
        let sites: Vec<Site> = TENANTS
            .iter()
            .map(|_| Site {
                guid: dataset::guid(rng),
                company_guid: dataset::guid(rng),
            })
            .collect();
        let mut users: Vec<User> = ANALYSTS
            .iter()
            .map(|name| User {
                guid: dataset::guid(rng),
                name,
                site: None,
            })
            .collect();
        for (site, tenant) in TENANTS.iter().enumerate() {
            for name in tenant.contacts {
                users.push(User {
                    guid: dataset::guid(rng),
                    name,
                    site: Some(site),
                });
            }
        }
        let rules = TEMPLATES.iter().map(|_| dataset::guid(rng)).collect();
        Directory {
            mssp_guid,
            repos,
            sites,
            users,
            rules,
        }
    }

    /// The user index of site `site`'s `k`th contact.
    pub fn contact(site: usize, k: usize) -> usize {
        ANALYSTS.len() + 2 * site + k
    }

    pub fn user(&self, guid: &Uuid) -> Option<usize> {
        self.users.iter().position(|u| u.guid == *guid)
    }

    /// `(company_guid, company_name)` of a user.
    pub fn company(&self, user: usize) -> (Uuid, &'static str) {
        match self.users[user].site {
            None => (self.mssp_guid, MSSP_COMPANY),
            Some(s) => (self.sites[s].company_guid, TENANTS[s].name),
        }
    }
}
