//! One module per subcommand.

pub mod audit;
pub mod check;
pub mod diff;
pub mod init;
pub mod providers;
pub mod record;
pub mod rules;
pub mod scan;
pub mod suppress;
