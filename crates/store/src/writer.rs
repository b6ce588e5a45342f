//! Group commit: intakes and audit records from concurrent callers queue here, and one task
//! commits whatever has queued up in a single transaction, then answers every caller. No
//! caller hears back before the commit holding its write is durable, and while one commit
//! is being flushed the next batch fills up — which is what lets a single SQLite file take
//! tens of thousands of durable writes a second instead of one fsync per request.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::{AuditEntry, Created, NewCase, Result, StoreError};

/// What commits a batch: the SQL store gives its own implementation, so the writer needs
/// to know nothing of SQL (and the store's module and this one do not import each other).
pub(crate) trait Commit: Send + Sync + 'static {
    fn commit_jobs(
        &self,
        jobs: &[&Job],
    ) -> impl std::future::Future<Output = Result<Vec<Done>>> + Send;
}

/// The most writes one commit carries; bounds latency of a single flush.
const MAX_BATCH: usize = 512;

pub(crate) enum Job {
    /// One intake: a single request, or the several requests one call was split into
    /// (committed together or not at all).
    Intake(Vec<NewCase>, oneshot::Sender<Result<Vec<Created>>>),
    Audit(Vec<AuditEntry>, oneshot::Sender<Result<()>>),
}

pub(crate) enum Done {
    Intake(Vec<Created>),
    Audit,
}

pub(crate) fn spawn<C: Commit>(inner: Arc<C>) -> mpsc::Sender<Job> {
    let (sender, mut receiver) = mpsc::channel::<Job>(4096);
    tokio::spawn(async move {
        while let Some(first) = receiver.recv().await {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match receiver.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            flush(inner.as_ref(), batch).await;
        }
    });
    sender
}

async fn flush<C: Commit>(inner: &C, batch: Vec<Job>) {
    let refs: Vec<&Job> = batch.iter().collect();
    match inner.commit_jobs(&refs).await {
        Ok(results) => {
            for (job, done) in batch.into_iter().zip(results) {
                reply(job, Ok(done));
            }
        }
        Err(error) if batch.len() > 1 => {
            // One bad write must not fail its neighbours: retry each on its own.
            tracing::warn!(%error, size = batch.len(), "batch commit failed; retrying one by one");
            for job in batch {
                let single = inner.commit_jobs(&[&job]).await.map(|mut v| v.remove(0));
                reply(job, single);
            }
        }
        Err(error) => {
            if let Some(job) = batch.into_iter().next() {
                reply(job, Err(error));
            }
        }
    }
}

fn reply(job: Job, result: Result<Done>) {
    // A caller that went away (client disconnected) no longer needs the answer; its write
    // is committed all the same.
    match job {
        Job::Intake(_, tx) => {
            let _ = tx.send(result.and_then(|d| match d {
                Done::Intake(created) => Ok(created),
                Done::Audit => Err(StoreError::Corrupt("audit result for an intake".into())),
            }));
        }
        Job::Audit(_, tx) => {
            let _ = tx.send(result.map(|_| ()));
        }
    }
}
