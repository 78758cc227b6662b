//! The connection and its prepared statements, kept per SQL text.
//!
//! rusqlite's own cache (`Connection::prepare_cached`) trims and hashes the
//! SQL twice and allocates an `Arc<str>` key on every call. Here a
//! statement is found by the address of its SQL text (a memo, the text
//! compared), else with one hash of the text, and lent to the call without
//! leaving its cache entry's allocation; nothing is allocated on a hit. A
//! `find` by key went from 6 870 to 5 942 instructions with the hash, to
//! 5 445 with the memo and the other changes since (callgrind;
//! `bench/BENCHMARKS.md`).
//!
//! A `rusqlite::Statement` borrows its `Connection`, so keeping statements
//! beside the connection makes this type self-referential: the one place in
//! orm's drivers with `unsafe` code, each use justified where it is.

use std::cell::{Cell, RefCell, UnsafeCell};
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;
use std::rc::Rc;

use rusqlite::{Connection, PrepFlags, Statement};

use crate::cache::StatementCache;

/// A cached statement's home: its SQL, and the statement, lent to one
/// call at a time.
type Slot = Rc<Home>;

pub(crate) struct Home {
    sql: Box<str>,
    /// Reached only through the [`InUse`] that `busy` says exists: one at
    /// a time.
    stmt: UnsafeCell<Statement<'static>>,
    /// Whether a call has the statement.
    busy: Cell<bool>,
}

impl Home {
    /// Lends the statement, unless a call has it.
    #[inline]
    fn lend(self: &Rc<Self>) -> Option<InUse<'static>> {
        if self.busy.replace(true) {
            return None;
        }
        Some(InUse::new(Lent::Cached(Rc::clone(self))))
    }
}

/// Entries of the memo by SQL address (see [`Statements::get`]).
const MEMO: usize = 64;

/// A SQLite connection that owns its prepared statements.
pub(crate) struct Statements {
    /// Declared (so dropped) before `conn`, whose statements these are; see
    /// also `Drop`.
    cache: RefCell<StatementCache<Slot>>,
    /// The statements last looked up, by the address of their SQL text
    /// (direct-mapped: one entry per address bucket). Declared before
    /// `conn` too.
    memo: RefCell<[Option<(usize, Slot)>; MEMO]>,
    /// Owned: made by `Box::into_raw` and freed in `Drop`. A raw pointer,
    /// not a `Box`, because the statements keep shared references to it
    /// while this struct moves.
    conn: NonNull<Connection>,
}

// SAFETY: `Connection` is `Send`. What makes this type `!Send` is the
// statements, which hold `&Connection` (and `Connection` is not `Sync`),
// and the `Rc`s of their slots. Every one of those references is to the
// connection owned here, and none leaves this value except for the length
// of a borrow of `&self` (an `InUse`, a row stream), during which the value
// cannot move, and `Statements` is not `Sync`. Moving the whole to another
// thread therefore moves the connection together with every reference to
// it: no two threads ever reach the connection at the same time.
unsafe impl Send for Statements {}

impl Statements {
    /// Takes `conn`, keeping at most `capacity` prepared statements.
    pub(crate) fn new(conn: Connection, capacity: usize) -> Self {
        Statements {
            cache: RefCell::new(StatementCache::new(capacity)),
            memo: RefCell::new(std::array::from_fn(|_| None)),
            conn: NonNull::from(Box::leak(Box::new(conn))),
        }
    }

    /// The connection.
    #[inline]
    pub(crate) fn conn(&self) -> &Connection {
        // SAFETY: `conn` is valid from `new` until `drop`, and only shared
        // references to it are ever made.
        unsafe { self.conn.as_ref() }
    }

