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
    /// Parses `"name"` or `"table.name"`.
    pub fn parse(s: &str) -> ColRef {
        match s.split_once('.') {
            Some((t, n)) => ColRef {
                table: Some(Cow::Owned(t.trim().to_owned())),
                name: Cow::Owned(n.trim().to_owned()),
            },
            None => ColRef {
                table: None,
                name: Cow::Owned(s.trim().to_owned()),
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
    /// A SQL formula with its own bound parameters.
    Func(Func),
}

impl Expr {
    /// Whether the expression refers to a column of `table`.
    pub(crate) fn mentions_table(&self, table: &str) -> bool {
        match self {
            Expr::Value(_) => false,
            Expr::Col(c) => c.table.as_deref() == Some(table),
            Expr::Func(f) => {
                crate::sql::fragment_mentions_table(&f.sql, table) || f.args.mentions_table(table)
            }
        }
    }

    /// Whether the expression refers to a column (directly, or through a
    /// formula's text or arguments), i.e. may differ from row to row.
    pub(crate) fn names_column(&self) -> bool {
        match self {
            Expr::Value(_) => false,
            Expr::Col(_) => true,
            Expr::Func(f) => crate::sql::fragment_names_column(&f.sql, &f.args),
        }
    }
}

/// A SQL formula evaluated by the database: the doc's `Func`. `?`
/// placeholders (or `:name` binds) in the fragment take the arguments, which
/// are bound parameters (or, for [`Col`] and nested [`Func`] arguments,
/// rendered SQL). Usable wherever a value is.
///
/// ```
/// use orm::Func;
/// let cutoff = Func::new("DATETIME(?, '-5 minutes')", ("2024-01-01 12:00:00",));
/// assert_eq!(cutoff.sql(), "DATETIME(?, '-5 minutes')");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Func {
    pub(crate) sql: Cow<'static, str>,
    pub(crate) args: Args,
}

impl Func {
    /// A formula with arguments: a tuple, an array or a `Vec` of values or
    /// expressions, or `()` for none.
    pub fn new(sql: impl Into<Cow<'static, str>>, args: impl IntoArgs) -> Func {
        Func {
            sql: sql.into(),
            args: args.into_args(),
        }
    }

    /// The SQL fragment as written.
    pub fn sql(&self) -> &str {
        &self.sql
    }
}

/// A column used as a value: the doc's `Col`.
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

impl From<Func> for Expr {
    fn from(f: Func) -> Expr {
        Expr::Func(f)
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
impl IntoArg for Func {
    fn into_arg(self) -> Expr {
        Expr::Func(self)
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

impl<T> IntoOperand<T> for Func {
    fn into_operand(self) -> Expr {
        Expr::Func(self)
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
        impl IntoOperand<Option<$t>> for Option<$t> {
            fn into_operand(self) -> Expr { Expr::Value(self.to_value()) }
        }
        impl IntoOperand<Option<$t>> for &Option<$t> {
            fn into_operand(self) -> Expr { Expr::Value(self.to_value()) }
        }
    )*};
}
operand!(
    bool,
    i16,
    i32,
    i64,
    f32,
    f64,
    String,
    Vec<u8>,
    chrono::NaiveDate,
    chrono::NaiveDateTime,
    chrono::DateTime<chrono::Utc>
);

#[cfg(feature = "decimal")]
operand!(rust_decimal::Decimal);
#[cfg(feature = "uuid")]
operand!(uuid::Uuid);
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
