//! Relations: declarations, accessors, joins by relation, raw joins, full
//! joins with orphans, includes without N+1, custom selects and aggregates.
//! Every test runs on each available dialect.

use crate::common::db_test;
use chrono::NaiveDate;
use orm::prelude::*;

#[derive(Model, Debug, Clone, Default, PartialEq)]
struct User {
    id: i64,
    name: String,
    email: String,
    role: String,
    #[db(foreign_key = "author_id")]
    posts: HasMany<Post>,
    comments: HasMany<Comment>,
    payments: HasMany<Payment>,
    profile: HasOne<Profile>,
}

#[derive(Model, Debug, Clone, Default, PartialEq)]
struct Profile {
    id: i64,
    user_id: i64,
    bio: String,
}

#[derive(Model, Debug, Clone, Default, PartialEq)]
struct Post {
    id: i64,
    title: String,
    author_id: Option<i64>,
    #[db(join = "inner")]
    author: BelongsTo<User>,
    comments: HasMany<Comment>,
    tags: ManyToMany<Tag>,
}

#[derive(Model, Debug, Clone, Default, PartialEq)]
struct Comment {
    id: i64,
    post_id: i64,
    user_id: Option<i64>,
    score: i64,
    featured: bool,
    post: BelongsTo<Post>,
    user: BelongsTo<User>,
}

#[derive(Model, Debug, Clone, Default, PartialEq)]
struct Tag {
    id: i64,
    name: String,
    #[db(through = "post_tags", through_keys("tag_id", "post_id"))]
    posts: ManyToMany<Post>,
}

/// The join table of posts and tags.
#[derive(Model, Debug, Clone, Default, PartialEq)]
struct PostTag {
    id: i64,
    post_id: i64,
    tag_id: i64,
}

#[derive(Model, Debug, Clone, Default, PartialEq)]
struct Payment {
    id: i64,
    user_id: i64,
    month: String,
    paid_on: Option<NaiveDate>,
}

/// A custom select list, mapped by column name.
#[derive(FromRow, Debug, PartialEq)]
struct Scored {
    title: String,
    bad_average: Option<f64>,
    good_average: Option<f64>,
}

#[derive(FromRow, Debug, PartialEq)]
struct PostCount {
    name: String,
    #[db(column = "n")]
    posts: i64,
    #[db(skip)]
    note: String,
}

struct Seed {
    ann: User,
    bob: User,
    cat: User,
    dan: User,
    hello: Post,
    guest: Post,
    another: Post,
    orphan: Post,
    rust: Tag,
    unused: Tag,
}

fn user(conn: &Connection, name: &str, role: &str) -> User {
    let mut u = User {
        name: name.into(),
        email: format!("{name}@example.com"),
        role: role.into(),
        ..Default::default()
    };
    u.save(conn).unwrap();
    u
}

fn post(conn: &Connection, title: &str, author: Option<&User>) -> Post {
    let mut p = Post {
        title: title.into(),
        author_id: author.map(|a| a.id),
        ..Default::default()
    };
    p.save(conn).unwrap();
    p
}

fn comment(conn: &Connection, post: &Post, by: &User, score: i64, featured: bool) {
    let mut c = Comment {
        post_id: post.id,
        user_id: Some(by.id),
        score,
        featured,
        ..Default::default()
    };
    c.save(conn).unwrap();
}

fn tag(conn: &Connection, name: &str) -> Tag {
    let mut t = Tag {
        name: name.into(),
        ..Default::default()
    };
    t.save(conn).unwrap();
    t
}

fn sync_all(conn: &Connection) {
    conn.sync::<User>().unwrap();
    conn.sync::<Profile>().unwrap();
    conn.sync::<Post>().unwrap();
    conn.sync::<Comment>().unwrap();
    conn.sync::<Tag>().unwrap();
    conn.sync::<PostTag>().unwrap();
    conn.sync::<Payment>().unwrap();
}

