//! The examples of the Go package doc that `orm` follows (users, posts,
//! appointments and quiz scores of a small blog), translated to `orm` and run
//! on embedded SQLite in memory. Every call prints what it returned.
//!
//! ```text
//! cargo run --example blog
//! ```
//!
//! The clock is fixed at [`NOW`] so that the output is the same on every run.
//! The joins, `Include` and `FullJoin` examples use relations declared as
//! marker fields (`author: BelongsTo<User>`, `posts: HasMany<Post>`).

use chrono::{DateTime, Months, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
use orm::prelude::*;

/// "Now" for the whole program: 2024-06-01 12:00:00.
const NOW: NaiveDateTime = NaiveDate::from_ymd_opt(2024, 6, 1)
    .expect("a valid date")
    .and_hms_opt(12, 0, 0)
    .expect("a valid time");

/// A member of the blog.
#[derive(Model, Debug, Clone, Default)]
struct User {
    id: i64,
    name: String,
    #[db(unique)]
    email: String,
    role: String,
    created_at: NaiveDateTime,
    welcomed_at: Option<NaiveDateTime>,
    activated_at: Option<NaiveDateTime>,
    last_login: Option<NaiveDateTime>,
    /// The posts this user wrote (their `author_id`).
    #[db(foreign_key = "author_id")]
    posts: HasMany<Post>,
    /// The comments this user wrote.
    comments: HasMany<Comment>,
}

/// A comment on a post, scored by readers.
#[derive(Model, Debug, Clone, Default)]
struct Comment {
    id: i64,
    post_id: i64,
    user_id: i64,
    score: i64,
    featured: bool,
    post: BelongsTo<Post>,
    user: BelongsTo<User>,
}

/// The doc's anonymous struct of the good/bad averages, by column name.
#[derive(FromRow, Debug)]
struct ScoredPost {
    title: String,
    bad_average: Option<f64>,
    good_average: Option<f64>,
}

/// An article, written by a user.
#[derive(Model, Debug, Clone, Default)]
struct Post {
    id: i64,
    author_id: i64,
    title: String,
    body: String,
    hits: i64,
    late: bool,
    delete_on: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    featured_until: Option<NaiveDateTime>,
    category_id: i64,
    /// Joined INNER by default, as the doc's `db_join:"inner"`.
    #[db(join = "inner")]
    author: BelongsTo<User>,
    /// The comments on this post.
    comments: HasMany<Comment>,
}

/// A meeting with a begin and an end, for the `Func` and `Col` examples.
#[derive(Model, Debug, Clone, Default)]
struct Appointment {
    id: i64,
    title: String,
    begin_date_time: NaiveDateTime,
    end_date_time: NaiveDateTime,
}

/// A static page of the blog (About, Contact), with the lifecycle columns:
/// timestamps set by every write, soft delete, and a lock version.
#[derive(Model, Debug, Clone, Default)]
struct Page {
    id: i64,
    #[db(unique)]
    slug: String,
    body: String,
    /// Set by every INSERT.
    #[db(created_at)]
    created_at: DateTime<Utc>,
    /// Set by every INSERT and UPDATE.
    #[db(updated_at)]
    updated_at: DateTime<Utc>,
    /// Set by `delete`; the rows where it is set are left out of queries.
    #[db(soft_delete)]
    deleted_at: Option<DateTime<Utc>>,
    /// Checked and incremented by every write of a record.
    #[db(version)]
    lock_version: i32,
}

/// A newsletter subscription: its hooks normalise the address, refuse an
/// empty one, and send the welcome mail only once the subscription is
/// committed. One address may subscribe again after unsubscribing: its
/// unique index leaves soft-deleted rows out.
#[derive(Model, Debug, Clone, Default)]
#[db(hooks)]
struct Subscription {
    id: i64,
    #[db(unique, partial)]
    email: String,
    #[db(soft_delete)]
    unsubscribed_at: Option<DateTime<Utc>>,
}

impl orm::Hooks for Subscription {
    fn before_save(&mut self, _conn: &Connection) -> orm::Result<()> {
        self.email = self.email.trim().to_lowercase();
        if self.email.is_empty() {
            return Err(orm::Error::invalid("an email address is required"));
        }
        Ok(())
    }

    fn after_commit(&self, _conn: &Connection) -> orm::Result<()> {
        // Runs for every committed write of a subscription: only a live one
        // gets the mail.
        if self.unsubscribed_at.is_none() {
            println!("  (after_commit: welcome mail to {})", self.email);
        }
        Ok(())
    }
}

/// One quiz taken by a student (the doc's students example, on one table).
#[derive(Model, Debug, Clone, Default)]
struct QuizScore {
    id: i64,
    student: String,
    attended: bool,
    overall: i64,
}

// The doc's Mapper+: named scopes, written once on the scope type. Each one
// is also a starter on the mapper, so both `Users::unwelcomed()` and
// `Users::added_since(..).unwelcomed()` work.
#[orm::scopes]
impl UserScope {
    /// Users who have not been sent the welcome mail.
    pub fn unwelcomed(self) -> Self {
        self.filter(Users::WELCOMED_AT.eq(None))
    }

    /// Users created within `window` before now.
    pub fn added_since(self, window: TimeDelta) -> Self {
        self.filter(Users::CREATED_AT.gte(NOW - window))
    }

    /// Users who logged in during the last 30 days.
    pub fn recently_active(self) -> Self {
        self.filter(Users::LAST_LOGIN.gte(NOW - TimeDelta::days(30)))
    }

    /// Users who activated their account.
    pub fn activated(self) -> Self {
        self.filter(Users::ACTIVATED_AT.ne(None))
    }

    /// Administrators.
    pub fn admins(self) -> Self {
        self.filter(Users::ROLE.eq("admin"))
    }
}

fn main() -> Result<(), orm::Error> {
    let conn = Connection::open("sqlite::memory:")?;
    conn.sync::<User>()?;
    conn.sync::<Post>()?;
    conn.sync::<Appointment>()?;
    conn.sync::<QuizScore>()?;
    conn.sync::<Comment>()?;

    let users = seed_users(&conn)?;
    let posts = seed_posts(&conn, &users)?;
    seed_appointments(&conn)?;
    seed_quiz_scores(&conn)?;

    named_scopes(&conn)?;
    mappers(&conn, &users)?;
    scopes(&conn)?;
    database_mapping(&conn, &users)?;
    saving(&conn, &users)?;
    updating(&conn, &users)?;
    counting_and_plucking(&conn, &users)?;
    mixin(&conn, &users, &posts)?;
    sql_sundries(&conn)?;
    conditions(&conn)?;
    deleting(&conn)?;

    joins(&conn, &users, &posts)?;
    lifecycle(&conn)?;
    hooks_and_watching(&conn)?;
    Ok(())
}

/// Hooks (a veto, a normalisation, a mail after the commit), N+1
/// detection, and row locks.
fn hooks_and_watching(conn: &Connection) -> orm::Result<()> {
    heading("Hooks, N+1 detection, row locks");
    conn.sync::<Subscription>()?;
    let mut sub = Subscription {
        email: "  Ann@Example.org ".into(),
        ..Default::default()
    };
    conn.transaction(|tx| {
        sub.save(tx)?;
        println!(
            "  sub.save() in a transaction          -> email {:?}",
            sub.email
        );
        Ok(())
    })?;
    let mut empty = Subscription::default();
    println!(
        "  empty.save()                         -> {}",
        match empty.save(conn) {
            Err(e) => format!("Err({e})"),
            Ok(()) => "Ok".into(),
        }
    );
    sub.delete(conn)?;
    let mut again = Subscription {
        email: "ann@example.org".into(),
        ..Default::default()
    };
    again.save(conn)?;
    println!(
        "  unsubscribe, subscribe again         -> {} live, {} in all",
        Subscriptions::count(conn)?,
        Subscriptions::all().with_deleted().count(conn)?
    );
    let bulk = Subscriptions::filter(Subscriptions::ID.gt(0)).delete(conn);
    println!(
        "  scope delete on a hooked model       -> {}",
        match bulk {
            Err(e) => format!("Err({e})"),
            Ok(n) => format!("{n}"),
        }
    );

    // N+1: every user's posts, one user at a time, in strict mode.
    conn.set_n_plus_one(orm::NPlusOne::Fail { after: 3 });
    let users = Users::all().all(conn)?;
    let one_by_one: orm::Result<Vec<Vec<Post>>> =
        users.iter().map(|u| u.posts().all(conn)).collect();
    println!(
        "  user.posts() for {} users             -> {}",
        users.len(),
        match one_by_one {
            Err(e) => format!("Err({e})"),
            Ok(_) => "Ok".into(),
        }
    );
    let with_posts = conn.unit_of_work(|conn| {
        Ok(orm::assert_queries!(conn, 2, {
            Users::all().include(Users::POSTS).all(conn)?
        }))
    })?;
    println!(
        "  include(Users::POSTS)                -> {} users, 2 statements",
        with_posts.len()
    );
    conn.set_n_plus_one(orm::NPlusOne::Off);

    // Row locks, rendered per dialect (SQLite locks the whole database).
    println!(
        "  for_update().skip_locked() on PostgreSQL -> {}",
        Users::filter(Users::ID.eq(1)).skip_locked().to_sql()?.sql
    );
    Ok(())
}

/// Timestamps, soft delete and optimistic locking on `Page`. The stamps are
/// the real clock's, so only their order is printed.
fn lifecycle(conn: &Connection) -> orm::Result<()> {
    heading("Timestamps, soft delete, optimistic locking");
    conn.sync::<Page>()?;
    let mut about = Page {
        slug: "about".into(),
        body: "Who we are".into(),
        ..Default::default()
    };
    about.save(conn)?;
    println!(
        "  about.save()                         -> created_at == updated_at: {}",
        about.created_at == about.updated_at
    );
    // Imported with its own dates: the timestamps are left alone.
    let launch = Utc.from_utc_datetime(&NOW);
    let mut contact = Page {
        slug: "contact".into(),
        body: "Write to us".into(),
        created_at: launch,
        updated_at: launch,
        ..Default::default()
    };
    conn.without_timestamps(|conn| contact.save(conn))?;
    println!(
        "  conn.without_timestamps(save)        -> created_at {}",
        contact.created_at
    );

    // Two copies of one page: the second write of the stale copy fails.
    let mut editor = Pages::find(conn, about.id)?;
    about.body = "Who we are, and why".into();
    about.save(conn)?;
    println!(
        "  about.save() again                   -> lock_version {}, updated_at moved: {}",
        about.lock_version,
        about.updated_at > about.created_at
    );
    editor.body = "Overwritten?".into();
    match editor.save(conn) {
        Err(e @ orm::Error::StaleRecord { .. }) => {
            println!("  stale_copy.save()                    -> Err({e})")
        }
        other => println!("  stale_copy.save()                    -> {other:?}"),
    }
    editor.reload(conn)?;
    println!(
        "  stale_copy.reload()                  -> body {:?}, lock_version {}",
        editor.body, editor.lock_version
    );

    // Soft delete: the row stays, every query leaves it out.
    contact.delete(conn)?;
    println!(
        "  contact.delete()                     -> deleted_at set: {}",
        contact.deleted_at.is_some()
    );
    println!(
        "  Pages::count() / with_deleted / only_deleted -> {} / {} / {}",
        Pages::count(conn)?,
        Pages::all().with_deleted().count(conn)?,
        Pages::all().only_deleted().count(conn)?
    );
    println!(
        "  Pages::all().to_sql()                -> {}",
        Pages::all().to_sql()?.sql
    );
    contact.restore(conn)?;
    println!(
        "  contact.restore()                    -> Pages::count() {}",
        Pages::count(conn)?
    );
    contact.hard_delete(conn)?;
    println!(
        "  contact.hard_delete()                -> with_deleted().count() {}",
        Pages::all().with_deleted().count(conn)?
    );
    Ok(())
}

fn joins(conn: &Connection, users: &Cast, posts: &[Post]) -> orm::Result<()> {
    heading("Joins, Include, FullJoin");
    let mut comments = vec![];
    for (post, by, score, featured) in [
        (&posts[0], &users.cat, 4, true),
        (&posts[0], &users.eve, -2, false),
        (&posts[1], &users.cat, 3, false),
        (&posts[1], &users.bob, -1, false),
        (&posts[3], &users.ann, 5, true),
    ] {
        comments.push(Comment {
            post_id: post.id,
            user_id: by.id,
            score,
            featured,
            ..Default::default()
        });
    }
    Comments::save_all(conn, &mut comments)?;
    // dan, a guest, writes a post: saving through `dan.posts()` sets its
    // author_id.
    if let Some(dan) = Users::filter(Users::NAME.eq("dan")).first(conn)? {
        let mut note = Post {
            title: "Guest notes".into(),
            created_at: NOW,
            ..Default::default()
        };
        dan.posts().save(conn, &mut note)?;
        println!(
            "  dan.posts().save(&mut note) -> author_id {}",
            note.author_id
        );
    }

    let guests = Posts::all()
        .join(Posts::AUTHOR)
        .filter(Users::ROLE.eq("guest"))
        .order("posts.title")
        .all(conn)?;
    println!(
        "  Posts.join(AUTHOR).filter(Users::ROLE.eq(\"guest\"))      -> {:?}",
        titles(&guests)
    );
    let featured = Posts::all()
        .filter(Posts::AUTHOR_ID.eq(&users.ann))
        .join(Posts::COMMENTS)
        .filter(Comments::FEATURED.eq(true))
        .distinct()
        .all(conn)?;
    println!(
        "  ann's posts with featured comments                      -> {:?}",
        titles(&featured)
    );
    let commenters = Users::all()
        .join(Users::COMMENTS)
        .filter(Comments::POST_ID.eq(posts[0].id))
        .distinct()
        .order("users.name")
        .pluck(conn, Users::NAME)?;
    println!(
        "  the commenters of {:?}                          -> {commenters:?}",
        posts[0].title
    );
    let scored: Vec<ScoredPost> = Posts::all()
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
        )?;
    println!("  good/bad averages (two aliased joins, FromRow):");
    for s in &scored {
        println!(
            "    {:<17} bad {:?} good {:?}",
            s.title, s.bad_average, s.good_average
        );
    }
    let before = conn.statement_count();
    let with_posts = Users::all()
        .order("name")
        .include(Users::POSTS.then(Posts::COMMENTS))
        .all(conn)?;
    println!(
        "  Users.include(POSTS.then(COMMENTS)): {} statements",
        conn.statement_count() - before
    );
    for u in &with_posts {
        let posts = u.posts.get().unwrap_or_default();
        let comments: usize = posts
            .iter()
            .map(|p| p.comments.get().map_or(0, <[Comment]>::len))
            .sum();
        println!(
            "    {:<4} {} posts, {} comments on them",
            u.name,
            posts.len(),
            comments
        );
    }
    let (authors, lonely) = Users::all().full_join_all(conn, Users::POSTS)?;
    let (_, silent) = Users::all().full_join_all(conn, Users::COMMENTS)?;
    println!(
        "  Users.full_join_all(POSTS): {} users; posts without an author: {}",
        authors.len(),
        lonely.len()
    );
    println!(
        "  comments by nobody: {}; ann.posts().count() -> {}",
        silent.len(),
        users.ann.posts().count(conn)?
    );
    Ok(())
}

