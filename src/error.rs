//! One error type for the whole core. The Python binding maps each variant to an exception class
//! and the Python layer replaces the [`Field`] by the user's column name.

use std::fmt;

/// Which input column an error is about. The core does not know the user's column names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Duration,
    Event,
    Entry,
    Weight,
    Group,
    Strata,
    /// Panel columns (register data turned into spells).
    Person,
    Period,
    Status,
    Origin,
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Duration => "duration",
            Field::Event => "event",
            Field::Entry => "entry",
            Field::Weight => "weights",
            Field::Group => "group",
            Field::Strata => "strata",
            Field::Person => "person",
            Field::Period => "period",
            Field::Status => "status",
            Field::Origin => "origin",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// A value that is not allowed, at a row (0-based position in the input).
    InvalidValue { field: Field, row: usize, reason: &'static str },
    /// A column whose length differs from the duration column.
    LengthMismatch { field: Field, expected: usize, found: usize },
    /// No rows at all.
    Empty,
    /// An argument (not a column) that is out of range.
    InvalidArgument(String),
    /// The data cannot support the computation (e.g. fewer than two groups with an expected count).
    Degenerate(String),
    /// Covariate columns (0-based) that are linear combinations of earlier ones, or constant.
    Singular(Vec<usize>),
    /// A long computation stopped on request (Ctrl-C).
    Cancelled,
}

pub type Result<T> = std::result::Result<T, Error>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidValue { field, row, reason } => {
                write!(f, "column '{}': {} (first at row {})", field.as_str(), reason, row)
            }
            Error::LengthMismatch { field, expected, found } => write!(
                f,
                "column '{}' has {} rows, expected {}",
                field.as_str(),
                found,
                expected
            ),
            Error::Empty => write!(f, "the data have no rows"),
            Error::InvalidArgument(m) => write!(f, "{m}"),
            Error::Degenerate(m) => write!(f, "{m}"),
            Error::Singular(cols) => write!(f, "the design is singular: columns {cols:?} are constant or collinear"),
            Error::Cancelled => write!(f, "cancelled"),
        }
    }
}

impl std::error::Error for Error {}
