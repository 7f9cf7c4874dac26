//! Sync between laptops (BUNDLES.md "Sync rows"; the rules are in crates/core/src/sync/mod.rs).
//!
//! First the merge plan on small hand-made cases. Then real bundles between laptops: a new
//! laptop taking the village, what `data.xlsx` holds, edits and deletions travelling, bundles
//! received twice or out of order, concurrent edits and unique collisions with their conflicts
//! and how a person settles them, a row without its parent. Then three laptops editing and
//! syncing at random (a property test), and an import killed at random moments.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use calamine::{Data, Reader, Xlsx};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use zhucun_core::bundle::{self, Applied, BundleProblem, NewBundle, SyncRange, VillageRef};
use zhucun_core::keys::{self, Role};
use zhucun_core::records::{self, schema, RecordView, Row, Table, Value};
use zhucun_core::rusqlite::Connection;
use zhucun_core::store::{self, hlc::Clock};
use zhucun_core::sync::plan::{Incoming, Local};
use zhucun_core::sync::{self, ConflictReason, Keep, Side, SyncReport, Version};
use zhucun_core::{DivisionCode, Error, Lang};

use crate::common::{pairs, snapshot, TestResult};

const CODE: &str = "513433100201";

// ---------------------------------------------------------------------------------------------
// The plan, on hand-made values.

fn clock(millis: i64, device: &str) -> Clock {
    Clock::new(millis, 0, device)
}

fn group(id: &str, name: &str, at: Clock, deleted: bool) -> Version {
    let mut row = Row::new();
    row.insert("name", Value::Text(name.into()));
    Version::from_row(&schema::GROUP, id, at, deleted, &row)
}

fn household(id: &str, code: &str, group: Option<&str>, at: Clock) -> Version {
    let mut row = Row::new();
    row.insert("code", Value::Text(code.into()));
    row.insert("head_name", Value::Text(format!("户主{code}")));
    row.insert("status", Value::Text("一般户".into()));
    if let Some(g) = group {
        row.insert("group", Value::Text(g.into()));
    }
    Version::from_row(&schema::HOUSEHOLD, id, at, false, &row)
}

/// A bundle of device `b`, made at `to`, from a sender that had taken in `knew` of others.
fn from_b(to: i64, knew: &[(&str, i64)], versions: Vec<Version>) -> Incoming {
    Incoming {
        bundle_id: "bundle".into(),
        device: "b".into(),
        from: None,
        to: clock(to, "b"),
        knowledge: knew
            .iter()
            .map(|(d, m)| ((*d).to_string(), clock(*m, d)))
            .collect(),
        versions,
    }
}

fn local_a(records: Vec<(Version, bool)>) -> Local {
    let mut local = Local::new("a");
    for (v, held) in records {
        local.add(v, held);
    }
    local
}

#[test]
fn the_plan_inserts_what_is_new() -> TestResult {
    let g = group("g1", "一组", clock(5, "b"), false);
    let plan = sync::plan(&local_a(vec![]), from_b(9, &[], vec![g.clone()]))?;
    assert_eq!(plan.writes.len(), 1);
    assert_eq!(plan.writes[0].version, g);
    assert!(plan.writes[0].visible && plan.writes[0].old.is_none());
    assert!(plan.conflicts.is_empty());
    assert_eq!((plan.report.inserted, plan.report.rows), (1, 1));
    assert_eq!(plan.newest, clock(9, "b"));
    Ok(())
}

#[test]
fn the_newer_version_wins_and_a_change_made_without_ours_is_a_conflict() -> TestResult {
    let ours = group("g1", "一组", clock(5, "a"), false);
    let theirs = group("g1", "第一组", clock(9, "b"), false);
    // b had taken in a's records up to 6: it built on our version.
    let plan = sync::plan(
        &local_a(vec![(ours.clone(), false)]),
        from_b(9, &[("a", 6)], vec![theirs.clone()]),
    )?;
    assert_eq!(plan.writes[0].version, theirs);
    assert_eq!(plan.writes[0].old.as_ref().map(|o| &o.version), Some(&ours));
    assert!(plan.conflicts.is_empty());
    assert_eq!(plan.report.replaced, 1);

    // b had seen a only up to 4: both changed the record; ours lost and is kept for review.
    let plan = sync::plan(
        &local_a(vec![(ours.clone(), false)]),
        from_b(9, &[("a", 4)], vec![theirs.clone()]),
    )?;
    assert_eq!(plan.writes[0].version, theirs);
    let [c] = plan.conflicts.as_slice() else {
        return Err(format!("{:?}", plan.conflicts).into());
    };
    assert_eq!(
        (c.reason, c.winner, &c.local, &c.incoming),
        (ConflictReason::Concurrent, Side::Incoming, &ours, &theirs)
    );
    assert_eq!(c.loser(), &ours);
    Ok(())
}

#[test]
fn an_older_version_is_ignored_and_one_we_never_saw_is_a_conflict() -> TestResult {
    let ours = group("g1", "第一组", clock(9, "a"), false);
    let theirs = group("g1", "一组", clock(5, "b"), false);
    let mut local = local_a(vec![(ours.clone(), false)]);
    // We had taken in b's records up to 7: we built on its version.
    local.knowledge.insert("b".into(), clock(7, "b"));
    let plan = sync::plan(&local, from_b(9, &[], vec![theirs.clone()]))?;
    assert!(plan.writes.is_empty() && plan.conflicts.is_empty());
    assert_eq!(plan.report.kept, 1);

    let plan = sync::plan(
        &local_a(vec![(ours.clone(), false)]),
        from_b(9, &[], vec![theirs.clone()]),
    )?;
    assert!(plan.writes.is_empty());
    let [c] = plan.conflicts.as_slice() else {
        return Err(format!("{:?}", plan.conflicts).into());
    };
    assert_eq!((c.winner, c.loser()), (Side::Local, &theirs));
    Ok(())
}

#[test]
fn the_same_version_changes_nothing_and_one_device_never_conflicts_with_itself() -> TestResult {
    let v = group("g1", "一组", clock(5, "b"), false);
    let plan = sync::plan(
        &local_a(vec![(v.clone(), false)]),
        from_b(9, &[], vec![v.clone()]),
    )?;
    assert!(plan.changes_nothing());
    assert_eq!(plan.report.unchanged, 1);

    // b's later version replaces b's earlier one, whatever anyone knew.
    let later = group("g1", "第一组", clock(8, "b"), false);
    let plan = sync::plan(
        &local_a(vec![(v.clone(), false)]),
        from_b(9, &[], vec![later.clone()]),
    )?;
    assert_eq!(plan.writes.len(), 1);
    assert!(plan.conflicts.is_empty());
    // …and an echo of our own old version changes nothing.
    let mine_old = group("g2", "二组", clock(3, "a"), false);
    let mine_new = group("g2", "第二组", clock(6, "a"), false);
    let plan = sync::plan(
        &local_a(vec![(mine_new, false)]),
        from_b(9, &[], vec![mine_old]),
    )?;
    assert!(plan.changes_nothing());
    Ok(())
}

#[test]
fn tombstones_win_and_lose_by_clock() -> TestResult {
    let ours = group("g1", "一组", clock(5, "a"), false);
    let deletion = group("g1", "一组", clock(9, "b"), true);
    let plan = sync::plan(
        &local_a(vec![(ours.clone(), false)]),
        from_b(9, &[("a", 5)], vec![deletion.clone()]),
    )?;
    assert_eq!(plan.writes[0].version, deletion);
    assert!(!plan.writes[0].visible);
    assert!(plan.conflicts.is_empty());

    // A deletion older than our edit loses, and b never saw our edit: the deletion is kept
    // for review.
    let edited = group("g1", "第一组", clock(12, "a"), false);
    let plan = sync::plan(
        &local_a(vec![(edited, false)]),
        from_b(13, &[], vec![deletion.clone()]),
    )?;
    assert!(plan.writes.is_empty());
    assert_eq!(
        plan.conflicts.iter().map(|c| c.loser()).collect::<Vec<_>>(),
        vec![&deletion]
    );
    Ok(())
}

