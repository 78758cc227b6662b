//! Foreign-key constraints from `BelongsTo` relations: schema plans create
//! them (parents first, cycles through ALTER TABLE), the database enforces
//! their actions on every dialect (SQLite connections turn `foreign_keys`
//! on), an existing table gets a missing one added (or reported as drift
//! on SQLite), and planning again changes nothing.

use crate::common::db_test;
use orm::prelude::*;
use orm::{ChangeKind, Drift};

#[derive(Model, Debug, Clone, Default)]
struct Team {
    id: i64,
    name: String,
}

#[derive(Model, Debug, Clone, Default)]
struct Player {
    id: i64,
    team_id: i64,
    name: String,
    #[db(on_delete = "cascade")]
    team: BelongsTo<Team>,
}

/// The players' table as made before the constraint existed.
#[derive(Model, Debug, Clone, Default)]
#[db(table = "players", mapper = "PlainPlayers")]
struct PlainPlayer {
    id: i64,
    team_id: i64,
    name: String,
    #[db(no_constraint)]
    team: BelongsTo<Team>,
}

#[derive(Model, Debug, Clone, Default)]
struct Ticket {
    id: i64,
    team_id: i64,
    #[db(on_delete = "restrict", on_update = "restrict")]
    team: BelongsTo<Team>,
}

/// No action declared: the database's default (refuse).
#[derive(Model, Debug, Clone, Default)]
struct Pass {
    id: i64,
    team_id: i64,
    team: BelongsTo<Team>,
}

#[derive(Model, Debug, Clone, Default)]
struct Badge {
    id: i64,
    team_id: Option<i64>,
    #[db(on_delete = "set_null")]
    team: BelongsTo<Team>,
}

#[derive(Model, Debug, Clone, Default)]
struct Fan {
    id: i64,
    team_id: i64,
    #[db(no_constraint)]
    team: BelongsTo<Team>,
}

/// A self-reference.
#[derive(Model, Debug, Clone, Default)]
struct Node {
    id: i64,
    parent_id: Option<i64>,
    #[db(on_delete = "cascade")]
    parent: BelongsTo<Node>,
}

/// A cycle: hens reference eggs, eggs reference hens.
#[derive(Model, Debug, Clone, Default)]
struct Egg {
    id: i64,
    hen_id: Option<i64>,
    hen: BelongsTo<Hen>,
}

#[derive(Model, Debug, Clone, Default)]
struct Hen {
    id: i64,
    egg_id: Option<i64>,
    egg: BelongsTo<Egg>,
}

fn team(conn: &Connection, name: &str) -> Team {
    let mut t = Team {
        name: name.into(),
        ..Default::default()
    };
    t.save(conn).unwrap();
    t
}

fn is_fk_violation<T: std::fmt::Debug>(r: orm::Result<T>) -> bool {
    matches!(r, Err(Error::ForeignKeyViolation(_)))
}

fn is_fk_error<T>(r: &orm::Result<T>) -> bool {
    matches!(r, Err(Error::ForeignKeyViolation(_)))
}

fn assert_settled<S: orm::Schema>(conn: &Connection) {
    let again = conn.schema_plan::<S>().unwrap();
    assert!(again.is_empty(), "{again}");
    assert!(again.drift.is_empty(), "{:?}", again.drift);
}

fn plan_creates_parents_first_with_their_foreign_keys(conn: &Connection) {
    // Children listed first: the plan creates the referenced table first.
    let plan = conn.schema_plan::<(Player, Team)>().unwrap();
    let tables: Vec<(&str, &ChangeKind)> = plan
        .changes
        .iter()
        .map(|c| (c.table.as_str(), &c.kind))
        .collect();
    assert_eq!(
        tables,
        [
            ("teams", &ChangeKind::CreateTable),
            ("players", &ChangeKind::CreateTable)
        ],
        "{plan}"
    );
    let sql = &plan.changes[1].sql;
    for part in [
        "CONSTRAINT ",
        "fk_players_team_id",
        " FOREIGN KEY (",
        " REFERENCES ",
        "teams",
        " ON DELETE CASCADE",
    ] {
        assert!(sql.contains(part), "{part} in {sql}");
    }
    assert!(!sql.contains("ON UPDATE"), "{sql}");
    assert!(plan.drift.is_empty(), "{:?}", plan.drift);
    conn.apply(&plan).unwrap();
    assert_settled::<(Player, Team)>(conn);
    // The constraint is enforced: a player of no team is refused.
    let mut p = Player {
        team_id: 4242,
        name: "nobody's".into(),
        ..Default::default()
    };
    assert!(is_fk_violation(p.save(conn)));
    assert_eq!(Players::all().count(conn).unwrap(), 0);
    // Planned again through sync: nothing to do.
    let report = conn.sync::<Player>().unwrap();
    assert!(!report.changed() && report.drift.is_empty(), "{report:?}");
}
db_test!(plan_creates_parents_first_with_their_foreign_keys);