/// The users the examples refer to (dan is only in the database).
struct Cast {
    ann: User,
    bob: User,
    cat: User,
    eve: User,
}

fn seed_users(conn: &Connection) -> orm::Result<Cast> {
    heading("Users (saved with Users::save_all)");
    let user = |name: &str, role: &str, created: &str| User {
        name: name.to_owned(),
        email: format!("{name}@example.com"),
        role: role.to_owned(),
        created_at: at(created),
        ..Default::default()
    };
    let mut all = [
        User {
            welcomed_at: Some(at("2024-01-10 09:00:00")),
            activated_at: Some(at("2024-01-11 08:30:00")),
            last_login: Some(at("2024-05-30 18:45:00")),
            ..user("ann", "admin", "2024-01-10 09:00:00")
        },
        // Signed up ten minutes ago, nothing else yet.
        user("bob", "author", "2024-06-01 11:50:00"),
        User {
            activated_at: Some(at("2024-05-21 10:00:00")),
            last_login: Some(at("2024-05-31 22:10:00")),
            ..user("cat", "author", "2024-05-20 16:00:00")
        },
        User {
            welcomed_at: Some(at("2024-03-01 12:00:00")),
            activated_at: Some(at("2024-03-02 07:00:00")),
            last_login: Some(at("2024-04-01 20:00:00")),
            ..user("dan", "guest", "2024-03-01 12:00:00")
        },
        // Signed up five minutes ago and logged in, not activated.
        User {
            last_login: Some(at("2024-06-01 11:58:00")),
            ..user("eve", "author", "2024-06-01 11:55:00")
        },
    ];
    Users::save_all(conn, &mut all)?;
    for u in &all {
        println!(
            "  #{} {:<4} {:<6} created {}  welcomed {}  activated {}  last login {}",
            u.id,
            u.name,
            u.role,
            u.created_at,
            show(&u.welcomed_at),
            show(&u.activated_at),
            show(&u.last_login),
        );
    }
    let [ann, bob, cat, _dan, eve] = all;
    Ok(Cast { ann, bob, cat, eve })
}