fn seed(conn: &Connection) -> Seed {
    sync_all(conn);
    let ann = user(conn, "ann", "admin");
    let bob = user(conn, "bob", "guest");
    let cat = user(conn, "cat", "guest");
    let dan = user(conn, "dan", "member");
    let hello = post(conn, "Hello", Some(&ann));
    let guest = post(conn, "Guest post", Some(&bob));
    let another = post(conn, "Another guest", Some(&cat));
    let orphan = post(conn, "Orphan", None);
    comment(conn, &hello, &bob, 5, true);
    comment(conn, &hello, &cat, -3, false);
    comment(conn, &guest, &ann, 2, false);
    comment(conn, &guest, &ann, -1, true);
    let rust = tag(conn, "rust");
    let sql = tag(conn, "sql");
    let unused = tag(conn, "unused");
    Posts::TAGS.add(conn, &hello, &rust).unwrap();
    Posts::TAGS.add(conn, &hello, &sql).unwrap();
    Posts::TAGS.add(conn, &guest, &rust).unwrap();
    for (u, month, paid) in [
        (&ann, "2024-05", true),
        (&bob, "2024-05", false),
        (&cat, "2024-05", false),
        (&bob, "2024-04", true),
    ] {
        let mut p = Payment {
            user_id: u.id,
            month: month.into(),
            paid_on: paid.then(|| NaiveDate::from_ymd_opt(2024, 6, 1).unwrap()),
            ..Default::default()
        };
        p.save(conn).unwrap();
    }
    let mut profile = Profile {
        user_id: ann.id,
        bio: "admin of things".into(),
        ..Default::default()
    };
    profile.save(conn).unwrap();
    Seed {
        ann,
        bob,
        cat,
        dan,
        hello,
        guest,
        another,
        orphan,
        rust,
        unused,
    }
}

fn titles(posts: &[Post]) -> Vec<&str> {
    posts.iter().map(|p| p.title.as_str()).collect()
}

// ---- the Go doc's examples ----

fn posts_whose_author_is_a_guest(conn: &Connection) {
    seed(conn);
    let posts = Posts::all()
        .join(Posts::AUTHOR)
        .filter(Users::ROLE.eq("guest"))
        .order("posts.title")
        .all(conn)
        .unwrap();
    assert_eq!(titles(&posts), ["Another guest", "Guest post"]);
}
db_test!(posts_whose_author_is_a_guest);

fn joined_columns_named_at_run_time(conn: &Connection) {
    seed(conn);
    let n = Posts::all()
        .join(Posts::AUTHOR)
        .equal_to("users.role", "guest")
        .count(conn)
        .unwrap();
    assert_eq!(n, 2);
}
db_test!(joined_columns_named_at_run_time);

fn an_authors_posts_with_featured_comments(conn: &Connection) {
    let s = seed(conn);
    for (author, expected) in [(&s.ann, "Hello"), (&s.bob, "Guest post")] {
        let posts = Posts::all()
            .filter(Posts::AUTHOR_ID.eq(author.id))
            .join(Posts::COMMENTS)
            .filter(Comments::FEATURED.eq(true))
            .distinct()
            .all(conn)
            .unwrap();
        assert_eq!(titles(&posts), [expected]);
    }
    let none = Posts::all()
        .filter(Posts::AUTHOR_ID.eq(s.cat.id))
        .join(Posts::COMMENTS)
        .filter(Comments::FEATURED.eq(true))
        .exists(conn)
        .unwrap();
    assert!(!none);
}
db_test!(an_authors_posts_with_featured_comments);

fn the_commenters_of_an_article(conn: &Connection) {
    let s = seed(conn);
    let names = Users::all()
        .join(Users::COMMENTS)
        .filter(Comments::POST_ID.eq(s.hello.id))
        .distinct()
        .order("users.name")
        .pluck(conn, Users::NAME)
        .unwrap();
    assert_eq!(names, ["bob", "cat"]);
}
db_test!(the_commenters_of_an_article);

