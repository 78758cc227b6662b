//! Two CockroachDB schema declarations, pinned by their SQL on every
//! dialect and run where the SQL is PostgreSQL's (and SQLite's, MariaDB's):
//!
//! - hash-sharded indexes, `#[db(index, hash_sharded)]`,
//!   `#[db(unique, hash_sharded(buckets = 16))]` and
//!   `#[db(index(a, b, hash_sharded(buckets = 8)))]`: `USING HASH [WITH
//!   (bucket_count = N)]` on CockroachDB, the plain index everywhere else
//!   (same name, so sync finds it and reports no drift);
//! - keys the database makes, `#[db(default = random_uuid)]` on a
//!   `uuid::Uuid` key: `DEFAULT gen_random_uuid()` on PostgreSQL and
//!   CockroachDB, a `randomblob()` expression on SQLite, a typed refusal on
//!   MySQL / MariaDB; a record with a nil key is inserted without it and
//!   the key comes back through `RETURNING`.
//!
//! No CockroachDB server can be installed here: its statements are recorded
//! by a backend that runs nothing (as in `cockroach_sql.rs`) and compared
//! with the expected text; `USING HASH` itself has not run anywhere.
#![cfg(all(
    feature = "postgres",
    feature = "mysql",
    feature = "sqlite",
    feature = "driver",
    feature = "uuid"
))]

use crate::common::recorder::{take, Log};
use orm::dialects::mysql::{MysqlCatalogue, MysqlDialect};
use orm::dialects::postgres::{CockroachCatalogue, CockroachDialect, PostgresDialect};
use orm::dialects::sqlite::{SqliteCatalogue, SqliteDialect};
use orm::driver::Catalogue;
use orm::prelude::*;

use crate::common::db_test;
use orm::{Dialect, HashSharding};
use uuid::Uuid;

/// A key the database makes, an index of each kind hash-sharded.
#[derive(Model, Debug, Clone, Default, PartialEq)]
#[db(
    table = "crdb_events",
    index(tenant, at, hash_sharded(buckets = 8)),
    unique(tenant, seq, hash_sharded)
)]
struct Event {
    #[db(default = random_uuid)]
    id: Uuid,
    tenant: i64,
    seq: i64,
    #[db(index, hash_sharded)]
    at: chrono::NaiveDateTime,
    #[db(unique, hash_sharded(buckets = 16))]
    serial: String,
    note: Option<String>,
}

/// Hash-sharded indexes with a key the program sets: what MySQL / MariaDB
/// can sync.
#[derive(Model, Debug, Clone, Default, PartialEq)]
#[db(table = "crdb_readings", index(device, at, hash_sharded(buckets = 4)))]
struct Reading {
    id: i64,
    device: i64,
    #[db(index, hash_sharded)]
    at: chrono::NaiveDateTime,
    #[db(unique, hash_sharded(buckets = 2048))]
    serial: String,
}

