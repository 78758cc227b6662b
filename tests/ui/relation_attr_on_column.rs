use orm::prelude::*;

#[derive(Model, Default)]
struct Tag {
    id: i64,
}

#[derive(Model, Default)]
struct Post {
    id: i64,
    #[db(foreign_key = "x_id")]
    title: String,
    #[db(column = "tag_list")]
    tags: ManyToMany<Tag>,
    #[db(through = "post_tags")]
    first_tag: HasOne<Tag>,
}

fn main() {}
