//! The organisation: a tree of units (district hub → streets → communities → grids →
//! subgrids, beside departments, utility stations and the hub's centres), business lines
//! that cross the tree, roles granted on a unit's subtree, and the permission rules that
//! decide who may see and do what. Pure data and rules; the store loads the tree.

use std::collections::{HashMap, HashSet};

use crate::error::Invalid;
use crate::ids::{UnitId, UserId};
use crate::word_enum;

word_enum! {
    /// What kind of unit a node of the organisation tree is.
    pub enum UnitKind {
        Hub = "hub",
        Centre = "centre",
        Street = "street",
        Community = "community",
        Grid = "grid",
        Subgrid = "subgrid",
        Department = "department",
        Utility = "utility",
    }
}

word_enum! {
    /// The tiers units are ranked within, never across: streets answer for territory,
    /// departments for a line of work, utility companies for a service network.
    pub enum Tier {
        Street = "street",
        Department = "department",
        Utility = "utility",
        Community = "community",
        Grid = "grid",
    }
}

impl UnitKind {
    /// The tier a unit of this kind is ranked in; the hub and centres are not ranked.
    pub fn tier(self) -> Option<Tier> {
        match self {
            UnitKind::Street => Some(Tier::Street),
            UnitKind::Department => Some(Tier::Department),
            UnitKind::Utility => Some(Tier::Utility),
            UnitKind::Community => Some(Tier::Community),
            UnitKind::Grid | UnitKind::Subgrid => Some(Tier::Grid),
            UnitKind::Hub | UnitKind::Centre => None,
        }
    }

    /// Units open 24/7 — the hub's hotline and the utility stations — count every minute
    /// of their deadlines; the others count working time.
    pub fn works_round_the_clock(self) -> bool {
        matches!(self, UnitKind::Hub | UnitKind::Utility)
    }

    /// Which kinds may sit directly under a parent of this kind. Departments, utility
    /// stations and centres hang under the hub (or a street, for street-level offices).
    pub fn allows_child(self, child: UnitKind) -> bool {
        use UnitKind::*;
        matches!(
            (self, child),
            (Hub, Street | Centre | Department | Utility)
                | (Street, Community | Centre | Department | Utility)
                | (Community, Grid)
                | (Grid, Subgrid)
                | (Department | Utility, Department | Utility)
        )
    }

    /// Units that sit in the territorial hierarchy (used for the territorial fallback).
    pub fn is_territorial(self) -> bool {
        matches!(
            self,
            UnitKind::Hub
                | UnitKind::Street
                | UnitKind::Community
                | UnitKind::Grid
                | UnitKind::Subgrid
        )
    }
}

word_enum! {
    /// A role; each is granted on a unit and covers that unit's subtree.
    pub enum Role {
        Admin = "admin",
        Operator = "operator",
        Dispatcher = "dispatcher",
        Handler = "handler",
        Supervisor = "supervisor",
        GridWorker = "grid_worker",
        Leader = "leader",
        /// Signs the unit's replies before the hub checks them (单位负责人审核).
        UnitHead = "unit_head",
        /// Reads the personal-data audit (who read which caller's data) and nothing else.
        DataProtection = "data_protection",
    }
}

impl Role {
    /// Whether this role sees callers' names and phones in clear. Leaders and grid workers
    /// see masked values: they steer and patrol, they do not call citizens back.
    pub fn sees_personal_data(self) -> bool {
        matches!(
            self,
            Role::Admin
                | Role::Operator
                | Role::Dispatcher
                | Role::Handler
                | Role::Supervisor
                | Role::UnitHead
        )
    }
}

/// One node of the organisation tree as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub id: UnitId,
    pub name: String,
    pub kind: UnitKind,
    pub parent: Option<UnitId>,
    /// Business lines this unit works in (e.g. `civil_affairs`); empty means all.
    pub lines: Vec<String>,
    /// An administrator disabled it (merged away, dissolved): no new work is sent to it;
    /// its history and open cases stay.
    pub disabled: bool,
}

/// Validates a unit's name as typed by an administrator.
pub fn parse_unit_name(raw: &str) -> Result<String, Invalid> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(Invalid::new("name", "must not be empty"));
    }
    if name.chars().count() > 100 {
        return Err(Invalid::new("name", "must be at most 100 characters"));
    }
    Ok(name.to_owned())
}

/// The whole organisation tree, indexed for ancestor and subtree questions.
#[derive(Debug, Clone, Default)]
pub struct OrgTree {
    units: HashMap<UnitId, Unit>,
    children: HashMap<UnitId, Vec<UnitId>>,
}

impl OrgTree {
    pub fn new(units: impl IntoIterator<Item = Unit>) -> Self {
        let mut tree = OrgTree::default();
        for unit in units {
            tree.insert(unit);
        }
        tree
    }

    pub fn insert(&mut self, unit: Unit) {
        if let Some(parent) = unit.parent {
            self.children.entry(parent).or_default().push(unit.id);
        }
        self.units.insert(unit.id, unit);
    }

