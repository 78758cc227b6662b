//! The marker fields a model declares relations with (`BelongsTo`,
//! `HasOne`, `HasMany`, `ManyToMany`) and where loaded records are stored.

use std::fmt;

/// Where a relation's loaded records are stored: implemented by the marker
/// types ([`BelongsTo`], [`HasOne`], [`HasMany`], [`ManyToMany`]).
pub trait LoadSlot<T>: crate::__private::Sealed {
    /// Stores the loaded records (at most one for belongs-to and has-one).
    fn store(&mut self, items: Vec<T>);
    /// The loaded records, for nested includes.
    fn loaded_mut(&mut self) -> Vec<&mut T>;
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
            pub fn get(&self) -> Option<Option<&T>> {
                self.loaded.as_ref().map(|o| o.as_deref())
            }
            /// Whether an include loaded it.
            pub fn is_loaded(&self) -> bool {
                self.loaded.is_some()
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
            fn loaded_mut(&mut self) -> Vec<&mut T> {
                match &mut self.loaded {
                    Some(Some(b)) => vec![&mut **b],
                    _ => Vec::new(),
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
            pub fn get(&self) -> Option<&[T]> {
                self.loaded.as_deref()
            }
            /// Whether an include loaded it.
            pub fn is_loaded(&self) -> bool {
                self.loaded.is_some()
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
            fn loaded_mut(&mut self) -> Vec<&mut T> {
                match &mut self.loaded {
                    Some(v) => v.iter_mut().collect(),
                    None => Vec::new(),
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
