//! One module per subcommand.

pub mod check;
pub mod init;
pub mod providers;
pub mod rules;
pub mod scan;
pub mod suppress;
