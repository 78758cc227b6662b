use orm::prelude::*;

#[derive(DbValue)]
enum Shape {
    Circle(f64),
    Square,
}

#[derive(DbValue)]
#[db(int)]
enum Level {
    #[db(rename = "low")]
    Low,
}

#[derive(DbValue)]
#[db(rename_all = "kebab-case")]
enum Mode {
    Fast,
}

#[derive(DbValue)]
enum Twice {
    A,
    #[db(rename = "A")]
    B,
}

#[derive(DbValue)]
struct Pair(i64, i64);

#[derive(DbValue)]
#[db(primary)]
struct Code(String);

fn main() {}
