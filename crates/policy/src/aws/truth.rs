//! Three-valued logic: a condition on a key the request does not supply is neither true nor
//! false until the key is known.

/// The value of a condition, or of a statement's match, for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Truth {
    True,
    False,
    /// The request lacks something the result depends on.
    Unknown,
}

impl Truth {
    pub fn from_bool(value: bool) -> Truth {
        if value { Truth::True } else { Truth::False }
    }

    pub fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, Truth::True) => Truth::True,
            _ => Truth::Unknown,
        }
    }

    pub fn or(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::True, _) | (_, Truth::True) => Truth::True,
            (Truth::False, Truth::False) => Truth::False,
            _ => Truth::Unknown,
        }
    }

    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }
}

/// Folds with OR, stopping at the first `True`.
pub(crate) fn any(items: impl IntoIterator<Item = Truth>) -> Truth {
    let mut result = Truth::False;
    for item in items {
        result = result.or(item);
        if result == Truth::True {
            break;
        }
    }
    result
}

/// Folds with AND, stopping at the first `False`.
pub(crate) fn all(items: impl IntoIterator<Item = Truth>) -> Truth {
    let mut result = Truth::True;
    for item in items {
        result = result.and(item);
        if result == Truth::False {
            break;
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_yields_to_definite_values() {
        assert_eq!(Truth::Unknown.and(Truth::False), Truth::False);
        assert_eq!(Truth::Unknown.or(Truth::True), Truth::True);
        assert_eq!(Truth::Unknown.and(Truth::True), Truth::Unknown);
        assert_eq!(Truth::Unknown.not(), Truth::Unknown);
    }

    #[test]
    fn folds_of_empty_lists() {
        assert_eq!(any([]), Truth::False);
        assert_eq!(all([]), Truth::True);
    }
}