/// A partial unique index that is hash-sharded: `USING HASH` comes before
/// `WHERE`.
#[derive(Model, Debug, Clone, Default)]
#[db(table = "crdb_tags")]
struct Tag {
    id: i64,
    #[db(unique, partial, hash_sharded)]
    name: String,
    #[db(soft_delete)]
    deleted_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A model whose one column is its key the database makes.
#[derive(Model, Debug, Clone, Default)]
#[db(table = "crdb_tokens")]
struct Token {
    #[db(primary_key, default = random_uuid)]
    token: Uuid,
}

/// The key a recorded `INSERT .. RETURNING` gives back.
const MADE: Uuid = Uuid::from_u128(0x6f1c_2b5e_8d3a_4c7f_9e21_0a4b_5c6d_7e8f);

/// A connection of `dialect` that runs nothing and records each
/// statement; an `INSERT .. RETURNING` answers the row `(MADE,)`.
fn recorder(dialect: &'static dyn Dialect, catalogue: &'static dyn Catalogue) -> (Connection, Log) {
    crate::common::recorder::recorder(dialect, catalogue, Some(orm::Value::Uuid(MADE)))
}

/// The SQL of each change of the plan for `S`.
fn plan_sql<S: orm::Schema>(conn: &Connection) -> Vec<String> {
    let plan = conn.schema_plan::<S>().unwrap();
    plan.changes.into_iter().map(|c| c.sql).collect()
}

#[test]
fn cockroachdb_shards_indexes_and_makes_uuid_keys() {
    let (conn, log) = recorder(&CockroachDialect, &CockroachCatalogue);
    assert_eq!(
        plan_sql::<Event>(&conn),
        [
            r#"CREATE TABLE "crdb_events" ("id" UUID NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY, "tenant" INT8 NOT NULL, "seq" INT8 NOT NULL, "at" TIMESTAMP NOT NULL, "serial" TEXT NOT NULL, "note" TEXT)"#,
            r#"CREATE INDEX "ix_crdb_events_at" ON "crdb_events" ("at") USING HASH"#,
            r#"CREATE UNIQUE INDEX "ux_crdb_events_serial" ON "crdb_events" ("serial") USING HASH WITH (bucket_count = 16)"#,
            r#"CREATE INDEX "ix_crdb_events_tenant_at" ON "crdb_events" ("tenant", "at") USING HASH WITH (bucket_count = 8)"#,
            r#"CREATE UNIQUE INDEX "ux_crdb_events_tenant_seq" ON "crdb_events" ("tenant", "seq") USING HASH"#,
        ]
    );
    assert_eq!(
        plan_sql::<Tag>(&conn),
        [
            r#"CREATE TABLE "crdb_tags" ("id" INT8 PRIMARY KEY DEFAULT unique_rowid(), "name" TEXT NOT NULL, "deleted_at" TIMESTAMPTZ)"#,
            r#"CREATE UNIQUE INDEX "ux_crdb_tags_name" ON "crdb_tags" ("name") USING HASH WHERE "deleted_at" IS NULL"#,
        ]
    );
    assert_eq!(
        plan_sql::<Token>(&conn),
        [
            r#"CREATE TABLE "crdb_tokens" ("token" UUID NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY)"#
        ]
    );
    take(&log);

    // A nil key: inserted without it, the key RETURNING gives read back.
    let mut e = Event {
        tenant: 1,
        seq: 1,
        serial: "a".into(),
        ..Default::default()
    };
    e.save(&conn).unwrap();
    assert_eq!(e.id, MADE);
    // The key is set now, and there is no snapshot: a user-supplied key,
    // upserted.
    e.note = Some("seen".into());
    e.save(&conn).unwrap();
    let mut t = Token::default();
    t.save(&conn).unwrap();
    assert_eq!(t.token, MADE);
    // insert_all leaves nil keys to the database and reads nothing back.
    let batch = [Event::default(), Event::default()];
    assert_eq!(CrdbEvents::insert_all(&conn, &batch).unwrap(), 1);
    assert_eq!(
        take(&log),
        [
            r#"INSERT INTO "crdb_events" ("tenant", "seq", "at", "serial", "note") VALUES ($1, $2, $3, $4, $5) RETURNING "id""#,
            r#"UPSERT INTO "crdb_events" ("id", "tenant", "seq", "at", "serial", "note") VALUES ($1, $2, $3, $4, $5, $6)"#,
            r#"INSERT INTO "crdb_tokens" DEFAULT VALUES RETURNING "token""#,
            r#"INSERT INTO "crdb_events" ("tenant", "seq", "at", "serial", "note") VALUES ($1, $2, $3, $4, $5), ($6, $7, $8, $9, $10)"#,
        ]
    );

    // The dialect method, directly: a count out of CockroachDB's range is
    // refused (the derive refuses it at compile time, tests/ui).
    let mut sql = String::new();
    let err = CockroachDialect
        .hash_sharded_index(
            &HashSharding {
                buckets: Some(4096),
            },
            &mut sql,
        )
        .unwrap_err();
    assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
}

#[test]
fn other_dialects_create_plain_indexes() {
    let plain = [
        r#"CREATE INDEX "ix_crdb_events_at" ON "crdb_events" ("at")"#,
        r#"CREATE UNIQUE INDEX "ux_crdb_events_serial" ON "crdb_events" ("serial")"#,
        r#"CREATE INDEX "ix_crdb_events_tenant_at" ON "crdb_events" ("tenant", "at")"#,
        r#"CREATE UNIQUE INDEX "ux_crdb_events_tenant_seq" ON "crdb_events" ("tenant", "seq")"#,
    ];
    let (conn, _log) = recorder(
        &PostgresDialect,
        &orm::dialects::postgres::PostgresCatalogue,
    );
    let sql = plan_sql::<Event>(&conn);
    assert_eq!(
        sql[0],
        r#"CREATE TABLE "crdb_events" ("id" UUID NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY, "tenant" INT8 NOT NULL, "seq" INT8 NOT NULL, "at" TIMESTAMP NOT NULL, "serial" TEXT NOT NULL, "note" TEXT)"#
    );
    assert_eq!(sql[1..], plain);

    let (conn, _log) = recorder(&SqliteDialect, &SqliteCatalogue);
    let sql = plan_sql::<Event>(&conn);
    assert_eq!(
        sql[0],
        format!(
            r#"CREATE TABLE "crdb_events" ("id" TEXT NOT NULL DEFAULT {} PRIMARY KEY, "tenant" BIGINT NOT NULL, "seq" BIGINT NOT NULL, "at" DATETIME NOT NULL, "serial" TEXT NOT NULL, "note" TEXT)"#,
            SqliteDialect.random_uuid().unwrap()
        )
    );
    assert_eq!(sql[1..], plain);

    let (conn, log) = recorder(&MysqlDialect::DEFAULT, &MysqlCatalogue);
    assert_eq!(
        plan_sql::<Reading>(&conn),
        [
            "CREATE TABLE `crdb_readings` (`id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, `device` BIGINT NOT NULL, `at` DATETIME(6) NOT NULL, `serial` VARCHAR(255) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "CREATE INDEX `ix_crdb_readings_at` ON `crdb_readings` (`at`)",
            "CREATE UNIQUE INDEX `ux_crdb_readings_serial` ON `crdb_readings` (`serial`)",
            "CREATE INDEX `ix_crdb_readings_device_at` ON `crdb_readings` (`device`, `at`)",
        ]
    );
    // MySQL / MariaDB make no random UUID: the key is refused, by schema
    // sync and by an insert, before anything is sent.
    take(&log);
    let err = conn.schema_plan::<Event>().unwrap_err();
    assert!(
        matches!(&err, Error::InvalidQuery { message, .. }
            if message.contains("crdb_events.id") && message.contains("random_uuid")
                && message.contains("mysql")),
        "{err:?}"
    );
    let err = Event::default().save(&conn).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidQuery { message, .. } if message.contains("crdb_events.id")),
        "{err:?}"
    );
    let err = CrdbEvents::insert_all(&conn, &[Event::default()]).unwrap_err();
    assert!(matches!(&err, Error::InvalidQuery { .. }), "{err:?}");
    let sent = take(&log);
    assert!(
        sent.iter().all(|s| !s.starts_with("INSERT")),
        "nothing inserted: {sent:?}"
    );
}

