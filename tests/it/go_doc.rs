//! Every example of the Go package doc (the specification), in Rust. The
//! join, Include and FullJoin examples, which need relations, are in
//! `tests/relations.rs`; here the doc's intent is expressed without them (a
//! subquery) where it can be.

use crate::common::db_test;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use orm::prelude::*;

fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2024, 6, 1)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap()
}

#[derive(Model, Debug, Clone, Default, PartialEq)]
struct User {
    id: i64,
    name: String,
    email: String,
    role: String,
    created_at: NaiveDateTime,
    welcomed_at: Option<NaiveDateTime>,
    activated_at: Option<NaiveDateTime>,
    last_login: Option<NaiveDateTime>,
}

/// The doc's Mapper+ (`UserMapper`): named scopes, each composed of ordinary
/// scopes.
#[orm::scopes]
impl UserScope {
    /// `Unwelcomed()`: `Where("welcomed_at", nil)`.
    pub fn unwelcomed(self) -> Self {
        self.filter(Users::WELCOMED_AT.eq(None))
    }
    /// `AddedSince(d)`: `Where("created_at >= ", time.Now().Add(d))`.
    pub fn added_since(self, d: Duration) -> Self {
        self.filter(Users::CREATED_AT.gte(now() + d))
    }
    /// `Activated()`: `Cond("activated_at", db.NE, nil)`.
    pub fn activated(self) -> Self {
        self.cond("activated_at", Op::Ne, Value::Null)
    }
    /// `RecentlyActive()`: `Cond("last_login", db.GTE, 30 days ago)`.
    pub fn recently_active(self) -> Self {
        self.filter(Users::LAST_LOGIN.gte(now() - Duration::days(30)))
    }
    /// `Admins()`.
    pub fn admins(self) -> Self {
        self.filter(Users::ROLE.eq("admin"))
    }
}

#[derive(Model, Debug, Clone, Default, PartialEq)]
struct Post {
    id: i64,
    author_id: i64,
    title: String,
    hits: i64,
    hits_counter: i64,
    late: bool,
    category_id: i64,
    created_at: NaiveDateTime,
    delete_on: Option<NaiveDateTime>,
    featured_until: Option<NaiveDateTime>,
}

#[derive(Model, Debug, Clone, Default, PartialEq)]
struct Appointment {
    id: i64,
    begin_date_time: NaiveDateTime,
    end_date_time: NaiveDateTime,
}

#[derive(Model, Debug, Clone, Default)]
struct Payment {
    id: i64,
    user_id: i64,
    month: i32,
    paid_on: Option<NaiveDate>,
}

#[derive(Model, Debug, Clone, Default)]
struct QuizScore {
    id: i64,
    student: String,
    attended: bool,
    overall: i64,
}

fn user(name: &str, role: &str, created_ago_min: i64) -> User {
    User {
        name: name.into(),
        email: format!("{name}@example.com"),
        role: role.into(),
        created_at: now() - Duration::minutes(created_ago_min),
        ..Default::default()
    }
}

fn seed(conn: &Connection) -> (Vec<User>, Vec<Post>) {
    for r in [
        conn.sync::<User>(),
        conn.sync::<Post>(),
        conn.sync::<Appointment>(),
        conn.sync::<Payment>(),
        conn.sync::<QuizScore>(),
    ] {
        r.unwrap();
    }
    let mut users = vec![
        user("fresh", "guest", 5),
        User {
            welcomed_at: Some(now()),
            ..user("welcomed", "guest", 10)
        },
        user("old", "guest", 60 * 24),
        User {
            activated_at: Some(now() - Duration::days(40)),
            last_login: Some(now() - Duration::days(2)),
            ..user("boss", "admin", 60 * 24 * 90)
        },
        User {
            activated_at: None,
            last_login: Some(now() - Duration::days(1)),
            ..user("lurker", "guest", 60 * 24 * 10)
        },
    ];
    Users::save_all(conn, &mut users).unwrap();
    let mut posts = Vec::new();
    for i in 0..8 {
        posts.push(Post {
            author_id: users[3 + (i % 2) as usize].id,
            title: format!("post {i}"),
            hits: 10 * i,
            hits_counter: 100 - i,
            late: i % 3 == 0,
            category_id: i % 3,
            created_at: now() - Duration::days(5 * i),
            ..Default::default()
        });
    }
    Posts::save_all(conn, &mut posts).unwrap();
    (users, posts)
}