fn good_and_bad_averages_with_a_double_join(conn: &Connection) {
    seed(conn);
    let scored: Vec<Scored> = Posts::all()
        .join_sql(
            "INNER JOIN comments AS bad_comments ON bad_comments.post_id = posts.id \
             AND bad_comments.score < ?",
            (0,),
        )
        .join_sql(
            "INNER JOIN comments AS good_comments ON good_comments.post_id = posts.id \
             AND good_comments.score > ?",
            (0,),
        )
        .group_by("posts.id, posts.title")
        .order("posts.title")
        .select(
            conn,
            Sql::raw(
                "posts.title AS title, AVG(bad_comments.score) AS bad_average, \
                 AVG(good_comments.score) AS good_average",
            ),
        )
        .unwrap();
    assert_eq!(
        scored,
        [
            Scored {
                title: "Guest post".into(),
                bad_average: Some(-1.0),
                good_average: Some(2.0)
            },
            Scored {
                title: "Hello".into(),
                bad_average: Some(-3.0),
                good_average: Some(5.0)
            },
        ]
    );
}
db_test!(good_and_bad_averages_with_a_double_join);

fn emails_of_users_with_an_unpaid_month(conn: &Connection) {
    seed(conn);
    let emails = Users::all()
        .join(Users::PAYMENTS)
        .where_(
            "payments.month = ? AND payments.paid_on IS NULL",
            ("2024-05",),
        )
        .order("users.email")
        .pluck(conn, Users::EMAIL)
        .unwrap();
    assert_eq!(emails, ["bob@example.com", "cat@example.com"]);
}
db_test!(emails_of_users_with_an_unpaid_month);

// ---- joins ----

fn inner_by_declaration_and_outer_on_request(conn: &Connection) {
    seed(conn);
    // `author` is declared #[db(join = "inner")]: the orphan post drops.
    assert_eq!(Posts::all().join(Posts::AUTHOR).count(conn).unwrap(), 3);
    assert_eq!(
        Posts::all().inner_join(Posts::AUTHOR).count(conn).unwrap(),
        3
    );
    assert_eq!(
        Posts::all().outer_join(Posts::AUTHOR).count(conn).unwrap(),
        4
    );
}
db_test!(inner_by_declaration_and_outer_on_request);

fn outer_by_default_and_inner_on_request(conn: &Connection) {
    seed(conn);
    // dan has no post: kept by the default LEFT OUTER join.
    assert_eq!(Users::all().join(Users::POSTS).count(conn).unwrap(), 4);
    assert_eq!(
        Users::all().inner_join(Users::POSTS).count(conn).unwrap(),
        3
    );
    let lonely = Users::all()
        .join(Users::POSTS)
        .filter(Posts::ID.is_null())
        .pluck(conn, Users::NAME)
        .unwrap();
    assert_eq!(lonely, ["dan"]);
}
db_test!(outer_by_default_and_inner_on_request);

#[test]
fn join_renders_qualified_and_quoted() {
    let sql = Posts::all()
        .join(Posts::AUTHOR)
        .filter(Posts::TITLE.eq("x"))
        .filter(Users::ROLE.eq("guest"))
        .to_sql()
        .unwrap();
    assert_eq!(
        sql.sql,
        "SELECT \"posts\".\"id\", \"posts\".\"title\", \"posts\".\"author_id\" FROM \"posts\" \
         INNER JOIN \"users\" ON \"users\".\"id\" = \"posts\".\"author_id\" \
         WHERE \"posts\".\"title\" = $1 AND \"users\".\"role\" = $2"
    );
    assert_eq!(sql.params, [Value::from("x"), Value::from("guest")]);
}

fn joins_through_several_relations(conn: &Connection) {
    seed(conn);
    // Posts commented on by an admin: posts -> comments -> users.
    let posts = Posts::all()
        .join(Posts::COMMENTS)
        .join(Comments::USER)
        .filter(Users::ROLE.eq("admin"))
        .distinct()
        .all(conn)
        .unwrap();
    assert_eq!(titles(&posts), ["Guest post"]);
}
db_test!(joins_through_several_relations);

fn aliases_for_a_table_joined_twice(conn: &Connection) {
    seed(conn);
    let scope = Posts::all()
        .join_as(Posts::COMMENTS, "featured")
        .join_as(Posts::COMMENTS, "negative")
        .where_("featured.featured = ?", (true,))
        .where_("negative.score < ?", (0,))
        .distinct()
        .order("posts.title");
    assert!(scope.to_sql().unwrap().sql.contains("AS \"negative\""));
    assert_eq!(titles(&scope.all(conn).unwrap()), ["Guest post", "Hello"]);
}
db_test!(aliases_for_a_table_joined_twice);

