//! The `orm` command-line tool; see the `orm_cli` library.

fn main() -> std::process::ExitCode {
    orm_cli::main()
}
