//! Units, users and their grants, and sign-in sessions.
//!
//! The `OrgStore` part of the `Store` interface and the values it takes and returns; the
//! SQL lives in `sql/org.rs`.

use async_trait::async_trait;
use civicgrid_domain::org::{Grant, UnitKind};
use civicgrid_domain::{Instant, UnitId, UserId};

use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRow {
    pub id: UnitId,
    pub name: String,
    pub kind: UnitKind,
    pub parent: Option<UnitId>,
    pub lines: Vec<String>,
    /// GeoJSON geometry text (streets, communities, grids, subgrids), when asked for.
    pub geometry: Option<String>,
    /// Disabled by an administrator: no new work; history kept.
    pub disabled: bool,
    /// The national place code (9 digits for a street … 15 for a grid), if it has one.
    pub code: Option<String>,
    /// The grid layer its polygon belongs to, if it has one.
    pub layer: Option<String>,
}

impl UnitRow {
    /// The unit as the rules see it (the organisation tree's node).
    pub fn unit(&self) -> civicgrid_domain::org::Unit {
        civicgrid_domain::org::Unit {
            id: self.id,
            name: self.name.clone(),
            kind: self.kind,
            parent: self.parent,
            lines: self.lines.clone(),
            disabled: self.disabled,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewUnit {
    pub name: String,
    pub kind: UnitKind,
    pub parent: Option<UnitId>,
    pub lines: Vec<String>,
    /// A polygon, placed in the default layer of the unit's kind (`streets`, `communities`,
    /// `grids`, `subgrids`).
    pub geometry: Option<String>,
    /// The national place code; unique among units.
    pub code: Option<String>,
}

/// The default layer a polygon of this kind of unit goes in.
pub fn default_layer(kind: UnitKind) -> Option<&'static str> {
    match kind {
        UnitKind::Street => Some("streets"),
        UnitKind::Community => Some("communities"),
        UnitKind::Grid => Some("grids"),
        UnitKind::Subgrid => Some("subgrids"),
        _ => None,
    }
}

#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub unit: UnitId,
    pub grants: Vec<Grant>,
    /// An administrator disabled the account: it cannot sign in.
    pub disabled: bool,
    /// An administrator reset the password: the next sign-in must choose a new one.
    pub must_change_password: bool,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub unit: UnitId,
    pub grants: Vec<Grant>,
}

#[async_trait]
pub trait OrgStore: Send + Sync {
    async fn create_unit(&self, unit: NewUnit, now: Instant) -> Result<UnitRow>;
    /// Creates many units in one transaction, parents before children (index references
    /// into the same batch are not supported: callers pass known parent ids).
    async fn create_units(&self, units: Vec<NewUnit>, now: Instant) -> Result<Vec<UnitRow>>;
    async fn list_units(&self, with_geometry: bool) -> Result<Vec<UnitRow>>;
    /// Renames, moves (a new parent), disables/enables or (re)codes a unit; its history is
    /// untouched. `Duplicate` when another unit has the code.
    async fn update_unit(
        &self,
        id: UnitId,
        name: &str,
        parent: Option<UnitId>,
        disabled: bool,
        code: Option<&str>,
    ) -> Result<UnitRow>;
    async fn create_user(&self, user: NewUser, now: Instant) -> Result<UserRow>;
    async fn create_users(&self, users: Vec<NewUser>, now: Instant) -> Result<usize>;
    async fn find_user(&self, username: &str) -> Result<Option<UserRow>>;
    async fn get_user(&self, id: UserId) -> Result<Option<UserRow>>;
    /// Users in id order; `search` keeps those whose username or display name contains it.
    async fn list_users(
        &self,
        search: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<UserRow>, i64)>;
    /// Disables or enables an account; disabling ends every session it has, and both tell
    /// every instance to forget its cached sessions. `NotFound` for an unknown user.
    async fn set_user_disabled(&self, id: UserId, disabled: bool, now: Instant) -> Result<UserRow>;
    /// Stores a new password hash. With `must_change` (an administrator's reset) the user's
    /// sessions end and the next sign-in must choose a new password; without it (the user's
    /// own choice) the flag clears. `NotFound` for an unknown user.
    /// Replaces a user's unit and grants; the sessions stay and carry the new roles at
    /// their next request (the sessions generation moves).
    async fn set_grants(&self, id: UserId, unit: UnitId, grants: &[Grant]) -> Result<UserRow>;
    async fn set_password(&self, id: UserId, hash: &str, must_change: bool) -> Result<()>;
    /// Whether anyone holds `role` at exactly this unit (a unit with a unit head signs its
    /// replies).
    async fn unit_has_role(&self, unit: UnitId, role: civicgrid_domain::org::Role) -> Result<bool>;
    async fn count_admins(&self) -> Result<i64>;
    async fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        now: Instant,
        expires: Instant,
    ) -> Result<()>;
    /// Ends a session (sign-out): its token stops working at once.
    async fn end_session(&self, token_hash: &str) -> Result<()>;
    /// The user of an unexpired session, with the session's expiry.
    async fn session_user(
        &self,
        token_hash: &str,
        now: Instant,
    ) -> Result<Option<(UserRow, Instant)>>;
}