fn alias_is_the_own_side_of_the_next_join(conn: &Connection) {
    seed(conn);
    let sql = Users::all()
        .join_as(Users::COMMENTS, "c")
        .join(Comments::POST)
        .to_sql()
        .unwrap()
        .sql;
    assert!(
        sql.contains("ON \"posts\".\"id\" = \"c\".\"post_id\""),
        "{sql}"
    );
    let n = Users::all()
        .join_as(Users::COMMENTS, "c")
        .join(Comments::POST)
        .where_("posts.title = ?", ("Hello",))
        .distinct()
        .count(conn)
        .unwrap();
    assert_eq!(n, 2);
}
db_test!(alias_is_the_own_side_of_the_next_join);

fn raw_join_with_bound_parameters(conn: &Connection) {
    let s = seed(conn);
    // Posts not commented on by bob.
    let scope = Posts::all()
        .join_sql(
            "LEFT JOIN comments AS c ON c.post_id = posts.id AND c.user_id = ?",
            (s.bob.id,),
        )
        .where_("c.id IS NULL", ())
        .order("posts.title");
    let st = scope.to_sql().unwrap();
    assert_eq!(st.params, [Value::from(s.bob.id)]);
    assert_eq!(
        titles(&scope.all(conn).unwrap()),
        ["Another guest", "Guest post", "Orphan"]
    );
}
db_test!(raw_join_with_bound_parameters);

fn raw_join_parameter_count_is_checked(conn: &Connection) {
    seed(conn);
    let err = Posts::all()
        .join_sql("LEFT JOIN comments AS c ON c.user_id = ?", ())
        .all(conn)
        .unwrap_err();
    assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
}
db_test!(raw_join_parameter_count_is_checked);

fn joining_a_relation_of_a_model_not_in_the_query_is_a_typed_error(conn: &Connection) {
    seed(conn);
    // Comments::USER is declared on comments, which this scope lacks.
    let err = Posts::all().join(Comments::USER).all(conn).unwrap_err();
    assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
    assert!(err.to_string().contains("user"), "{err}");
}
db_test!(joining_a_relation_of_a_model_not_in_the_query_is_a_typed_error);

fn base_columns_are_still_checked_with_joins(conn: &Connection) {
    seed(conn);
    let err = Posts::all()
        .join(Posts::AUTHOR)
        .equal_to("nope", 1)
        .all(conn)
        .unwrap_err();
    assert!(matches!(err, Error::UnknownColumn { .. }), "{err:?}");
}
db_test!(base_columns_are_still_checked_with_joins);

fn update_and_delete_through_a_joined_scope(conn: &Connection) {
    seed(conn);
    let guests = Posts::all()
        .join(Posts::AUTHOR)
        .filter(Users::ROLE.eq("guest"));
    assert_eq!(
        guests
            .update_attribute(conn, Posts::TITLE, "by a guest")
            .unwrap(),
        2
    );
    assert_eq!(
        Posts::all()
            .filter(Posts::TITLE.eq("by a guest"))
            .count(conn)
            .unwrap(),
        2
    );
    let n = Comments::all()
        .join(Comments::USER)
        .filter(Users::NAME.eq("cat"))
        .delete(conn)
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(Comments::count(conn).unwrap(), 3);
}
db_test!(update_and_delete_through_a_joined_scope);

fn distinct_counts_distinct_rows(conn: &Connection) {
    seed(conn);
    let commenters = Users::all().inner_join(Users::COMMENTS);
    assert_eq!(commenters.count(conn).unwrap(), 4);
    assert_eq!(commenters.clone().distinct().count(conn).unwrap(), 3);
    assert_eq!(commenters.distinct().all(conn).unwrap().len(), 3);
}
db_test!(distinct_counts_distinct_rows);

// ---- accessors ----

fn belongs_to_accessor_loads_the_parent(conn: &Connection) {
    let s = seed(conn);
    assert_eq!(
        s.hello.author(conn).unwrap().map(|u| u.name),
        Some("ann".into())
    );
    assert_eq!(s.orphan.author(conn).unwrap(), None);
    let c = Comments::first(conn).unwrap().unwrap();
    // A non-optional key gives the record itself.
    let p: Post = c.post(conn).unwrap();
    assert_eq!(p.id, c.post_id);
}
db_test!(belongs_to_accessor_loads_the_parent);

