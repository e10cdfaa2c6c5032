//! The writer: one connection that runs every audited unit of work, many at a
//! time in one database transaction (group commit).
//!
//! Why: an audit event must be durable before the response that it records is
//! sent, and SQLite commits only a few thousand durable transactions a second.
//! The writer takes whatever work is queued (up to [`MAX_BATCH`]), runs each
//! unit inside its own savepoint — a unit that fails is rolled back alone and
//! the others go on — then commits once and only then answers every caller.
//! A caller whose unit failed, or whose batch failed to commit, gets an error
//! and nothing of its work is in the database.

use std::panic::AssertUnwindSafe;

use futures::future::BoxFuture;
use futures::FutureExt;
use sqlx::{AnyConnection, Executor};
use tokio::sync::{mpsc, oneshot};

use crate::audit::ChainHead;
use crate::db::Backend;
use crate::{StoreError, StoreResult};

/// Most units of work committed together.
pub const MAX_BATCH: usize = 256;

/// What a unit of work sees: the writer's connection, inside a transaction,
/// and the head of the audit chain.
pub struct Tx {
    pub(crate) conn: AnyConnection,
    pub(crate) backend: Backend,
    pub(crate) head: ChainHead,
}

/// A unit of work waiting for the writer.
trait Work: Send {
    /// Runs the unit; true when it succeeded and its changes should stay.
    fn run<'c>(&'c mut self, tx: &'c mut Tx) -> BoxFuture<'c, bool>;
    /// Answers the caller once the batch's fate is known.
    fn finish(self: Box<Self>, batch_failure: Option<StoreError>);
    /// True when the unit's only write is one audit event, its last statement:
    /// it then needs no savepoint, since a failed statement changes nothing.
    fn writes_only_its_audit_event(&self) -> bool;
}

struct Pending<T, F> {
    work: Option<F>,
    audit_only: bool,
    result: Option<StoreResult<T>>,
    reply: oneshot::Sender<StoreResult<T>>,
}

impl<T, F> Work for Pending<T, F>
where
    T: Send + 'static,
    F: for<'c> FnOnce(&'c mut Tx) -> BoxFuture<'c, StoreResult<T>> + Send + 'static,
{
    fn run<'c>(&'c mut self, tx: &'c mut Tx) -> BoxFuture<'c, bool> {
        let work = self.work.take();
        Box::pin(async move {
            let Some(work) = work else { return false };
            let result = match AssertUnwindSafe(work(tx)).catch_unwind().await {
                Ok(result) => result,
                Err(_) => Err(StoreError::Database("a unit of work panicked".into())),
            };
            let ok = result.is_ok();
            self.result = Some(result);
            ok
        })
    }

    fn writes_only_its_audit_event(&self) -> bool {
        self.audit_only
    }

    fn finish(self: Box<Self>, batch_failure: Option<StoreError>) {
        let outcome = match (self.result, batch_failure) {
            (Some(Err(error)), _) => Err(error),
            (_, Some(error)) => Err(error),
            (Some(Ok(value)), None) => Ok(value),
            (None, None) => Err(StoreError::Database("unit of work never ran".into())),
        };
        // The caller may have gone away (client disconnected); nothing to do then.
        let _ = self.reply.send(outcome);
    }
}

/// Handle to the writer task.
#[derive(Clone)]
pub struct Writer {
    queue: mpsc::Sender<Box<dyn Work>>,
}

impl Writer {
    pub fn start(backend: Backend, conn: AnyConnection) -> Writer {
        let (queue, receiver) = mpsc::channel(4 * MAX_BATCH);
        let tx = Tx { conn, backend, head: ChainHead::default() };
        tokio::spawn(run(tx, receiver));
        Writer { queue }
    }

    /// Runs `work` in a transaction and returns its result once committed.
    pub async fn transact<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Tx) -> BoxFuture<'c, StoreResult<T>> + Send + 'static,
    {
        self.submit(work, false).await
    }

    /// Like [`Writer::transact`], for a unit that only reads and then appends
    /// its audit event as its very last statement (reads of cases and lists).
    pub async fn read_and_audit<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Tx) -> BoxFuture<'c, StoreResult<T>> + Send + 'static,
    {
        self.submit(work, true).await
    }

    async fn submit<T, F>(&self, work: F, audit_only: bool) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Tx) -> BoxFuture<'c, StoreResult<T>> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let pending = Pending { work: Some(work), audit_only, result: None, reply };
        self.queue.send(Box::new(pending)).await.map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }
}

async fn run(mut tx: Tx, mut receiver: mpsc::Receiver<Box<dyn Work>>) {
    let mut batch: Vec<Box<dyn Work>> = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let failure = run_batch(&mut tx, &mut batch).await.err();
        if let Some(error) = &failure {
            tracing::error!(%error, "a batch of writes failed to commit");
        }
        for work in batch.drain(..) {
            work.finish(failure.clone());
        }
    }
}

