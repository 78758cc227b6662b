//! The native connection: tokio-postgres on a current-thread runtime owned
//! here, driven synchronously, as the `postgres` crate drives it, except for
//! reading rows.
//!
//! The `postgres` crate enters its runtime once per row it streams
//! (`RowIter::next`): about 1 300 client instructions a row
//! (`bench/src/bin/pg_stream.rs`, `bench/BENCHMARKS.md`). Here a stream is
//! read a *batch* at a time: one entry takes every row already received (up
//! to [`BATCH`] rows or [`BATCH_BYTES`] of data), and the rows are decoded
//! after it returns, outside the runtime, while the server keeps sending.
//! Decoding inside the runtime is what must not happen: a row callback that
//! reads from another PostgreSQL connection would start a runtime within a
//! runtime, which panics.

use std::collections::VecDeque;
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use postgres::types::BorrowToSql;
use postgres::{Error, Row, Statement};
use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres::{AsyncMessage, Config, RowStream, Socket};

/// Rows taken from the connection in one runtime entry, at most.
pub(crate) const BATCH: usize = 256;

/// Bytes of row data taken in one runtime entry, at most (then the batch
/// ends early): rows of large values are not held 256 at a time.
const BATCH_BYTES: usize = 1 << 20;

/// The connection's messages that are not replies: notices, notifications.
type Messages = Pin<Box<dyn Stream<Item = Result<AsyncMessage, Error>> + Send>>;

/// A connected client, its connection and the runtime that drives both.
pub(crate) struct Client {
    /// `None` only while closing (see `Drop`).
    client: Option<tokio_postgres::Client>,
    messages: Messages,
    runtime: tokio::runtime::Runtime,
    /// The batch buffer of the last query, kept for the next one (see
    /// [`take_buffer`](Self::take_buffer)).
    spare: VecDeque<Row>,
}

/// A stream of rows being read (see [`Client::next_batch`]).
pub(crate) type Rows = Pin<Box<RowStream>>;

/// Why connecting failed.
pub(crate) enum ConnectError {
    /// The client's runtime could not start (no file descriptors left).
    Runtime(std::io::Error),
    /// Connecting, or the server's answer.
    Postgres(Error),
}

/// Runs `fut` in one runtime entry, the connection polled meanwhile.
fn block_on<F: Future>(
    runtime: &tokio::runtime::Runtime,
    messages: &mut Messages,
    fut: F,
) -> Result<F::Output, Error> {
    let mut fut = pin!(fut);
    runtime.block_on(poll_fn(|cx| {
        if let Some(e) = drive(messages, cx) {
            return Poll::Ready(Err(e));
        }
        fut.as_mut().poll(cx).map(Ok)
    }))
}

