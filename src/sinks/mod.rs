//! Where tickets go, as opposed to where they come from (`crate::providers`): ITSM
//! systems that `tix sync --to …` keeps in step with the MSSP tickets.

pub mod connectwise;