fn on_delete_cascade_deletes_the_children(conn: &Connection) {
    conn.apply(&conn.schema_plan::<(Team, Player)>().unwrap())
        .unwrap();
    let (mut red, blue) = (team(conn, "red"), team(conn, "blue"));
    for (t, name) in [(&red, "ann"), (&red, "bob"), (&blue, "cid")] {
        Player {
            team_id: t.id,
            name: name.into(),
            ..Default::default()
        }
        .save(conn)
        .unwrap();
    }
    assert!(red.delete(conn).unwrap());
    let left: Vec<String> = Players::all().pluck(conn, Players::NAME).unwrap();
    assert_eq!(left, ["cid"]);
}
db_test!(on_delete_cascade_deletes_the_children);

fn restrict_and_no_action_refuse_the_parent_delete(conn: &Connection) {
    conn.apply(&conn.schema_plan::<(Team, Ticket, Pass)>().unwrap())
        .unwrap();
    let (mut red, mut blue) = (team(conn, "red"), team(conn, "blue"));
    Ticket {
        team_id: red.id,
        ..Default::default()
    }
    .save(conn)
    .unwrap();
    Pass {
        team_id: blue.id,
        ..Default::default()
    }
    .save(conn)
    .unwrap();
    // RESTRICT, then the default (NO ACTION): typed errors, nothing written.
    for t in [&mut red, &mut blue] {
        let r = t.delete(conn);
        assert!(is_fk_error(&r), "{}: {r:?}", t.name);
        assert!(is_fk_violation(
            Teams::filter(Teams::ID.eq(t.id)).delete(conn)
        ));
    }
    assert_eq!(Teams::all().count(conn).unwrap(), 2);
    assert_eq!(Tickets::all().count(conn).unwrap(), 1);
    assert_eq!(Passes::all().count(conn).unwrap(), 1);
    // ON UPDATE RESTRICT: the key of a referenced team does not move.
    assert!(is_fk_violation(
        Teams::filter(Teams::ID.eq(red.id)).update_attribute(conn, Teams::ID, red.id + 100)
    ));
    // Once the children are gone, the parents go.
    Tickets::all().all_rows().delete(conn).unwrap();
    Passes::all().all_rows().delete(conn).unwrap();
    assert!(red.delete(conn).unwrap() && blue.delete(conn).unwrap());
}
db_test!(restrict_and_no_action_refuse_the_parent_delete);

fn on_delete_set_null_clears_the_key(conn: &Connection) {
    conn.apply(&conn.schema_plan::<(Team, Badge)>().unwrap())
        .unwrap();
    let mut red = team(conn, "red");
    let mut badge = Badge {
        team_id: Some(red.id),
        ..Default::default()
    };
    badge.save(conn).unwrap();
    assert!(red.delete(conn).unwrap());
    assert_eq!(Badges::find(conn, badge.id).unwrap().team_id, None);
}
db_test!(on_delete_set_null_clears_the_key);

fn no_constraint_creates_none(conn: &Connection) {
    let plan = conn.schema_plan::<(Team, Fan)>().unwrap();
    assert!(
        plan.changes.iter().all(|c| !c.sql.contains("FOREIGN KEY")),
        "{plan}"
    );
    conn.apply(&plan).unwrap();
    assert_settled::<(Team, Fan)>(conn);
    // A fan of a team that does not exist is accepted.
    Fan {
        team_id: 4242,
        ..Default::default()
    }
    .save(conn)
    .unwrap();
}
db_test!(no_constraint_creates_none);

fn an_existing_table_gets_the_missing_foreign_key(conn: &Connection) {
    conn.apply(&conn.schema_plan::<(Team, PlainPlayer)>().unwrap())
        .unwrap();
    let plan = conn.schema_plan::<(Team, Player)>().unwrap();
    if conn.dialect().name() == "sqlite" {
        // SQLite adds no constraint to an existing table: drift, no error.
        assert!(plan.is_empty(), "{plan}");
        assert_eq!(
            plan.drift,
            [(
                "players".to_owned(),
                Drift::MissingForeignKey {
                    name: "fk_players_team_id".into(),
                    column: "team_id".into(),
                    references: "teams".into(),
                }
            )]
        );
        assert!(plan.drift[0].1.to_string().contains("fk_players_team_id"));
        return;
    }
    assert_eq!(plan.changes.len(), 1, "{plan}");
    let change = &plan.changes[0];
    assert_eq!(change.table, "players");
    assert_eq!(
        change.kind,
        ChangeKind::AddForeignKey("fk_players_team_id".into())
    );
    assert!(change.sql.starts_with("ALTER TABLE "), "{}", change.sql);
    assert!(plan.drift.is_empty(), "{:?}", plan.drift);
    conn.apply(&plan).unwrap();
    assert_settled::<(Team, Player)>(conn);
    let mut p = Player {
        team_id: 4242,
        ..Default::default()
    };
    assert!(is_fk_violation(p.save(conn)));
}
db_test!(an_existing_table_gets_the_missing_foreign_key);

