use orm::prelude::*;

#[derive(Model, Default)]
struct Post {
    id: i64,
    title: String,
}

fn main() -> orm::Result<()> {
    let conn = Connection::open("sqlite::memory:")?;
    let _ = Posts::all().only_deleted().count(&conn)?;
    let mut post = Post::default();
    post.touch(&conn)?;
    post.restore(&conn)?;
    Ok(())
}