    pub fn get(&self, id: UnitId) -> Option<&Unit> {
        self.units.get(&id)
    }

    pub fn len(&self) -> usize {
        self.units.len()
    }

    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    pub fn units(&self) -> impl Iterator<Item = &Unit> {
        self.units.values()
    }

    /// The root hub (the unit without a parent); the first by id if several.
    pub fn root(&self) -> Option<UnitId> {
        self.units
            .values()
            .filter(|u| u.parent.is_none())
            .map(|u| u.id)
            .min()
    }

    /// The unit itself, then its parent, up to the root. Stops on a cycle.
    pub fn ancestors_or_self(&self, id: UnitId) -> Vec<UnitId> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut cursor = Some(id);
        while let Some(current) = cursor {
            if !seen.insert(current) {
                break;
            }
            out.push(current);
            cursor = self.units.get(&current).and_then(|u| u.parent);
        }
        out
    }

    /// True when `unit` is `ancestor` or lies below it.
    pub fn is_within(&self, unit: UnitId, ancestor: UnitId) -> bool {
        self.ancestors_or_self(unit).contains(&ancestor)
    }

    /// Every unit in the subtree rooted at `id`, `id` included.
    pub fn subtree(&self, id: UnitId) -> Vec<UnitId> {
        let mut out = vec![id];
        let mut index = 0;
        while index < out.len() {
            if let Some(kids) = self.children.get(&out[index]) {
                out.extend(kids.iter().copied());
            }
            index += 1;
        }
        out
    }

    /// The nearest territorial unit of `kind` at or above `id` (e.g. the street of a grid).
    pub fn enclosing(&self, id: UnitId, kind: UnitKind) -> Option<UnitId> {
        self.ancestors_or_self(id)
            .into_iter()
            .find(|u| self.units.get(u).is_some_and(|x| x.kind == kind))
    }

    /// Checks that a new unit of `kind` may hang under `parent`.
    /// Whether `unit` may move under `parent`: the parent exists, takes its kind, and is
    /// not the unit itself or below it (the tree stays a tree).
    pub fn check_move(&self, unit: UnitId, parent: UnitId) -> Result<(), Invalid> {
        let kind = self
            .get(unit)
            .ok_or_else(|| Invalid::new("unit", format!("unit {unit} does not exist")))?
            .kind;
        if self.is_within(parent, unit) {
            return Err(Invalid::new(
                "parent",
                "a unit cannot move under itself or one of its own units",
            ));
        }
        self.check_new_unit(kind, Some(parent))
    }

    pub fn check_new_unit(&self, kind: UnitKind, parent: Option<UnitId>) -> Result<(), Invalid> {
        match parent {
            None if kind == UnitKind::Hub => Ok(()),
            None => Err(Invalid::new(
                "parent",
                "only a hub may be created without a parent",
            )),
            Some(parent_id) => {
                let parent = self.get(parent_id).ok_or_else(|| {
                    Invalid::new("parent", format!("unit {parent_id} does not exist"))
                })?;
                if parent.kind.allows_child(kind) {
                    Ok(())
                } else {
                    Err(Invalid::new(
                        "kind",
                        format!("a {} cannot be placed under a {}", kind, parent.kind),
                    ))
                }
            }
        }
    }
}

/// A role granted on a unit's subtree, optionally narrowed to business lines ("交叉管理").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub unit: UnitId,
    /// Business lines the grant is limited to; empty means every line.
    pub lines: Vec<String>,
}

/// A signed-in user as the rules see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user: UserId,
    pub username: String,
    pub unit: UnitId,
    pub grants: Vec<Grant>,
}

/// Who touched a request, as recorded on its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user: Option<UserId>,
    pub unit: Option<UnitId>,
}

impl Actor {
    /// The platform itself (timers, imports, the demo generator).
    pub const SYSTEM: Actor = Actor {
        user: None,
        unit: None,
    };
}

impl Principal {
    pub fn actor(&self) -> Actor {
        Actor {
            user: Some(self.user),
            unit: Some(self.unit),
        }
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    pub fn is_admin(&self) -> bool {
        self.has_role(Role::Admin)
    }
}

/// Usernames: 3 to 40 of ASCII letters, digits, `_`, `.`, `-`.
pub fn parse_username(raw: &str) -> Result<String, Invalid> {
    let name = raw.trim();
    let len = name.chars().count();
    if !(3..=40).contains(&len) {
        return Err(Invalid::new("username", "must be 3 to 40 characters"));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return Err(Invalid::new(
            "username",
            "may contain only letters, digits, `_`, `.` and `-`",
        ));
    }
    Ok(name.to_owned())
}

/// Passwords: at least 8 characters and at most 256 (argon2 cost grows with length).
pub fn check_password(raw: &str) -> Result<(), Invalid> {
    let len = raw.chars().count();
    if len < 8 {
        return Err(Invalid::new("password", "must be at least 8 characters"));
    }
    if len > 256 {
        return Err(Invalid::new("password", "must be at most 256 characters"));
    }
    Ok(())
}
