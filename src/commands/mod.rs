//! One module per subcommand.

pub mod check;
pub mod providers;
pub mod rules;
pub mod scan;
