//! The prepared-statement cache of the drivers: statements by SQL text,
//! least recently used out first, over `hashlink`'s `LruCache`.

use hashlink::LruCache;

/// Prepared statements `S` by SQL text, at most `capacity` of them.
pub(crate) struct StatementCache<S> {
    lru: LruCache<Box<str>, S>,
    capacity: usize,
}

impl<S: Clone> StatementCache<S> {
    /// An empty cache of at most `capacity` statements (0: none kept).
    pub(crate) fn new(capacity: usize) -> Self {
        StatementCache {
            lru: LruCache::new_unbounded(),
            capacity,
        }
    }

    /// The most statements kept.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// The statement of `sql`, now the most recently used.
    pub(crate) fn get(&mut self, sql: &str) -> Option<S> {
        self.lru.get(sql).cloned()
    }

    /// Keeps `stmt` for `sql`; returns the statements evicted to make room
    /// (for drivers that close them on the server).
    pub(crate) fn put(&mut self, sql: &str, stmt: S) -> Vec<S> {
        if self.capacity == 0 {
            return vec![stmt];
        }
        self.lru.insert(sql.into(), stmt);
        self.shrink_to(self.capacity)
    }

    /// Forgets the statement of `sql`.
    #[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
    pub(crate) fn remove(&mut self, sql: &str) -> Option<S> {
        self.lru.remove(sql)
    }

    /// Forgets every statement; returns them.
    pub(crate) fn clear(&mut self) -> Vec<S> {
        self.shrink_to(0)
    }

    /// Changes the capacity; returns the statements evicted.
    pub(crate) fn set_capacity(&mut self, capacity: usize) -> Vec<S> {
        self.capacity = capacity;
        self.shrink_to(capacity)
    }

    fn shrink_to(&mut self, keep: usize) -> Vec<S> {
        let mut evicted = Vec::new();
        while self.lru.len() > keep {
            match self.lru.remove_lru() {
                Some((_, s)) => evicted.push(s),
                None => break,
            }
        }
        evicted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_recently_used_goes_first() {
        let mut c = StatementCache::new(2);
        assert!(c.put("a", 1).is_empty());
        assert!(c.put("b", 2).is_empty());
        assert_eq!(c.get("a"), Some(1));
        assert_eq!(c.put("c", 3), vec![2], "b was the least recently used");
        assert_eq!(c.get("b"), None);
        assert_eq!(c.set_capacity(1), vec![1]);
        assert_eq!(c.get("c"), Some(3));
        assert_eq!(c.clear(), vec![3]);
        let mut none = StatementCache::new(0);
        assert_eq!(none.put("a", 1), vec![1], "nothing is kept");
        assert_eq!(none.get("a"), None);
    }
}
