//! A scope's shape: everything the text of its SELECT depends on, written
//! as bytes, so that scopes alike but for their values share one rendering
//! (kept in the model's [`SqlCache`](crate::query::SqlCache)).
//!
//! The shape holds every name (table, column, alias, join; by its address
//! when it is static text of the program) and fragment text,
//! every flag and number that reaches the text (DISTINCT, LIMIT, OFFSET, the
//! lock, join kinds, directions, list lengths) and the kind of every value
//! (`= NULL` renders as `IS NULL`), never a value itself. Two scopes of one
//! shape therefore render the same text, and a scope whose text was
//! rendered once for its shape only collects its parameters
//! ([`SqlBuilder::params_only`](crate::sql::SqlBuilder::params_only)).
//! Whatever the walk does not know how to describe (`AS OF SYSTEM TIME`,
//! whose time is text; an invalid term) leaves the scope without a shape:
//! it is rendered in full.
//!
//! A shape describes the scope and the items a statement selects; the
//! statements built from them (`all`, `first`, `exists`, `count`, `pluck`,
//! the aggregates) each start their shape with a tag of their own, since
//! each builds its SELECT from the scope in its own way.

use std::borrow::Cow;

use crate::cond::{Cond, Order, OrderTarget};
use crate::expr::{Args, ColRef, Expr};
use crate::names::{CountOn, NameTerm};
use crate::query::{Item, ScopeKey};
use crate::relation::{Join, JoinKind};
use crate::value::Value;

use super::Query;

/// The statements built from a scope, each from the scope in its own way
/// (the first byte of a shape).
pub(super) mod statement {
    /// The scope's own SELECT (`all`, `first`, `exists`, `pluck`...).
    pub(crate) const SELECT: u8 = b'S';
    /// `count`: a `COUNT` over the scope, or over its SELECT.
    pub(crate) const COUNT: u8 = b'C';
    /// An aggregate (`sum`, `avg`, `min`, `max`) over the scope's rows.
    pub(crate) const AGGREGATE: u8 = b'A';
}

/// A shape longer than this is not cached (a long IN list, say): its text
/// would be rendered rarely again, and kept for nothing.
const MAX_SHAPE: usize = 1024;

/// A shape under construction, on the stack: written a few bytes at a
/// time, it costs a few instructions per name (a growable buffer cost ten
/// times that, callgrind).
pub(crate) struct Walk {
    buf: [u8; MAX_SHAPE],
    len: usize,
    /// Whether the shape outgrew the buffer, or holds something the walk
    /// cannot describe: then the scope has no shape.
    none: bool,
}

impl Walk {
    pub(crate) fn new() -> Self {
        Walk {
            buf: [0; MAX_SHAPE],
            len: 0,
            none: false,
        }
    }

    fn put(&mut self, bytes: &[u8]) {
        match self.buf.get_mut(self.len..self.len + bytes.len()) {
            Some(to) => {
                to.copy_from_slice(bytes);
                self.len += bytes.len();
            }
            None => self.none = true,
        }
    }

    fn byte(&mut self, b: u8) {
        self.put(&[b]);
    }

    fn flag(&mut self, b: bool) {
        self.byte(u8::from(b));
    }

    fn num(&mut self, n: u64) {
        self.put(&n.to_le_bytes());
    }

    fn len(&mut self, n: usize) {
        self.num(n as u64);
    }

    /// A name or text, length first (so that no two sequences of names
    /// write the same bytes).
    fn text(&mut self, s: &str) {
        self.len(s.len());
        self.put(s.as_bytes());
    }

    /// A name from the program (`&'static`: a model's, a relation's) by
    /// its address and length, 17 bytes whatever its length (static text
    /// never changes, so the same address is the same name; the same name
    /// at two addresses only makes two shapes); a name made at run time by
    /// its text.
    // Whether the name is borrowed is what this reads.
    #[allow(clippy::ptr_arg)]
    fn name(&mut self, name: &Cow<'static, str>) {
        match name {
            Cow::Borrowed(s) => self.static_name(s),
            Cow::Owned(s) => {
                self.byte(b'o');
                self.text(s);
            }
        }
    }

    fn static_name(&mut self, s: &'static str) {
        self.byte(b'p');
        self.num(s.as_ptr() as u64);
        self.len(s.len());
    }