fn belongs_to_accessor_with_a_dangling_key_is_not_found(conn: &Connection) {
    seed(conn);
    let c = Comment {
        post_id: 999_999,
        ..Default::default()
    };
    assert!(matches!(c.post(conn), Err(Error::NotFound { .. })));
}
db_test!(belongs_to_accessor_with_a_dangling_key_is_not_found);

fn has_many_accessor_is_a_scope(conn: &Connection) {
    let s = seed(conn);
    assert_eq!(s.ann.posts().count(conn).unwrap(), 1);
    assert_eq!(s.dan.posts().count(conn).unwrap(), 0);
    assert_eq!(
        s.ann
            .comments()
            .where_("score > ?", (0,))
            .count(conn)
            .unwrap(),
        1
    );
    assert_eq!(
        s.hello
            .comments()
            .order("score")
            .pluck(conn, Comments::SCORE)
            .unwrap(),
        [-3, 5]
    );
}
db_test!(has_many_accessor_is_a_scope);

fn saving_through_has_many_sets_the_foreign_key(conn: &Connection) {
    let s = seed(conn);
    let mut p = Post {
        title: "Dan's first".into(),
        ..Default::default()
    };
    s.dan.posts().save(conn, &mut p).unwrap();
    assert!(p.id > 0);
    assert_eq!(p.author_id, Some(s.dan.id));
    assert_eq!(titles(&s.dan.posts().all(conn).unwrap()), ["Dan's first"]);
    // A plain scope saves without touching keys.
    let mut q = Post {
        title: "loose".into(),
        ..Default::default()
    };
    Posts::all().save(conn, &mut q).unwrap();
    assert_eq!(q.author_id, None);
}
db_test!(saving_through_has_many_sets_the_foreign_key);

fn saving_through_an_unsaved_owner_is_an_error(conn: &Connection) {
    sync_all(conn);
    let ghost = User::default();
    let mut p = Post {
        title: "nobody's".into(),
        ..Default::default()
    };
    let err = ghost.posts().save(conn, &mut p).unwrap_err();
    assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
    assert_eq!(p.id, 0);
    assert_eq!(Posts::count(conn).unwrap(), 0);
}
db_test!(saving_through_an_unsaved_owner_is_an_error);

fn has_one_accessor(conn: &Connection) {
    let s = seed(conn);
    let profile = s.ann.profile().first(conn).unwrap().unwrap();
    assert_eq!(profile.bio, "admin of things");
    assert!(s.bob.profile().first(conn).unwrap().is_none());
}
db_test!(has_one_accessor);

fn many_to_many_lists_both_ways(conn: &Connection) {
    let s = seed(conn);
    let names = s
        .hello
        .tags()
        .order("name")
        .pluck(conn, Tags::NAME)
        .unwrap();
    assert_eq!(names, ["rust", "sql"]);
    let posts = s.rust.posts().order("title").all(conn).unwrap();
    assert_eq!(titles(&posts), ["Guest post", "Hello"]);
    assert_eq!(s.unused.posts().count(conn).unwrap(), 0);
}
db_test!(many_to_many_lists_both_ways);

fn many_to_many_add_and_remove(conn: &Connection) {
    let s = seed(conn);
    Posts::TAGS.add(conn, &s.another, &s.unused).unwrap();
    assert_eq!(
        s.another.tags().pluck(conn, Tags::NAME).unwrap(),
        ["unused"]
    );
    assert!(Posts::TAGS.remove(conn, &s.another, &s.unused).unwrap());
    assert!(!Posts::TAGS.remove(conn, &s.another, &s.unused).unwrap());
    assert_eq!(s.another.tags().count(conn).unwrap(), 0);
    // Declared from the other side, with explicit keys.
    Tags::POSTS.add(conn, &s.unused, &s.orphan).unwrap();
    assert_eq!(s.orphan.tags().pluck(conn, Tags::NAME).unwrap(), ["unused"]);
}
db_test!(many_to_many_add_and_remove);

