//! Lifecycle hooks: callbacks a model opts into with `#[db(hooks)]` and an
//! `impl Hooks`, fired on every path that writes or loads its records.

use std::cell::RefCell;

use crate::connection::{Connection, Escaped, LOG_TARGET};
use crate::error::Result;
use crate::model::Model;

/// Callbacks around a model's writes and loads. Declare them with
/// `#[db(hooks)]` on the struct and implement the ones you need (all do
/// nothing by default).
///
/// They fire on every path that writes or loads records of the model:
/// `save`, `insert`, `Mapper::insert_all` and `save_all` (per record),
/// `update_attribute(s)`, `delete`, `hard_delete`, `touch`, `restore`,
/// saving through a has-many accessor; `after_find` on `find`, `first`,
/// `all`, `iter`, accessors, includes and orphans. A hooked record's write
/// runs in a transaction (its own, or the caller's), so an error from any
/// hook — a `before_*` veto or an `after_*` failure — leaves nothing
/// written. Scope-level `update_attribute(s)`, `update_sql` and `delete`
/// would skip them: on a hooked model they are refused with
/// [`Error::HooksSkipped`](crate::Error::HooksSkipped) unless the scope
/// says [`skip_hooks`](crate::Scoped::skip_hooks).
///
/// `after_commit` runs once per record written, after the outermost
/// transaction commits — for a retrying transaction, after the attempt that
/// committed, never for one rolled back — and `after_rollback` when it rolls
/// back instead (an attempt, or a savepoint the record was written in).
///
/// ```
/// # use orm::prelude::*;
/// use orm::Hooks;
/// #[derive(Model, Debug, Clone, Default)]
/// #[db(hooks)]
/// struct Account { id: i64, owner: String, balance: i64 }
///
/// impl Hooks for Account {
///     fn before_save(&mut self, _conn: &Connection) -> orm::Result<()> {
///         self.owner = self.owner.trim().to_owned();
///         if self.balance < 0 {
///             return Err(orm::Error::invalid("a balance cannot be negative"));
///         }
///         Ok(())
///     }
/// }
///
/// let conn = Connection::open("sqlite::memory:")?;
/// conn.sync::<Account>()?;
/// let mut a = Account { owner: " ann ".into(), balance: 5, ..Default::default() };
/// a.save(&conn)?;
/// assert_eq!(Accounts::find(&conn, a.id)?.owner, "ann");
/// a.balance = -1;
/// assert!(a.save(&conn).is_err());                 // vetoed: nothing written
/// assert_eq!(Accounts::find(&conn, a.id)?.balance, 5);
/// # Ok::<(), orm::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is declared #[db(hooks)] but does not implement orm::Hooks",
    label = "declared here",
    note = "implement orm::Hooks for it (every hook has a default), or remove #[db(hooks)]"
)]
pub trait Hooks: Model + Clone + Send + crate::__private::HooksDeclared {
    /// Before an insert or an update; an error vetoes it.
    fn before_save(&mut self, conn: &Connection) -> Result<()> {
        let _ = conn;
        Ok(())
    }
    /// Before an insert, after `before_save`; an error vetoes it.
    fn before_create(&mut self, conn: &Connection) -> Result<()> {
        let _ = conn;
        Ok(())
    }
    /// Before an update, after `before_save`; an error vetoes it.
    fn before_update(&mut self, conn: &Connection) -> Result<()> {
        let _ = conn;
        Ok(())
    }
    /// After an insert (the generated key is set).
    fn after_create(&mut self, conn: &Connection) -> Result<()> {
        let _ = conn;
        Ok(())
    }
    /// After an update.
    fn after_update(&mut self, conn: &Connection) -> Result<()> {
        let _ = conn;
        Ok(())
    }
    /// After an insert or an update, after `after_create` / `after_update`.
    fn after_save(&mut self, conn: &Connection) -> Result<()> {
        let _ = conn;
        Ok(())
    }
    /// Before a delete (soft or hard); an error vetoes it.
    fn before_delete(&mut self, conn: &Connection) -> Result<()> {
        let _ = conn;
        Ok(())
    }
    /// After a delete.
    fn after_delete(&mut self, conn: &Connection) -> Result<()> {
        let _ = conn;
        Ok(())
    }
    /// After the record was read from the database. Under
    /// [`iter`](crate::Scoped::iter) the connection is still streaming the
    /// other rows: a statement run from here then fails with a typed error
    /// (PostgreSQL, MySQL).
    fn after_find(&mut self, conn: &Connection) -> Result<()> {
        let _ = conn;
        Ok(())
    }
    /// After the transaction that wrote the record committed (at once for a
    /// write outside any transaction). Errors are logged: the data is
    /// committed.
    fn after_commit(&self, conn: &Connection) -> Result<()> {
        let _ = conn;
        Ok(())
    }
    /// After the transaction (or savepoint) that wrote the record rolled
    /// back. Errors are logged.
    fn after_rollback(&self, conn: &Connection) -> Result<()> {
        let _ = conn;
        Ok(())
    }
}

