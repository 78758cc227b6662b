//! The marker fields a model declares relations with (`BelongsTo`,
//! `HasOne`, `HasMany`, `ManyToMany`) and where loaded records are stored.

use std::fmt;

/// Where a relation's loaded records are stored: implemented by the marker
/// types ([`BelongsTo`], [`HasOne`], [`HasMany`], [`ManyToMany`]).
pub trait LoadSlot<T>: crate::__private::Sealed {
    /// Stores the loaded records (at most one for belongs-to and has-one).
    fn store(&mut self, items: Vec<T>);
    /// Appends the loaded records to `out`, for nested includes.
    fn loaded_into<'a>(&'a mut self, out: &mut Vec<&'a mut T>);
}

macro_rules! single_marker {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        ///
        /// Not a column. `Default` means "not loaded"; an include fills it.
        #[derive(Clone, PartialEq)]
        pub struct $name<T> {
            loaded: Option<Option<Box<T>>>,
        }

        impl<T> Default for $name<T> {
            fn default() -> Self {
                $name { loaded: None }
            }
        }

        impl<T: fmt::Debug> fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match &self.loaded {
                    None => write!(f, "{}(not loaded)", stringify!($name)),
                    Some(v) => write!(f, "{}({v:?})", stringify!($name)),
                }
            }
        }

        impl<T> $name<T> {
            /// `None` when not loaded; `Some(None)` when loaded and there is
            /// no such record.
            ///
            #[doc = concat!("```\nuse orm::", stringify!($name), ";\nlet mut rel: ", stringify!($name),
                "<String> = Default::default();\nassert_eq!(rel.get(), None);\nassert!(rel.is_unloaded() && !rel.is_loaded());\n",
                "rel.set(Some(\"ann\".to_owned()));\nassert_eq!(rel.get(), Some(Some(&\"ann\".to_owned())));\n",
                "assert!(rel.is_loaded());\nrel.set(None);\nassert_eq!(rel.get(), Some(None));\n```")]
            pub fn get(&self) -> Option<Option<&T>> {
                self.loaded.as_ref().map(|o| o.as_deref())
            }
            /// Whether an include loaded it.
            pub fn is_loaded(&self) -> bool {
                self.loaded.is_some()
            }
            /// Whether nothing loaded it: for serde's
            /// `#[serde(skip_serializing_if = "BelongsTo::is_unloaded")]`.
            pub fn is_unloaded(&self) -> bool {
                self.loaded.is_none()
            }
            /// Sets the loaded record.
            pub fn set(&mut self, record: Option<T>) {
                self.loaded = Some(record.map(Box::new));
            }
        }

        impl<T> crate::__private::Sealed for $name<T> {}

        impl<T> LoadSlot<T> for $name<T> {
            fn store(&mut self, items: Vec<T>) {
                self.set(items.into_iter().next());
            }
            fn loaded_into<'a>(&'a mut self, out: &mut Vec<&'a mut T>) {
                if let Some(Some(b)) = &mut self.loaded {
                    out.push(&mut **b);
                }
            }
        }
    };
}

