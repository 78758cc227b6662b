//! CockroachDB's SQL, pinned. No CockroachDB binary can be installed on these
//! machines, so:
//!
//! - every statement the CockroachDB dialect emits for scopes, saving,
//!   upserts, schema sync and retrying transactions is recorded through a
//!   backend that only records, and compared with the expected text;
//! - what of it PostgreSQL also accepts (DDL with `unique_rowid()` shimmed,
//!   INSERT .. RETURNING, selects, the `cockroach_restart` savepoint
//!   protocol) runs against the PostgreSQL of `ORM_TEST_POSTGRES_URL` through
//!   a `postgresql://...?dialect=cockroachdb` connection. `UPSERT` and
//!   `AS OF SYSTEM TIME` are CockroachDB's own and are only pinned.
#![cfg(all(feature = "postgres", feature = "driver"))]

use std::time::Duration;

use orm::cockroach::{AsOf, CockroachScope};

use crate::common::recorder::{take, Log};
use orm::dialects::postgres::{CockroachDialect, PostgresDialect};
use orm::prelude::*;
use orm::{AnsiDialect, Dialect, Value};

#[derive(Model, Debug, Clone, Default, PartialEq)]
struct Account {
    id: i64,
    #[db(unique)]
    owner: String,
    balance: i64,
    #[db(index)]
    branch: i32,
    note: Option<String>,
}

#[derive(Model, Debug, Clone, PartialEq)]
struct Currency {
    #[db(primary_key)]
    code: String,
    name: String,
    rate: f64,
}

#[derive(Model, Debug, Clone, Default)]
struct Member {
    id: i64,
    account_id: i64,
    #[db(on_delete = "cascade", on_update = "restrict")]
    account: BelongsTo<Account>,
}

/// A cycle with `Member`'s table: its constraint is added after both
/// tables exist.
#[derive(Model, Debug, Clone, Default)]
struct Badge {
    id: i64,
    holder_id: Option<i64>,
    #[db(on_delete = "set_null")]
    holder: BelongsTo<Holder>,
}

#[derive(Model, Debug, Clone, Default)]
struct Holder {
    id: i64,
    badge_id: Option<i64>,
    badge: BelongsTo<Badge>,
}

/// Defaults, a sized text and a check constraint.
#[derive(Model, Debug, Clone, Default)]
#[db(table = "crdb_items", check = raw("qty >= 0"))]
struct Item {
    id: i64,
    #[db(size = 12, default = "new")]
    sku: String,
    #[db(default = 0)]
    qty: i32,
    #[db(default = raw("now()"))]
    added: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Model, Debug, Clone, Default)]
#[db(table = "crdb_items", mapper = "IndexedItems")]
struct IndexedItem {
    id: i64,
    #[db(size = 12, default = "new", index)]
    sku: String,
    #[db(default = 0)]
    qty: i32,
    #[db(default = raw("now()"))]
    added: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Model, Debug, Clone, Default)]
struct Narrow {
    id: i32,
    label: String,
}

/// A CockroachDB connection that runs nothing and records each statement
/// (`INSERT .. RETURNING` through the driver answers key 7).
fn recorder() -> (Connection, Log) {
    let (conn, log) = crate::common::recorder::recorder(
        &CockroachDialect,
        &orm::dialects::postgres::CockroachCatalogue,
        None,
    );
    assert_eq!(conn.dialect().name(), "cockroachdb");
    (conn, log)
}

const SELECT: &str = r#"SELECT "id", "owner", "balance", "branch", "note" FROM "accounts""#;

#[test]
fn scopes_render_plain_postgres_style_selects() {
    let st = Accounts::all()
        .filter(Accounts::OWNER.eq("ann"))
        .filter(Accounts::BALANCE.gt(10))
        .order("balance DESC")
        .limit(2)
        .offset(1)
        .to_sql_for(&CockroachDialect)
        .unwrap();
    assert_eq!(
        st.sql,
        format!(
            r#"{SELECT} WHERE "owner" = $1 AND "balance" > $2 ORDER BY "balance" DESC LIMIT 2 OFFSET 1"#
        )
    );
    assert_eq!(st.params, [Value::from("ann"), Value::Int(10)]);
    // The same text as PostgreSQL: what runs against PostgreSQL below.
    let pg = Accounts::all()
        .filter(Accounts::OWNER.eq("ann"))
        .filter(Accounts::BALANCE.gt(10))
        .order("balance DESC")
        .limit(2)
        .offset(1)
        .to_sql_for(&PostgresDialect)
        .unwrap();
    assert_eq!(st, pg);
}