#[test]
fn a_unique_collision_holds_the_older_record_back() -> TestResult {
    let ours = household("h1", "0001", None, clock(5, "a"));
    // Theirs is newer: it is shown, ours is held back and listed.
    let theirs = household("h2", "0001", None, clock(9, "b"));
    let plan = sync::plan(
        &local_a(vec![(ours.clone(), false)]),
        from_b(9, &[], vec![theirs.clone()]),
    )?;
    assert!(plan.writes[0].visible);
    // It takes a code another record leaves in the same merge: written hidden, shown last.
    assert!(plan.writes[0].two_phase);
    assert_eq!(plan.visibility.len(), 1);
    assert_eq!(
        (&plan.visibility[0].version, plan.visibility[0].shown),
        (&ours, false)
    );
    let [c] = plan.conflicts.as_slice() else {
        return Err(format!("{:?}", plan.conflicts).into());
    };
    assert_eq!(
        (c.reason, c.winner, c.loser()),
        (ConflictReason::Unique, Side::Incoming, &ours)
    );
    assert_eq!(plan.report.held, 1);

    // Theirs is older: it is written held back.
    let older = household("h2", "0001", None, clock(3, "b"));
    let plan = sync::plan(
        &local_a(vec![(ours.clone(), false)]),
        from_b(9, &[], vec![older.clone()]),
    )?;
    assert!(plan.visibility.is_empty());
    assert!(plan.writes[0].held());
    assert_eq!(
        plan.conflicts
            .iter()
            .map(|c| (c.reason, c.loser()))
            .collect::<Vec<_>>(),
        vec![(ConflictReason::Unique, &older)]
    );

    // Two records the sender holds both: it decided, and listed the conflict, already.
    let older = household("h3", "0001", None, clock(3, "b"));
    let plan = sync::plan(&local_a(vec![]), from_b(9, &[], vec![older, theirs]))?;
    assert!(plan.conflicts.is_empty());
    assert_eq!(
        plan.writes.iter().map(|w| w.visible).collect::<Vec<_>>(),
        vec![false, true]
    );
    Ok(())
}

#[test]
fn a_held_record_is_shown_again_once_its_value_is_free() -> TestResult {
    let held = household("h1", "0001", None, clock(5, "a"));
    let mut winner = household("h2", "0001", None, clock(9, "b"));
    winner.deleted = true;
    let plan = sync::plan(
        &local_a(vec![(held.clone(), true)]),
        from_b(10, &[], vec![winner]),
    )?;
    assert_eq!(
        plan.visibility
            .iter()
            .map(|v| (&v.version, v.shown))
            .collect::<Vec<_>>(),
        vec![(&held, true)]
    );
    assert_eq!(plan.report.released, 1);
    Ok(())
}

#[test]
fn a_row_whose_parent_is_nowhere_is_refused() -> TestResult {
    let child = household("h1", "0001", Some("g9"), clock(5, "b"));
    let err = sync::plan(&local_a(vec![]), from_b(9, &[], vec![child.clone()]))
        .err()
        .ok_or("a household without its group was planned")?;
    assert_eq!(err.code(), "conflict");
    let message = err.message(Lang::En);
    assert!(
        message.contains("household h1") && message.contains("group g9"),
        "{message}"
    );
    // With the parent in the bundle, or here, it is fine.
    let parent = group("g9", "九组", clock(4, "b"), false);
    sync::plan(
        &local_a(vec![]),
        from_b(9, &[], vec![parent.clone(), child.clone()]),
    )?;
    let mut local = local_a(vec![]);
    local.existing.insert(("groups", "g9".into()));
    sync::plan(&local, from_b(9, &[], vec![child]))?;
    Ok(())
}

#[test]
fn the_plan_learns_what_a_contiguous_sender_knew() -> TestResult {
    let mut incoming = from_b(9, &[("c", 4), ("a", 2)], vec![]);
    let plan = sync::plan(&local_a(vec![]), incoming.clone())?;
    assert!(plan.contiguous && !plan.report.gap);
    assert_eq!(
        plan.knowledge,
        BTreeMap::from([("b".into(), clock(9, "b")), ("c".into(), clock(4, "c"))])
    );
    assert_eq!(plan.knows_us, Some(clock(2, "a")));

    // A bundle that starts after what we have of b teaches nothing.
    incoming.from = Some(clock(7, "b"));
    let mut local = local_a(vec![]);
    local.knowledge.insert("b".into(), clock(5, "b"));
    let plan = sync::plan(&local, incoming.clone())?;
    assert!(!plan.contiguous && plan.report.gap);
    assert_eq!(plan.knowledge, local.knowledge);
    // One that starts where we are does.
    incoming.from = Some(clock(5, "b"));
    let plan = sync::plan(&local, incoming)?;
    assert!(plan.contiguous);
    assert_eq!(plan.knowledge.get("b"), Some(&clock(9, "b")));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Laptops.

/// One laptop of the team: its keys and its database.
struct Laptop {
    keys: PathBuf,
    conn: Connection,
}

/// Keys for `n` laptops in `dir`, each trusting the others as keys of the village.
fn team_keys(dir: &Path, n: usize) -> TestResult<Vec<PathBuf>> {
    let mut all = Vec::new();
    for i in 0..n {
        let keys = dir.join(format!("keys{i}"));
        keys::init(&keys, &format!("青岗村笔记本 {i}"), Role::Village)?;
        keys::export(&keys, &dir.join(format!("laptop{i}.pub")))?;
        all.push(keys);
    }
    for (i, keys) in all.iter().enumerate() {
        for j in (0..n).filter(|j| *j != i) {
            keys::trust(
                keys,
                &dir.join(format!("laptop{j}.pub")),
                Role::Village,
                None,
            )?;
        }
    }
    Ok(all)
}

/// A team sharing `dir` for its bundles.
struct Team {
    dir: PathBuf,
    laptops: Vec<Laptop>,
    made: usize,
}

impl Team {
    /// Laptop 0 creates the village; the others take it from its full bundle.
    fn new(dir: &Path, keys: &[PathBuf], files: bool) -> TestResult<Team> {
        let mut laptops = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            let conn = if files {
                store::open(&dir.join(format!("laptop{i}")).join("zhucun.sqlite"))?
            } else {
                store::open_in_memory()?
            };
            laptops.push(Laptop {
                keys: k.clone(),
                conn,
            });
        }
        let mut team = Team {
            dir: dir.to_path_buf(),
            laptops,
            made: 0,
        };
        zhucun_core::village::init(
            &mut team.laptops[0].conn,
            &pairs(&[("code", CODE), ("name", "青岗村"), ("township", "城厢镇")]),
        )?;
        let full = team.export(0, true)?;
        for i in 1..keys.len() {
            team.receive(i, &full)?;
        }
        Ok(team)
    }

    fn conn(&mut self, i: usize) -> &mut Connection {
        &mut self.laptops[i].conn
    }

    fn export(&mut self, from: usize, full: bool) -> TestResult<Vec<u8>> {
        self.made += 1;
        let out = self.dir.join(format!("bundle{}.zip", self.made));
        let laptop = &self.laptops[from];
        sync::export_bundle(&laptop.conn, &laptop.keys, full, &out)?;
        let bytes = std::fs::read(&out)?;
        std::fs::remove_file(&out)?;
        Ok(bytes)
    }

    fn receive(&self, to: usize, bytes: &[u8]) -> zhucun_core::Result<SyncReport> {
        let laptop = &self.laptops[to];
        let received = bundle::receive_bytes(&laptop.conn, &laptop.keys, bytes)?;
        match received.applied {
            Applied::Sync(report) => Ok(report),
            other => Err(Error::conflict(
                format!("不是同步：{other:?}"),
                format!("not a sync: {other:?}"),
            )),
        }
    }

    /// `from` sends what it changed to `to`.
    fn sync(&mut self, from: usize, to: usize) -> TestResult<SyncReport> {
        let bytes = self.export(from, false)?;
        Ok(self.receive(to, &bytes)?)
    }
}