    /// The prepared statement of `sql`: the cached one, or one prepared now
    /// and cached (unless a call up the stack is using the cached one, as a
    /// query run while reading another query's rows can: then a statement
    /// of its own, finalized after use).
    ///
    /// The SQL a call runs usually comes from a model's SQL cache, the same
    /// text at the same address every time; a memo by address finds its
    /// statement with one comparison of the text, not a hash of it and a
    /// lookup in the LRU list (about 150 instructions less per statement,
    /// callgrind, `find`). The text is always compared: an address alone
    /// could be another string's by now. A statement the LRU list evicts
    /// stays usable while its memo entry lasts.
    pub(crate) fn get(&self, sql: &str) -> rusqlite::Result<InUse<'_>> {
        let addr = sql.as_ptr() as usize;
        let bucket = (addr ^ (addr >> 6)) % MEMO;
        if let Some((at, slot)) = &self.memo.borrow()[bucket] {
            if *at == addr && *slot.sql == *sql {
                if let Some(lent) = slot.lend() {
                    return Ok(lent);
                }
            }
        }
        let slot = self.cache.borrow_mut().get(sql);
        let slot = match slot {
            Some(slot) => slot,
            None => {
                let slot = Rc::new(Home {
                    sql: sql.into(),
                    stmt: UnsafeCell::new(self.prepare(sql)?),
                    busy: Cell::new(false),
                });
                // Evicted statements are finalized here, unless in use or
                // memoized (then when their call or memo entry ends).
                drop(self.cache.borrow_mut().put(sql, Rc::clone(&slot)));
                if self.cache.borrow().capacity() > 0 {
                    self.memo.borrow_mut()[bucket] = Some((addr, Rc::clone(&slot)));
                }
                return Ok(slot.lend().expect("a new statement is free"));
            }
        };
        self.memo.borrow_mut()[bucket] = Some((addr, Rc::clone(&slot)));
        match slot.lend() {
            Some(lent) => Ok(lent),
            None => Ok(InUse::new(Lent::Own(self.prepare(sql)?))),
        }
    }

    fn prepare(&self, sql: &str) -> rusqlite::Result<Statement<'static>> {
        let stmt = self
            .conn()
            .prepare_with_flags(sql, PrepFlags::SQLITE_PREPARE_PERSISTENT)?;
        // SAFETY: only the lifetime changes. The statement borrows the
        // connection owned by `self`, which outlives it: it stays in
        // `self.cache` (dropped before the connection) or in an `InUse`
        // that borrows `self`.
        Ok(unsafe { std::mem::transmute::<Statement<'_>, Statement<'static>>(stmt) })
    }

    /// Changes how many statements are kept.
    pub(crate) fn set_capacity(&self, capacity: usize) {
        self.forget_memo();
        drop(self.cache.borrow_mut().set_capacity(capacity));
    }

    fn forget_memo(&self) {
        for entry in self.memo.borrow_mut().iter_mut() {
            *entry = None;
        }
    }
}

impl Drop for Statements {
    fn drop(&mut self) {
        // Finalize every statement before the connection closes.
        self.forget_memo();
        drop(self.cache.get_mut().clear());
        // SAFETY: made by `Box::leak` in `new`; no statement refers to it
        // any more (none is in use: that would borrow `self`).
        drop(unsafe { Box::from_raw(self.conn.as_ptr()) });
    }
}

/// A prepared statement lent to one call; back in its cache entry when
/// dropped, with its parameters cleared if one of them was large.
///
/// A cached statement stays where its entry keeps it (an `UnsafeCell`
/// lent while `busy`), so that lending it moves nothing: taking it out of
/// its entry and putting it back, as a `RefCell<Option<Statement>>` does,
/// moved its 64 bytes four times a call (about 60 instructions of a
/// `find`, callgrind).
pub(crate) struct InUse<'c> {
    stmt: Lent,
    /// Whether to clear the bindings when the call ends.
    clear: bool,
    /// Ties the statement to the borrow of its connection.
    _conn: PhantomData<&'c Connection>,
}