/// Syncs `Event` (a hash-sharded index of each kind, a key the database
/// makes), saves records with nil keys, reads the keys back, and finds
/// nothing to change or report on a second sync.
fn random_uuid_keys_and_hash_sharded_indexes(conn: &Connection) {
    let report = conn.sync::<Event>().unwrap();
    assert!(report.created_table);
    assert_eq!(report.created_indexes.len(), 4, "{report:?}");
    let at = chrono::NaiveDate::from_ymd_opt(2024, 5, 1)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap();
    let mut events: Vec<Event> = (0..5)
        .map(|i| Event {
            tenant: 1,
            seq: i,
            at,
            serial: format!("s{i}"),
            ..Default::default()
        })
        .collect();
    for e in &mut events {
        e.save(conn).unwrap();
        assert_eq!(e.id.get_version_num(), 4, "a random UUID: {}", e.id);
        assert_eq!(
            e.id.get_variant(),
            uuid::Variant::RFC4122,
            "the RFC 4122 variant: {}",
            e.id
        );
    }
    let mut ids: Vec<Uuid> = events.iter().map(|e| e.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5, "distinct keys");
    // The key read back is the row's.
    assert_eq!(CrdbEvents::find(conn, events[2].id).unwrap(), events[2]);
    // Set now (no snapshot): saved as a user-supplied key, an upsert.
    events[2].note = Some("seen".into());
    events[2].save(conn).unwrap();
    assert_eq!(
        CrdbEvents::find(conn, events[2].id)
            .unwrap()
            .note
            .as_deref(),
        Some("seen")
    );
    assert_eq!(CrdbEvents::count(conn).unwrap(), 5);
    // A key the program sets is written as it is.
    let mine = Uuid::from_u128(0x0123_4567_89ab_4def_8123_4567_89ab_cdef);
    let mut own = Event {
        id: mine,
        tenant: 2,
        serial: "own".into(),
        ..Default::default()
    };
    own.save(conn).unwrap();
    assert_eq!(own.id, mine);
    assert_eq!(CrdbEvents::find(conn, mine).unwrap().serial, "own");
    // insert_all leaves nil keys to the database.
    let batch: Vec<Event> = (0..3)
        .map(|i| Event {
            tenant: 3,
            seq: i,
            serial: format!("b{i}"),
            ..Default::default()
        })
        .collect();
    assert_eq!(CrdbEvents::insert_all(conn, &batch).unwrap(), 3);
    assert_eq!(
        CrdbEvents::filter(CrdbEvents::TENANT.eq(3))
            .count(conn)
            .unwrap(),
        3
    );
    // The unique hash-sharded indexes are unique indexes here.
    let err = Event {
        tenant: 9,
        serial: "s0".into(),
        ..Default::default()
    }
    .save(conn)
    .unwrap_err();
    assert!(matches!(err, Error::UniqueViolation(_)), "{err:?}");
    // A key-only model: INSERT .. DEFAULT VALUES RETURNING.
    conn.sync::<Token>().unwrap();
    let mut t = Token::default();
    t.save(conn).unwrap();
    assert_eq!(t.token.get_version_num(), 4);
    // Nothing to change, no drift.
    let again = conn.schema_plan::<(Event, Token)>().unwrap();
    assert!(again.is_empty() && again.drift.is_empty(), "{again:?}");
    let again = conn.sync::<Event>().unwrap();
    assert!(!again.changed() && again.drift.is_empty(), "{again:?}");
}
db_test!(random_uuid_keys_and_hash_sharded_indexes: sqlite, postgres);