fn option_1_and_option_2_pluck_emails_of_recent_unwelcomed_users(conn: &Connection) {
    seed(conn);
    // Option 1: plain scopes.
    let option1: Vec<String> = Users::all()
        .filter(Users::WELCOMED_AT.eq(None))
        .filter(Users::CREATED_AT.gte(now() + Duration::minutes(-15)))
        .pluck(conn, Users::EMAIL)
        .unwrap();
    // Option 2: named scopes.
    let option2: Vec<String> = Users::unwelcomed()
        .added_since(Duration::minutes(-15))
        .pluck(conn, Users::EMAIL)
        .unwrap();
    assert_eq!(option1, ["fresh@example.com"]);
    assert_eq!(option1, option2);
}
db_test!(option_1_and_option_2_pluck_emails_of_recent_unwelcomed_users);

fn mapper_plus_scopes_are_different_instances(conn: &Connection) {
    seed(conn);
    let good_users = Users::recently_active();
    let more_good_users = good_users.clone().activated();
    // `Dupe` is `clone`: the copy is independent.
    assert_eq!(good_users.count(conn).unwrap(), 2);
    assert_eq!(more_good_users.count(conn).unwrap(), 1);
    assert_eq!(
        good_users.count(conn).unwrap(),
        2,
        "unchanged by the branch"
    );
    assert_eq!(
        Users::recently_active()
            .activated()
            .first(conn)
            .unwrap()
            .unwrap()
            .name,
        "boss"
    );
}
db_test!(mapper_plus_scopes_are_different_instances);

fn posts_created_recently_ordered_and_limited(conn: &Connection) {
    seed(conn);
    // Posts.Cond("created_at", db.GT, timeCutoff).RetrieveAll(&recentPosts)
    let cutoff = now() - Duration::days(14);
    let recent = Posts::all()
        .cond("created_at", Op::Gt, cutoff)
        .all(conn)
        .unwrap();
    assert_eq!(recent.len(), 3);
    // Top 5 most popular posts of the past month.
    let top: Vec<String> = Posts::all()
        .filter(Posts::CREATED_AT.gte(now() - Duration::days(30)))
        .order("hits DESC")
        .limit(5)
        .pluck(conn, Posts::TITLE)
        .unwrap();
    assert_eq!(top, ["post 6", "post 5", "post 4", "post 3", "post 2"]);
}
db_test!(posts_created_recently_ordered_and_limited);

fn my_recent_posts_and_counts(conn: &Connection) {
    let (users, _) = seed(conn);
    let me = &users[3];
    // Posts.EqualTo("author_id", Current.User.Id).Order("hits_counter")
    let mine = Posts::all()
        .equal_to("author_id", me.id)
        .order("hits_counter")
        .all(conn)
        .unwrap();
    assert_eq!(mine.len(), 4);
    assert!(mine
        .windows(2)
        .all(|w| w[0].hits_counter <= w[1].hits_counter));
    // The record stands for its key.
    assert_eq!(
        Posts::filter(Posts::AUTHOR_ID.eq(me)).count(conn).unwrap(),
        4
    );
    assert_eq!(Posts::count(conn).unwrap(), 8);
    // CountOn("DISTINCT category_id")
    assert_eq!(
        Posts::all().count_on(conn, "DISTINCT category_id").unwrap(),
        3
    );
}
db_test!(my_recent_posts_and_counts);