fn many_to_many_join(conn: &Connection) {
    seed(conn);
    let posts = Posts::all()
        .inner_join(Posts::TAGS)
        .filter(Tags::NAME.eq("rust"))
        .order("posts.title")
        .all(conn)
        .unwrap();
    assert_eq!(titles(&posts), ["Guest post", "Hello"]);
}
db_test!(many_to_many_join);

// ---- full join ----

fn full_join_returns_orphans_of_the_other_side(conn: &Connection) {
    seed(conn);
    let (posts, lonely) = Posts::all()
        .order("title")
        .full_join_all(conn, Posts::AUTHOR)
        .unwrap();
    assert_eq!(posts.len(), 4);
    assert_eq!(
        lonely.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(),
        ["dan"]
    );
    let (users, orphans) = Users::all().full_join_all(conn, Users::POSTS).unwrap();
    assert_eq!(users.len(), 4);
    assert_eq!(titles(&orphans), ["Orphan"]);
}
db_test!(full_join_returns_orphans_of_the_other_side);

fn full_join_over_many_to_many(conn: &Connection) {
    seed(conn);
    let (_, unused) = Posts::all().full_join_all(conn, Posts::TAGS).unwrap();
    assert_eq!(
        unused.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["unused"]
    );
}
db_test!(full_join_over_many_to_many);

// ---- includes ----

fn relations_are_not_loaded_by_default(conn: &Connection) {
    let s = seed(conn);
    let ann = Users::find(conn, s.ann.id).unwrap();
    assert!(ann.posts.get().is_none());
    assert!(!ann.profile.is_loaded());
}
db_test!(relations_are_not_loaded_by_default);

fn include_has_many(conn: &Connection) {
    seed(conn);
    let users = Users::all()
        .order("name")
        .include(Users::POSTS)
        .all(conn)
        .unwrap();
    let counts: Vec<usize> = users
        .iter()
        .map(|u| u.posts.get().map_or(99, <[Post]>::len))
        .collect();
    assert_eq!(counts, [1, 1, 1, 0]);
    assert_eq!(users[0].posts.get().unwrap()[0].title, "Hello");
}
db_test!(include_has_many);

fn include_nested_levels(conn: &Connection) {
    seed(conn);
    let users = Users::all()
        .order("name")
        .include(Users::POSTS.then(Posts::COMMENTS.then(Comments::USER)))
        .include(Users::PROFILE)
        .all(conn)
        .unwrap();
    let ann = &users[0];
    let hello = &ann.posts.get().unwrap()[0];
    let commenters: Vec<&str> = hello
        .comments
        .get()
        .unwrap()
        .iter()
        .map(|c| c.user.get().unwrap().unwrap().name.as_str())
        .collect();
    assert_eq!(commenters, ["bob", "cat"]);
    assert_eq!(
        ann.profile.get().unwrap().map(|p| p.bio.as_str()),
        Some("admin of things")
    );
    assert_eq!(users[1].profile.get(), Some(None));
}
db_test!(include_nested_levels);

fn include_sibling_levels(conn: &Connection) {
    seed(conn);
    let before = conn.statement_count();
    let users = Users::all()
        .order("name")
        .include(Users::POSTS.then(Posts::COMMENTS).and(Posts::TAGS))
        .all(conn)
        .unwrap();
    // users, posts, then comments and tags of those posts.
    assert_eq!(conn.statement_count() - before, 4);
    let hello = &users[0].posts.get().unwrap()[0];
    assert_eq!(hello.comments.get().map(<[Comment]>::len), Some(2));
    let tags: Vec<&str> = hello
        .tags
        .get()
        .unwrap()
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(tags, ["rust", "sql"]);
}
db_test!(include_sibling_levels);

fn include_belongs_to_and_many_to_many(conn: &Connection) {
    seed(conn);
    let posts = Posts::all()
        .order("title")
        .include(Posts::AUTHOR)
        .include(Posts::TAGS)
        .all(conn)
        .unwrap();
    let authors: Vec<Option<&str>> = posts
        .iter()
        .map(|p| p.author.get().unwrap().map(|u| u.name.as_str()))
        .collect();
    assert_eq!(authors, [Some("cat"), Some("bob"), Some("ann"), None]);
    let tags: Vec<usize> = posts.iter().map(|p| p.tags.get().unwrap().len()).collect();
    assert_eq!(tags, [0, 1, 2, 0]);
}
db_test!(include_belongs_to_and_many_to_many);

