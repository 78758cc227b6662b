//! Operands of conditions: bound values, column references and SQL formulas.

use std::borrow::Cow;

use crate::model::{Column, Model};
use crate::value::{ToValue, Value};

/// A reference to a column, optionally qualified by its table (or alias).
#[derive(Debug, Clone, PartialEq)]
pub struct ColRef {
    /// The table or alias, if qualified.
    pub table: Option<Cow<'static, str>>,
    /// The column name.
    pub name: Cow<'static, str>,
}

impl ColRef {
    /// Reads `"name"` or `"table.name"` as names, as they are: nothing is
    /// trimmed, and the names are checked (non-empty, no surrounding
    /// whitespace or control characters, within the dialect's length, a
    /// column of a model in the query) and quoted when the statement is
    /// rendered.
    pub fn parse(s: &str) -> ColRef {
        match s.split_once('.') {
            Some((t, n)) => ColRef {
                table: Some(Cow::Owned(t.to_owned())),
                name: Cow::Owned(n.to_owned()),
            },
            None => ColRef {
                table: None,
                name: Cow::Owned(s.to_owned()),
            },
        }
    }
}

/// An operand: something that renders as SQL inside a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A value, always sent as a bound parameter.
    Value(Value),
    /// A column, quoted for the dialect.
    Col(ColRef),
    /// Raw SQL with its own bound parameters ([`Sql`]).
    Sql(Sql),
    /// A list of operands, bound to one `?` of a fragment as `?, ?, ?`
    /// (`where_("id IN (?)", (vec![1, 2, 3],))`).
    List(Vec<Expr>),
}

impl Expr {
    /// See [`Cond::requalified`](crate::Cond).
    pub(crate) fn requalified(&self, table: &str, name: &str) -> Expr {
        match self {
            Expr::Col(c) if c.table.as_deref().is_none_or(|t| t == table) => Expr::Col(ColRef {
                table: Some(Cow::Owned(name.to_owned())),
                name: c.name.clone(),
            }),
            Expr::Sql(f) => Expr::Sql(Sql {
                sql: f.sql.clone(),
                args: f.args.requalified(table, name),
            }),
            Expr::List(v) => Expr::List(v.iter().map(|x| x.requalified(table, name)).collect()),
            other => other.clone(),
        }
    }

    /// Whether the expression refers to a column of `table`.
    pub(crate) fn mentions_table(&self, table: &str) -> bool {
        match self {
            Expr::Value(_) => false,
            Expr::List(v) => v.iter().any(|e| e.mentions_table(table)),
            Expr::Col(c) => c.table.as_deref() == Some(table),
            Expr::Sql(f) => {
                crate::sql::fragment_mentions_table(&f.sql, table) || f.args.mentions_table(table)
            }
        }
    }

    /// Whether the expression refers to a column (directly, or through a
    /// formula's text or arguments), i.e. may differ from row to row.
    pub(crate) fn names_column(&self, rules: &crate::lex::LexRules) -> bool {
        match self {
            Expr::Value(_) => false,
            Expr::Col(_) => true,
            Expr::Sql(f) => crate::sql::fragment_names_column(&f.sql, &f.args, rules),
            Expr::List(v) => v.iter().any(|e| e.names_column(rules)),
        }
    }
}

/// Raw SQL: the one way text written by the developer becomes SQL, and so
/// the one marker a reviewer greps for (`Sql::raw`, `Sql::new`, and its
/// other name [`Func`]). Accepted wherever an expression is (a formula
/// compared with a column, a value of an assignment), and by the APIs that
/// take SQL: `where_`, `having`, `join_sql`, `update_sql` (which also take a
/// `&'static str`, a literal written in the program), and `order`,
/// `group_by`, `select`, `count_on` (which read a run-time string as names
/// only). `?` placeholders (or `:name` binds) take the arguments, which are
/// bound parameters (or, for [`Col`] and nested formulas, rendered SQL).
///
/// ```
/// use orm::{Func, Sql};
/// let lower = Sql::raw("lower(name)");
/// assert_eq!(lower.sql(), "lower(name)");
/// let cutoff = Func::new("DATETIME(?, '-5 minutes')", ("2024-01-01 12:00:00",));
/// assert_eq!(cutoff.sql(), "DATETIME(?, '-5 minutes')");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Sql {
    pub(crate) sql: Cow<'static, str>,
    pub(crate) args: Args,
}

