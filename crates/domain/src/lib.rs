//! civicgrid's rules: what a request, a unit and a user are, which moves a request may make,
//! who may make them, and where a request should go.
//!
//! This crate must not know about I/O, the wall clock, HTTP, SQL or JSON. Every rule takes
//! `now` as a parameter so tests control time; the compiler enforces that by leaving chrono's
//! `clock` feature off and keeping serde out of the dependency list (see `tests/tidy` in the
//! server crate, which fails if either appears).

pub mod appraisal;
pub mod area_code;
pub mod calendar;
pub mod chain;
pub mod clocks;
pub mod deadline;
pub mod error;
pub mod gazetteer;
pub mod geography;
pub mod ids;
pub mod intake;
pub mod lifecycle;
pub mod org;
pub mod request;
pub mod routing;
pub mod serial;

pub use error::{Invalid, Refusal};
pub use ids::{CategoryId, IntakeId, RequestId, UnitId, UserId};

/// An instant on the UTC time line; the district's local offset is applied only for display
/// and for the date in serial numbers.
pub type Instant = chrono::DateTime<chrono::Utc>;

/// Declares a closed set of snake_case words with parsing and printing, so every enum that
/// crosses the wire or the database spells its variants exactly one way.
#[macro_export]
macro_rules! word_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The one spelling used on the wire and in storage.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }

            /// Parses the snake_case word; `None` for anything else.
            pub fn parse(word: &str) -> Option<Self> {
                match word { $($word => Some($name::$variant),)+ _ => None }
            }

            /// All accepted words, for error messages and schemas.
            pub fn words() -> Vec<&'static str> {
                Self::ALL.iter().map(|v| v.as_str()).collect()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