/// Waits a little, so the next change is later by the wall clock too (laptops whose clocks
/// agree to the millisecond order their changes by device id).
fn later() {
    std::thread::sleep(Duration::from_millis(5));
}

/// Every live record of every table, as people see them.
fn live(conn: &Connection) -> TestResult<Vec<(&'static str, Vec<RecordView>)>> {
    let mut out = Vec::new();
    for t in records::TABLES {
        out.push((t.name, records::list(conn, t, None)?));
    }
    Ok(out)
}

/// Every record's own version (id and clock), held and deleted ones too.
fn versions(conn: &Connection) -> TestResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    for t in records::TABLES {
        let mut stmt = conn.prepare(&format!("SELECT id, clock FROM {} ORDER BY id", t.sql))?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        for row in rows {
            out.push(row?);
        }
    }
    Ok(out)
}

fn clock_of(conn: &Connection, table: &Table, id: &str) -> TestResult<Option<String>> {
    use zhucun_core::rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            &format!("SELECT clock FROM {} WHERE id = ?1", table.sql),
            [id],
            |r| r.get(0),
        )
        .optional()?)
}

fn id_of(conn: &Connection, table: &Table, key: &str) -> TestResult<String> {
    Ok(records::view(conn, table, key)?.id)
}

#[test]
fn a_new_laptop_takes_the_village_from_a_full_bundle() -> TestResult {
    let dir = tempfile::tempdir()?;
    let keys = team_keys(dir.path(), 2)?;
    let mut team = Team::new(dir.path(), &keys, true)?;
    records::add(team.conn(0), &schema::GROUP, &pairs(&[("name", "一组")]))?;
    records::add(
        team.conn(0),
        &schema::HOUSEHOLD,
        &pairs(&[
            ("code", "0001"),
            ("head_name", "张三"),
            ("group", "一组"),
            ("income_per_capita", "1234.56"),
            ("id_card", "513433199001011231"),
        ]),
    )?;
    let report = team.sync(0, 1)?;
    // Laptop 0 never heard from laptop 1: it sends everything.
    assert_eq!((report.inserted, report.unchanged), (2, 1));
    assert_eq!(live(&team.laptops[0].conn)?, live(&team.laptops[1].conn)?);
    assert_eq!(
        zhucun_core::village::profile(&team.laptops[1].conn)?.map(|v| v.get("code").clone()),
        Some(Value::Text(CODE.into()))
    );
    // After the merge, laptop 1's clock is ahead of every clock it saw.
    let newest = versions(&team.laptops[1].conn)?
        .into_iter()
        .filter_map(|(_, c)| Clock::parse(&c))
        .max()
        .ok_or("no version")?;
    records::add(team.conn(1), &schema::GROUP, &pairs(&[("name", "二组")]))?;
    let made = clock_of(
        &team.laptops[1].conn,
        &schema::GROUP,
        &id_of(&team.laptops[1].conn, &schema::GROUP, "二组")?,
    )?
    .and_then(|c| Clock::parse(&c))
    .ok_or("no clock")?;
    assert!(made > newest, "{made} after {newest}");
    // The first sync was backed up first, beside the database.
    assert!(dir.path().join("laptop1").join("backups").is_dir());
    Ok(())
}

/// The cells of one sheet of a bundle's `data.xlsx`.
fn sheet_of(bytes: &[u8], sheet: &str) -> TestResult<Vec<Vec<Data>>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))?;
    let mut data = Vec::new();
    zip.by_name("data.xlsx")?.read_to_end(&mut data)?;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(data))?;
    let range = book.worksheet_range(sheet)?;
    Ok(range.rows().map(<[Data]>::to_vec).collect())
}

#[test]
fn data_xlsx_keeps_codes_ids_and_clocks_as_text_and_money_in_fen() -> TestResult {
    let dir = tempfile::tempdir()?;
    let keys = team_keys(dir.path(), 1)?;
    let mut team = Team::new(dir.path(), &keys, false)?;
    records::add(team.conn(0), &schema::GROUP, &pairs(&[("name", "1")]))?;
    records::add(
        team.conn(0),
        &schema::HOUSEHOLD,
        &pairs(&[
            ("code", "0001"),
            ("head_name", "张三"),
            ("group", "1"),
            ("income_per_capita", "1234.56"),
            ("identified_year", "2016"),
        ]),
    )?;
    records::add(
        team.conn(0),
        &schema::LOG,
        &pairs(&[("date", "2026-03-05"), ("content", "走访")]),
    )?;
    let bytes = team.export(0, true)?;
    let rows = sheet_of(&bytes, "households")?;
    let header: Vec<String> = rows[0].iter().map(ToString::to_string).collect();
    assert_eq!(
        header[..8],
        [
            "id",
            "clock",
            "device",
            "deleted",
            "code",
            "head_name",
            "id_card",
            "group_id"
        ]
    );
    let cell = |name: &str| {
        let i = header.iter().position(|h| h == name).unwrap_or(usize::MAX);
        rows[1].get(i).cloned().unwrap_or(Data::Empty)
    };
    assert_eq!(cell("code"), Data::String("0001".into()));
    assert!(matches!(cell("id"), Data::String(_)));
    assert!(matches!(cell("clock"), Data::String(_)));
    assert!(matches!(cell("group_id"), Data::String(_)));
    assert_eq!(cell("income_per_capita_fen"), Data::Float(123456.0));
    assert_eq!(cell("identified_year"), Data::Float(2016.0));
    assert_eq!(cell("deleted"), Data::Float(0.0));
    assert_eq!(cell("id_card"), Data::Empty);
    // A group named "1" stays text.
    assert_eq!(sheet_of(&bytes, "groups")?[1][4], Data::String("1".into()));
    assert_eq!(
        sheet_of(&bytes, "work_logs")?[1][4],
        Data::String("2026-03-05".into())
    );
    // Every synced table has its sheet, and the sender's knowledge its own.
    let mut zip = zip::ZipArchive::new(Cursor::new(&bytes))?;
    let mut data = Vec::new();
    zip.by_name("data.xlsx")?.read_to_end(&mut data)?;
    let book: Xlsx<_> = Xlsx::new(Cursor::new(data))?;
    let mut expected: Vec<String> = records::TABLES.iter().map(|t| t.sql.to_string()).collect();
    expected.push(sync::KNOWLEDGE_SHEET.to_string());
    assert_eq!(book.sheet_names(), expected);
    Ok(())
}