fn a_child_synced_before_its_parent_gets_the_key_later(conn: &Connection) {
    let report = conn.sync::<Player>().unwrap();
    assert!(report.created_table);
    if conn.dialect().name() == "sqlite" {
        // Declared in the CREATE TABLE (SQLite checks the parent later).
        assert!(report.drift.is_empty(), "{report:?}");
        conn.sync::<Team>().unwrap();
        assert_settled::<(Team, Player)>(conn);
    } else {
        // The parent table does not exist: created without the constraint,
        // which is drift until the parent exists.
        assert!(
            matches!(&report.drift[..], [Drift::MissingForeignKey { name, .. }] if name == "fk_players_team_id"),
            "{report:?}"
        );
        conn.sync::<Team>().unwrap();
        let report = conn.sync::<Player>().unwrap();
        assert_eq!(report.added_foreign_keys, ["fk_players_team_id"]);
        assert!(report.drift.is_empty(), "{report:?}");
        assert_settled::<(Team, Player)>(conn);
    }
    let mut p = Player {
        team_id: 4242,
        ..Default::default()
    };
    assert!(is_fk_violation(p.save(conn)));
}
db_test!(a_child_synced_before_its_parent_gets_the_key_later);

fn self_references_and_cycles(conn: &Connection) {
    // A self-reference is declared in the table's own CREATE TABLE.
    let plan = conn.schema_plan::<Node>().unwrap();
    assert_eq!(plan.changes.len(), 1, "{plan}");
    assert!(plan.changes[0].sql.contains("fk_nodes_parent_id"), "{plan}");
    conn.apply(&plan).unwrap();
    assert_settled::<Node>(conn);
    let mut root = Node::default();
    root.save(conn).unwrap();
    let mut leaf = Node {
        parent_id: Some(root.id),
        ..Default::default()
    };
    leaf.save(conn).unwrap();
    assert!(root.delete(conn).unwrap());
    assert_eq!(Nodes::all().count(conn).unwrap(), 0, "cascaded");

    // A cycle: both tables created, then the constraint that could not be
    // declared yet added (SQLite declares both in CREATE TABLE).
    let plan = conn.schema_plan::<(Egg, Hen)>().unwrap();
    let kinds: Vec<(&str, &ChangeKind)> = plan
        .changes
        .iter()
        .map(|c| (c.table.as_str(), &c.kind))
        .collect();
    if conn.dialect().name() == "sqlite" {
        assert_eq!(
            kinds,
            [
                ("eggs", &ChangeKind::CreateTable),
                ("hens", &ChangeKind::CreateTable)
            ]
        );
        assert!(plan.changes[0].sql.contains("fk_eggs_hen_id"), "{plan}");
    } else {
        assert_eq!(
            kinds,
            [
                ("eggs", &ChangeKind::CreateTable),
                ("hens", &ChangeKind::CreateTable),
                ("eggs", &ChangeKind::AddForeignKey("fk_eggs_hen_id".into())),
            ]
        );
    }
    assert!(plan.changes[1].sql.contains("fk_hens_egg_id"), "{plan}");
    assert!(plan.drift.is_empty(), "{:?}", plan.drift);
    conn.apply(&plan).unwrap();
    assert_settled::<(Egg, Hen)>(conn);
    assert_settled::<(Hen, Egg)>(conn);
    let mut egg = Egg {
        hen_id: Some(7),
        ..Default::default()
    };
    assert!(is_fk_violation(egg.save(conn)));
}
db_test!(self_references_and_cycles);

fn actions_are_read_back(conn: &Connection) {
    use orm::ReferentialAction as A;
    conn.apply(&conn.schema_plan::<(Team, Player, Ticket, Pass)>().unwrap())
        .unwrap();
    let tables = conn.introspect().unwrap();
    let fk = |table: &str| {
        let t = tables.iter().find(|t| t.name == table).expect(table);
        assert_eq!(t.foreign_keys.len(), 1, "{table}: {:?}", t.foreign_keys);
        (t.foreign_keys[0].on_delete, t.foreign_keys[0].on_update)
    };
    assert_eq!(fk("players"), (Some(A::Cascade), None));
    assert_eq!(fk("passes"), (None, None));
    // InnoDB's RESTRICT is its default, NO ACTION: read as the default.
    let restrict = (conn.dialect().name() != "mysql").then_some(A::Restrict);
    assert_eq!(fk("tickets"), (restrict, restrict));
}
db_test!(actions_are_read_back);
