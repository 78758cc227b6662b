//! What `pluck` takes: one typed column, or a tuple of them.

use crate::error::Result;
use crate::expr::Expr;
use crate::model::{Column, Model};
use crate::row::{decode, Row};
use crate::value::FromValue;

/// Columns that can be plucked together: one typed column, or a tuple of
/// typed columns of the same model.
pub trait PluckColumns<M: Model>: crate::__private::Sealed {
    /// What one row becomes.
    type Output;
    /// The selected expressions.
    fn exprs(&self) -> Vec<Expr>;
    /// Decodes one row.
    fn decode_row(&self, row: &mut dyn Row) -> Result<Self::Output>;
}

impl<M, T> crate::__private::Sealed for Column<M, T> {}

impl<M: Model, T: FromValue> PluckColumns<M> for Column<M, T> {
    type Output = T;
    fn exprs(&self) -> Vec<Expr> {
        vec![(*self).into()]
    }
    fn decode_row(&self, row: &mut dyn Row) -> Result<T> {
        decode(row, 0, M::TABLE, self.name())
    }
}

macro_rules! pluck_tuple {
    ($($t:ident $i:tt),+) => {
        impl<M, $($t),+> crate::__private::Sealed for ($(Column<M, $t>,)+) {}

        impl<M: Model, $($t: FromValue),+> PluckColumns<M> for ($(Column<M, $t>,)+) {
            type Output = ($($t,)+);
            fn exprs(&self) -> Vec<Expr> {
                vec![$(self.$i.into()),+]
            }
            fn decode_row(&self, row: &mut dyn Row) -> Result<Self::Output> {
                Ok(($(decode::<$t>(row, $i, M::TABLE, self.$i.name())?,)+))
            }
        }
    };
}
pluck_tuple!(A 0, B 1);
pluck_tuple!(A 0, B 1, C 2);
pluck_tuple!(A 0, B 1, C 2, D 3);
pluck_tuple!(A 0, B 1, C 2, D 3, E 4);
pluck_tuple!(A 0, B 1, C 2, D 3, E 4, F 5);
