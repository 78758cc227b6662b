use orm::FromRow;

#[derive(FromRow)]
enum Row {
    A,
}

fn main() {}