impl Client {
    /// Connects with `config` through `tls`.
    pub(crate) fn connect<T>(config: &Config, tls: T) -> Result<Client, ConnectError>
    where
        T: MakeTlsConnect<Socket> + 'static + Send,
        T::TlsConnect: Send,
        T::Stream: Send,
        <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
    {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(ConnectError::Runtime)?;
        let (client, connection) = runtime
            .block_on(config.connect(tls))
            .map_err(ConnectError::Postgres)?;
        let mut connection = Box::pin(connection);
        let messages: Messages = Box::pin(MessageStream(move |cx: &mut Context<'_>| {
            connection.as_mut().poll_message(cx)
        }));
        Ok(Client {
            client: Some(client),
            messages,
            runtime,
            spare: VecDeque::new(),
        })
    }

    /// An empty buffer for a query's batches: the last query's, so that a
    /// query allocates none once one has run.
    pub(crate) fn take_buffer(&mut self) -> VecDeque<Row> {
        std::mem::take(&mut self.spare)
    }

    /// Keeps `buffer` for the next query.
    pub(crate) fn give_back(&mut self, mut buffer: VecDeque<Row>) {
        buffer.clear();
        self.spare = buffer;
    }

    /// The client, the connection's messages and the runtime, borrowed
    /// apart.
    fn parts(
        &mut self,
    ) -> (
        &tokio_postgres::Client,
        &mut Messages,
        &tokio::runtime::Runtime,
    ) {
        let client = self.client.as_ref().expect("open until dropped");
        (client, &mut self.messages, &self.runtime)
    }

    /// Runs the client call `f` makes (`|c| c.prepare(sql)`) in one runtime
    /// entry.
    pub(crate) fn call<'a, T, F>(
        &'a mut self,
        f: impl FnOnce(&'a tokio_postgres::Client) -> F,
    ) -> Result<T, Error>
    where
        F: Future<Output = Result<T, Error>>,
    {
        let (c, m, rt) = self.parts();
        block_on(rt, m, f(c))?
    }

    /// Whether the server answers an empty query within `timeout`.
    pub(crate) fn is_valid(&mut self, timeout: Duration) -> bool {
        let (c, m, rt) = self.parts();
        // The timer is made inside the runtime (an async block), not before.
        let answered = async { tokio::time::timeout(timeout, c.simple_query("")).await };
        matches!(block_on(rt, m, answered), Ok(Ok(Ok(_))))
    }

    /// Starts `stmt`: its rows are then read with [`next_batch`](Self::next_batch).
    pub(crate) fn query_raw<P, I>(&mut self, stmt: &Statement, params: I) -> Result<Rows, Error>
    where
        P: BorrowToSql,
        I: IntoIterator<Item = P>,
        I::IntoIter: ExactSizeIterator,
    {
        let (c, m, rt) = self.parts();
        block_on(rt, m, c.query_raw(stmt, params))?.map(Box::pin)
    }

    /// Moves the rows of `rows` already received into `out` (at least one,
    /// unless the stream ended; at most `max` in all, and no more once they
    /// hold [`BATCH_BYTES`] of data), in one runtime entry. `false` when the
    /// stream has ended.
    pub(crate) fn next_batch(
        &mut self,
        rows: &mut Rows,
        out: &mut VecDeque<Row>,
        max: usize,
    ) -> Result<bool, Error> {
        let (_, m, rt) = self.parts();
        let mut bytes = 0;
        block_on(
            rt,
            m,
            poll_fn(|cx| loop {
                match rows.as_mut().poll_next(cx) {
                    Poll::Ready(Some(Ok(row))) => {
                        bytes += row.raw_size_bytes();
                        out.push_back(row);
                        if out.len() >= max || bytes >= BATCH_BYTES {
                            return Poll::Ready(Ok(true));
                        }
                    }
                    Poll::Ready(Some(Err(e))) => return Poll::Ready(Err(e)),
                    Poll::Ready(None) => return Poll::Ready(Ok(false)),
                    Poll::Pending if out.is_empty() => return Poll::Pending,
                    Poll::Pending => return Poll::Ready(Ok(true)),
                }
            }),
        )?
    }
}

/// Polls the connection until it would wait: it sends what the client
/// queued and reads what the server sent. An error, or the connection's
/// end, is returned.
fn drive(messages: &mut Messages, cx: &mut Context<'_>) -> Option<Error> {
    loop {
        match messages.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(AsyncMessage::Notice(notice)))) => {
                log::info!(target: "orm::postgres", "{}: {}", notice.severity(), notice.message());
            }
            Poll::Ready(Some(Ok(_))) => {}
            Poll::Ready(Some(Err(e))) => return Some(e),
            // Closed: the pending call then fails with the client's own
            // "connection closed" error.
            Poll::Ready(None) | Poll::Pending => return None,
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // Closing the client makes the connection send Terminate and end:
        // drive it there (for at most a few seconds), so the server sees a
        // clean exit.
        drop(self.client.take());
        let messages = &mut self.messages;
        let closed = poll_fn(|cx| loop {
            match messages.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(_))) => {}
                Poll::Ready(Some(Err(_)) | None) => return Poll::Ready(()),
                Poll::Pending => return Poll::Pending,
            }
        });
        let _ = self
            .runtime
            .block_on(async { tokio::time::timeout(Duration::from_secs(5), closed).await });
    }
}

/// A stream of the connection's messages from its poll function.
struct MessageStream<F>(F);

impl<F> Stream for MessageStream<F>
where
    F: FnMut(&mut Context<'_>) -> Poll<Option<Result<AsyncMessage, Error>>> + Unpin,
{
    type Item = Result<AsyncMessage, Error>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        (self.get_mut().0)(cx)
    }
}