fn include_with_first_and_find(conn: &Connection) {
    let s = seed(conn);
    let ann = Users::all()
        .include(Users::POSTS)
        .find(conn, s.ann.id)
        .unwrap();
    assert_eq!(ann.posts.get().map(<[Post]>::len), Some(1));
    let first = Posts::all()
        .filter(Posts::ID.eq(s.guest.id))
        .include(Posts::COMMENTS)
        .first(conn)
        .unwrap()
        .unwrap();
    assert_eq!(first.comments.get().map(<[Comment]>::len), Some(2));
}
db_test!(include_with_first_and_find);

/// `n` users, each with two posts, each with two comments.
fn fan_out(conn: &Connection, n: usize) {
    sync_all(conn);
    conn.transaction(|tx| {
        for i in 0..n {
            let u = user(tx, &format!("u{i}"), "member");
            for j in 0..2 {
                let p = post(tx, &format!("p{i}-{j}"), Some(&u));
                comment(tx, &p, &u, 1, false);
                comment(tx, &p, &u, 2, false);
            }
        }
        Ok(())
    })
    .unwrap();
}

fn statements_for_nested_include(conn: &Connection) -> (u64, usize) {
    let before = conn.statement_count();
    let users = Users::all()
        .include(Users::POSTS.then(Posts::COMMENTS))
        .all(conn)
        .unwrap();
    let comments: usize = users
        .iter()
        .flat_map(|u| u.posts.get().unwrap())
        .map(|p| p.comments.get().unwrap().len())
        .sum();
    (conn.statement_count() - before, comments)
}

fn include_runs_a_constant_number_of_statements(conn: &Connection) {
    fan_out(conn, 3);
    assert_eq!(statements_for_nested_include(conn), (3, 12));
    fan_out(conn, 27);
    // 30 users now: still one query per level.
    assert_eq!(statements_for_nested_include(conn), (3, 120));
}
db_test!(include_runs_a_constant_number_of_statements);

fn include_gives_children_in_key_order(conn: &Connection) {
    sync_all(conn);
    let ann = user(conn, "ann", "admin");
    let bob = user(conn, "bob", "member");
    // Stored out of key order, and the two owners' posts interleaved.
    for (id, owner) in [(30, &ann), (31, &bob), (10, &ann), (11, &bob), (20, &ann)] {
        let mut p = Post {
            id,
            title: format!("p{id}"),
            author_id: Some(owner.id),
            ..Default::default()
        };
        p.insert(conn).unwrap();
    }
    let users = Users::all()
        .order("name")
        .include(Users::POSTS)
        .all(conn)
        .unwrap();
    let ids: Vec<Vec<i64>> = users
        .iter()
        .map(|u| u.posts.get().unwrap().iter().map(|p| p.id).collect())
        .collect();
    assert_eq!(ids, [vec![10, 20, 30], vec![11, 31]]);
}
db_test!(include_gives_children_in_key_order);

fn include_statement_reused_with_other_keys(conn: &Connection) {
    sync_all(conn);
    let users: Vec<User> = ["ann", "bob", "cat", "dan"]
        .iter()
        .map(|n| user(conn, n, "member"))
        .collect();
    for u in &users {
        post(conn, &format!("{}'s", u.name), Some(u));
    }
    // Two owners each time: the same statement text (cached per number of
    // keys, or one array), other keys bound.
    for pair in [["ann", "bob"], ["cat", "dan"], ["bob", "cat"]] {
        let loaded = Users::all()
            .filter(Users::NAME.in_list(pair))
            .order("name")
            .include(Users::POSTS)
            .all(conn)
            .unwrap();
        let titles: Vec<String> = loaded
            .iter()
            .map(|u| u.posts.get().unwrap()[0].title.clone())
            .collect();
        assert_eq!(titles, [format!("{}'s", pair[0]), format!("{}'s", pair[1])]);
    }
}
db_test!(include_statement_reused_with_other_keys);