#[test]
fn edits_and_deletions_travel_and_only_changes_are_sent() -> TestResult {
    let dir = tempfile::tempdir()?;
    let keys = team_keys(dir.path(), 2)?;
    let mut team = Team::new(dir.path(), &keys, false)?;
    for name in ["一组", "二组", "三组"] {
        records::add(team.conn(0), &schema::GROUP, &pairs(&[("name", name)]))?;
    }
    team.sync(0, 1)?;
    // Laptop 1 answers: laptop 0 learns what laptop 1 has of it.
    team.sync(1, 0)?;

    records::set(
        team.conn(0),
        &schema::GROUP,
        "二组",
        &pairs(&[("population", "88")]),
    )?;
    records::remove(team.conn(0), &schema::GROUP, "三组")?;
    let bytes = team.export(0, false)?;
    let manifest = bundle::verify(
        &bytes,
        &team.laptops[1].keys,
        Some(&DivisionCode::parse("c", CODE)?),
    )?
    .manifest;
    let range = manifest.sync.ok_or("no range")?;
    // Only the two groups changed since laptop 1's confirmed state.
    assert_eq!(range.rows, 2);
    assert!(!range.from.is_empty());
    let report = team.receive(1, &bytes)?;
    assert_eq!(
        (report.replaced, report.conflicts, report.gap),
        (2, 0, false)
    );
    assert_eq!(live(&team.laptops[0].conn)?, live(&team.laptops[1].conn)?);
    let groups = records::list(&team.laptops[1].conn, &schema::GROUP, None)?;
    assert_eq!(
        groups
            .iter()
            .map(|g| g.get("name").to_text())
            .collect::<Vec<_>>(),
        ["一组", "二组"]
    );
    // The receiver's audit log: an entry for each merge, naming its bundle, which the records
    // it wrote name in turn; and the versions it replaced, kept whole.
    let conn = &team.laptops[1].conn;
    let merges: Vec<String> = conn
        .prepare(
            "SELECT record_id FROM audit_log
             WHERE action = 'sync' AND table_name = 'sync_received' ORDER BY seq",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    // The village from laptop 0's full bundle, the three groups, the two changes.
    assert_eq!(merges.len(), 3, "{merges:?}");
    assert_eq!(merges[2], manifest.id.to_string());
    let by_merge: Vec<(String, String)> = conn
        .prepare(
            "SELECT g.name, a.record_id FROM groups g JOIN audit_log a ON a.seq = g.audit_seq
             ORDER BY g.name",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    assert_eq!(
        by_merge,
        [
            ("一组".to_string(), merges[1].clone()),
            ("三组".to_string(), merges[2].clone()),
            ("二组".to_string(), merges[2].clone()),
        ]
    );
    let replaced: Vec<String> = conn
        .prepare(
            "SELECT old FROM audit_log WHERE action = 'sync' AND table_name = 'groups'
             ORDER BY seq",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    assert_eq!(replaced.len(), 2, "{replaced:?}");
    assert!(
        replaced.iter().all(|old| old.contains("\"name\":\"")),
        "{replaced:?}"
    );
    Ok(())
}

#[test]
fn a_bundle_received_twice_or_after_a_newer_one_changes_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let keys = team_keys(dir.path(), 2)?;
    let mut team = Team::new(dir.path(), &keys, true)?;
    records::add(team.conn(0), &schema::GROUP, &pairs(&[("name", "一组")]))?;
    let older = team.export(0, false)?;
    records::set(
        team.conn(0),
        &schema::GROUP,
        "一组",
        &pairs(&[("population", "50")]),
    )?;
    records::add(
        team.conn(0),
        &schema::LOG,
        &pairs(&[("date", "2026-03-05")]),
    )?;
    let newer = team.export(0, false)?;

    team.receive(1, &newer)?;
    let after_newer = snapshot(&team.laptops[1].conn)?;
    let report = team.receive(1, &older)?;
    assert_eq!((report.kept, report.conflicts), (1, 0), "{report:?}");
    assert_eq!(snapshot(&team.laptops[1].conn)?, after_newer);

    let laptop = &team.laptops[1];
    let again = bundle::receive_bytes(&laptop.conn, &laptop.keys, &newer)?;
    assert_eq!(again.backup, None);
    let Applied::Sync(report) = again.applied else {
        return Err("not a sync".into());
    };
    assert!(report.already_received);
    assert_eq!(snapshot(&team.laptops[1].conn)?, after_newer);
    assert!(sync::conflicts(&team.laptops[1].conn)?.is_empty());
    Ok(())
}

#[test]
fn concurrent_edits_keep_the_losing_version_and_resolving_brings_it_back() -> TestResult {
    let dir = tempfile::tempdir()?;
    let keys = team_keys(dir.path(), 2)?;
    let mut team = Team::new(dir.path(), &keys, false)?;
    records::add(team.conn(0), &schema::GROUP, &pairs(&[("name", "一组")]))?;
    team.sync(0, 1)?;
    team.sync(1, 0)?;

    // Both change the same group without seeing the other's change; laptop 1's is later.
    records::set(
        team.conn(0),
        &schema::GROUP,
        "一组",
        &pairs(&[("population", "10")]),
    )?;
    later();
    records::set(
        team.conn(1),
        &schema::GROUP,
        "一组",
        &pairs(&[("population", "20")]),
    )?;
    let report = team.sync(1, 0)?;
    assert_eq!((report.replaced, report.conflicts), (1, 1));
    let list = sync::conflicts(&team.laptops[0].conn)?;
    let [c] = list.as_slice() else {
        return Err(format!("{list:?}").into());
    };
    assert_eq!(
        (c.reason, c.winner, c.table.name),
        (ConflictReason::Concurrent, Side::Incoming, "group")
    );
    assert_eq!(c.local.row().get("population"), Some(&Value::Int(10)));
    assert_eq!(c.incoming.row().get("population"), Some(&Value::Int(20)));
    // Laptop 0 now holds laptop 1's version: laptop 1 never sees laptop 0's, nor a conflict.
    let report = team.sync(0, 1)?;
    assert_eq!((report.unchanged, report.conflicts), (1, 0));
    let shown = |conn: &Connection| -> TestResult<Value> {
        Ok(records::view(conn, &schema::GROUP, "一组")?
            .get("population")
            .clone())
    };
    assert_eq!(shown(&team.laptops[0].conn)?, Value::Int(20));
    assert_eq!(shown(&team.laptops[1].conn)?, Value::Int(20));

    // On laptop 0, a person keeps its own version: a new change, which wins everywhere.
    let id = c.id;
    assert!(sync::resolve(team.conn(0), id, Keep::Local)?);
    assert_eq!(shown(&team.laptops[0].conn)?, Value::Int(10));
    assert!(sync::conflicts(&team.laptops[0].conn)?.is_empty());
    assert_eq!(
        sync::all_conflicts(&team.laptops[0].conn)?[0].kept,
        Some(Keep::Local)
    );
    let again = sync::resolve(team.conn(0), id, Keep::Incoming).err();
    assert_eq!(again.map(|e| e.code()), Some("conflict"));
    let report = team.sync(0, 1)?;
    assert_eq!((report.replaced, report.conflicts), (1, 0));
    assert_eq!(shown(&team.laptops[1].conn)?, Value::Int(10));

    // Keeping the version that won changes nothing.
    records::set(
        team.conn(0),
        &schema::GROUP,
        "一组",
        &pairs(&[("population", "30")]),
    )?;
    later();
    records::set(
        team.conn(1),
        &schema::GROUP,
        "一组",
        &pairs(&[("population", "40")]),
    )?;
    team.sync(1, 0)?;
    let list = sync::conflicts(&team.laptops[0].conn)?;
    assert_eq!(list.len(), 1);
    assert!(!sync::resolve(team.conn(0), list[0].id, Keep::Incoming)?);
    assert_eq!(shown(&team.laptops[0].conn)?, Value::Int(40));
    assert_eq!(
        sync::resolve(team.conn(1), 999, Keep::Local)
            .err()
            .map(|e| e.code()),
        Some("not_found")
    );
    Ok(())
}

#[test]
fn a_deletion_against_an_edit_is_a_conflict_either_way() -> TestResult {
    let dir = tempfile::tempdir()?;
    let keys = team_keys(dir.path(), 2)?;
    let mut team = Team::new(dir.path(), &keys, false)?;
    records::add(
        team.conn(0),
        &schema::LOG,
        &pairs(&[("date", "2026-03-05")]),
    )?;
    team.sync(0, 1)?;
    team.sync(1, 0)?;
    records::remove(team.conn(0), &schema::LOG, "2026-03-05")?;
    later();
    records::set(
        team.conn(1),
        &schema::LOG,
        "2026-03-05",
        &pairs(&[("content", "开会")]),
    )?;
    team.sync(1, 0)?;
    team.sync(0, 1)?;
    // The edit is later: the record lives on both. Laptop 0's deletion lost to a change made
    // without it, and waits there for a person; laptop 1 never saw it.
    assert_eq!(live(&team.laptops[0].conn)?, live(&team.laptops[1].conn)?);
    assert_eq!(
        records::list(&team.laptops[1].conn, &schema::LOG, None)?.len(),
        1
    );
    assert!(sync::conflicts(&team.laptops[1].conn)?.is_empty());
    let on_0 = sync::conflicts(&team.laptops[0].conn)?;
    let [c] = on_0.as_slice() else {
        return Err(format!("{on_0:?}").into());
    };
    assert!(c.loser().deleted && c.winner == Side::Incoming);
    // Keeping the deletion deletes the log again, as a new change that travels; it was made
    // after seeing laptop 1's edit, so laptop 1 takes it without a conflict.
    assert!(sync::resolve(team.conn(0), c.id, Keep::Local)?);
    assert!(records::list(&team.laptops[0].conn, &schema::LOG, None)?.is_empty());
    let report = team.sync(0, 1)?;
    assert_eq!((report.replaced, report.conflicts), (1, 0));
    assert_eq!(live(&team.laptops[0].conn)?, live(&team.laptops[1].conn)?);
    Ok(())
}

#[test]
fn two_households_with_one_code_show_the_newer_and_a_person_can_swap_them() -> TestResult {
    let dir = tempfile::tempdir()?;
    let keys = team_keys(dir.path(), 2)?;
    let mut team = Team::new(dir.path(), &keys, false)?;
    team.sync(1, 0)?;
    let add = |conn: &mut Connection, head: &str| {
        records::add(
            conn,
            &schema::HOUSEHOLD,
            &pairs(&[
                ("code", "0001"),
                ("head_name", head),
                ("id_card", "513433199001011231"),
            ]),
        )
    };
    let first = add(team.conn(0), "张三")?;
    later();
    let second = add(team.conn(1), "李四")?;
    team.sync(0, 1)?;
    team.sync(1, 0)?;
    // Both laptops show the newer one; the older is held back, not lost.
    for laptop in &team.laptops {
        let shown = records::list(&laptop.conn, &schema::HOUSEHOLD, None)?;
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].id, second);
    }
    assert_eq!(live(&team.laptops[0].conn)?, live(&team.laptops[1].conn)?);
    // Laptop 1 found the collision when 张三's household arrived.
    let list = sync::conflicts(&team.laptops[1].conn)?;
    let [c] = list.as_slice() else {
        return Err(format!("{list:?}").into());
    };
    assert_eq!(
        (c.reason, c.winner, c.record_id.as_str()),
        (ConflictReason::Unique, Side::Local, first.as_str())
    );
    assert_eq!(
        c.summary(Lang::Zh),
        format!("冲突 {}：农户“0001”：与农户“0001”重复，只能显示一条；数据库中是本机的版本，落选的版本待处理（--keep local 或 incoming）", c.id)
    );
    // The JSON a person sees masks the ID-card number.
    let json = serde_json::to_string(c)?;
    assert!(
        json.contains("513433********1231") && !json.contains("199001011231"),
        "{json}"
    );

    // Keeping 张三's household brings it back as a new change; 李四's is held in its place.
    assert!(sync::resolve(team.conn(1), c.id, Keep::Incoming)?);
    let shown = records::list(&team.laptops[1].conn, &schema::HOUSEHOLD, None)?;
    assert_eq!(
        shown.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
        [first.as_str()]
    );
    let now = sync::conflicts(&team.laptops[1].conn)?;
    assert_eq!(now.len(), 1);
    assert_eq!(now[0].loser().id, second);
    team.sync(1, 0)?;
    assert_eq!(live(&team.laptops[0].conn)?, live(&team.laptops[1].conn)?);
    // Deleting the one shown brings the other back at the next sync.
    records::remove(team.conn(0), &schema::HOUSEHOLD, &first)?;
    team.sync(0, 1)?;
    let shown = records::list(&team.laptops[1].conn, &schema::HOUSEHOLD, None)?;
    assert_eq!(
        shown.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
        [second.as_str()]
    );
    Ok(())
}