/// MariaDB: hash-sharded indexes are plain ones, synced without drift; a
/// key the database should make is refused by sync and by inserts, before
/// anything is sent.
fn mariadb_syncs_plain_indexes_and_refuses_random_uuid_keys(conn: &Connection) {
    let report = conn.sync::<Reading>().unwrap();
    assert!(report.created_table);
    assert_eq!(report.created_indexes.len(), 3, "{report:?}");
    let again = conn.sync::<Reading>().unwrap();
    assert!(!again.changed() && again.drift.is_empty(), "{again:?}");
    let err = conn.sync::<Event>().unwrap_err();
    assert!(
        matches!(&err, Error::InvalidQuery { message, .. } if message.contains("random_uuid")),
        "{err:?}"
    );
    let err = Event::default().save(conn).unwrap_err();
    assert!(matches!(&err, Error::InvalidQuery { .. }), "{err:?}");
    let tables: Vec<(String,)> = conn
        .query(
            "SELECT table_name FROM information_schema.tables \
             WHERE table_schema = DATABASE() AND table_name = 'crdb_events'",
            (),
        )
        .unwrap();
    assert!(tables.is_empty(), "the refused table was not created");
}
db_test!(mariadb_syncs_plain_indexes_and_refuses_random_uuid_keys: mysql);