#[test]
fn as_of_system_time_goes_right_after_the_table() {
    let st = Accounts::all()
        .as_of_system_time(AsOf::Ago(Duration::from_secs(10)))
        .filter(Accounts::OWNER.eq("ann"))
        .order("id")
        .to_sql_for(&CockroachDialect)
        .unwrap();
    assert_eq!(
        st.sql,
        format!(r#"{SELECT} AS OF SYSTEM TIME '-10000000us' WHERE "owner" = $1 ORDER BY "id" ASC"#)
    );
    let noon = chrono::NaiveDate::from_ymd_opt(2024, 5, 1)
        .unwrap()
        .and_hms_micro_opt(12, 0, 0, 500_000)
        .unwrap()
        .and_utc();
    for (at, literal) in [
        (AsOf::Ago(Duration::from_millis(250)), "'-250000us'"),
        (AsOf::Ago(Duration::from_nanos(1_500)), "'-1us'"),
        (AsOf::At(noon), "'2024-05-01 12:00:00.500000+00:00'"),
        (AsOf::FollowerRead, "follower_read_timestamp()"),
    ] {
        let st = Accounts::all()
            .as_of_system_time(at)
            .to_sql_for(&CockroachDialect)
            .unwrap();
        assert_eq!(
            st.sql,
            format!("{SELECT} AS OF SYSTEM TIME {literal}"),
            "{at:?}"
        );
        assert!(st.params.is_empty());
    }
    assert_eq!(
        Accounts::all()
            .follower_read()
            .to_sql_for(&CockroachDialect)
            .unwrap()
            .sql,
        format!("{SELECT} AS OF SYSTEM TIME follower_read_timestamp()")
    );
    // Less than a microsecond ago is not in the past for CockroachDB.
    let err = Accounts::all()
        .as_of_system_time(AsOf::Ago(Duration::from_nanos(999)))
        .to_sql_for(&CockroachDialect)
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidQuery { message, .. } if message.contains("AS OF SYSTEM TIME")),
        "{err:?}"
    );
    // Other dialects have no such reads: a typed error.
    for dialect in [&PostgresDialect as &dyn Dialect, &AnsiDialect] {
        let err = Accounts::all()
            .as_of_system_time(AsOf::Ago(Duration::from_secs(10)))
            .to_sql_for(dialect)
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidQuery { message, .. } if message.contains("CockroachDB")),
            "{}: {err:?}",
            dialect.name()
        );
    }
}

