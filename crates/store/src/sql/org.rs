//! `OrgStore` on SQL: units, users, grants and sessions.

use async_trait::async_trait;
use civicgrid_domain::org::{Grant, Role};
use civicgrid_domain::{Instant, UnitId, UserId};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::SqlStore;
use super::dialect::{Cached, Sql, bump};
use super::rows::{instant, is_unique_violation, ms, split_words, unit_from_row, word};

use crate::{NewUnit, NewUser, OrgStore, Result, StoreError, UnitRow, UserRow};

impl SqlStore {
    pub(super) async fn user_rows(&self, rows: Vec<AnyRow>) -> Result<Vec<UserRow>> {
        let mut users = Vec::with_capacity(rows.len());
        for row in rows {
            let id = UserId(row.try_get("id")?);
            let grant_rows = sqlx::query(
                "SELECT role, unit_id, lines FROM grants WHERE user_id = $1 ORDER BY role, unit_id",
            )
            .bind(id.0)
            .fetch_all(&self.inner.read)
            .await?;
            let mut grants = Vec::new();
            for g in grant_rows {
                let role: String = g.try_get("role")?;
                grants.push(Grant {
                    role: word("role", &role, Role::parse)?,
                    unit: UnitId(g.try_get("unit_id")?),
                    lines: split_words(&g.try_get::<String, _>("lines")?),
                });
            }
            users.push(UserRow {
                id,
                username: row.try_get("username")?,
                display_name: row.try_get("display_name")?,
                password_hash: row.try_get("password_hash")?,
                unit: UnitId(row.try_get("unit_id")?),
                grants,
                disabled: row.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
                must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
            });
        }
        Ok(users)
    }

    pub(super) async fn insert_user(
        &self,
        tx: &mut Transaction<'_, Any>,
        user: &NewUser,
        now: Instant,
    ) -> Result<UserId> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, display_name, password_hash, unit_id, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&user.username)
        .bind(&user.display_name)
        .bind(&user.password_hash)
        .bind(user.unit.0)
        .bind(ms(now))
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| if is_unique_violation(&e) { StoreError::UsernameTaken(user.username.clone()) } else { e.into() })?;
        for grant in &user.grants {
            sqlx::query("INSERT INTO grants (user_id, role, unit_id, lines) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(grant.role.as_str())
                .bind(grant.unit.0)
                .bind(grant.lines.join(","))
                .execute(&mut **tx)
                .await?;
        }
        Ok(UserId(id))
    }

    pub(super) async fn insert_unit(
        &self,
        tx: &mut Transaction<'_, Any>,
        unit: &NewUnit,
        now: Instant,
    ) -> Result<UnitRow> {
        let layer = unit
            .geometry
            .as_ref()
            .and_then(|_| crate::org::default_layer(unit.kind));
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO units (name, kind, parent_id, lines, geometry, code, layer, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&unit.name)
        .bind(unit.kind.as_str())
        .bind(unit.parent.map(|p| p.0))
        .bind(unit.lines.join(","))
        .bind(unit.geometry.clone())
        .bind(unit.code.clone())
        .bind(layer)
        .bind(ms(now))
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| match (&unit.code, is_unique_violation(&e)) {
            (Some(code), true) => StoreError::Duplicate(format!("code {code}")),
            _ => e.into(),
        })?;
        Ok(UnitRow {
            id: UnitId(id),
            name: unit.name.clone(),
            kind: unit.kind,
            parent: unit.parent,
            lines: unit.lines.clone(),
            geometry: unit.geometry.clone(),
            disabled: false,
            code: unit.code.clone(),
            layer: layer.map(str::to_owned),
        })
    }
}

#[async_trait]
impl OrgStore for SqlStore {
    async fn create_unit(&self, unit: NewUnit, now: Instant) -> Result<UnitRow> {
        let mut tx = self.inner.write.begin().await?;
        let row = self.insert_unit(&mut tx, &unit, now).await?;
        bump(&mut tx, Cached::Reference).await?;
        tx.commit().await?;
        Ok(row)
    }