#[test]
fn two_logs_of_one_day_and_two_villages_collide_without_aborting() -> TestResult {
    let dir = tempfile::tempdir()?;
    let keys = team_keys(dir.path(), 2)?;
    let mut team = Team::new(dir.path(), &keys, false)?;
    records::add(
        team.conn(0),
        &schema::LOG,
        &pairs(&[("date", "2026-03-05"), ("content", "甲")]),
    )?;
    later();
    records::add(
        team.conn(1),
        &schema::LOG,
        &pairs(&[("date", "2026-03-05"), ("content", "乙")]),
    )?;
    records::add(team.conn(1), &schema::GROUP, &pairs(&[("name", "一组")]))?;
    later();
    records::add(team.conn(0), &schema::GROUP, &pairs(&[("name", "一组")]))?;
    team.sync(0, 1)?;
    team.sync(1, 0)?;
    assert_eq!(live(&team.laptops[0].conn)?, live(&team.laptops[1].conn)?);
    let logs = records::list(&team.laptops[0].conn, &schema::LOG, None)?;
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].get("content").to_text(), "乙");
    let groups = records::list(&team.laptops[0].conn, &schema::GROUP, None)?;
    assert_eq!(groups.len(), 1);
    let unique = |conn: &Connection| -> TestResult<usize> {
        Ok(sync::conflicts(conn)?
            .iter()
            .filter(|c| c.reason == ConflictReason::Unique)
            .count())
    };
    assert_eq!(
        unique(&team.laptops[0].conn)? + unique(&team.laptops[1].conn)?,
        2
    );

    // A laptop that made its own village: the newer village is shown on both.
    let dir2 = tempfile::tempdir()?;
    let keys2 = team_keys(dir2.path(), 2)?;
    let mut a = store::open_in_memory()?;
    let mut b = store::open_in_memory()?;
    zhucun_core::village::init(&mut a, &pairs(&[("code", CODE), ("name", "青岗村")]))?;
    later();
    zhucun_core::village::init(&mut b, &pairs(&[("code", CODE), ("name", "青岗")]))?;
    let out = dir2.path().join("a.zip");
    sync::export_bundle(&a, &keys2[0], true, &out)?;
    bundle::receive(&b, &keys2[1], &out)?;
    sync::export_bundle(&b, &keys2[1], true, &out)?;
    bundle::receive(&a, &keys2[0], &out)?;
    let name = |c: &Connection| -> TestResult<String> {
        Ok(zhucun_core::village::profile(c)?
            .ok_or("no village")?
            .get("name")
            .to_text())
    };
    assert_eq!(name(&a)?, "青岗");
    assert_eq!(name(&b)?, "青岗");
    assert_eq!(sync::conflicts(&b)?.len(), 1);
    Ok(())
}

/// A bundle of laptop `from`'s device holding exactly `households`' rows (their `id`, `code`,
/// `group_id`), made by hand.
fn hand_made(
    team: &mut Team,
    from: usize,
    households: &[(&str, &str, &str)],
) -> TestResult<Vec<u8>> {
    let laptop = &team.laptops[from];
    let device = store::hlc::device_id(&laptop.conn)?;
    let at = Clock::new(chrono::Utc::now().timestamp_millis(), 0, &device).to_string();
    let rows: Vec<HandRow<'_>> = households
        .iter()
        .map(|(id, code, group)| {
            let fields = vec![
                ("code", *code),
                ("head_name", "王五"),
                ("status", "一般户"),
                ("group_id", *group),
            ];
            (*id, false, fields)
        })
        .collect();
    let data = hand_sheet(&schema::HOUSEHOLD, &at, &device, &rows)?;
    hand_signed(team, from, &data, households.len(), &at)
}

/// A record row made by hand: its id, whether it is deleted, and text fields by column.
type HandRow<'a> = (&'a str, bool, Vec<(&'a str, &'a str)>);