macro_rules! many_marker {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        ///
        /// Not a column. `Default` means "not loaded"; an include fills it.
        #[derive(Clone, PartialEq)]
        pub struct $name<T> {
            loaded: Option<Vec<T>>,
        }

        impl<T> Default for $name<T> {
            fn default() -> Self {
                $name { loaded: None }
            }
        }

        impl<T: fmt::Debug> fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match &self.loaded {
                    None => write!(f, "{}(not loaded)", stringify!($name)),
                    Some(v) => write!(f, "{}({v:?})", stringify!($name)),
                }
            }
        }

        impl<T> $name<T> {
            /// The loaded records, or `None` when not loaded.
            ///
            #[doc = concat!("```\nuse orm::", stringify!($name), ";\nlet mut rel: ", stringify!($name),
                "<i64> = Default::default();\nassert_eq!(rel.get(), None);\nassert!(rel.is_unloaded() && !rel.is_loaded());\n",
                "rel.set(vec![1, 2]);\nassert_eq!(rel.get(), Some(&[1, 2][..]));\nassert!(rel.is_loaded());\n```")]
            pub fn get(&self) -> Option<&[T]> {
                self.loaded.as_deref()
            }
            /// Whether an include loaded it.
            pub fn is_loaded(&self) -> bool {
                self.loaded.is_some()
            }
            /// Whether nothing loaded it: for serde's
            /// `#[serde(skip_serializing_if = "HasMany::is_unloaded")]`.
            pub fn is_unloaded(&self) -> bool {
                self.loaded.is_none()
            }
            /// Sets the loaded records.
            pub fn set(&mut self, records: Vec<T>) {
                self.loaded = Some(records);
            }
        }

        impl<T> crate::__private::Sealed for $name<T> {}

        impl<T> LoadSlot<T> for $name<T> {
            fn store(&mut self, items: Vec<T>) {
                self.set(items);
            }
            fn loaded_into<'a>(&'a mut self, out: &mut Vec<&'a mut T>) {
                if let Some(v) = &mut self.loaded {
                    out.extend(v.iter_mut());
                }
            }
        }
    };
}

single_marker!(
    BelongsTo,
    "A belongs-to relation field (`author: BelongsTo<User>`): this model holds \
     the foreign key (`author_id`, or `#[db(foreign_key = \"...\")]`)."
);
single_marker!(
    HasOne,
    "A has-one relation field (`profile: HasOne<Profile>`): the other model \
     holds the foreign key (`user_id`, or `#[db(foreign_key = \"...\")]`)."
);
many_marker!(
    HasMany,
    "A has-many relation field (`posts: HasMany<Post>`): the other model holds \
     the foreign key (`user_id`, or `#[db(foreign_key = \"...\")]`)."
);
many_marker!(
    ManyToMany,
    "A many-to-many relation field (`tags: ManyToMany<Tag>`) through a join \
     table (`post_tags`, or `#[db(through = \"...\")]`)."
);

/// The error of serializing a relation no include loaded: never a silent
/// `null` or `[]`.
#[cfg(feature = "serde")]
fn unloaded<E: serde::ser::Error>(name: &str) -> E {
    E::custom(format!(
        "a {name} relation was not loaded: include it before serializing, or skip the field \
         (#[serde(skip)], or skip_serializing_if = \"{name}::is_unloaded\")"
    ))
}

/// With the `serde` feature, a relation serializes as its loaded data (one
/// record or `null` for belongs-to and has-one, a list for has-many and
/// many-to-many) and fails to serialize when nothing loaded it. It
/// deserializes from that data: a record, or a list, is loaded; `null` (or a
/// missing field with `#[serde(default)]`) is not loaded.
#[cfg(feature = "serde")]
mod serde_impls {
    use super::{BelongsTo, HasMany, HasOne, ManyToMany};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// `$data`: what the JSON holds when loaded (one record, or a list),
    /// stored by `$set`.
    macro_rules! impls {
        ($name:ident, $data:ty, |$out:ident, $v:ident| $set:expr) => {
            impl<T: Serialize> Serialize for $name<T> {
                fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    match self.get() {
                        Some(v) => v.serialize(s),
                        None => Err(super::unloaded(stringify!($name))),
                    }
                }
            }
            impl<'de, T: Deserialize<'de>> Deserialize<'de> for $name<T> {
                fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    let mut $out = $name::default();
                    if let Some($v) = Option::<$data>::deserialize(d)? {
                        $set;
                    }
                    Ok($out)
                }
            }
        };
    }

    impls!(BelongsTo, T, |out, v| out.set(Some(v)));
    impls!(HasOne, T, |out, v| out.set(Some(v)));
    impls!(HasMany, Vec<T>, |out, v| out.set(v));
    impls!(ManyToMany, Vec<T>, |out, v| out.set(v));
}