fn seed_posts(conn: &Connection, users: &Cast) -> orm::Result<Vec<Post>> {
    heading("Posts.SaveAll(newPosts): featuring the above-average ones");
    let post = |author: &User, title: &str, hits: i64, days_ago: i64, category_id: i64| Post {
        author_id: author.id,
        title: title.to_owned(),
        body: format!("{title}, by {}.", author.name),
        hits,
        created_at: NOW - TimeDelta::days(days_ago),
        category_id,
        ..Default::default()
    };
    let (ann, cat, eve) = (&users.ann, &users.cat, &users.eve);
    let mut new_posts = vec![
        post(ann, "Hello SQLite", 120, 40, 1),
        post(ann, "Scopes explained", 340, 10, 2),
        Post {
            late: true,
            ..post(cat, "Late draft", 5, 3, 2)
        },
        post(eve, "Mapper+ in Rust", 75, 20, 1),
        post(cat, "Why SQLite", 210, 1, 3),
        Post {
            late: true,
            ..post(eve, "Old news", 999, 90, 1)
        },
        post(ann, "Weekend notes", 15, 2, 3),
        post(eve, "Release notes", 50, 5, 2),
    ];
    let expiration = NOW + TimeDelta::days(7);
    let average = new_posts.iter().map(|p| p.hits).sum::<i64>() / new_posts.len() as i64;
    for post in &mut new_posts {
        if post.hits > average {
            post.featured_until = Some(expiration);
        }
    }
    println!("  average hits: {average}");
    println!(
        "  keys before save_all: {:?}",
        new_posts.iter().map(|p| p.id).collect::<Vec<_>>()
    );
    Posts::save_all(conn, &mut new_posts)?;
    println!("  after save_all (generated keys written back):");
    for p in &new_posts {
        println!(
            "    #{} {:<17} author #{} hits {:>3} category {} late {:<5} created {} featured until {}",
            p.id,
            p.title,
            p.author_id,
            p.hits,
            p.category_id,
            p.late,
            p.created_at,
            show(&p.featured_until),
        );
    }
    Ok(new_posts)
}