#[test]
fn every_terminal_call_reads_as_of_system_time() {
    let (conn, log) = recorder();
    let past = Accounts::all().as_of_system_time(AsOf::Ago(Duration::from_secs(5)));
    let _ = past.clone().find(&conn, 3);
    let _ = past.clone().filter(Accounts::BRANCH.eq(1)).count(&conn);
    let _ = past.clone().group_by("branch").count(&conn);
    let _ = past.clone().exists(&conn);
    let _ = past.clone().pluck(&conn, Accounts::OWNER);
    let _ = past.clone().all(&conn);
    let _ = past.clone().iter(&conn).map(|rows| rows.count());
    let aost = "AS OF SYSTEM TIME '-5000000us'";
    assert_eq!(
        take(&log),
        [
            format!(r#"{SELECT} {aost} WHERE "id" = $1 LIMIT 1"#),
            format!(r#"SELECT COUNT(*) FROM "accounts" {aost} WHERE "branch" = $1"#),
            format!(
                r#"SELECT COUNT(*) FROM (SELECT 1 AS "one" FROM "accounts" GROUP BY "branch") AS "orm_rows" {aost}"#
            ),
            format!(r#"SELECT 1 FROM "accounts" {aost} LIMIT 1"#),
            format!(r#"SELECT "owner" FROM "accounts" {aost}"#),
            format!("{SELECT} {aost}"),
            format!("{SELECT} {aost}"),
        ]
    );
    // A past snapshot is read-only: writes through it are refused unsent.
    let err = past
        .clone()
        .filter(Accounts::ID.eq(1))
        .update_attribute(&conn, Accounts::BALANCE, 0)
        .unwrap_err();
    assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
    let err = past.filter(Accounts::ID.eq(1)).delete(&conn).unwrap_err();
    assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
    assert!(take(&log).is_empty());
}

#[test]
fn saving_uses_returning_and_upsert() {
    let (conn, log) = recorder();
    let mut a = Account {
        owner: "ann".into(),
        balance: 5,
        ..Default::default()
    };
    a.save(&conn).unwrap();
    assert_eq!(a.id, 7, "the key RETURNING gave");
    a.balance = 6;
    a.save(&conn).unwrap();
    let mut eur = Currency {
        code: "EUR".into(),
        name: "euro".into(),
        rate: 1.0,
    };
    eur.save(&conn).unwrap();
    assert_eq!(
        take(&log),
        [
            r#"INSERT INTO "accounts" ("owner", "balance", "branch", "note") VALUES ($1, $2, $3, $4) RETURNING "id""#,
            r#"UPDATE "accounts" SET "owner" = $1, "balance" = $2, "branch" = $3, "note" = $4 WHERE "id" = $5"#,
            r#"UPSERT INTO "currencies" ("code", "name", "rate") VALUES ($1, $2, $3)"#,
        ]
    );
    // PostgreSQL's upsert, for comparison: INSERT .. ON CONFLICT.
    let mut pg = String::from(PostgresDialect.insert_keyword(true));
    pg.push_str(r#" "currencies" ("code", "name", "rate") VALUES ($1, $2, $3)"#);
    PostgresDialect.upsert_clause(&["code"], &["name", "rate"], &mut pg);
    assert_eq!(
        pg,
        r#"INSERT INTO "currencies" ("code", "name", "rate") VALUES ($1, $2, $3) ON CONFLICT ("code") DO UPDATE SET "name" = excluded."name", "rate" = excluded."rate""#
    );
}

#[test]
fn sync_emits_64_bit_keys_and_refuses_what_cockroachdb_cannot_do() {
    let (conn, log) = recorder();
    let report = conn.sync::<Account>().unwrap();
    assert!(report.created_table);
    let stmts = take(&log);
    assert!(stmts[0].contains("information_schema.columns"), "{stmts:?}");
    assert_eq!(
        stmts[1],
        r#"CREATE TABLE "accounts" ("id" INT8 PRIMARY KEY DEFAULT unique_rowid(), "owner" TEXT NOT NULL, "balance" INT8 NOT NULL, "branch" INT4 NOT NULL, "note" TEXT)"#
    );
    // A new table has no indexes to read: they are created.
    assert_eq!(
        &stmts[2..],
        [
            r#"CREATE UNIQUE INDEX "ux_accounts_owner" ON "accounts" ("owner")"#,
            r#"CREATE INDEX "ix_accounts_branch" ON "accounts" ("branch")"#,
        ]
    );
    // A generated key narrower than 64 bits: refused, with what to do.
    let err = conn.sync::<Narrow>().unwrap_err();
    assert!(
        matches!(&err, Error::InvalidQuery { message, .. }
            if message.contains("narrows.id") && message.contains("i32") && message.contains("i64")),
        "{err:?}"
    );
    assert!(take(&log).is_empty(), "refused before anything was sent");
    // Schema changes run outside explicit transactions.
    let err = conn
        .transaction(|tx| tx.sync::<Account>().map(|_| ()))
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidQuery { message, .. } if message.contains("transaction")),
        "{err:?}"
    );
    assert_eq!(take(&log), ["BEGIN", "ROLLBACK"]);
    // PostgreSQL takes any integer key and DDL inside transactions.
    let narrow = &<Narrow as orm::Model>::COLUMNS[0];
    assert_eq!(
        PostgresDialect.generated_key_ddl(narrow),
        "INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
    );
}

#[test]
fn sync_declares_foreign_keys_parents_first() {
    let (conn, log) = recorder();
    // The recorder reports no tables: both are created, parent first, the
    // child's constraint in its CREATE TABLE.
    let plan = conn.schema_plan::<(Member, Account)>().unwrap();
    let sql: Vec<&str> = plan.changes.iter().map(|c| c.sql.as_str()).collect();
    assert_eq!(
        sql,
        [
            r#"CREATE TABLE "accounts" ("id" INT8 PRIMARY KEY DEFAULT unique_rowid(), "owner" TEXT NOT NULL, "balance" INT8 NOT NULL, "branch" INT4 NOT NULL, "note" TEXT)"#,
            r#"CREATE UNIQUE INDEX "ux_accounts_owner" ON "accounts" ("owner")"#,
            r#"CREATE INDEX "ix_accounts_branch" ON "accounts" ("branch")"#,
            r#"CREATE TABLE "members" ("id" INT8 PRIMARY KEY DEFAULT unique_rowid(), "account_id" INT8 NOT NULL, CONSTRAINT "fk_members_account_id" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE RESTRICT)"#,
        ]
    );
    // A cycle: the constraint of the table created first is added after.
    let plan = conn.schema_plan::<(Badge, Holder)>().unwrap();
    let sql: Vec<&str> = plan.changes.iter().map(|c| c.sql.as_str()).collect();
    assert_eq!(
        sql,
        [
            r#"CREATE TABLE "badges" ("id" INT8 PRIMARY KEY DEFAULT unique_rowid(), "holder_id" INT8)"#,
            r#"CREATE TABLE "holders" ("id" INT8 PRIMARY KEY DEFAULT unique_rowid(), "badge_id" INT8, CONSTRAINT "fk_holders_badge_id" FOREIGN KEY ("badge_id") REFERENCES "badges" ("id"))"#,
            r#"ALTER TABLE "badges" ADD CONSTRAINT "fk_badges_holder_id" FOREIGN KEY ("holder_id") REFERENCES "holders" ("id") ON DELETE SET NULL"#,
        ]
    );
    // The parent neither exists nor is planned: the child is created
    // without the constraint, which is drift until the parent exists.
    let plan = conn.schema_plan::<Member>().unwrap();
    assert!(!plan.changes[0].sql.contains("FOREIGN KEY"), "{plan}");
    assert_eq!(
        plan.drift,
        [(
            "members".to_owned(),
            orm::Drift::MissingForeignKey {
                name: "fk_members_account_id".into(),
                column: "account_id".into(),
                references: "accounts".into(),
            }
        )]
    );
    take(&log);
}

const CREATE_ITEMS: &str = r#"CREATE TABLE "crdb_items" ("id" INT8 PRIMARY KEY DEFAULT unique_rowid(), "sku" VARCHAR(12) NOT NULL DEFAULT 'new', "qty" INT4 NOT NULL DEFAULT 0, "added" TIMESTAMPTZ DEFAULT (now()), CONSTRAINT "ck_crdb_items_d2c992e8" CHECK (qty >= 0))"#;

#[test]
fn sync_declares_defaults_sizes_and_checks() {
    let (conn, log) = recorder();
    let plan = conn.schema_plan::<Item>().unwrap();
    let sql: Vec<&str> = plan.changes.iter().map(|c| c.sql.as_str()).collect();
    assert_eq!(sql, [CREATE_ITEMS]);
    take(&log);
}

#[test]
#[cfg_attr(
    not(orm_test_postgres),
    ignore = "PostgreSQL: ORM_TEST_POSTGRES_URL is not set (or the postgres feature is off)"
)]
fn defaults_sizes_checks_and_concurrent_indexes_run_on_postgresql_too() {
    let db = cockroach_on_postgres();
    let conn = &db.conn;
    let plan = conn.schema_plan::<Item>().unwrap();
    assert_eq!(plan.changes[0].sql, CREATE_ITEMS);
    conn.apply(&plan).unwrap();
    let options = orm::PlanOptions::default().concurrent_indexes(true);
    let plan = conn.schema_plan_with::<IndexedItem>(&options).unwrap();
    let sql: Vec<&str> = plan.changes.iter().map(|c| c.sql.as_str()).collect();
    assert_eq!(
        sql,
        [r#"CREATE INDEX CONCURRENTLY "ix_crdb_items_sku" ON "crdb_items" ("sku")"#]
    );
    conn.apply(&plan).unwrap();
    let again = conn.schema_plan::<IndexedItem>().unwrap();
    assert!(again.is_empty() && again.drift.is_empty(), "{again:?}");
    let err = Item {
        qty: -1,
        ..Default::default()
    }
    .save(conn)
    .unwrap_err();
    assert!(matches!(err, Error::CheckViolation(_)), "{err:?}");
}

#[test]
#[cfg_attr(
    not(orm_test_postgres),
    ignore = "PostgreSQL: ORM_TEST_POSTGRES_URL is not set (or the postgres feature is off)"
)]
fn foreign_keys_run_on_postgresql_too() {
    let db = cockroach_on_postgres();
    let conn = &db.conn;
    conn.apply(&conn.schema_plan::<(Member, Account)>().unwrap())
        .unwrap();
    conn.apply(&conn.schema_plan::<(Badge, Holder)>().unwrap())
        .unwrap();
    // The catalogue finds them: nothing left to do.
    let again = conn
        .schema_plan::<(Member, Account, Badge, Holder)>()
        .unwrap();
    assert!(again.is_empty() && again.drift.is_empty(), "{again:?}");
    let err = Member {
        account_id: 1,
        ..Default::default()
    }
    .save(conn)
    .unwrap_err();
    assert!(matches!(err, Error::ForeignKeyViolation(_)), "{err:?}");
}