/// A `data.xlsx` of one sheet, `table`'s, made by hand: every row a version `at` of `device`.
fn hand_sheet(table: &Table, at: &str, device: &str, rows: &[HandRow<'_>]) -> TestResult<Vec<u8>> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(table.sql)?;
    let mut header = vec!["id", "clock", "device", "deleted"];
    header.extend(table.fields.iter().map(|f| f.column));
    for (c, name) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *name)?;
    }
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap_or(0) as u16;
    for (r, (id, deleted, fields)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, *id)?;
        sheet.write_string(r, 1, at)?;
        sheet.write_string(r, 2, device)?;
        sheet.write_number(r, 3, u8::from(*deleted))?;
        for (name, value) in fields {
            sheet.write_string(r, column(name), *value)?;
        }
    }
    Ok(book.save_to_buffer()?)
}

/// A sync bundle of laptop `from`'s village holding `data` (`rows` record rows), signed by it
/// with `to` (a clock of its device) as its clock.
fn hand_signed(
    team: &mut Team,
    from: usize,
    data: &[u8],
    rows: usize,
    to: &str,
) -> TestResult<Vec<u8>> {
    let laptop = &team.laptops[from];
    team.made += 1;
    let out = team.dir.join(format!("hand{}.zip", team.made));
    bundle::write(
        &out,
        &NewBundle {
            kind: bundle::Kind::Sync,
            village: Some(VillageRef {
                code: DivisionCode::parse("code", CODE)?,
                name: "青岗村".into(),
            }),
            period: None,
            template: None,
            sync: Some(SyncRange {
                device: store::hlc::device_id(&laptop.conn)?,
                from: String::new(),
                to: to.to_string(),
                rows: rows as u64,
            }),
        },
        &[("data.xlsx", data)],
        &keys::signer(&laptop.keys)?,
    )?;
    Ok(std::fs::read(out)?)
}

#[test]
fn a_bundle_that_would_take_the_village_away_is_refused() -> TestResult {
    let dir = tempfile::tempdir()?;
    let keys = team_keys(dir.path(), 2)?;
    let mut team = Team::new(dir.path(), &keys, false)?;
    let laptop = &team.laptops[0];
    let device = store::hlc::device_id(&laptop.conn)?;
    let id: String = laptop
        .conn
        .query_row("SELECT id FROM village", [], |r| r.get(0))?;
    let before = snapshot(&team.laptops[1].conn)?;
    // The village's record, newer, deleted; then given another code.
    for (deleted, code) in [(true, CODE), (false, "513433100202")] {
        later();
        let at = Clock::new(chrono::Utc::now().timestamp_millis(), 0, &device).to_string();
        let row = (
            id.as_str(),
            deleted,
            vec![("code", code), ("name", "青岗村")],
        );
        let data = hand_sheet(&schema::VILLAGE, &at, &device, &[row])?;
        let bytes = hand_signed(&mut team, 0, &data, 1, &at)?;
        let err = team
            .receive(1, &bytes)
            .err()
            .ok_or("the village was taken away")?;
        let Error::BundleRefused {
            step: 5,
            reason: BundleProblem::NotApplied { code: why, zh, .. },
        } = &err
        else {
            return Err(format!("{err:?}").into());
        };
        assert_eq!(why, "conflict");
        assert!(zh.contains(CODE) && zh.contains("村"), "{zh}");
        assert_eq!(snapshot(&team.laptops[1].conn)?, before);
    }
    // The team goes on as before.
    records::add(team.conn(0), &schema::GROUP, &pairs(&[("name", "一组")]))?;
    team.sync(0, 1)?;
    assert_eq!(live(&team.laptops[0].conn)?, live(&team.laptops[1].conn)?);
    Ok(())
}

#[test]
fn a_row_whose_parent_is_missing_is_refused_at_step_5_naming_it() -> TestResult {
    let dir = tempfile::tempdir()?;
    let keys = team_keys(dir.path(), 2)?;
    let mut team = Team::new(dir.path(), &keys, false)?;
    let before = snapshot(&team.laptops[1].conn)?;
    let orphan = "0190a000-0000-7000-8000-000000000001";
    let lost_group = "0190a000-0000-7000-8000-0000000000ff";
    let bytes = hand_made(&mut team, 0, &[(orphan, "0007", lost_group)])?;
    let err = team
        .receive(1, &bytes)
        .err()
        .ok_or("the orphan was taken")?;
    let Error::BundleRefused {
        step: 5,
        reason: BundleProblem::NotApplied { code, en, .. },
    } = &err
    else {
        return Err(format!("{err:?}").into());
    };
    assert_eq!(code, "conflict");
    assert!(en.contains(orphan) && en.contains(lost_group), "{en}");
    assert_eq!(snapshot(&team.laptops[1].conn)?, before);
    Ok(())
}