fn seed_appointments(conn: &Connection) -> orm::Result<()> {
    heading("Appointments");
    let mut all = [
        appointment("stand-up", "2024-06-01 09:00:00", "2024-06-01 09:04:30"),
        appointment("review", "2024-06-01 10:00:00", "2024-06-01 11:00:00"),
        // 4 min 59.85 s: short, but only by a fraction of a second.
        appointment(
            "quick call",
            "2024-06-01 13:00:00.250",
            "2024-06-01 13:05:00.100",
        ),
        // Exactly 5 minutes: not shorter than 5 minutes.
        appointment("check-in", "2024-06-01 14:00:00", "2024-06-01 14:05:00"),
        // Entered the wrong way round: ends before it begins.
        appointment("typo", "2024-06-01 16:00:00", "2024-06-01 15:00:00"),
    ];
    Appointments::save_all(conn, &mut all)?;
    for a in &all {
        println!(
            "  #{} {:<10} {} .. {}",
            a.id, a.title, a.begin_date_time, a.end_date_time
        );
    }
    Ok(())
}

fn seed_quiz_scores(conn: &Connection) -> orm::Result<()> {
    heading("Quiz scores");
    let mut all = Vec::new();
    for (student, scores) in [
        ("ann", [(true, 95), (true, 88), (true, 92)]),
        ("bob", [(true, 80), (true, 85), (true, 90)]),
        ("cat", [(false, 100), (false, 95), (false, 98)]),
        ("dan", [(true, 90), (true, 90), (false, 60)]),
    ] {
        for (attended, overall) in scores {
            all.push(QuizScore {
                student: student.to_owned(),
                attended,
                overall,
                ..Default::default()
            });
        }
    }
    let inserted = QuizScores::insert_all(conn, &all)?;
    println!("  QuizScores::insert_all(12 scores) -> {inserted}");
    for s in QuizScores::order("id").all(conn)? {
        println!(
            "  #{:<2} {} attended {:<5} overall {}",
            s.id, s.student, s.attended, s.overall
        );
    }
    Ok(())
}