    fn opt_name(&mut self, name: Option<&Cow<'static, str>>) {
        match name {
            Some(name) => {
                self.byte(1);
                self.name(name);
            }
            None => self.byte(0),
        }
    }

    fn opt_text(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.byte(1);
                self.text(s);
            }
            None => self.byte(0),
        }
    }

    /// A value's kind, never the value.
    fn value(&mut self, v: &Value) {
        self.byte(match v {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Int(_) => 2,
            Value::Float(_) => 3,
            Value::Text(_) => 4,
            Value::Blob(_) => 5,
            Value::Date(_) => 6,
            Value::DateTime(_) => 7,
            Value::Timestamp(_) => 8,
            Value::Time(_) => 9,
            #[cfg(feature = "decimal")]
            Value::Decimal(_) => 10,
            #[cfg(feature = "uuid")]
            Value::Uuid(_) => 11,
            #[cfg(feature = "json")]
            Value::Json(_) => 12,
            Value::List(items) => {
                self.byte(13);
                self.len(items.len());
                return;
            }
        });
    }

    fn col(&mut self, c: &ColRef) {
        self.opt_name(c.table.as_ref());
        self.name(&c.name);
    }

    fn expr(&mut self, e: &Expr) {
        match e {
            Expr::Value(v) => {
                self.byte(b'v');
                self.value(v);
            }
            Expr::Col(c) => {
                self.byte(b'c');
                self.col(c);
            }
            Expr::Sql(f) => {
                self.fragment(b's', &f.sql, &f.args);
            }
            Expr::List(items) => {
                self.byte(b'l');
                self.exprs(items);
            }
        }
    }

    /// A fragment of raw SQL: its text and its arguments.
    fn fragment(&mut self, tag: u8, sql: &str, args: &Args) {
        self.byte(tag);
        self.text(sql);
        self.args(args);
    }

    fn exprs(&mut self, items: &[Expr]) {
        self.len(items.len());
        for e in items {
            self.expr(e);
        }
    }

    fn args(&mut self, args: &Args) {
        match args {
            Args::None => self.byte(0),
            Args::Positional(v) => {
                self.byte(1);
                self.exprs(v);
            }
            Args::Named(v) => {
                self.byte(2);
                self.len(v.len());
                for (name, e) in v {
                    self.text(name);
                    self.expr(e);
                }
            }
        }
    }

    fn cond(&mut self, c: &Cond) {
        match c {
            Cond::Cmp { lhs, op, rhs } => {
                self.byte(b'=');
                self.expr(lhs);
                self.byte(*op as u8);
                self.expr(rhs);
            }
            Cond::InSelect {
                lhs,
                column,
                table,
                key,
                value,
            } => {
                self.byte(b'S');
                self.expr(lhs);
                self.name(column);
                self.name(table);
                self.name(key);
                self.value(value);
            }
            Cond::Null { lhs, negated } => {
                self.byte(b'N');
                self.expr(lhs);
                self.flag(*negated);
            }
            Cond::Between { lhs, low, high } => {
                self.byte(b'B');
                self.expr(lhs);
                self.expr(low);
                self.expr(high);
            }
            Cond::In { lhs, list, negated } => {
                self.byte(b'I');
                self.expr(lhs);
                self.flag(*negated);
                self.exprs(list);
            }
            Cond::Sql { sql, args } => {
                self.fragment(b'F', sql, args);
            }
            Cond::And(v) => {
                self.byte(b'&');
                self.conds(v.iter());
            }
            Cond::Or(v) => {
                self.byte(b'|');
                self.conds(v.iter());
            }
            Cond::Not(c) => {
                self.byte(b'!');
                self.cond(c);
            }
        }
    }

    fn conds<'a>(&mut self, v: impl ExactSizeIterator<Item = &'a Cond>) {
        self.len(v.len());
        for c in v {
            self.cond(c);
        }
    }

    fn join(&mut self, j: &Join) -> Option<()> {
        match j {
            Join::Clause(c) => {
                self.byte(b'J');
                self.flag(matches!(c.kind, JoinKind::Inner));
                self.name(&c.table);
                self.opt_name(c.alias.as_ref());
                let (t1, c1, t2, c2) = &c.on;
                for name in [t1, c1, t2, c2] {
                    self.name(name);
                }
                // Which model's columns the names are checked against.
                self.num(c.columns.map_or(0, |cols| cols.as_ptr() as u64));
                match &c.filter {
                    Some(f) => {
                        self.byte(1);
                        self.cond(f);
                    }
                    None => self.byte(0),
                }
            }
            Join::Never { table } => {
                self.byte(b'0');
                self.static_name(table);
            }
            Join::Raw { sql, args } => {
                self.fragment(b'R', sql, args);
            }
            Join::Invalid(_) => return None,
        }
        Some(())
    }

    fn order(&mut self, o: &Order) -> Option<()> {
        match &o.target {
            OrderTarget::Col(c) => {
                self.byte(b'o');
                self.col(c);
            }
            OrderTarget::Raw(f) => {
                self.fragment(b'r', &f.sql, &f.args);
            }
            OrderTarget::Invalid(_) => return None,
        }
        self.flag(o.descending);
        self.byte(match o.nulls {
            None => 0,
            Some(crate::cond::Nulls::First) => 1,
            Some(crate::cond::Nulls::Last) => 2,
        });
        Some(())
    }

    fn name_term(&mut self, t: &NameTerm) -> Option<()> {
        match t {
            NameTerm::Col(c, alias) => {
                self.byte(b'c');
                self.col(c);
                self.opt_text(alias.as_deref());
            }
            NameTerm::Raw(f) => {
                self.fragment(b'r', &f.sql, &f.args);
            }
            NameTerm::Invalid(_) => return None,
        }
        Some(())
    }

    fn item(&mut self, item: &Item<'_>) -> Option<()> {
        match item {
            Item::Model { t, qualified } => {
                self.byte(b'M');
                self.static_name(t.name);
                self.num(t.columns.as_ptr() as u64);
                self.flag(*qualified);
            }
            Item::One(alias) => {
                self.byte(b'1');
                self.opt_text(*alias);
            }
            Item::Col(c) => {
                self.byte(b'c');
                self.col(c);
            }
            Item::Expr(e) => {
                self.byte(b'e');
                self.expr(e);
            }
            Item::Term(t) => {
                self.byte(b't');
                self.name_term(t)?;
            }
            Item::Agg {
                func,
                distinct,
                col,
            } => {
                self.byte(b'a');
                self.static_name(func);
                self.flag(*distinct);
                self.col(col);
            }
            Item::Count { on, outer } => {
                self.byte(b'#');
                self.flag(*outer);
                match on {
                    CountOn::Rows => self.byte(0),
                    CountOn::Col { distinct, col } => {
                        self.byte(1);
                        self.flag(*distinct);
                        self.col(col);
                    }
                    CountOn::Raw(f) => self.fragment(2, &f.sql, &f.args),
                    CountOn::Invalid(_) => return None,
                }
            }
            Item::Columns { .. } => return None,
        }
        Some(())
    }
}

