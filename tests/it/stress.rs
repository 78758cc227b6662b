//! The bank example's stress mode, smaller, on every dialect: concurrent
//! transfers in retrying SERIALIZABLE transactions keep the total.

use crate::common::db_url_test;

#[path = "../../examples/bank.rs"]
#[allow(dead_code)]
mod bank;

fn concurrent_transfers_keep_the_total_on_every_dialect(url: &str, name: &str) {
    let opts = bank::Options {
        url: url.to_owned(),
        stress: true,
        threads: 4,
        accounts: 5,
        transfers: 400,
    };
    let report =
        bank::run_stress(&opts).unwrap_or_else(|e| panic!("{name}: stress run failed: {e}"));
    eprintln!("{name}: {report}");
    assert_eq!(report.total_before, 5 * 1000, "{name}");
    assert_eq!(
        report.total_after, report.total_before,
        "{name}: money created or lost"
    );
    assert_eq!(
        report.committed + report.failed,
        400,
        "{name}: transfers unaccounted for"
    );
    assert_eq!(report.failed, 0, "{name}: no faults were injected");
    if name == "postgres" {
        assert!(
            report.retries > 0,
            "{name}: 4 threads on 5 accounts must conflict"
        );
    }
}
db_url_test!(concurrent_transfers_keep_the_total_on_every_dialect);