/// "You should be able to get a list of users who meet certain conditions and
/// pull back their email addresses. Either way would work."
fn named_scopes(conn: &Connection) -> orm::Result<()> {
    heading("Option 1: plain scopes");
    let emails = Users::filter(Users::WELCOMED_AT.eq(None))
        .filter(Users::CREATED_AT.gte(NOW - TimeDelta::minutes(15)))
        .order("email")
        .pluck(conn, Users::EMAIL)?;
    println!(
        "  Users::eq(WELCOMED_AT, None).gte(CREATED_AT, now - 15 min).pluck(EMAIL) -> {emails:?}"
    );

    heading("Option 2: named scopes");
    let emails = Users::unwelcomed()
        .added_since(TimeDelta::minutes(15))
        .order("email")
        .pluck(conn, Users::EMAIL)?;
    println!("  Users::unwelcomed().added_since(15 min).pluck(EMAIL) -> {emails:?}");
    let emails = Users::added_since(TimeDelta::minutes(15))
        .unwelcomed()
        .order("email")
        .pluck(conn, Users::EMAIL)?;
    println!("  Users::added_since(15 min).unwelcomed().pluck(EMAIL) -> {emails:?}");
    let emails = Users::unwelcomed()
        .order("email")
        .pluck(conn, Users::EMAIL)?;
    println!("  Users::unwelcomed().pluck(EMAIL)                     -> {emails:?}");

    heading("Mapper+: scopes are values");
    let good_users = Users::recently_active();
    // The doc's Dupe is `clone`: chaining consumes a scope and returns a new
    // one, so `good_users` is not changed by what is chained on its copy.
    let more_good_users = good_users.clone().activated();
    println!(
        "  good_users      = Users::recently_active()       -> {:?}",
        names(&good_users.clone().order("id").all(conn)?)
    );
    println!(
        "  more_good_users = good_users.clone().activated() -> {:?}",
        names(&more_good_users.order("id").all(conn)?)
    );
    let other_way = Users::activated().recently_active();
    println!(
        "  Users::activated().recently_active()             -> {:?}",
        names(&other_way.order("id").all(conn)?)
    );
    println!(
        "  good_users still                                 -> {:?}",
        names(&good_users.order("id").all(conn)?)
    );
    Ok(())
}

/// "Mappers are created by running CreateMapper on a Connection": here the
/// derive creates the mapper (`Posts`) at compile time.
fn mappers(conn: &Connection, users: &Cast) -> orm::Result<()> {
    heading("Posts created from ~14 days ago to present");
    let time_cutoff = NOW - TimeDelta::days(14);
    let recent_posts = Posts::all()
        .filter(Posts::CREATED_AT.gt(time_cutoff))
        .order("created_at")
        .all(conn)?;
    println!(
        "  Posts::all().gt(CREATED_AT, now - 14 days).all() -> {:?}",
        titles(&recent_posts)
    );

    heading("Posts of the current user, by hits");
    let my_recent_posts = Posts::filter(Posts::AUTHOR_ID.eq(&users.ann))
        .order("hits")
        .all(conn)?;
    println!(
        "  Posts::eq(AUTHOR_ID, &ann).order(\"hits\").all() -> {:?}",
        titles_with_hits(&my_recent_posts)
    );
    Ok(())
}

fn scopes(conn: &Connection) -> orm::Result<()> {
    heading("Students who attended and average at least 90");
    let good_students = QuizScores::filter(QuizScores::ATTENDED.eq(true))
        .group_by("student")
        .having("AVG(overall) >= ?", (90,))
        .order("student");
    println!(
        "  .pluck(STUDENT)                   -> {:?}",
        good_students.pluck(conn, QuizScores::STUDENT)?
    );
    let averages: Vec<f64> = good_students.pluck_expr(conn, Func::new("AVG(overall)", ()))?;
    println!("  .pluck_expr(Func(\"AVG(overall)\")) -> {averages:?}");
    println!(
        "  .count()                          -> {} (groups)",
        good_students.count(conn)?
    );

    heading("Top 5 posts of the past month");
    let month_ago = NOW
        .checked_sub_months(Months::new(1))
        .expect("2024-05-01 is a valid date");
    let top = Posts::all()
        .cond("created_at", Op::Gte, month_ago)
        .order("hits DESC")
        .limit(5);
    println!(
        "  Posts::all().cond(\"created_at\", Op::Gte, month_ago).order(\"hits DESC\").limit(5)"
    );
    println!("    -> {:?}", titles_with_hits(&top.all(conn)?));
    println!("  to_sql() -> {}", top.to_sql()?);
    Ok(())
}

