//! Compile-fail tests of `#[derive(Model)]` and `#[orm::scopes]`: each
//! `tests/ui/*.rs` must fail to build with exactly the error recorded in its
//! `.stderr` file. Regenerate with `TRYBUILD=overwrite cargo test --test
//! compile_fail`, then review the diff.

#[test]
fn compile_fail() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