impl Query {
    /// Writes into `w` the shape of the SELECT of `items` that the
    /// statement tagged `statement` (see [`statement`]) builds from this
    /// scope, with its default filter `dflt`, the limit `limit` (the
    /// scope's, lowered by the caller's) and `more` joined after its own
    /// joins; `None` when it has none (see the module's documentation).
    pub(super) fn shape<'w>(
        &self,
        w: &'w mut Walk,
        statement: u8,
        items: &[Item<'_>],
        dflt: &Option<Cond>,
        limit: Option<u64>,
        more: &[Join],
    ) -> Option<ScopeKey<'w>> {
        if self.as_of.is_some() {
            return None;
        }
        w.byte(statement);
        w.len(items.len());
        for item in items {
            w.item(item)?;
        }
        w.flag(self.distinct);
        w.flag(self.unfiltered);
        w.len(self.joins.len() + more.len());
        for j in self.joins.iter().chain(more) {
            w.join(j)?;
        }
        w.conds(self.conds.iter());
        w.conds(dflt.iter());
        w.len(self.group_by.len());
        for g in &self.group_by {
            w.name_term(g)?;
        }
        w.conds(self.having.iter());
        w.len(self.orders.len());
        for o in &self.orders {
            w.order(o)?;
        }
        for n in [limit, self.offset] {
            match n {
                Some(n) => {
                    w.byte(1);
                    w.num(n);
                }
                None => w.byte(0),
            }
        }
        match self.lock {
            Some(lock) => {
                w.byte(1);
                w.byte(lock.mode as u8);
                w.byte(lock.wait as u8);
            }
            None => w.byte(0),
        }
        if w.none {
            return None;
        }
        Some(ScopeKey(&w.buf[..w.len]))
    }
}