fn database_mapping(conn: &Connection, users: &Cast) -> orm::Result<()> {
    heading("Find");
    let current_user = Users::find(conn, users.bob.id)?;
    println!(
        "  Users::find(#{}) -> {} <{}>",
        users.bob.id, current_user.name, current_user.email
    );
    for user in [&users.ann, &users.bob] {
        match Users::admins().find(conn, user.id) {
            Ok(admin) => println!("  Users::admins().find(#{}) -> Ok({})", user.id, admin.name),
            Err(e @ orm::Error::NotFound { .. }) => {
                println!("  Users::admins().find(#{}) -> Err({e})", user.id)
            }
            Err(e) => return Err(e),
        }
    }

    heading("Retrieve: the first record");
    let first_user = Users::order_by(Users::CREATED_AT.asc()).first(conn)?;
    println!(
        "  Users::order_by(CREATED_AT.asc()).first() -> {:?}",
        first_user.map(|u| u.name)
    );
    let nobody = Users::admins().unwelcomed().first(conn)?;
    println!(
        "  Users::admins().unwelcomed().first()      -> {:?}",
        nobody.map(|u| u.name)
    );
    println!("  (joins by relation: see \"Joins, Include, FullJoin\" below)");

    heading("RetrieveAll");
    let many = Users::all().all(conn)?;
    println!("  Users::all().all() -> {:?}", names(&many));
    Ok(())
}

fn saving(conn: &Connection, users: &Cast) -> orm::Result<()> {
    heading("SaveAll of one new post");
    let mut new_post = Post {
        author_id: users.bob.id,
        title: "First post".into(),
        body: "Hi, I am Bob.".into(),
        created_at: NOW,
        category_id: 1,
        ..Default::default()
    };
    println!("  before: new_post.id = {}", new_post.id);
    Posts::save_all(conn, std::slice::from_mut(&mut new_post))?;
    println!(
        "  Posts::save_all(&mut [new_post]) -> new_post.id = {}",
        new_post.id
    );

    heading("SaveAll of new and existing posts");
    let mut other_posts = Posts::filter(Posts::AUTHOR_ID.eq(&users.cat))
        .order("id")
        .all(conn)?;
    for post in &mut other_posts {
        post.title.push_str(" (edited)");
    }
    other_posts.push(Post {
        author_id: users.cat.id,
        title: "Cat's third post".into(),
        body: "More about SQLite.".into(),
        created_at: NOW,
        category_id: 3,
        ..Default::default()
    });
    println!("  before: {:?}", ids_and_titles(&other_posts));
    Posts::save_all(conn, &mut other_posts)?;
    println!("  after:  {:?}", ids_and_titles(&other_posts));
    let stored = Posts::filter(Posts::AUTHOR_ID.eq(&users.cat))
        .order("id")
        .all(conn)?;
    println!("  stored: {:?}", ids_and_titles(&stored));
    Ok(())
}

fn updating(conn: &Connection, users: &Cast) -> orm::Result<()> {
    heading("UpdateAttribute over a scope");
    let changed = Posts::equal_to("late", true).update_attribute(
        conn,
        Posts::DELETE_ON,
        NOW + TimeDelta::minutes(10),
    )?;
    println!(
        "  Posts::equal_to(\"late\", true).update_attribute(DELETE_ON, now + 10 min) -> {changed}"
    );
    let doomed = Posts::all()
        .filter(Posts::DELETE_ON.ne(None))
        .order("id")
        .pluck(conn, (Posts::TITLE, Posts::DELETE_ON))?;
    println!("  posts with a delete_on -> {doomed:?}");

    heading("UpdateAttributes over a scope");
    let changed = Posts::filter(Posts::AUTHOR_ID.eq(&users.eve))
        .update_attributes(conn, [Posts::HITS.set(0), Posts::FEATURED_UNTIL.set(None)])?;
    println!(
        "  Posts::eq(AUTHOR_ID, &eve).update_attributes([HITS.set(0), FEATURED_UNTIL.set(None)]) -> {changed}"
    );
    let eves = Posts::filter(Posts::AUTHOR_ID.eq(&users.eve))
        .order("id")
        .pluck(conn, (Posts::TITLE, Posts::HITS, Posts::FEATURED_UNTIL))?;
    println!("  eve's posts -> {eves:?}");

    heading("UpdateSql over a scope");
    let this_week = Posts::all().filter(Posts::CREATED_AT.gte(NOW - TimeDelta::days(7)));
    let before = this_week
        .clone()
        .order("id")
        .pluck(conn, (Posts::ID, Posts::HITS))?;
    let changed = this_week.update_sql(conn, "hits = hits + ?", (1,))?;
    let after = this_week
        .order("id")
        .pluck(conn, (Posts::ID, Posts::HITS))?;
    println!("  (id, hits) before: {before:?}");
    println!("  Posts::all().gte(CREATED_AT, now - 7 days).update_sql(\"hits = hits + ?\", (1,)) -> {changed}");
    println!("  (id, hits) after:  {after:?}");
    Ok(())
}

