//! Typed ids, one per entity, so a unit id can never be passed where a user id is expected.
//! They wrap the database's 64-bit keys and know nothing of how those are allocated.

macro_rules! typed_id {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )+};
}

typed_id!(
    /// A unit of the organisation tree (hub, street, community, grid, department …).
    UnitId,
    /// A staff account.
    UserId,
    /// A node of the two-level category tree.
    CategoryId,
    /// A request's internal key; citizens see the serial number instead.
    RequestId,
    /// The unchanged intake record (the call, the form) a request came from.
    IntakeId,
);