/// Runs a batch in one transaction. An error means nothing of the batch was
/// committed; `Ok` means every unit that succeeded is durable.
async fn run_batch(tx: &mut Tx, batch: &mut [Box<dyn Work>]) -> StoreResult<()> {
    let begin = match tx.backend {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN",
    };
    tx.conn.execute(begin).await?;
    let end = match run_units(tx, batch).await {
        Ok(true) => tx.conn.execute("COMMIT").await.map(|_| ()).map_err(StoreError::from),
        Ok(false) => tx.conn.execute("ROLLBACK").await.map(|_| ()).map_err(StoreError::from),
        Err(error) => Err(error),
    };
    if end.is_err() {
        // Leave the connection outside any transaction for the next batch.
        let _ = tx.conn.execute("ROLLBACK").await;
    }
    end
}

/// Runs the units; `Ok(false)` when nothing is left to commit.
async fn run_units(tx: &mut Tx, batch: &mut [Box<dyn Work>]) -> StoreResult<bool> {
    tx.head = ChainHead::load(tx).await?;
    let start_head = tx.head.clone();
    if let [only] = batch {
        // Alone in its transaction, a unit needs no savepoint: if it fails the
        // whole transaction is rolled back and it reports its own error.
        if !only.run(tx).await {
            return Ok(false);
        }
    } else {
        for work in batch.iter_mut() {
            let before = tx.head.clone();
            if work.writes_only_its_audit_event() {
                if !work.run(tx).await {
                    tx.head = before;
                }
                continue;
            }
            tx.conn.execute("SAVEPOINT unit").await?;
            if work.run(tx).await {
                tx.conn.execute("RELEASE SAVEPOINT unit").await?;
            } else {
                tx.conn.execute("ROLLBACK TO SAVEPOINT unit").await?;
                tx.conn.execute("RELEASE SAVEPOINT unit").await?;
                tx.head = before;
            }
        }
    }
    if tx.head != start_head {
        let head = tx.head.clone();
        head.store(tx).await?;
    }
    Ok(true)
}

/// Most units a [`Combiner`] runs as one.
pub const MAX_COMBINED: usize = 128;

/// Runs many units of one kind as one unit of work, in order.
pub(crate) type RunMany<I, O> = for<'c> fn(&'c mut Tx, &'c [I]) -> BoxFuture<'c, StoreResult<Vec<O>>>;

/// Units of one kind that callers submit one by one and the writer runs
/// together, as one unit of multi-row statements (concurrent registrations:
/// a registration's cost is in its statements, not in the rows they write).
///
/// While one combined unit is with the writer, the next units queue here and
/// go together next. If a combined unit fails (one of its units was refused,
/// or its batch did not commit), nothing of it was written, and each of its
/// units runs again alone, so that each caller gets its own answer and no
/// unit is refused for another's fault.
#[derive(Clone)]
pub(crate) struct Combiner<I, O> {
    queue: mpsc::Sender<(I, oneshot::Sender<StoreResult<O>>)>,
}

impl<I, O> Combiner<I, O>
where
    I: Clone + Send + Sync + 'static,
    O: Send + 'static,
{
    pub fn start(writer: Writer, run: RunMany<I, O>) -> Self {
        let (queue, receiver) = mpsc::channel(4 * MAX_COMBINED);
        tokio::spawn(combine(writer, run, receiver));
        Combiner { queue }
    }

    /// Runs `item` (with whatever else is waiting) and returns its result once committed.
    pub async fn submit(&self, item: I) -> StoreResult<O> {
        let (reply, answer) = oneshot::channel();
        self.queue.send((item, reply)).await.map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }
}

async fn combine<I, O>(
    writer: Writer,
    run: RunMany<I, O>,
    mut receiver: mpsc::Receiver<(I, oneshot::Sender<StoreResult<O>>)>,
) where
    I: Clone + Send + Sync + 'static,
    O: Send + 'static,
{
    let mut waiting = Vec::with_capacity(MAX_COMBINED);
    while receiver.recv_many(&mut waiting, MAX_COMBINED).await > 0 {
        let (items, replies): (Vec<I>, Vec<_>) = waiting.drain(..).unzip();
        let items = std::sync::Arc::new(items);
        let shared = items.clone();
        let outcome = writer.transact(move |tx| Box::pin(async move { run(tx, &shared).await })).await;
        match outcome {
            Ok(outputs) if outputs.len() == replies.len() => {
                for (output, reply) in outputs.into_iter().zip(replies) {
                    let _ = reply.send(Ok(output));
                }
            }
            Ok(_) => {
                for reply in replies {
                    let _ = reply.send(Err(StoreError::Database("a combined unit lost a result".into())));
                }
            }
            Err(error) if replies.len() == 1 => {
                let _ = replies.into_iter().next().map(|reply| reply.send(Err(error)));
            }
            Err(_) => {
                for (item, reply) in items.iter().cloned().zip(replies) {
                    let writer = writer.clone();
                    tokio::spawn(async move {
                        let outcome = writer
                            .transact(move |tx| {
                                Box::pin(async move {
                                    let mut outputs = run(tx, std::slice::from_ref(&item)).await?;
                                    outputs.pop().ok_or_else(|| StoreError::Database("a unit lost its result".into()))
                                })
                            })
                            .await;
                        let _ = reply.send(outcome);
                    });
                }
            }
        }
    }
}