fn find_retrieve_and_retrieve_all(conn: &Connection) {
    let (users, _) = seed(conn);
    let boss = &users[3];
    assert_eq!(Users::find(conn, boss.id).unwrap(), *boss);
    assert_eq!(Users::admins().find(conn, boss.id).unwrap().name, "boss");
    assert!(matches!(
        Users::admins().find(conn, users[0].id),
        Err(Error::NotFound { .. })
    ));
    // Users.OrderBy("created_at", "ASC").Retrieve(&FirstUser)
    let first = Users::order_by(Users::CREATED_AT.asc())
        .first(conn)
        .unwrap()
        .unwrap();
    assert_eq!(first.name, "boss");
    assert_eq!(Users::all().all(conn).unwrap().len(), 5);
}
db_test!(find_retrieve_and_retrieve_all);

fn save_all_new_and_existing_posts(conn: &Connection) {
    let (_, mut posts) = seed(conn);
    let expiration = now() + Duration::days(7);
    let average = posts.iter().map(|p| p.hits).sum::<i64>() / posts.len() as i64;
    for post in posts.iter_mut().filter(|p| p.hits > average) {
        post.featured_until = Some(expiration);
    }
    let mut fresh = Post {
        title: "brand new".into(),
        created_at: now(),
        ..Default::default()
    };
    posts.push(fresh.clone());
    Posts::save_all(conn, &mut posts).unwrap();
    assert!(posts.last().unwrap().id > 0, "new post got its key");
    assert_eq!(
        Posts::all()
            .filter(Posts::FEATURED_UNTIL.ne(None))
            .count(conn)
            .unwrap(),
        4
    );
    fresh.save(conn).unwrap();
    assert!(fresh.id > 0);
}
db_test!(save_all_new_and_existing_posts);

fn update_attribute_update_attributes_update_sql_and_delete_over_scopes(conn: &Connection) {
    seed(conn);
    // Posts.EqualTo("late", true).UpdateAttribute("delete_on", now + 10 min)
    let n = Posts::all()
        .filter(Posts::LATE.eq(true))
        .update_attribute(conn, Posts::DELETE_ON, now() + Duration::minutes(10))
        .unwrap();
    assert_eq!(n, 3);
    assert_eq!(
        Posts::all()
            .filter(Posts::DELETE_ON.ne(None))
            .count(conn)
            .unwrap(),
        3
    );
    let n = Posts::all()
        .filter(Posts::LATE.eq(true))
        .update_attributes(conn, [Posts::HITS.set(0), Posts::TITLE.set("late")])
        .unwrap();
    assert_eq!(n, 3);
    let n = Posts::all()
        .filter(Posts::LATE.eq(false))
        .update_sql(conn, "hits = hits + ?", (1,))
        .unwrap();
    assert_eq!(n, 5);
    assert_eq!(
        Posts::all()
            .filter(Posts::TITLE.eq("late"))
            .delete(conn)
            .unwrap(),
        3
    );
    assert_eq!(Posts::count(conn).unwrap(), 5);
}
db_test!(update_attribute_update_attributes_update_sql_and_delete_over_scopes);

fn pluck_emails_of_users_with_an_unpaid_month(conn: &Connection) {
    let (users, _) = seed(conn);
    for (u, month, paid) in [(0, 5, None), (1, 5, Some(now().date())), (2, 4, None)] {
        Payment {
            user_id: users[u].id,
            month,
            paid_on: paid,
            ..Default::default()
        }
        .save(conn)
        .unwrap();
    }
    // Without relations yet, the join becomes a subquery.
    let unpaid = Users::where_(
        "id IN (SELECT user_id FROM payments WHERE month = ? AND paid_on IS NULL)",
        (5,),
    );
    assert_eq!(
        unpaid.pluck(conn, Users::EMAIL).unwrap(),
        ["fresh@example.com"]
    );
    // PluckSeveral: names and emails of users who paid.
    let paid: Vec<(String, String)> = Users::where_(
        "id IN (SELECT user_id FROM payments WHERE month = ? AND paid_on IS NOT NULL)",
        (5,),
    )
    .pluck(conn, (Users::NAME, Users::EMAIL))
    .unwrap();
    assert_eq!(
        paid,
        [("welcomed".to_owned(), "welcomed@example.com".to_owned())]
    );
}
db_test!(pluck_emails_of_users_with_an_unpaid_month);