    async fn create_units(&self, units: Vec<NewUnit>, now: Instant) -> Result<Vec<UnitRow>> {
        let mut tx = self.inner.write.begin().await?;
        let mut rows = Vec::with_capacity(units.len());
        for unit in &units {
            rows.push(self.insert_unit(&mut tx, unit, now).await?);
        }
        bump(&mut tx, Cached::Reference).await?;
        tx.commit().await?;
        Ok(rows)
    }

    async fn list_units(&self, with_geometry: bool) -> Result<Vec<UnitRow>> {
        let columns = if with_geometry {
            "id, name, kind, parent_id, lines, geometry, disabled, code, layer"
        } else {
            "id, name, kind, parent_id, lines, disabled, code, layer"
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {columns} FROM units ORDER BY id"
        )))
        .fetch_all(&self.inner.read)
        .await?;
        rows.iter()
            .map(|r| unit_from_row(r, with_geometry))
            .collect()
    }

    async fn update_unit(
        &self,
        id: UnitId,
        name: &str,
        parent: Option<UnitId>,
        disabled: bool,
        code: Option<&str>,
    ) -> Result<UnitRow> {
        let mut tx = self.inner.write.begin().await?;
        let done = sqlx::query(
            "UPDATE units SET name = $1, parent_id = $2, disabled = $3, code = $4 WHERE id = $5",
        )
        .bind(name)
        .bind(parent.map(|p| p.0))
        .bind(i64::from(disabled))
        .bind(code)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(|e| match (code, is_unique_violation(&e)) {
            (Some(code), true) => StoreError::Duplicate(format!("code {code}")),
            _ => e.into(),
        })?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("unit"));
        }
        bump(&mut tx, Cached::Reference).await?;
        let row = sqlx::query(
            "SELECT id, name, kind, parent_id, lines, disabled, code, layer FROM units WHERE id = $1",
        )
        .bind(id.0)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        unit_from_row(&row, false)
    }

    async fn create_user(&self, user: NewUser, now: Instant) -> Result<UserRow> {
        let mut tx = self.inner.write.begin().await?;
        let id = self.insert_user(&mut tx, &user, now).await?;
        bump(&mut tx, Cached::Sessions).await?;
        tx.commit().await?;
        Ok(UserRow {
            id,
            username: user.username,
            display_name: user.display_name,
            password_hash: user.password_hash,
            unit: user.unit,
            grants: user.grants,
            disabled: false,
            must_change_password: false,
        })
    }

    async fn create_users(&self, users: Vec<NewUser>, now: Instant) -> Result<usize> {
        let mut tx = self.inner.write.begin().await?;
        for user in &users {
            self.insert_user(&mut tx, user, now).await?;
        }
        bump(&mut tx, Cached::Sessions).await?;
        tx.commit().await?;
        Ok(users.len())
    }

    async fn find_user(&self, username: &str) -> Result<Option<UserRow>> {
        let rows = sqlx::query("SELECT id, username, display_name, password_hash, unit_id, disabled_at, must_change_password FROM users WHERE username = $1")
            .bind(username)
            .fetch_all(&self.inner.read)
            .await?;
        Ok(self.user_rows(rows).await?.pop())
    }

    async fn get_user(&self, id: UserId) -> Result<Option<UserRow>> {
        let rows = sqlx::query(
            "SELECT id, username, display_name, password_hash, unit_id, disabled_at, must_change_password FROM users WHERE id = $1",
        )
        .bind(id.0)
        .fetch_all(&self.inner.read)
        .await?;
        Ok(self.user_rows(rows).await?.pop())
    }

    async fn unit_has_role(&self, unit: UnitId, role: civicgrid_domain::org::Role) -> Result<bool> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM grants WHERE unit_id = $1 AND role = $2 LIMIT 1")
                .bind(unit.0)
                .bind(role.as_str())
                .fetch_optional(&self.inner.read)
                .await?;
        Ok(found.is_some())
    }

    async fn set_user_disabled(&self, id: UserId, disabled: bool, now: Instant) -> Result<UserRow> {
        let mut tx = self.inner.write.begin().await?;
        let done = sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
            .bind(disabled.then(|| ms(now)))
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        end_sessions(&mut tx, id, disabled).await?;
        tx.commit().await?;
        self.get_user(id).await?.ok_or(StoreError::NotFound("user"))
    }

    async fn set_grants(&self, id: UserId, unit: UnitId, grants: &[Grant]) -> Result<UserRow> {
        let mut tx = self.inner.write.begin().await?;
        let done = sqlx::query("UPDATE users SET unit_id = $1 WHERE id = $2")
            .bind(unit.0)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        sqlx::query("DELETE FROM grants WHERE user_id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        for grant in grants {
            sqlx::query("INSERT INTO grants (user_id, role, unit_id, lines) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                .bind(id.0)
                .bind(grant.role.as_str())
                .bind(grant.unit.0)
                .bind(grant.lines.join(","))
                .execute(&mut *tx)
                .await?;
        }
        end_sessions(&mut tx, id, false).await?;
        tx.commit().await?;
        self.get_user(id).await?.ok_or(StoreError::NotFound("user"))
    }

    async fn set_password(&self, id: UserId, hash: &str, must_change: bool) -> Result<()> {
        let mut tx = self.inner.write.begin().await?;
        let done = sqlx::query(
            "UPDATE users SET password_hash = $1, must_change_password = $2 WHERE id = $3",
        )
        .bind(hash)
        .bind(i64::from(must_change))
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        end_sessions(&mut tx, id, must_change).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn list_users(
        &self,
        search: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<UserRow>, i64)> {
        let backend = self.inner.backend;
        let filtered = |sql: &mut Sql| {
            if let Some(text) = search.map(str::trim).filter(|t| !t.is_empty()) {
                sql.and().push("(").contains("username", text);
                sql.push(" OR ").contains("display_name", text).push(")");
            }
        };
        let mut count = Sql::new(backend, "SELECT COUNT(*) FROM users");
        filtered(&mut count);
        let mut list = Sql::new(
            backend,
            "SELECT id, username, display_name, password_hash, unit_id, disabled_at, must_change_password FROM users",
        );
        filtered(&mut list);
        list.push(" ORDER BY id LIMIT ")
            .value(limit)
            .push(" OFFSET ")
            .value(offset);
        let total: i64 = count.scalar().fetch_one(&self.inner.read).await?;
        let rows = list.query().fetch_all(&self.inner.read).await?;
        Ok((self.user_rows(rows).await?, total))
    }

    async fn count_admins(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(DISTINCT user_id) FROM grants WHERE role = 'admin'")
                .fetch_one(&self.inner.read)
                .await?,
        )
    }

    async fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        now: Instant,
        expires: Instant,
    ) -> Result<()> {
        let mut tx = self.inner.write.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(ms(now))
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash)
            .bind(user.0)
            .bind(ms(now))
            .bind(ms(expires))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn end_session(&self, token_hash: &str) -> Result<()> {
        let mut tx = self.inner.write.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *tx)
            .await?;
        bump(&mut tx, Cached::Sessions).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn session_user(
        &self,
        token_hash: &str,
        now: Instant,
    ) -> Result<Option<(UserRow, Instant)>> {
        let rows = sqlx::query(
            "SELECT u.id, u.username, u.display_name, u.password_hash, u.unit_id, u.disabled_at, u.must_change_password, s.expires_at FROM sessions s \
             JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
        )
        .bind(token_hash)
        .bind(ms(now))
        .fetch_all(&self.inner.read)
        .await?;
        let Some(expires) = rows
            .first()
            .map(|r| r.try_get::<i64, _>("expires_at"))
            .transpose()?
        else {
            return Ok(None);
        };
        Ok(self
            .user_rows(rows)
            .await?
            .pop()
            .map(|u| Ok::<_, StoreError>((u, instant(expires)?)))
            .transpose()?)
    }
}

/// After a change to an account: ends its sessions when `end` (disabled, password reset),
/// and in every case tells every instance to forget its cached sessions.
async fn end_sessions(tx: &mut Transaction<'_, Any>, id: UserId, end: bool) -> Result<()> {
    if end {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id.0)
            .execute(&mut **tx)
            .await?;
    }
    bump(tx, Cached::Sessions).await
}