fn counting_and_plucking(conn: &Connection, users: &Cast) -> orm::Result<()> {
    heading("Count");
    println!(
        "  Posts::count()                       -> {}",
        Posts::count(conn)?
    );
    println!(
        "  Posts::eq(AUTHOR_ID, &ann).count()   -> {}",
        Posts::filter(Posts::AUTHOR_ID.eq(&users.ann)).count(conn)?
    );

    heading("CountOn");
    println!(
        "  Posts::all().count_on(\"DISTINCT category_id\") -> {}",
        Posts::all().count_on(conn, "DISTINCT category_id")?
    );

    heading("Pluck");
    // The doc joins payments here; without relations, a fragment on users.
    let emails = Users::where_("role = ? AND activated_at IS NOT NULL", ("author",))
        .order("email")
        .pluck(conn, Users::EMAIL)?;
    println!(
        "  Users::where_(\"role = ? AND activated_at IS NOT NULL\", (\"author\",)).pluck(EMAIL) -> {emails:?}"
    );

    heading("PluckSeveral: a tuple of typed columns");
    let (names, emails): (Vec<String>, Vec<String>) = Users::activated()
        .order("name")
        .pluck(conn, (Users::NAME, Users::EMAIL))?
        .into_iter()
        .unzip();
    println!("  Users::activated().pluck((NAME, EMAIL)), unzipped:");
    println!("    names  -> {names:?}");
    println!("    emails -> {emails:?}");
    Ok(())
}

/// The doc's Mixin: every model can save, update and delete itself.
fn mixin(conn: &Connection, users: &Cast, posts: &[Post]) -> orm::Result<()> {
    heading("Mixin: instance methods");
    let mut post = Post {
        author_id: users.ann.id,
        title: "Hello World".into(),
        created_at: NOW,
        category_id: 1,
        ..Default::default()
    };
    post.save(conn)?;
    println!("  post.save()  (insert) -> post.id = {}", post.id);
    post.body = "Now with a body.".into();
    post.save(conn)?;
    println!(
        "  post.save()  (update) -> body in the database: {:?}",
        Posts::find(conn, post.id)?.body
    );
    post.update_attribute(conn, Posts::HITS, 500)?;
    println!(
        "  post.update_attribute(HITS, 500) -> post.hits = {}, in the database: {}",
        post.hits,
        Posts::find(conn, post.id)?.hits
    );
    post.update_attributes(conn, [Posts::LATE.set(true), Posts::CATEGORY_ID.set(2)])?;
    println!(
        "  post.update_attributes([LATE.set(true), CATEGORY_ID.set(2)]) -> late {}, category {}",
        post.late, post.category_id
    );
    println!("  post.delete() -> {}", post.delete(conn)?);
    println!("  post.delete() again -> {}", post.delete(conn)?);
    match Posts::find(conn, post.id) {
        Ok(p) => println!("  Posts::find(#{}) -> Ok({})", post.id, p.title),
        Err(e @ orm::Error::NotFound { .. }) => {
            println!("  Posts::find(#{}) -> Err({e})", post.id)
        }
        Err(e) => return Err(e),
    }

    // A record loaded earlier can be reloaded to see what scopes changed.
    let mut mapper_post = posts[3].clone();
    mapper_post.reload(conn)?;
    println!(
        "  posts[3].reload() -> {:?}: hits {} (was {})",
        mapper_post.title, mapper_post.hits, posts[3].hits
    );
    Ok(())
}

fn sql_sundries(conn: &Connection) -> orm::Result<()> {
    // SQLite has no TIMESTAMPADD. Dates are stored as text
    // 'YYYY-MM-DD HH:MM:SS.ffffff', so the formula must produce text that
    // compares the same way: STRFTIME with %f keeps milliseconds
    // (DATETIME() would drop them and miss the 4 min 59.85 s call).
    heading("Func: appointments shorter than 5 minutes");
    let short_func = Func::new(
        "STRFTIME('%Y-%m-%d %H:%M:%f', appointments.begin_date_time, '+5 minutes')",
        (),
    );
    let too_short = Appointments::all()
        .cond("end_date_time", Op::Lt, short_func)
        .order("id")
        .all(conn)?;
    println!(
        "  Appointments::all().cond(\"end_date_time\", Op::Lt, Func(STRFTIME(.., begin + 5 min))) -> {:?}",
        appointment_titles(&too_short)
    );

    // The same with a `?` argument: a `Col` (or a typed column) renders as
    // SQL, a value is bound.
    let short_func = Func::new(
        "STRFTIME('%Y-%m-%d %H:%M:%f', ?, ?)",
        (Appointments::BEGIN_DATE_TIME, "+5 minutes"),
    );
    let too_short = Appointments::all().filter(Appointments::END_DATE_TIME.lt(short_func));
    println!(
        "  Appointments::all().lt(END_DATE_TIME, Func(\"STRFTIME(.., ?, ?)\", (BEGIN_DATE_TIME, \"+5 minutes\"))) -> {:?}",
        appointment_titles(&too_short.clone().order("id").all(conn)?)
    );
    println!("    to_sql() -> {}", too_short.to_sql()?);

    let too_short = Appointments::where_(
        "end_date_time < STRFTIME('%Y-%m-%d %H:%M:%f', appointments.begin_date_time, '+5 minutes')",
        (),
    )
    .order("id")
    .all(conn)?;
    println!(
        "  Appointments::where_(\"end_date_time < STRFTIME(..)\") -> {:?}",
        appointment_titles(&too_short)
    );

    heading("Col: compare two columns");
    let well_formed = Appointments::all()
        .cond("begin_date_time", Op::Lt, Col::new("end_date_time"))
        .order("id")
        .all(conn)?;
    println!(
        "  Appointments::all().cond(\"begin_date_time\", Op::Lt, Col::new(\"end_date_time\")) -> {:?}",
        appointment_titles(&well_formed)
    );
    let backwards =
        Appointments::all().filter(Appointments::BEGIN_DATE_TIME.gt(Appointments::END_DATE_TIME));
    println!(
        "  Appointments::all().gt(BEGIN_DATE_TIME, END_DATE_TIME) -> {:?}",
        appointment_titles(&backwards.all(conn)?)
    );
    Ok(())
}

