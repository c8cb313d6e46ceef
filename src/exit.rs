//! Exit codes with fixed meanings.

use std::process::ExitCode;

/// The result of a command, which sets the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 0: no finding at or above `--fail-on`.
    Clean,
    /// 1: findings at or above `--fail-on`. Wins over an incomplete scan.
    Findings,
    /// 2: usage, configuration or input error.
    UsageError,
    /// 3: parts of the scan are unverified and `--allow-incomplete` was not given.
    Incomplete,
}

impl Outcome {
    pub fn code(self) -> ExitCode {
        match self {
            Outcome::Clean => ExitCode::SUCCESS,
            Outcome::Findings => ExitCode::from(1),
            Outcome::UsageError => ExitCode::from(2),
            Outcome::Incomplete => ExitCode::from(3),
        }
    }

    /// Decides a scan's outcome: findings win over incompleteness.
    pub fn of_scan(failing_findings: usize, complete: bool, allow_incomplete: bool) -> Outcome {
        if failing_findings > 0 {
            Outcome::Findings
        } else if !complete && !allow_incomplete {
            Outcome::Incomplete
        } else {
            Outcome::Clean
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_win_over_incomplete() {
        assert_eq!(Outcome::of_scan(2, false, false), Outcome::Findings);
    }

    #[test]
    fn incomplete_without_allow_exits_three() {
        assert_eq!(Outcome::of_scan(0, false, false), Outcome::Incomplete);
        assert_eq!(Outcome::of_scan(0, false, true), Outcome::Clean);
    }
}
