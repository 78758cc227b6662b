//! Limits give typed errors and leave the connection usable: too many
//! parameters, a NUL in SQL text, a statement larger than the server takes.

use crate::common::db_test;
use orm::prelude::*;

#[derive(Model, Debug, Clone, Default)]
struct Blob {
    id: i64,
    body: String,
}

fn still_usable(conn: &Connection) {
    assert!(!conn.is_broken());
    assert!(conn.is_healthy());
    assert_eq!(Blobs::all().count(conn).unwrap(), 1);
}

fn limits_are_typed_errors_and_the_connection_survives(conn: &Connection) {
    conn.sync::<Blob>().unwrap();
    Blob {
        body: "x".into(),
        ..Default::default()
    }
    .save(conn)
    .unwrap();

    // 70 000 values: more parameters than the protocol carries (PostgreSQL's
    // count is 16 bits: 65 536 used to wrap and kill the connection).
    // PostgreSQL takes the list as one array parameter (`= ANY($1)`);
    // elsewhere it is a typed error before anything is sent.
    let ids: Vec<i64> = (0..70_000).collect();
    let before = conn.statement_count();
    let res = Blobs::filter(Blobs::ID.in_list(ids.clone())).count(conn);
    if conn.dialect().array_params() {
        assert_eq!(res.unwrap(), 1);
        let not_in = Blobs::filter(Blobs::ID.in_list(ids).not()).count(conn);
        assert_eq!(not_in.unwrap(), 0, "the one row's id is in the list");
    } else {
        match res {
            Err(Error::TooManyParameters { given, max }) => {
                assert_eq!(given, 70_000);
                assert!(max < 70_000);
            }
            other => panic!("expected TooManyParameters, got {other:?}"),
        }
        assert_eq!(conn.statement_count(), before, "nothing was sent");
    }
    still_usable(conn);

    // A NUL in SQL text is refused, not reported as a lost connection.
    for sql in ["SELECT 1\0", "SELECT '\0'"] {
        let res = conn.query::<(i64,)>(sql, ());
        assert!(matches!(res, Err(Error::InvalidQuery { .. })), "{res:?}");
        still_usable(conn);
    }
    assert!(matches!(
        conn.execute_batch("SELECT 1;\0"),
        Err(Error::InvalidQuery { .. })
    ));
    still_usable(conn);

    if conn.dialect().name() == "mysql" {
        // Larger than max_allowed_packet (16 MiB by default on MariaDB
        // 10.11): the server would reset the connection.
        let max: Vec<(i64,)> = conn.query("SELECT @@max_allowed_packet", ()).unwrap();
        let big = "y".repeat(usize::try_from(max[0].0).unwrap() + 1);
        let mut b = Blob {
            body: big,
            ..Default::default()
        };
        match b.save(conn) {
            Err(Error::StatementTooLarge { .. }) => {}
            other => panic!("expected StatementTooLarge, got {other:?}"),
        }
        still_usable(conn);
    }
}
db_test!(limits_are_typed_errors_and_the_connection_survives);