fn include_chunks_long_key_lists(conn: &Connection) {
    sync_all(conn);
    let users: Vec<User> = (0..1500)
        .map(|i| User {
            name: format!("u{i}"),
            ..Default::default()
        })
        .collect();
    Users::insert_all(conn, &users).unwrap();
    let before = conn.statement_count();
    let loaded = Users::all().include(Users::POSTS).all(conn).unwrap();
    let spent = conn.statement_count() - before;
    assert_eq!(loaded.len(), 1500);
    assert!(loaded.iter().all(|u| u.posts.get() == Some(&[][..])));
    // One main query, then the keys in chunks within the parameter limit.
    let per_chunk = conn.dialect().max_params().clamp(1, 1000);
    assert_eq!(spent, 1 + 1500u64.div_ceil(per_chunk as u64));
}
db_test!(include_chunks_long_key_lists);

fn include_of_no_parents_runs_nothing_more(conn: &Connection) {
    seed(conn);
    let before = conn.statement_count();
    let none = Users::all()
        .filter(Users::NAME.eq("nobody"))
        .include(Users::POSTS.then(Posts::COMMENTS))
        .all(conn)
        .unwrap();
    assert!(none.is_empty());
    assert_eq!(conn.statement_count() - before, 1);
}
db_test!(include_of_no_parents_runs_nothing_more);

// ---- selects and aggregates ----

fn aggregates(conn: &Connection) {
    seed(conn);
    let all = Comments::all();
    assert_eq!(all.sum(conn, Comments::SCORE).unwrap(), Some(3));
    assert_eq!(all.avg(conn, Comments::SCORE).unwrap(), Some(0.75));
    assert_eq!(all.min(conn, Comments::SCORE).unwrap(), Some(-3));
    assert_eq!(all.max(conn, Comments::SCORE).unwrap(), Some(5));
    let none = Comments::all().filter(Comments::SCORE.gt(100));
    assert_eq!(none.sum(conn, Comments::SCORE).unwrap(), None);
    assert_eq!(none.avg(conn, Comments::SCORE).unwrap(), None);
    assert_eq!(none.max(conn, Comments::SCORE).unwrap(), None);
    assert_eq!(
        Users::all().min(conn, Users::NAME).unwrap().as_deref(),
        Some("ann")
    );
}
db_test!(aggregates);

fn aggregates_over_a_join(conn: &Connection) {
    seed(conn);
    let hello = Comments::all()
        .join(Comments::POST)
        .filter(Posts::TITLE.eq("Hello"));
    assert_eq!(hello.sum(conn, Comments::SCORE).unwrap(), Some(2));
    assert_eq!(hello.avg(conn, Comments::SCORE).unwrap(), Some(1.0));
}
db_test!(aggregates_over_a_join);

fn select_into_a_from_row_struct(conn: &Connection) {
    seed(conn);
    let counts: Vec<PostCount> = Users::all()
        .join(Users::POSTS)
        .group_by("users.name")
        .order("users.name")
        .select(conn, Sql::raw("users.name AS name, COUNT(posts.id) AS n"))
        .unwrap();
    let got: Vec<(&str, i64)> = counts.iter().map(|c| (c.name.as_str(), c.posts)).collect();
    assert_eq!(got, [("ann", 1), ("bob", 1), ("cat", 1), ("dan", 0)]);
    assert!(counts.iter().all(|c| c.note.is_empty()));
}
db_test!(select_into_a_from_row_struct);

fn select_missing_column_is_a_typed_error(conn: &Connection) {
    seed(conn);
    let err = Users::all()
        .select::<PostCount>(conn, "users.name AS name")
        .unwrap_err();
    assert!(matches!(err, Error::UnknownColumn { .. }), "{err:?}");
}
db_test!(select_missing_column_is_a_typed_error);

fn from_row_with_raw_queries(conn: &Connection) {
    seed(conn);
    let rows: Vec<PostCount> = conn.query("SELECT 'x' AS name, 7 AS n", ()).unwrap();
    assert_eq!(rows[0].posts, 7);
}
db_test!(from_row_with_raw_queries);