#[test]
fn an_empty_laptop_takes_only_a_bundle_that_carries_the_village() -> TestResult {
    let dir = tempfile::tempdir()?;
    let keys = team_keys(dir.path(), 3)?;
    let mut team = Team::new(dir.path(), &keys[..2], false)?;
    team.sync(1, 0)?;
    records::add(team.conn(0), &schema::GROUP, &pairs(&[("name", "一组")]))?;
    // Laptop 0's next bundle holds only the change laptop 1 lacks: no village in it.
    let delta = team.export(0, false)?;
    let fresh = store::open_in_memory()?;
    let err = bundle::receive_bytes(&fresh, &keys[2], &delta)
        .err()
        .ok_or("an empty laptop took a bundle without the village")?;
    assert!(
        matches!(
            &err,
            Error::BundleRefused {
                step: 5,
                reason: BundleProblem::NotApplied { .. }
            }
        ),
        "{err:?}"
    );
    assert!(zhucun_core::village::is_empty(&fresh)?);
    let full = team.export(0, true)?;
    bundle::receive_bytes(&fresh, &keys[2], &full)?;
    assert_eq!(live(&fresh)?, live(&team.laptops[0].conn)?);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Three laptops at random.

#[derive(Debug, Clone)]
enum Op {
    AddGroup(usize, u8),
    RenameGroup(usize, usize, u8),
    RemoveGroup(usize, usize),
    AddHousehold(usize, u8, Option<usize>),
    EditHousehold(usize, usize, Option<u8>, u8),
    RemoveHousehold(usize, usize),
    AddLog(usize, u8),
    EditLog(usize, usize, u8),
    RemoveLog(usize, usize),
    /// A laptop makes a bundle (`true`: `--full`).
    Export(usize, bool),
    /// A bundle made earlier (any of them, in any order, again or never) reaches a laptop.
    Deliver(usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    let l = || 0..3usize;
    let pick = || 0..4usize;
    // Few names, codes and days, and more edits than additions: laptops meet on the same
    // records often.
    prop_oneof![
        2 => (l(), 0..3u8).prop_map(|(a, n)| Op::AddGroup(a, n)),
        2 => (l(), pick(), 0..3u8).prop_map(|(a, p, n)| Op::RenameGroup(a, p, n)),
        1 => (l(), pick()).prop_map(|(a, p)| Op::RemoveGroup(a, p)),
        2 => (l(), 0..4u8, proptest::option::of(pick())).prop_map(|(a, c, g)| Op::AddHousehold(a, c, g)),
        4 => (l(), pick(), proptest::option::of(0..4u8), 1..9u8).prop_map(|(a, p, c, s)| Op::EditHousehold(a, p, c, s)),
        1 => (l(), pick()).prop_map(|(a, p)| Op::RemoveHousehold(a, p)),
        2 => (l(), 0..3u8).prop_map(|(a, d)| Op::AddLog(a, d)),
        3 => (l(), pick(), 0..4u8).prop_map(|(a, p, c)| Op::EditLog(a, p, c)),
        1 => (l(), pick()).prop_map(|(a, p)| Op::RemoveLog(a, p)),
        4 => (l(), proptest::bool::weighted(0.15)).prop_map(|(a, f)| Op::Export(a, f)),
        6 => (0..64usize, l()).prop_map(|(b, to)| Op::Deliver(b, to)),
    ]
}

/// A record, by its table and id.
type RecordKey = (&'static str, String);

/// A version's clock, and the clock of the version it was made from.
type Lineage = (String, Option<String>);

/// Every version each laptop made, with the version it was made from.
#[derive(Default)]
struct History {
    /// (table, id) → (clock, the clock it was made from).
    made: HashMap<RecordKey, Vec<Lineage>>,
}

struct World {
    team: Team,
    pool: Vec<(usize, Vec<u8>)>,
    history: History,
}

impl World {
    fn live_ids(&self, laptop: usize, table: &Table) -> TestResult<Vec<String>> {
        Ok(
            records::list_rows(&self.team.laptops[laptop].conn, table, None)?
                .into_iter()
                .map(|(id, _)| id)
                .collect(),
        )
    }

    /// Runs an edit of `id` (or an addition, which returns the id) on `laptop` and notes the
    /// version it made.
    fn edit(
        &mut self,
        laptop: usize,
        table: &'static Table,
        id: Option<String>,
        change: impl FnOnce(&mut Connection) -> zhucun_core::Result<Option<String>>,
    ) -> TestResult {
        let parent = match &id {
            Some(id) => clock_of(&self.team.laptops[laptop].conn, table, id)?,
            None => None,
        };
        // Refusals (a duplicate code, a group still in use) change nothing.
        let Ok(made) = change(self.team.conn(laptop)) else {
            return Ok(());
        };
        let Some(id) = made.or(id) else {
            return Ok(());
        };
        let now = clock_of(&self.team.laptops[laptop].conn, table, &id)?;
        if let Some(now) = now.filter(|n| Some(n) != parent.as_ref()) {
            self.history
                .made
                .entry((table.sql, id))
                .or_default()
                .push((now, parent));
        }
        Ok(())
    }

    fn pick(&self, laptop: usize, table: &Table, p: usize) -> TestResult<Option<String>> {
        let ids = self.live_ids(laptop, table)?;
        Ok((!ids.is_empty()).then(|| ids[p % ids.len()].clone()))
    }

    fn run(&mut self, op: &Op) -> TestResult {
        use schema::{GROUP, HOUSEHOLD, LOG};
        match op.clone() {
            Op::AddGroup(a, n) => self.edit(a, &GROUP, None, |c| {
                records::add(c, &GROUP, &pairs(&[("name", &format!("{n}组"))])).map(Some)
            })?,
            Op::RenameGroup(a, p, n) => {
                if let Some(id) = self.pick(a, &GROUP, p)? {
                    let key = id.clone();
                    self.edit(a, &GROUP, Some(id), |c| {
                        records::set(c, &GROUP, &key, &pairs(&[("name", &format!("{n}组"))]))
                            .map(|_| None)
                    })?;
                }
            }
            Op::RemoveGroup(a, p) => {
                if let Some(id) = self.pick(a, &GROUP, p)? {
                    let key = id.clone();
                    self.edit(a, &GROUP, Some(id), |c| {
                        records::remove(c, &GROUP, &key).map(|()| None)
                    })?;
                }
            }
            Op::AddHousehold(a, code, g) => {
                let group = match g {
                    Some(p) => self.pick(a, &GROUP, p)?,
                    None => None,
                };
                self.edit(a, &HOUSEHOLD, None, |c| {
                    let code = format!("000{code}");
                    let mut input = vec![("code", code.as_str()), ("head_name", "户主")];
                    if let Some(g) = &group {
                        input.push(("group", g));
                    }
                    records::add(c, &HOUSEHOLD, &pairs(&input)).map(Some)
                })?;
            }
            Op::EditHousehold(a, p, code, size) => {
                if let Some(id) = self.pick(a, &HOUSEHOLD, p)? {
                    let key = id.clone();
                    self.edit(a, &HOUSEHOLD, Some(id), |c| {
                        let size = size.to_string();
                        let code = code.map(|c| format!("000{c}"));
                        let mut input = vec![("size", size.as_str())];
                        if let Some(code) = &code {
                            input.push(("code", code));
                        }
                        records::set(c, &HOUSEHOLD, &key, &pairs(&input)).map(|_| None)
                    })?;
                }
            }
            Op::RemoveHousehold(a, p) => {
                if let Some(id) = self.pick(a, &HOUSEHOLD, p)? {
                    let key = id.clone();
                    self.edit(a, &HOUSEHOLD, Some(id), |c| {
                        records::remove(c, &HOUSEHOLD, &key).map(|()| None)
                    })?;
                }
            }
            Op::AddLog(a, d) => self.edit(a, &LOG, None, |c| {
                records::add(c, &LOG, &pairs(&[("date", &format!("2026-03-0{}", d + 1))])).map(Some)
            })?,
            Op::EditLog(a, p, content) => {
                if let Some(id) = self.pick(a, &LOG, p)? {
                    let key = id.clone();
                    self.edit(a, &LOG, Some(id), |c| {
                        records::set(
                            c,
                            &LOG,
                            &key,
                            &pairs(&[("content", &format!("工作{content}"))]),
                        )
                        .map(|_| None)
                    })?;
                }
            }
            Op::RemoveLog(a, p) => {
                if let Some(id) = self.pick(a, &LOG, p)? {
                    let key = id.clone();
                    self.edit(a, &LOG, Some(id), |c| {
                        records::remove(c, &LOG, &key).map(|()| None)
                    })?;
                }
            }
            Op::Export(a, full) => {
                let bytes = self.team.export(a, full)?;
                self.pool.push((a, bytes));
            }
            Op::Deliver(b, to) => {
                if self.pool.is_empty() {
                    return Ok(());
                }
                // Mostly one of the latest bundles; sometimes any, however old.
                let n = self.pool.len();
                let i = if b < 48 { n - 1 - b % n.min(3) } else { b % n };
                let (from, bytes) = self.pool[i].clone();
                let to = if to == from { (to + 1) % 3 } else { to };
                self.team.receive(to, &bytes)?;
            }
        }
        Ok(())
    }

    /// Every laptop sends to every other, twice: after one round each has heard from all.
    fn all_to_all(&mut self) -> TestResult {
        for _round in 0..2 {
            let bundles: Vec<(usize, Vec<u8>)> = (0..3)
                .map(|a| Ok((a, self.team.export(a, false)?)))
                .collect::<TestResult<_>>()?;
            for (from, bytes) in &bundles {
                for to in (0..3).filter(|t| t != from) {
                    self.team.receive(to, bytes)?;
                }
            }
        }
        Ok(())
    }

    fn check(&self) -> TestResult {
        let laptops = &self.team.laptops;
        let first = live(&laptops[0].conn)?;
        for other in &laptops[1..] {
            if live(&other.conn)? != first {
                return Err("the laptops show different records".into());
            }
            if versions(&other.conn)? != versions(&laptops[0].conn)? {
                return Err("the laptops hold different versions".into());
            }
        }
        // Every version that lost is in some laptop's conflicts.
        let mut losers: HashSet<(&'static str, String, String)> = HashSet::new();
        for laptop in laptops {
            for c in sync::conflicts(&laptop.conn)? {
                let l = c.loser();
                losers.insert((l.table.sql, l.id.clone(), l.clock.to_string()));
            }
        }
        for ((sql, id), made) in &self.history.made {
            let table = records::schema::table_by_sql(sql).ok_or("unknown table")?;
            let last = clock_of(&laptops[0].conn, table, id)?.ok_or("a record is gone")?;
            // A version is kept if it is the record's last one or a conflict's losing one, and
            // so is every version a kept one was built on (a laptop's own edits in a row). Any
            // other version was lost without a trace.
            let parents: HashMap<&str, Option<&String>> =
                made.iter().map(|(c, p)| (c.as_str(), p.as_ref())).collect();
            let mut kept: HashSet<&str> = HashSet::new();
            let heads = std::iter::once(last.as_str()).chain(
                losers
                    .iter()
                    .filter(|(t, i, _)| t == sql && i == id)
                    .map(|(_, _, c)| c.as_str()),
            );
            for head in heads {
                let mut at = Some(head);
                while let Some(c) = at {
                    if !kept.insert(c) {
                        break;
                    }
                    at = parents.get(c).copied().flatten().map(String::as_str);
                }
            }
            for (clock, _) in made {
                if !kept.contains(clock.as_str()) {
                    return Err(
                        format!("the version {clock} of {sql} {id} was lost silently").into(),
                    );
                }
            }
        }
        // Records held back by a collision are listed too.
        let mut stmt = laptops[0]
            .conn
            .prepare("SELECT table_name, record_id FROM sync_held")?;
        let held = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        for (sql, id) in held {
            let table = records::schema::table_by_sql(&sql).ok_or("unknown table")?;
            let clock = clock_of(&laptops[0].conn, table, &id)?.ok_or("a held record is gone")?;
            if !losers.contains(&(table.sql, id.clone(), clock.clone())) {
                return Err(
                    format!("the held {sql} {id} ({clock}) is in no conflicts list").into(),
                );
            }
        }
        Ok(())
    }
}

fn three_laptops(keys: &[PathBuf], ops: &[Op]) -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut world = World {
        team: Team::new(dir.path(), keys, false)?,
        pool: Vec::new(),
        history: History::default(),
    };
    for op in ops {
        world.run(op).map_err(|e| format!("{op:?}: {e}"))?;
    }
    world.all_to_all()?;
    world.check()
}

#[test]
fn three_laptops_syncing_at_random_converge_and_lose_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let keys = team_keys(dir.path(), 3)?;
    let mut runner = TestRunner::new(Config {
        cases: 40,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&proptest::collection::vec(op(), 8..64), |ops| {
        three_laptops(&keys, &ops).map_err(|e| TestCaseError::fail(e.to_string()))
    });
    result.map_err(|e| e.to_string().into())
}

// ---------------------------------------------------------------------------------------------
// Crash safety.

const CHILD: &str = "ZHUCUN_SYNC_CRASH_CHILD";

/// The child of [`an_import_killed_at_any_moment_leaves_all_of_it_or_none`]: receives the
/// bundle it is told to. Run as an ordinary test (no variable set), it does nothing.
#[test]
fn crash_child() -> TestResult {
    let Ok(spec) = std::env::var(CHILD) else {
        return Ok(());
    };
    let parts: Vec<&str> = spec.split('\n').collect();
    let [db, keys, bundle_file] = parts.as_slice() else {
        return Err(format!("bad {CHILD}: {spec}").into());
    };
    let conn = store::open(Path::new(db))?;
    bundle::receive(&conn, Path::new(keys), Path::new(bundle_file))?;
    Ok(())
}

fn run_child(db: &Path, keys: &Path, bundle_file: &Path) -> TestResult<std::process::Child> {
    Ok(std::process::Command::new(std::env::current_exe()?)
        .args([
            "sync::crash_child",
            "--exact",
            "--test-threads=1",
            "--quiet",
        ])
        .env(
            CHILD,
            format!(
                "{}\n{}\n{}",
                db.display(),
                keys.display(),
                bundle_file.display()
            ),
        )
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?)
}

/// A small random number generator (xorshift), seeded from the clock; the seed is printed.
struct Random(u64);

impl Random {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below.max(1)
    }
}

#[test]
fn an_import_killed_at_any_moment_leaves_all_of_it_or_none() -> TestResult {
    let dir = tempfile::tempdir()?;
    let keys = team_keys(dir.path(), 2)?;
    // A village of 3,000 households and a year of work logs on laptop 0.
    let mut a = store::open(&dir.path().join("a").join("zhucun.sqlite"))?;
    zhucun_core::village::init(&mut a, &pairs(&[("code", CODE), ("name", "青岗村")]))?;
    {
        let tx = a.transaction()?;
        let mut changes = records::Changes::begin(&tx)?;
        let mut row = records::defaults(&tx, &schema::GROUP)?;
        row.insert("name", Value::Text("一组".into()));
        let group = records::insert_checked(&mut changes, &tx, &schema::GROUP, &row)?;
        for i in 0..3000 {
            let mut row = records::defaults(&tx, &schema::HOUSEHOLD)?;
            row.insert("code", Value::Text(format!("{i:05}")));
            row.insert("head_name", Value::Text(format!("户主{i}")));
            row.insert("group", Value::Text(group.clone()));
            row.insert("size", Value::Int(i64::from(i % 7 + 1)));
            records::insert_checked(&mut changes, &tx, &schema::HOUSEHOLD, &row)?;
        }
        let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).ok_or("date")?;
        for d in 0..365 {
            let mut row = records::defaults(&tx, &schema::LOG)?;
            row.insert("date", Value::Date(day + chrono::Days::new(d)));
            row.insert("content", Value::Text(format!("第 {d} 天")));
            records::insert_checked(&mut changes, &tx, &schema::LOG, &row)?;
        }
        changes.finish()?;
        tx.commit()?;
    }
    let bundle_file = dir.path().join("full.zip");
    sync::export_bundle(&a, &keys[0], true, &bundle_file)?;

    // Laptop 1, new: its empty database is the "none" state.
    let pristine = dir.path().join("pristine.sqlite");
    drop(store::open(&pristine)?);
    let fresh_copy = |name: &str| -> TestResult<PathBuf> {
        let db = dir.path().join(name).join("zhucun.sqlite");
        std::fs::create_dir_all(dir.path().join(name))?;
        std::fs::copy(&pristine, &db)?;
        Ok(db)
    };
    let none = snapshot(&store::open(&pristine)?)?;

    // Once uninterrupted: the "all" state, and how long step 5 takes from the automatic
    // backup (made just before the merge's transaction) to the end.
    let whole = fresh_copy("whole")?;
    let mut child = run_child(&whole, &keys[1], &bundle_file)?;
    let backed_up = wait_for_backup(&whole, &mut child)?.ok_or("no backup was made")?;
    let status = child.wait()?;
    let window = backed_up.elapsed();
    assert!(status.success(), "the uninterrupted import failed");
    let all = snapshot(&store::open(&whole)?)?;
    assert_ne!(all, none);

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_nanos() as u64
        | 1;
    println!("crash test: seed {seed}, the merge takes {window:?} after the backup");
    let mut random = Random(seed);
    let mut outcomes = Vec::new();
    for round in 0..8u64 {
        let db = fresh_copy(&format!("killed{round}"))?;
        let mut child = run_child(&db, &keys[1], &bundle_file)?;
        // Each kill at a random moment of its own eighth of the merge (the last ones around
        // the commit), counted from the backup.
        let slice = window.as_micros() as u64 / 8;
        let delay = Duration::from_micros(round * slice + random.next(slice + 1));
        if let Some(backed_up) = wait_for_backup(&db, &mut child)? {
            std::thread::sleep(delay.saturating_sub(backed_up.elapsed()));
        }
        // SIGKILL: no destructor, no rollback, no flush runs.
        child.kill()?;
        child.wait()?;
        let wal = std::fs::metadata(format!("{}-wal", db.display())).map_or(0, |m| m.len());
        let conn = store::open(&db)?;
        let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        assert_eq!(check, "ok", "round {round} (seed {seed})");
        let state = snapshot(&conn)?;
        let outcome = if state == none {
            "none"
        } else if state == all {
            "all"
        } else {
            return Err(format!("round {round} (seed {seed}): a partial import").into());
        };
        outcomes.push(format!("{delay:.0?}: {outcome} (WAL {wal} bytes)"));
    }
    println!("crash test outcomes: {outcomes:?}");
    Ok(())
}

/// Waits until the child has made its automatic backup (step 5 begins) and returns when; `None`
/// if the child ended first.
fn wait_for_backup(db: &Path, child: &mut std::process::Child) -> TestResult<Option<Instant>> {
    let backups = db.parent().ok_or("no folder")?.join("backups");
    loop {
        let made = std::fs::read_dir(&backups).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("before-"))
        });
        if made {
            return Ok(Some(Instant::now()));
        }
        if child.try_wait()?.is_some() {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}