/// A SQL formula (`Func::new("LOWER(?)", ("Ann",))`): the same type as [`Sql`].
pub type Func = Sql;

impl Sql {
    /// Raw SQL without arguments.
    pub fn raw(sql: impl Into<Cow<'static, str>>) -> Sql {
        Sql {
            sql: sql.into(),
            args: Args::None,
        }
    }

    /// Raw SQL with arguments for its placeholders: a tuple, an array or a
    /// `Vec` of values or expressions, or `()` for none.
    pub fn new(sql: impl Into<Cow<'static, str>>, args: impl IntoArgs) -> Sql {
        Sql {
            sql: sql.into(),
            args: args.into_args(),
        }
    }

    /// The SQL text as written.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// This SQL with `args` appended to its own arguments (a fragment API's
    /// arguments after those given to [`Sql::new`]).
    pub(crate) fn with_args(mut self, args: Args) -> Sql {
        self.args = match (self.args, args) {
            (a, Args::None) => a,
            (Args::None, b) => b,
            (Args::Positional(mut a), Args::Positional(b)) => {
                a.extend(b);
                Args::Positional(a)
            }
            (Args::Named(mut a), Args::Named(b)) => {
                a.extend(b);
                Args::Named(a)
            }
            // Mixed kinds: the fragment reports the mix when rendered.
            (Args::Named(a), Args::Positional(b)) | (Args::Positional(b), Args::Named(a)) => {
                let mut all: Vec<(String, Expr)> = a;
                all.extend(b.into_iter().map(|e| (String::new(), e)));
                Args::Named(all)
            }
        };
        self
    }
}

/// A literal written in the program is SQL the developer wrote: fragment
/// APIs take it as it is. A run-time string must go through [`Sql::raw`].
impl From<&'static str> for Sql {
    fn from(sql: &'static str) -> Sql {
        Sql::raw(sql)
    }
}

/// A column used as a value (`col("posts.author_id")` compared with a
/// column of another table).
///
/// ```
/// use orm::Col;
/// let c = Col::new("end_date_time");
/// assert_eq!(c.name(), "end_date_time");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Col(pub(crate) ColRef);

impl Col {
    /// A column by name, `"col"` or `"table.col"`.
    pub fn new(name: &str) -> Col {
        Col(ColRef::parse(name))
    }

    /// The column name (without table).
    pub fn name(&self) -> &str {
        &self.0.name
    }
}

impl From<Sql> for Expr {
    fn from(f: Sql) -> Expr {
        Expr::Sql(f)
    }
}
impl From<Col> for Expr {
    fn from(c: Col) -> Expr {
        Expr::Col(c.0)
    }
}
impl<M: Model, T> From<Column<M, T>> for Expr {
    fn from(c: Column<M, T>) -> Expr {
        Expr::Col(c.col_ref())
    }
}
impl From<Value> for Expr {
    fn from(v: Value) -> Expr {
        Expr::Value(v)
    }
}

/// The arguments of a SQL fragment: positional for `?`, named for `:name`.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Args {
    /// Values for `?` placeholders, in order.
    #[default]
    None,
    /// Values for `?` placeholders, in order.
    Positional(Vec<Expr>),
    /// Values for `:name` placeholders.
    Named(Vec<(String, Expr)>),
}

/// A value or expression usable as a fragment argument.
pub trait IntoArg {
    /// Converts to an expression.
    fn into_arg(self) -> Expr;
}

impl<T: ToValue> IntoArg for T {
    fn into_arg(self) -> Expr {
        Expr::Value(self.to_value())
    }
}
impl IntoArg for Sql {
    fn into_arg(self) -> Expr {
        Expr::Sql(self)
    }
}
impl IntoArg for Col {
    fn into_arg(self) -> Expr {
        Expr::Col(self.0)
    }
}
impl IntoArg for Expr {
    fn into_arg(self) -> Expr {
        self
    }
}
impl<M: Model, T> IntoArg for Column<M, T> {
    fn into_arg(self) -> Expr {
        Expr::Col(self.col_ref())
    }
}

/// Something that provides the arguments of a SQL fragment: `()`, a tuple of
/// values, an array or `Vec` of one type, or [`named`] binds.
pub trait IntoArgs {
    /// Converts to [`Args`].
    fn into_args(self) -> Args;
}