fn students_with_attendance_and_average_score(conn: &Connection) {
    seed(conn);
    for (s, attended, score) in [
        ("amy", true, 95),
        ("amy", true, 92),
        ("ben", true, 70),
        ("ben", true, 99),
        ("cal", false, 100),
    ] {
        QuizScore {
            student: s.into(),
            attended,
            overall: score,
            ..Default::default()
        }
        .save(conn)
        .unwrap();
    }
    let students: Vec<String> = QuizScores::all()
        .filter(QuizScores::ATTENDED.eq(true))
        .group_by("student")
        .having("AVG(overall) >= ?", (90,))
        .pluck(conn, QuizScores::STUDENT)
        .unwrap();
    assert_eq!(students, ["amy"]);
}
db_test!(students_with_attendance_and_average_score);

fn func_and_col_conditions_on_appointments(conn: &Connection) {
    seed(conn);
    for (begin, minutes) in [(0, 3), (10, 30), (60, 4)] {
        let b = now() + Duration::minutes(begin);
        Appointment {
            begin_date_time: b,
            end_date_time: b + Duration::minutes(minutes),
            ..Default::default()
        }
        .save(conn)
        .unwrap();
    }
    // Date arithmetic is each database's own SQL.
    let (short_func, short_sql) = match conn.dialect().name() {
        "mysql" => (
            Func::new("DATE_ADD(begin_date_time, INTERVAL ? MINUTE)", (5,)),
            "end_date_time < DATE_ADD(begin_date_time, INTERVAL 5 MINUTE)",
        ),
        "postgres" | "cockroachdb" => (
            // Text bound to an interval parameter: sent as text, parsed
            // by the server.
            Func::new("begin_date_time + CAST(? AS INTERVAL)", ("5 minutes",)),
            "end_date_time < begin_date_time + INTERVAL '5 minutes'",
        ),
        _ => (
            Func::new("DATETIME(begin_date_time, ?)", ("+5 minutes",)),
            "end_date_time < DATETIME(begin_date_time, '+5 minutes')",
        ),
    };
    // Appointments.Cond("end_date_time", db.LT, Func("begin + 5 minutes"))
    let too_short = Appointments::all()
        .filter(Appointments::END_DATE_TIME.lt(short_func))
        .all(conn)
        .unwrap();
    assert_eq!(too_short.len(), 2);
    // Where calls do not need Func instances to use functions.
    let same = Appointments::where_(short_sql, ()).count(conn).unwrap();
    assert_eq!(same, 2);
    // Appointment.Cond("begin_date_time", db.LT, db.Col("end_date_time"))
    let updated = Appointments::all()
        .filter(Appointments::BEGIN_DATE_TIME.lt(Col::new("end_date_time")))
        .count(conn)
        .unwrap();
    assert_eq!(updated, 3);
}
db_test!(func_and_col_conditions_on_appointments);

fn mixin_instance_methods(conn: &Connection) {
    seed(conn);
    let mut post = Post {
        title: "Hello World".into(),
        created_at: now(),
        ..Default::default()
    };
    post.save(conn).unwrap();
    post.update_attribute(conn, Posts::HITS, 5).unwrap();
    assert_eq!(Posts::find(conn, post.id).unwrap().hits, 5);
    post.update_attributes(conn, [Posts::TITLE.set("Bye"), Posts::LATE.set(true)])
        .unwrap();
    assert_eq!(Posts::find(conn, post.id).unwrap(), post);
    assert!(post.delete(conn).unwrap());
    assert!(matches!(
        Posts::find(conn, post.id),
        Err(Error::NotFound { .. })
    ));
}
db_test!(mixin_instance_methods);

fn select_formulas_into_tuples(conn: &Connection) {
    seed(conn);
    // The doc's Select with formulas, as a raw query into typed tuples.
    let rows: Vec<(i64, f64)> = conn
        .query(
            "SELECT category_id, AVG(hits) FROM posts GROUP BY category_id HAVING AVG(hits) > ? ORDER BY category_id",
            (20,),
        )
        .unwrap();
    assert_eq!(rows, [(0, 30.0), (1, 40.0), (2, 35.0)]);
}
db_test!(select_formulas_into_tuples);