/// A hook point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(hidden)]
pub enum Hook {
    BeforeSave,
    BeforeCreate,
    BeforeUpdate,
    AfterCreate,
    AfterUpdate,
    AfterSave,
    BeforeDelete,
    AfterDelete,
    AfterFind,
}

/// A hooked model's dispatch, as the derive stores it in `Model::HOOKS`.
#[doc(hidden)]
pub struct HookFns<M> {
    run: fn(&mut M, Hook, &Connection) -> Result<()>,
    written: fn(&M, &Connection),
    copy: fn(&M) -> M,
}

/// The dispatch of a model implementing [`Hooks`].
#[doc(hidden)]
pub const fn hook_fns<M: Hooks>() -> HookFns<M> {
    HookFns {
        run: dispatch::<M>,
        written: queue::<M>,
        copy: M::clone,
    }
}

fn dispatch<M: Hooks>(rec: &mut M, hook: Hook, conn: &Connection) -> Result<()> {
    match hook {
        Hook::BeforeSave => rec.before_save(conn),
        Hook::BeforeCreate => rec.before_create(conn),
        Hook::BeforeUpdate => rec.before_update(conn),
        Hook::AfterCreate => rec.after_create(conn),
        Hook::AfterUpdate => rec.after_update(conn),
        Hook::AfterSave => rec.after_save(conn),
        Hook::BeforeDelete => rec.before_delete(conn),
        Hook::AfterDelete => rec.after_delete(conn),
        Hook::AfterFind => rec.after_find(conn),
    }
}

/// Queues the record's `after_commit` / `after_rollback` on the connection's
/// transaction, or runs `after_commit` now outside one.
fn queue<M: Hooks>(rec: &M, conn: &Connection) {
    if conn.in_transaction() {
        let copy = rec.clone();
        conn.pending
            .borrow_mut()
            .push(Box::new(move |conn: &Connection, committed: bool| {
                if committed {
                    copy.after_commit(conn)
                } else {
                    copy.after_rollback(conn)
                }
            }));
    } else {
        report(rec.after_commit(conn));
    }
}

fn report(res: Result<()>) {
    if let Err(e) = res {
        log::warn!(target: LOG_TARGET, "after_commit / after_rollback hook failed: {}", Escaped(&e.to_string()));
    }
}

/// The `after_commit` / `after_rollback` hooks waiting for a transaction's
/// end.
pub(crate) type Pending = RefCell<Vec<Box<dyn FnOnce(&Connection, bool) -> Result<()> + Send>>>;

/// Whether `M` has hooks.
pub(crate) fn hooked<M: Model>() -> bool {
    M::HOOKS.is_some()
}

/// Runs hook `hook` of `rec`, if its model has hooks.
pub(crate) fn run<M: Model>(rec: &mut M, hook: Hook, conn: &Connection) -> Result<()> {
    match &M::HOOKS {
        Some(h) => (h.run)(rec, hook, conn),
        None => Ok(()),
    }
}

/// Copies of `records`, if `M` has hooks (hooked models are `Clone`).
pub(crate) fn copies<M: Model>(records: &[M]) -> Option<Vec<M>> {
    M::HOOKS
        .as_ref()
        .map(|h| records.iter().map(h.copy).collect())
}

/// Runs `after_find` on every record.
pub(crate) fn found<M: Model>(records: &mut [M], conn: &Connection) -> Result<()> {
    // A constant per model: without hooks the loop is not compiled.
    if const { M::HOOKS.is_some() } {
        for r in records {
            run(r, Hook::AfterFind, conn)?;
        }
    }
    Ok(())
}

/// Notes that `rec` was written: its `after_commit` follows the commit.
pub(crate) fn written<M: Model>(rec: &M, conn: &Connection) {
    if let Some(h) = &M::HOOKS {
        (h.written)(rec, conn);
    }
}

/// Runs `f` in a transaction when `M` has hooks (so that a failing hook
/// undoes the write), directly otherwise.
pub(crate) fn atomically<M: Model, T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<T>,
) -> Result<T> {
    if hooked::<M>() && !conn.in_transaction() {
        conn.transaction(|tx| f(tx))
    } else {
        f(conn)
    }
}

impl Connection {
    /// How many `after_commit` hooks wait.
    pub(crate) fn pending_len(&self) -> usize {
        self.pending.borrow().len()
    }

    /// Runs the hooks queued since `mark`: `after_commit` when `committed`,
    /// `after_rollback` otherwise. Not during a panic.
    pub(crate) fn finish_pending(&self, mark: usize, committed: bool) {
        let done: Vec<_> = {
            let mut p = self.pending.borrow_mut();
            let mark = mark.min(p.len());
            p.split_off(mark)
        };
        if std::thread::panicking() {
            return;
        }
        for f in done {
            report(f(self, committed));
        }
    }
}