#[test]
fn retrying_transactions_use_the_restart_savepoint() {
    let (conn, log) = recorder();
    let mut runs = 0;
    conn.retry_transaction_with(&RetryPolicy::default(), &TxOptions::serializable(), |tx| {
        runs += 1;
        tx.execute(
            "UPDATE accounts SET balance = balance - ? WHERE id = ?",
            (1, 2),
        )?;
        if runs == 1 {
            // What CockroachDB reports on a conflict (SQLSTATE 40001).
            return Err(Error::SerializationFailure(orm::DbError::new(
                Some("40001".into()),
                "restart transaction",
                None,
            )));
        }
        Ok(())
    })
    .unwrap();
    let update = "UPDATE accounts SET balance = balance - $1 WHERE id = $2";
    assert_eq!(
        take(&log),
        [
            "BEGIN TRANSACTION ISOLATION LEVEL SERIALIZABLE",
            r#"SAVEPOINT "cockroach_restart""#,
            update,
            r#"ROLLBACK TO SAVEPOINT "cockroach_restart""#,
            update,
            r#"RELEASE SAVEPOINT "cockroach_restart""#,
            "COMMIT",
        ]
    );
    conn.transaction_with(&TxOptions::default().read_only(), |_| Ok(()))
        .unwrap();
    assert_eq!(take(&log), ["BEGIN TRANSACTION READ ONLY", "COMMIT"]);
    // Transaction priority: CockroachDB's own.
    let high = TxOptions::serializable().priority(orm::TxPriority::High);
    conn.transaction_with(&high, |_| Ok(())).unwrap();
    assert_eq!(
        take(&log),
        [
            "BEGIN TRANSACTION PRIORITY HIGH, ISOLATION LEVEL SERIALIZABLE",
            "COMMIT"
        ]
    );
}