/// On PostgreSQL the hash-sharded indexes are plain B-trees.
#[test]
#[cfg_attr(
    not(orm_test_postgres),
    ignore = "PostgreSQL: ORM_TEST_POSTGRES_URL is not set (or the postgres feature is off)"
)]
fn postgresql_keeps_hash_sharded_indexes_as_btrees() {
    let conn = crate::common::test_db("postgres");
    conn.sync::<Reading>().unwrap();
    let defs: Vec<(String,)> = conn
        .query(
            "SELECT indexdef::TEXT FROM pg_indexes \
             WHERE schemaname = current_schema() AND tablename = 'crdb_readings' \
             AND indexname <> 'crdb_readings_pkey' ORDER BY indexname",
            (),
        )
        .unwrap();
    assert_eq!(defs.len(), 3, "{defs:?}");
    for (def,) in &defs {
        assert!(def.contains("USING btree"), "{def}");
    }
    let again = conn.sync::<Reading>().unwrap();
    assert!(!again.changed() && again.drift.is_empty(), "{again:?}");
}

/// SQLite's random UUID expression: version 4, the RFC 4122 variant,
/// lower-case hyphenated text (the form orm stores and compares `Uuid`s
/// in), different each time.
#[test]
fn sqlite_random_uuids_are_version_4_text() {
    let conn = Connection::open("sqlite::memory:").unwrap();
    let expr = SqliteDialect.random_uuid().unwrap();
    let rows: Vec<(String,)> = conn
        .query(
            &format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) \
                 SELECT {expr} FROM n"
            ),
            (),
        )
        .unwrap();
    let mut seen = std::collections::HashSet::new();
    for (text,) in &rows {
        let u = Uuid::parse_str(text).unwrap();
        assert_eq!(text, &u.hyphenated().to_string(), "lower-case hyphenated");
        assert_eq!(u.get_version_num(), 4, "{text}");
        assert_eq!(u.get_variant(), uuid::Variant::RFC4122, "{text}");
        assert!(seen.insert(u), "{text} twice");
    }
    assert_eq!(seen.len(), 500);
}

/// A key the database makes, without hash sharding: CockroachDB's DDL and
/// INSERT text as PostgreSQL also takes them.
#[derive(Model, Debug, Clone, Default, PartialEq)]
#[db(table = "crdb_devices")]
struct Device {
    #[db(default = random_uuid)]
    id: Uuid,
    #[db(unique)]
    name: String,
}

/// CockroachDB's statements for a `random_uuid` key (`DEFAULT
/// gen_random_uuid()`, `INSERT .. RETURNING "id"`), run on PostgreSQL
/// through a `?dialect=cockroachdb` connection.
#[test]
#[cfg_attr(
    not(orm_test_postgres),
    ignore = "PostgreSQL: ORM_TEST_POSTGRES_URL is not set (or the postgres feature is off)"
)]
fn cockroachdb_random_uuid_keys_run_on_postgresql() {
    let base = crate::common::server_url("postgres");
    let sep = if base.contains('?') { '&' } else { '?' };
    let conn = Connection::open(&format!("{base}{sep}dialect=cockroachdb")).unwrap();
    assert_eq!(conn.dialect().name(), "cockroachdb");
    let schema = crate::common::unique_name("crdb_uuid");
    conn.execute_batch(&format!(
        "CREATE SCHEMA \"{schema}\"; SET search_path TO \"{schema}\""
    ))
    .unwrap();
    let run = || {
        let plan = conn.schema_plan::<Device>().unwrap();
        assert_eq!(
            plan.changes[0].sql,
            r#"CREATE TABLE "crdb_devices" ("id" UUID NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY, "name" TEXT NOT NULL)"#
        );
        conn.apply(&plan).unwrap();
        let mut a = Device {
            name: "a".into(),
            ..Default::default()
        };
        a.save(&conn).unwrap();
        assert_eq!(a.id.get_version_num(), 4);
        assert_eq!(CrdbDevices::find(&conn, a.id).unwrap(), a);
        let again = conn.sync::<Device>().unwrap();
        assert!(!again.changed() && again.drift.is_empty(), "{again:?}");
    };
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run));
    let _ = conn.execute_batch(&format!("DROP SCHEMA \"{schema}\" CASCADE"));
    if let Err(p) = res {
        std::panic::resume_unwind(p);
    }
}