impl IntoArgs for () {
    fn into_args(self) -> Args {
        Args::None
    }
}
impl Args {
    /// The arguments with `table`'s columns requalified (see
    /// [`Cond::requalified`](crate::Cond)).
    pub(crate) fn requalified(&self, table: &str, name: &str) -> Args {
        match self {
            Args::None => Args::None,
            Args::Positional(v) => {
                Args::Positional(v.iter().map(|e| e.requalified(table, name)).collect())
            }
            Args::Named(v) => Args::Named(
                v.iter()
                    .map(|(k, e)| (k.clone(), e.requalified(table, name)))
                    .collect(),
            ),
        }
    }

    /// Whether an argument refers to a column of `table`.
    pub(crate) fn mentions_table(&self, table: &str) -> bool {
        match self {
            Args::None => false,
            Args::Positional(v) => v.iter().any(|e| e.mentions_table(table)),
            Args::Named(v) => v.iter().any(|(_, e)| e.mentions_table(table)),
        }
    }
}

impl IntoArgs for Args {
    fn into_args(self) -> Args {
        self
    }
}
/// Calls `$m!` with the value types of every build (the optional families
/// are listed at each use, behind their features; `u8` and `Vec<u8>` apart).
macro_rules! scalar_types {
    ($m:ident) => {
        $m!(
            bool,
            i8,
            i16,
            i32,
            i64,
            u16,
            u32,
            f32,
            f64,
            String,
            chrono::NaiveDate,
            chrono::NaiveTime,
            chrono::NaiveDateTime,
            chrono::DateTime<chrono::Utc>,
            chrono::DateTime<chrono::FixedOffset>
        );
    };
}

/// What can be an item of a list argument (a `Vec` or slice that a
/// fragment's `?` expands to `?, ?, ?`, for `IN (?)`): every value type but
/// `u8` (a `Vec<u8>` is one blob), expressions, columns, and `Option`s of
/// them. `#[derive(DbValue)]` implements it; implement it for a column type
/// of your own to put it in lists.
pub trait ListItem: IntoArg {}

macro_rules! list_items {
    ($($t:ty),* $(,)?) => {$(
        impl ListItem for $t {}
    )*};
}
scalar_types!(list_items);
list_items!(&str, Value, Expr, Sql, Col);
#[cfg(feature = "decimal")]
list_items!(rust_decimal::Decimal);
#[cfg(feature = "uuid")]
list_items!(uuid::Uuid);
#[cfg(feature = "json")]
list_items!(serde_json::Value);
#[cfg(feature = "time")]
list_items!(
    time::Date,
    time::Time,
    time::PrimitiveDateTime,
    time::OffsetDateTime
);
impl<T: ListItem + ToValue> ListItem for Option<T> {}
impl<T: ListItem + ToValue + ?Sized> ListItem for &T where for<'a> &'a T: IntoArg {}
impl<M: Model, T> ListItem for Column<M, T> {}

/// A list is one argument that a fragment's `?` expands to `?, ?, ?`.
impl<T: ListItem> IntoArg for Vec<T> {
    fn into_arg(self) -> Expr {
        Expr::List(self.into_iter().map(IntoArg::into_arg).collect())
    }
}
impl<T: ListItem + Clone> IntoArg for &[T] {
    fn into_arg(self) -> Expr {
        Expr::List(self.iter().cloned().map(IntoArg::into_arg).collect())
    }
}

impl<T: IntoArg> IntoArgs for Vec<T> {
    fn into_args(self) -> Args {
        Args::Positional(self.into_iter().map(IntoArg::into_arg).collect())
    }
}
impl<T: IntoArg, const N: usize> IntoArgs for [T; N] {
    fn into_args(self) -> Args {
        Args::Positional(self.into_iter().map(IntoArg::into_arg).collect())
    }
}

macro_rules! tuple_args {
    ($($t:ident $i:tt),+) => {
        impl<$($t: IntoArg),+> IntoArgs for ($($t,)+) {
            fn into_args(self) -> Args {
                Args::Positional(vec![$(self.$i.into_arg()),+])
            }
        }
    };
}
tuple_args!(A 0);
tuple_args!(A 0, B 1);
tuple_args!(A 0, B 1, C 2);
tuple_args!(A 0, B 1, C 2, D 3);
tuple_args!(A 0, B 1, C 2, D 3, E 4);
tuple_args!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_args!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_args!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