fn conditions(conn: &Connection) -> orm::Result<()> {
    heading("where_ with ? placeholders");
    let scope = Users::where_(
        "role = ? AND created_at < ?",
        ("author", NOW - TimeDelta::days(1)),
    );
    println!(
        "  Users::where_(\"role = ? AND created_at < ?\", (\"author\", now - 1 day)) -> {:?}",
        names(&scope.all(conn)?)
    );

    heading("where_ with :name binds");
    let scope = Users::where_(
        "role = :role OR email = :email",
        named([
            ("role", "admin".into()),
            ("email", "dan@example.com".into()),
        ]),
    );
    println!(
        "  Users::where_(\"role = :role OR email = :email\", named(..)) -> {:?}",
        names(&scope.clone().order("id").all(conn)?)
    );
    // The fragment is parenthesised, so its OR stays inside.
    let scope = scope.recently_active();
    println!(
        "  ... .recently_active() -> {:?}",
        names(&scope.clone().order("id").all(conn)?)
    );
    println!("    to_sql() -> {}", scope.to_sql()?);

    heading("OR of two scopes");
    let either = Users::admins().or(Users::added_since(TimeDelta::minutes(15)));
    println!(
        "  Users::admins().or(Users::added_since(15 min)) -> {:?}",
        names(&either.clone().order("id").all(conn)?)
    );
    println!("    to_sql() -> {}", either.to_sql()?);

    heading("IN lists");
    let scope = Users::all().filter(Users::ROLE.in_list(["admin", "guest"]));
    println!(
        "  Users::all().in_list(ROLE, [\"admin\", \"guest\"]) -> {:?}",
        names(&scope.order("id").all(conn)?)
    );
    let none = Users::all().filter(Users::ID.in_list(Vec::<i64>::new()));
    println!(
        "  Users::all().in_list(ID, [])                 -> {:?}",
        names(&none.all(conn)?)
    );
    println!("    to_sql() -> {}", none.to_sql()?);
    let everyone = Users::all()
        .filter(Users::ID.not_in(Vec::<i64>::new()))
        .count(conn)?;
    println!("  Users::all().not_in(ID, []).count()          -> {everyone}");

    heading("to_sql() of the named scopes");
    let unwelcomed = Users::unwelcomed().added_since(TimeDelta::minutes(15));
    println!(
        "  Users::unwelcomed().added_since(15 min)       -> {}",
        unwelcomed.to_sql()?
    );
    println!(
        "  the same, in this connection's SQLite dialect -> {}",
        unwelcomed.to_sql_for(conn.dialect())?
    );
    println!(
        "  Users::recently_active().activated()          -> {}",
        Users::recently_active().activated().to_sql()?
    );
    Ok(())
}

fn deleting(conn: &Connection) -> orm::Result<()> {
    heading("Delete over a scope");
    let due = Posts::all().filter(Posts::DELETE_ON.lte(NOW + TimeDelta::minutes(15)));
    println!(
        "  due for deletion at now + 15 min: {:?}",
        titles(&due.clone().order("id").all(conn)?)
    );
    println!(
        "  Posts::all().lte(DELETE_ON, now + 15 min).delete() -> {}",
        due.delete(conn)?
    );
    println!("  Posts::count() -> {}", Posts::count(conn)?);
    match Posts::all().delete(conn) {
        Ok(n) => println!("  Posts::all().delete() -> Ok({n})"),
        Err(e @ orm::Error::MissingCondition { .. }) => {
            println!("  Posts::all().delete() -> Err({e})")
        }
        Err(e) => return Err(e),
    }
    Ok(())
}

// ---- helpers ----

fn heading(title: &str) {
    println!("\n== {title} ==");
}

/// A date-time written in the program: `"2024-06-01 12:00:00"`, optionally
/// with a fraction of a second.
fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
        .expect("date literals in this file are valid")
}

fn appointment(title: &str, begin: &str, end: &str) -> Appointment {
    Appointment {
        title: title.to_owned(),
        begin_date_time: at(begin),
        end_date_time: at(end),
        ..Default::default()
    }
}

fn show(t: &Option<NaiveDateTime>) -> String {
    t.map_or_else(|| "-".to_owned(), |t| t.to_string())
}

fn names(users: &[User]) -> Vec<&str> {
    users.iter().map(|u| u.name.as_str()).collect()
}

fn titles(posts: &[Post]) -> Vec<&str> {
    posts.iter().map(|p| p.title.as_str()).collect()
}

fn titles_with_hits(posts: &[Post]) -> Vec<(&str, i64)> {
    posts.iter().map(|p| (p.title.as_str(), p.hits)).collect()
}

fn ids_and_titles(posts: &[Post]) -> Vec<(i64, &str)> {
    posts.iter().map(|p| (p.id, p.title.as_str())).collect()
}

fn appointment_titles(appointments: &[Appointment]) -> Vec<&str> {
    appointments.iter().map(|a| a.title.as_str()).collect()
}