/// A CockroachDB-dialect connection to the test PostgreSQL, in a schema of
/// its own with `unique_rowid()` shimmed by a sequence.
struct CockroachOnPostgres {
    conn: Connection,
    schema: String,
}

impl Drop for CockroachOnPostgres {
    fn drop(&mut self) {
        let _ = self
            .conn
            .execute_batch(&format!("DROP SCHEMA \"{}\" CASCADE", self.schema));
    }
}

fn cockroach_on_postgres() -> CockroachOnPostgres {
    let base = crate::common::server_url("postgres");
    let sep = if base.contains('?') { '&' } else { '?' };
    let conn = Connection::open(&format!("{base}{sep}dialect=cockroachdb")).unwrap();
    assert_eq!(conn.dialect().name(), "cockroachdb");
    let schema = crate::common::unique_name("crdb");
    conn.execute_batch(&format!(
        "CREATE SCHEMA \"{schema}\"; SET search_path TO \"{schema}\";
         CREATE SEQUENCE rowids;
         CREATE FUNCTION unique_rowid() RETURNS BIGINT LANGUAGE SQL
             AS 'SELECT nextval(''rowids'') * 1000003';"
    ))
    .unwrap();
    CockroachOnPostgres { conn, schema }
}

#[test]
#[cfg_attr(
    not(orm_test_postgres),
    ignore = "PostgreSQL: ORM_TEST_POSTGRES_URL is not set (or the postgres feature is off)"
)]
fn what_postgresql_also_accepts_runs_there() {
    let db = cockroach_on_postgres();
    let conn = &db.conn;
    // DDL: INT8 / INT4 / TEXT, DEFAULT unique_rowid(), indexes.
    let report = conn.sync::<Account>().unwrap();
    assert!(report.created_table);
    assert_eq!(report.created_indexes.len(), 2);
    let again = conn.sync::<Account>().unwrap();
    assert!(!again.changed() && again.drift.is_empty(), "{again:?}");
    // INSERT .. RETURNING with a unique_rowid() key.
    let mut accounts: Vec<Account> = ["ann", "bob", "cid"]
        .iter()
        .enumerate()
        .map(|(i, o)| Account {
            owner: (*o).into(),
            balance: 100 * (i as i64 + 1),
            branch: (i % 2) as i32,
            ..Default::default()
        })
        .collect();
    for a in &mut accounts {
        a.save(conn).unwrap();
        assert_eq!(a.id % 1_000_003, 0, "the key came from unique_rowid()");
    }
    // Selects, counts, plucks, finds, updates and deletes.
    assert_eq!(Accounts::find(conn, accounts[1].id).unwrap(), accounts[1]);
    assert_eq!(
        Accounts::filter(Accounts::BRANCH.eq(0))
            .count(conn)
            .unwrap(),
        2
    );
    assert_eq!(Accounts::group_by("branch").count(conn).unwrap(), 2);
    let owners: Vec<String> = Accounts::order("balance DESC")
        .limit(2)
        .pluck(conn, Accounts::OWNER)
        .unwrap();
    assert_eq!(owners, ["cid", "bob"]);
    // The restart-savepoint protocol of retrying transactions, with a
    // retryable error on the first run.
    let mut runs = 0;
    let (_, attempts) = conn
        .retry_transaction_with(&RetryPolicy::default(), &TxOptions::serializable(), |tx| {
            runs += 1;
            Accounts::filter(Accounts::OWNER.eq("ann")).update_sql(
                tx,
                "balance = balance + ?",
                (1,),
            )?;
            if runs == 1 {
                return Err(Error::SerializationFailure(orm::DbError::new(
                    Some("40001".into()),
                    "injected",
                    None,
                )));
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(attempts, 2);
    let ann = Accounts::filter(Accounts::OWNER.eq("ann"))
        .first(conn)
        .unwrap()
        .unwrap();
    assert_eq!(
        ann.balance, 101,
        "the first run was rolled back to the savepoint"
    );
    // Sync refuses to run inside a transaction, and rejects narrow keys.
    assert!(conn
        .transaction(|tx| tx.sync::<Account>().map(|_| ()))
        .is_err());
    assert!(matches!(
        conn.sync::<Narrow>(),
        Err(Error::InvalidQuery { .. })
    ));
    // UPSERT is CockroachDB's own: PostgreSQL refuses it, as a typed error.
    conn.sync::<Currency>().unwrap();
    let err = Currency {
        code: "EUR".into(),
        name: "euro".into(),
        rate: 1.0,
    }
    .save(conn)
    .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidQuery { message, .. } if message.contains("UPSERT")),
        "{err:?}"
    );
}
