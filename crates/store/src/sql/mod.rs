//! The `Store` implementation for both backends. One body of SQL serves SQLite and
//! PostgreSQL through sqlx's `Any` driver: every column is an integer, a float, text or a
//! blob (times are epoch milliseconds), which `Any` carries faithfully, and the few places
//! where the dialects differ branch on `Backend`. The alternative, two concrete
//! implementations, would have doubled this file for no difference in behaviour.
//!
//! SQLite gets two pools: a single-connection writer (SQLite has one writer anyway, and a
//! single connection never meets SQLITE_BUSY from its own process) and a reader pool that
//! WAL lets run beside it. PostgreSQL uses one pool; write transactions lock the rows they
//! change with `SELECT … FOR UPDATE`.

mod calendar;
mod cases;
mod clocks;
mod dialect;
mod effects;
mod instructions;
mod org;
mod places;
mod routing;
mod rows;
mod settings;
mod stats;
mod write;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::FixedOffset;
use civicgrid_domain::Instant;
use rows::ms;
use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use tokio::sync::mpsc;

use crate::writer::{self, Job};
use crate::{Backend, Result, Store, StoreError, migrate};

pub(crate) struct Inner {
    backend: Backend,
    read: AnyPool,
    write: AnyPool,
    offset: FixedOffset,
}

pub struct SqlStore {
    inner: Arc<Inner>,
    writer: mpsc::Sender<Job>,
}

impl SqlStore {
    pub async fn open(url: &str, now: Instant, offset: FixedOffset) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let (backend, read, write) = if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.trim_start_matches("//");
            let path = path.split('?').next().unwrap_or(path);
            if path.is_empty() || path == ":memory:" {
                return Err(StoreError::BadUrl(url.to_owned()));
            }
            if let Some(parent) = std::path::Path::new(path).parent()
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent)
                    .map_err(|e| StoreError::Corrupt(format!("{}: {e}", parent.display())))?;
            }
            let full = format!("sqlite://{path}?mode=rwc");
            let pragmas = |options: AnyPoolOptions| {
                options.after_connect(|conn, _meta| {
                    Box::pin(async move {
                        for pragma in [
                            "PRAGMA journal_mode = WAL",
                            // FULL: each commit is fsynced before it returns, so an
                            // acknowledged write survives power loss, not only kill -9.
                            "PRAGMA synchronous = FULL",
                            "PRAGMA busy_timeout = 10000",
                            "PRAGMA foreign_keys = ON",
                            "PRAGMA cache_size = -65536",
                        ] {
                            sqlx::query(pragma).execute(&mut *conn).await?;
                        }
                        Ok(())
                    })
                })
            };
            let write = pragmas(AnyPoolOptions::new().max_connections(1))
                .connect(&full)
                .await?;
            let read = pragmas(AnyPoolOptions::new().max_connections(4))
                .connect(&full)
                .await?;
            (Backend::Sqlite, read, write)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = AnyPoolOptions::new()
                .max_connections(16)
                .connect(url)
                .await?;
            (Backend::Postgres, pool.clone(), pool)
        } else {
            return Err(StoreError::BadUrl(url.to_owned()));
        };
        migrate::run(&write, backend, ms(now)).await?;
        let inner = Arc::new(Inner {
            backend,
            read,
            write,
            offset,
        });
        let writer = writer::spawn(inner.clone());
        Ok(SqlStore { inner, writer })
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.inner.backend
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.inner.read).await?;
        Ok(())
    }

    async fn optimize(&self) -> Result<()> {
        let statements: &[&'static str] = match self.inner.backend {
            Backend::Sqlite => &["ANALYZE", "PRAGMA optimize"],
            Backend::Postgres => &[
                "VACUUM (ANALYZE) requests",
                "VACUUM (ANALYZE) events",
                "VACUUM (ANALYZE) request_units",
                // Without statistics the sweep's multi-row updates join 3 M clocks by hash.
                "VACUUM (ANALYZE) clocks",
                "VACUUM (ANALYZE) facts",
                "VACUUM (ANALYZE) notices",
            ],
        };
        for statement in statements {
            sqlx::query(*statement).execute(&self.inner.write).await?;
        }
        Ok(())
    }
}
