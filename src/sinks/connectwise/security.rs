//! What `sync` needs from the API member's security role, checked without writing:
//! `GET /system/mysecurity` answers the member's own role, one record per module
//! function (`moduleName` is the vendor document's category, `moduleFunctionName` its
//! permission name) with its Add, Edit, Delete and Inquire levels. ConnectWise's 403 on
//! a write says only "You do not have security permission to perform this action."
//! (research §2.8), so `tix cw check` names each missing permission before the first
//! ticket is written instead.

use serde::Deserialize;

/// One row of `GET /system/mysecurity` (ConnectWise's `MySecurity` model).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    #[serde(default)]
    pub module_name: Option<String>,
    #[serde(default)]
    pub module_function_name: Option<String>,
    #[serde(default)]
    pub add_level: Option<String>,
    #[serde(default)]
    pub edit_level: Option<String>,
    #[serde(default)]
    pub inquire_level: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Add,
    Edit,
    Inquire,
}

impl Level {
    fn word(self) -> &'static str {
        match self {
            Level::Add => "Add",
            Level::Edit => "Edit",
            Level::Inquire => "Inquire",
        }
    }
}

/// A permission sync needs, in the vendor document's words (Step 1 item 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    pub category: &'static str,
    pub permission: &'static str,
    pub level: Level,
    /// What sync does with it.
    pub why: &'static str,
}

impl Need {
    /// `Service Desk › Service Tickets — Add`.
    pub fn name(&self) -> String {
        format!(
            "{} › {} — {}",
            self.category,
            self.permission,
            self.level.word()
        )
    }
}

/// What `sync --to connectwise` does, permission by permission. Notes are part of the
/// ticket record in ConnectWise: posting one (and the JSON-Patch of summary and
/// priority) needs Edit on Service Tickets [I].
pub fn needs(attachments: bool) -> Vec<Need> {
    let mut out = vec![
        Need {
            category: "Service Desk",
            permission: "Service Tickets",
            level: Level::Inquire,
            why: "finds tickets by externalXRef and reads their notes",
        },
        Need {
            category: "Service Desk",
            permission: "Service Tickets",
            level: Level::Add,
            why: "creates a service ticket per MSSP ticket",
        },
        Need {
            category: "Service Desk",
            permission: "Service Tickets",
            level: Level::Edit,
            why: "posts comments as Discussion notes and updates summary and priority",
        },
        Need {
            category: "Companies",
            permission: "Company Maintenance",
            level: Level::Inquire,
            why: "resolves the company of new tickets",
        },
        Need {
            category: "System",
            permission: "Table Setup",
            level: Level::Inquire,
            why: "resolves the board, its statuses and the priorities",
        },
    ];
    if attachments {
        out.push(Need {
            category: "Companies",
            permission: "Manage Attachments",
            level: Level::Add,
            why: "uploads attachments as documents",
        });
    }
    out
}

/// Whether a level grants anything: ConnectWise's levels are `All`, `Mine`, `My Company`
/// and the like; `None` (or no row at all) is the only refusal.
fn granted(level: Option<&str>) -> bool {
    level.is_some_and(|l| !l.trim().is_empty() && !l.trim().eq_ignore_ascii_case("none"))
}

/// The needs `role` does not grant, in the order of [`needs`].
pub fn missing(role: &[Grant], attachments: bool) -> Vec<Need> {
    let same = |a: Option<&str>, b: &str| a.is_some_and(|a| a.trim().eq_ignore_ascii_case(b));
    needs(attachments)
        .into_iter()
        .filter(|n| {
            !role.iter().any(|g| {
                same(g.module_name.as_deref(), n.category)
                    && same(g.module_function_name.as_deref(), n.permission)
                    && granted(match n.level {
                        Level::Add => g.add_level.as_deref(),
                        Level::Edit => g.edit_level.as_deref(),
                        Level::Inquire => g.inquire_level.as_deref(),
                    })
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(m: &str, f: &str, add: &str, edit: &str, inquire: &str) -> Grant {
        Grant {
            module_name: Some(m.into()),
            module_function_name: Some(f.into()),
            add_level: Some(add.into()),
            edit_level: Some(edit.into()),
            inquire_level: Some(inquire.into()),
        }
    }

    #[test]
    fn the_documented_role_lacks_nothing_and_each_none_is_named() {
        let mut role = vec![
            grant("Companies", "Company Maintenance", "None", "None", "All"),
            grant("Companies", "Manage Attachments", "All", "None", "All"),
            grant("Service Desk", "Service Tickets", "All", "All", "All"),
            grant("System", "Table Setup", "None", "None", "All"),
        ];
        assert!(missing(&role, true).is_empty());
        role[2].add_level = Some("None".into());
        role[1].add_level = Some("None".into());
        let names: Vec<String> = missing(&role, true).iter().map(Need::name).collect();
        assert_eq!(
            names,
            [
                "Service Desk › Service Tickets — Add",
                "Companies › Manage Attachments — Add"
            ]
        );
        // Without attachments, documents are not needed.
        assert_eq!(missing(&role, false).len(), 1);
        // No row at all is no permission.
        assert_eq!(missing(&[], false).len(), 5);
    }
}