/// Named binds for `:name` placeholders.
///
/// ```
/// use orm::{named, Args};
/// let args = named([("min", 3.into()), ("role", "admin".into())]);
/// assert!(matches!(args, Args::Named(ref v) if v.len() == 2));
/// ```
pub fn named<'a>(binds: impl IntoIterator<Item = (&'a str, Value)>) -> Args {
    Args::Named(
        binds
            .into_iter()
            .map(|(k, v)| (k.trim_start_matches(':').to_owned(), Expr::Value(v)))
            .collect(),
    )
}

/// A right-hand operand for a typed column of Rust type `T`: a `T` (or
/// something converting to it, like `&str` for `String`), `None` for a
/// nullable column, a [`Func`], a [`Col`], another typed column, or a record
/// whose key is meant.
pub trait IntoOperand<T> {
    /// Converts to an expression.
    fn into_operand(self) -> Expr;
}

impl<T> IntoOperand<T> for Sql {
    fn into_operand(self) -> Expr {
        Expr::Sql(self)
    }
}
impl<T> IntoOperand<T> for Col {
    fn into_operand(self) -> Expr {
        Expr::Col(self.0)
    }
}
impl<T, M: Model, U> IntoOperand<T> for Column<M, U> {
    fn into_operand(self) -> Expr {
        Expr::Col(self.col_ref())
    }
}
/// A key type usable where a column of type `T` is compared: the key type
/// itself, or its `Option` for a nullable foreign key.
pub trait KeyOperand<T> {}
impl<K> KeyOperand<K> for K {}
impl<K> KeyOperand<Option<K>> for K {}

/// A record stands for its primary key: `Posts::AUTHOR_ID.eq(&user)`.
impl<M: Model, T> IntoOperand<T> for &M
where
    M::Key: KeyOperand<T>,
{
    fn into_operand(self) -> Expr {
        Expr::Value(self.key().to_value())
    }
}

macro_rules! operand {
    ($($t:ty),*) => {$(
        impl IntoOperand<$t> for $t {
            fn into_operand(self) -> Expr { Expr::Value(self.to_value()) }
        }
        impl IntoOperand<$t> for &$t {
            fn into_operand(self) -> Expr { Expr::Value(self.to_value()) }
        }
        impl IntoOperand<Option<$t>> for $t {
            fn into_operand(self) -> Expr { Expr::Value(self.to_value()) }
        }
        impl IntoOperand<Option<$t>> for &$t {
            fn into_operand(self) -> Expr { Expr::Value(self.to_value()) }
        }
    )*};
}

// `Option`s of every value type (those `#[derive(DbValue)]` makes
// included), for nullable columns.
impl<T: ToValue> IntoOperand<Option<T>> for Option<T> {
    fn into_operand(self) -> Expr {
        Expr::Value(self.to_value())
    }
}
impl<T: ToValue> IntoOperand<Option<T>> for &Option<T> {
    fn into_operand(self) -> Expr {
        Expr::Value(self.to_value())
    }
}
scalar_types!(operand);
operand!(u8, Vec<u8>);

#[cfg(feature = "decimal")]
operand!(rust_decimal::Decimal);
#[cfg(feature = "uuid")]
operand!(uuid::Uuid);
#[cfg(feature = "time")]
operand!(
    time::Date,
    time::Time,
    time::PrimitiveDateTime,
    time::OffsetDateTime
);
#[cfg(feature = "json")]
operand!(serde_json::Value);

impl IntoOperand<String> for &str {
    fn into_operand(self) -> Expr {
        Expr::Value(Value::Text(self.to_owned()))
    }
}
impl IntoOperand<Option<String>> for &str {
    fn into_operand(self) -> Expr {
        Expr::Value(Value::Text(self.to_owned()))
    }
}
impl IntoOperand<Vec<u8>> for &[u8] {
    fn into_operand(self) -> Expr {
        Expr::Value(Value::Blob(self.to_vec()))
    }
}
/// An untyped value, for dynamic code.
impl<T> IntoOperand<T> for Value {
    fn into_operand(self) -> Expr {
        Expr::Value(self)
    }
}