/// Where a lent statement is.
enum Lent {
    /// In its cache entry, marked busy until the call ends.
    Cached(Slot),
    /// Prepared for this call alone (its SQL's statement was busy, or
    /// nothing is cached), finalized after it.
    Own(Statement<'static>),
}

impl InUse<'_> {
    fn new(stmt: Lent) -> Self {
        InUse {
            stmt,
            clear: false,
            _conn: PhantomData,
        }
    }

    /// Clears the bindings when the call ends: SQLite keeps its own copy of
    /// every bound text and blob until the statement is bound again or
    /// cleared, so a large one would stay in memory for as long as the
    /// statement stays cached. Small values are left (the next call binds
    /// every parameter again): clearing cost about 50 instructions a
    /// statement (callgrind, `find`).
    pub(crate) fn clear_when_done(&mut self) {
        self.clear = true;
    }
}

impl Deref for InUse<'_> {
    type Target = Statement<'static>;
    #[inline]
    fn deref(&self) -> &Statement<'static> {
        match &self.stmt {
            // SAFETY: `busy` is set while this `InUse` exists, and no other
            // one is made for the same entry until it is cleared (`lend`):
            // this is the only way to the statement.
            Lent::Cached(home) => unsafe { &*home.stmt.get() },
            Lent::Own(stmt) => stmt,
        }
    }
}

impl DerefMut for InUse<'_> {
    #[inline]
    fn deref_mut(&mut self) -> &mut Statement<'static> {
        match &mut self.stmt {
            // SAFETY: as in `deref`; `&mut self` makes the borrow unique.
            Lent::Cached(home) => unsafe { &mut *home.stmt.get() },
            Lent::Own(stmt) => stmt,
        }
    }
}

impl Drop for InUse<'_> {
    fn drop(&mut self) {
        // Rows and `raw_execute` reset the statement.
        if self.clear {
            self.deref_mut().clear_bindings();
        }
        if let Lent::Cached(home) = &self.stmt {
            home.busy.set(false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &Statements, sql: &str) -> i64 {
        let mut stmt = s.get(sql).unwrap();
        let mut rows = stmt.raw_query();
        rows.next().unwrap().unwrap().get(0).unwrap()
    }

    #[test]
    fn reused_nested_evicted_and_moved() {
        let s = Statements::new(Connection::open_in_memory().unwrap(), 2);
        assert_eq!(one(&s, "SELECT 1"), 1);
        assert_eq!(one(&s, "SELECT 1"), 1, "from the cache");
        {
            // The same SQL while the cached statement is in use.
            let mut outer = s.get("SELECT 1").unwrap();
            let mut rows = outer.raw_query();
            assert_eq!(one(&s, "SELECT 1"), 1);
            assert_eq!(rows.next().unwrap().unwrap().get::<_, i64>(0).unwrap(), 1);
        }
        // Evicted while in use: finalized when the call ends.
        let held = s.get("SELECT 2").unwrap();
        assert_eq!(one(&s, "SELECT 3"), 3);
        assert_eq!(one(&s, "SELECT 4"), 4);
        drop(held);
        s.set_capacity(0);
        assert_eq!(one(&s, "SELECT 5"), 5, "nothing kept");
        let moved = std::thread::spawn(move || one(&s, "SELECT 6"))
            .join()
            .unwrap();
        assert_eq!(moved, 6);
    }

    #[test]
    fn memo_compares_the_text_not_only_its_address() {
        let s = Statements::new(Connection::open_in_memory().unwrap(), 8);
        let mut sql = String::from("SELECT 1");
        assert_eq!(one(&s, &sql), 1);
        assert_eq!(one(&s, &sql), 1, "from the memo");
        // Same address, same length, other text.
        sql.replace_range(7..8, "2");
        assert_eq!(one(&s, &sql), 2);
        // Evicted from the LRU list (capacity 1) while memoized: still right.
        s.set_capacity(1);
        let (a, b) = ("SELECT 3", "SELECT 4");
        for _ in 0..3 {
            assert_eq!(one(&s, a), 3);
            assert_eq!(one(&s, b), 4);
        }
    }
}
