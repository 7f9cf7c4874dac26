//! The `sync_merge` target: signed sync bundles whose `data.xlsx` holds rows of the demo village,
//! picked, re-identified, re-clocked, deleted and edited at the fuzzer's choice, received one
//! after another by a new laptop. A trusted laptop signed them, so they pass steps 1 to 4 and
//! reach what those steps cannot protect: reading the workbook, planning the merge (clocks,
//! tombstones, unique collisions, missing parents) and applying it in one transaction.
//!
//! What must hold for every bundle: receiving it refuses or applies, never panics; a refusal
//! leaves every table as it was (the audit log and the sync bookkeeping included); an applied
//! merge leaves a database that passes `integrity_check` and `foreign_key_check`; and the same
//! bundle again changes nothing.

use std::io::{Cursor, Read};
use std::path::PathBuf;
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::Workbook;
use zhucun_core::bundle::{self, Applied, Kind, NewBundle, SyncRange, VillageRef};
use zhucun_core::keys::{self, Role, Signer};
use zhucun_core::rusqlite::Connection;
use zhucun_core::{store, sync};

/// The most bundles one input sends: enough for a merge over a merge over a merge.
pub const MAX_BUNDLES: usize = 4;

/// The devices the rows' clocks name (UUID-shaped, as `Changes` makes them).
const DEVICES: [&str; 3] = [
    "0190a000-0000-7000-8000-00000000000a",
    "0190a000-0000-7000-8000-00000000000b",
    "0190a000-0000-7000-8000-00000000000c",
];

/// One sheet of the demo village's full sync bundle.
struct PoolSheet {
    name: String,
    header: Vec<Data>,
    rows: Vec<Vec<Data>>,
}

/// The sending laptop's key, the receiver's keyring, and the demo village's rows to pick from.
pub struct SyncWorld {
    _dir: tempfile::TempDir,
    out: PathBuf,
    receiver_keys: PathBuf,
    sender_public: PathBuf,
    signer: Signer,
    village: VillageRef,
    pool: Vec<PoolSheet>,
    /// A bundle of the demo's village row alone.
    village_bundle: Vec<u8>,
}

/// The world of the `sync_merge` target, made once per process.
pub fn sync_world() -> &'static SyncWorld {
    static WORLD: OnceLock<SyncWorld> = OnceLock::new();
    WORLD.get_or_init(SyncWorld::new)
}

/// A sequence of sync bundles for one new laptop.
#[derive(Debug, Arbitrary)]
pub struct SyncInput {
    /// Whether the laptop first takes the village alone (a bundle of the demo's village row),
    /// so that the bundles after it need not carry it; otherwise the first must.
    pub village_first: bool,
    pub bundles: Vec<BundleInput>,
}

#[derive(Debug, Arbitrary)]
pub struct BundleInput {
    /// The sending device, of [`DEVICES`].
    pub device: u8,
    pub rows: Vec<RowPick>,
}

/// A row of the demo village, maybe changed.
#[derive(Debug, Arbitrary)]
pub struct RowPick {
    pub sheet: u8,
    pub row: u16,
    /// Another record id, out of 256: rows of one bundle or of several then meet.
    pub id: Option<u8>,
    /// (wall milliseconds past a base, counter, device) of the version; none: the first clock
    /// of the first device.
    pub clock: Option<(u16, u8, u8)>,
    pub deleted: Option<bool>,
    pub edit: Option<(u8, CellEdit)>,
}

/// A cell written in place of the demo's.
#[derive(Debug, Arbitrary)]
pub enum CellEdit {
    Empty,
    Text(String),
    Number(f64),
    /// The id of another row of the demo (a reference that may or may not fit).
    IdOf(u8, u16),
    /// An id of the fuzzer's own numbering (see [`RowPick::id`]).
    OwnId(u8),
}

/// Gives the demo's records ids of their place (the demo's own are UUID v7, of the moment the
/// world was made), references following, and makes the knowledge sheet one row per device of
/// [`DEVICES`]: an input then merges the same way in every run.
fn same_every_run(pool: &mut [PoolSheet]) {
    let mut ids = std::collections::HashMap::new();
    for sheet in pool.iter().filter(|s| s.name != sync::KNOWLEDGE_SHEET) {
        for row in &sheet.rows {
            if let Some(Data::String(id)) = row.first() {
                let n = ids.len();
                ids.insert(id.clone(), format!("0190a002-0000-7000-8000-{n:012x}"));
            }
        }
    }
    for sheet in pool.iter_mut() {
        if sheet.name == sync::KNOWLEDGE_SHEET {
            sheet.rows = (0..DEVICES.len())
                .map(|d| {
                    vec![
                        Data::String(DEVICES[d].to_string()),
                        Data::String(clock(1_000, 0, d as u8)),
                    ]
                })
                .collect();
            continue;
        }
        for cell in sheet.rows.iter_mut().flatten() {
            if let Data::String(text) = cell {
                if let Some(id) = ids.get(text.as_str()) {
                    *text = id.clone();
                }
            }
        }
    }
}

fn own_id(n: u8) -> String {
    format!("0190a001-0000-7000-8000-{n:012x}")
}

fn clock(millis: u16, counter: u8, device: u8) -> String {
    let device = DEVICES[usize::from(device) % DEVICES.len()];
    format!(
        "{:016}-{counter:05}-{device}",
        1_790_000_000_000u64 + u64::from(millis)
    )
}

impl SyncWorld {
    fn new() -> SyncWorld {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let sender = dir.path().join("sender-keys");
        let receiver_keys = dir.path().join("receiver-keys");
        keys::init(&sender, "同伴笔记本", Role::Village).expect("keys init");
        keys::init(&receiver_keys, "新笔记本", Role::Village).expect("keys init");
        let public = dir.path().join("sender.pub");
        keys::export(&sender, &public).expect("keys export");
        keys::trust(&receiver_keys, &public, Role::Village, None).expect("keys trust");

        let mut demo = store::open_in_memory().expect("a database");
        zhucun_core::demo::load(&mut demo).expect("the demo village");
        let full = dir.path().join("demo.zip");
        let manifest = sync::export_bundle(&demo, &sender, true, &full).expect("a full bundle");
        let village = manifest.village.expect("a sync bundle names its village");
        let bytes = std::fs::read(&full).expect("the bundle");
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
        let mut data = Vec::new();
        zip.by_name("data.xlsx")
            .expect("data.xlsx")
            .read_to_end(&mut data)
            .expect("data.xlsx read");
        let mut book = Xlsx::new(Cursor::new(data)).expect("an xlsx");
        let mut pool: Vec<PoolSheet> = book
            .sheet_names()
            .into_iter()
            .map(|name| {
                let range = book.worksheet_range(&name).expect("a sheet");
                let mut rows = range.rows().map(<[Data]>::to_vec);
                let header = rows.next().unwrap_or_default();
                PoolSheet {
                    name,
                    header,
                    rows: rows.collect(),
                }
            })
            .collect();
        same_every_run(&mut pool);
        let mut world = SyncWorld {
            out: dir.path().join("bundle.zip"),
            _dir: dir,
            receiver_keys,
            sender_public: public,
            signer: keys::signer(&sender).expect("the sender's key"),
            village,
            pool,
            village_bundle: Vec::new(),
        };
        let sheet = world
            .pool
            .iter()
            .position(|s| s.name == "village")
            .expect("a village sheet");
        let only_village = BundleInput {
            device: 0,
            rows: vec![RowPick {
                sheet: u8::try_from(sheet).expect("few sheets"),
                row: 0,
                id: None,
                clock: None,
                deleted: None,
                edit: None,
            }],
        };
        world.village_bundle = world.bundle(&only_village).expect("the village's bundle");
        world
    }

    /// The public key file of the laptop that signs every bundle.
    pub fn sender_public(&self) -> &std::path::Path {
        &self.sender_public
    }

    /// The bundle of the village alone, received first when the input says so.
    pub fn village_bundle(&self) -> &[u8] {
        &self.village_bundle
    }

    /// The cells of a picked row, changed as the pick says.
    fn row(&self, pick: &RowPick) -> Option<(usize, Vec<Data>)> {
        let index = usize::from(pick.sheet) % self.pool.len();
        let sheet = &self.pool[index];
        if sheet.rows.is_empty() {
            return None;
        }
        let mut cells = sheet.rows[usize::from(pick.row) % sheet.rows.len()].clone();
        cells.resize(sheet.header.len(), Data::Empty);
        // The knowledge sheet (device, clock) has no record columns to change.
        let record = sheet.name != sync::KNOWLEDGE_SHEET && cells.len() >= 4;
        if record {
            if let Some(n) = pick.id {
                cells[0] = Data::String(own_id(n));
            }
            // Every row gets a clock of the input's (see `same_every_run`).
            let (millis, counter, device) = pick.clock.unwrap_or_default();
            cells[1] = Data::String(clock(millis, counter, device));
            cells[2] = Data::String(DEVICES[usize::from(device) % DEVICES.len()].to_string());
            if let Some(deleted) = pick.deleted {
                cells[3] = Data::Float(f64::from(u8::from(deleted)));
            }
        }
        if let Some((column, edit)) = pick.edit.as_ref().filter(|_| !cells.is_empty()) {
            let column = usize::from(*column) % cells.len();
            cells[column] = match edit {
                CellEdit::Empty => Data::Empty,
                CellEdit::Text(t) => Data::String(t.clone()),
                CellEdit::Number(n) => Data::Float(*n),
                CellEdit::IdOf(sheet, row) => {
                    let other = &self.pool[usize::from(*sheet) % self.pool.len()];
                    match other.rows.get(usize::from(*row) % other.rows.len().max(1)) {
                        Some(r) => r.first().cloned().unwrap_or(Data::Empty),
                        None => Data::Empty,
                    }
                }
                CellEdit::OwnId(n) => Data::String(own_id(*n)),
            };
        }
        Some((index, cells))
    }

    /// The signed sync bundle of these rows, sent by `device`; `None` where the writer refuses
    /// (a cell rust_xlsxwriter will not write, such as a non-finite number).
    pub fn bundle(&self, input: &BundleInput) -> Option<Vec<u8>> {
        let mut by_sheet: Vec<Vec<Vec<Data>>> = vec![Vec::new(); self.pool.len()];
        for pick in &input.rows {
            if let Some((sheet, cells)) = self.row(pick) {
                by_sheet[sheet].push(cells);
            }
        }
        let rows: usize = by_sheet
            .iter()
            .zip(&self.pool)
            .filter(|(_, p)| p.name != sync::KNOWLEDGE_SHEET)
            .map(|(r, _)| r.len())
            .sum();
        let mut book = Workbook::new();
        for (sheet, rows) in self.pool.iter().zip(&by_sheet) {
            let ws = book.add_worksheet();
            ws.set_name(&sheet.name).ok()?;
            for (r, cells) in std::iter::once(&sheet.header).chain(rows).enumerate() {
                for (c, cell) in cells.iter().enumerate() {
                    let (r, c) = (u32::try_from(r).ok()?, u16::try_from(c).ok()?);
                    match cell {
                        Data::String(s) => ws.write_string(r, c, s).ok()?,
                        Data::Float(f) => ws.write_number(r, c, *f).ok()?,
                        Data::Int(i) => ws.write_number(r, c, *i as f64).ok()?,
                        Data::Bool(b) => ws.write_boolean(r, c, *b).ok()?,
                        _ => continue,
                    };
                }
            }
        }
        let data = book.save_to_buffer().ok()?;
        let device = usize::from(input.device) % DEVICES.len();
        let range = SyncRange {
            device: DEVICES[device].to_string(),
            from: String::new(),
            to: clock(u16::MAX, u8::MAX, device as u8),
            rows: rows as u64,
        };
        let new = NewBundle {
            kind: Kind::Sync,
            village: Some(self.village.clone()),
            period: None,
            template: None,
            sync: Some(range),
        };
        bundle::write(
            &self.out,
            &new,
            &[("data.xlsx", data.as_slice())],
            &self.signer,
        )
        .ok()?;
        std::fs::read(&self.out).ok()
    }

    /// Receives every bundle of `input` on a new laptop, checking what must hold (see the
    /// module documentation); panics where it does not. Returns what each bundle did, in a
    /// word or two (for `corpus_report`).
    pub fn run(&self, input: &SyncInput) -> Vec<String> {
        let mut outcomes = Vec::new();
        let conn = store::open_in_memory().expect("a database");
        if input.village_first {
            bundle::receive_bytes(&conn, &self.receiver_keys, &self.village_bundle)
                .expect("the village alone");
        }
        for bundle_input in input.bundles.iter().take(MAX_BUNDLES) {
            let Some(bytes) = self.bundle(bundle_input) else {
                continue;
            };
            let before = snapshot(&conn);
            match bundle::receive_bytes(&conn, &self.receiver_keys, &bytes) {
                Err(e) => {
                    let _ = e.message(zhucun_core::Lang::Zh);
                    outcomes.push(refusal(&e));
                    assert_eq!(
                        snapshot(&conn),
                        before,
                        "a refused bundle changed the database"
                    );
                }
                Ok(received) => {
                    let Applied::Sync(report) = received.applied else {
                        panic!("not a sync");
                    };
                    outcomes.push(applied(&report));
                    let check: String = conn
                        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
                        .expect("integrity_check");
                    assert_eq!(check, "ok");
                    let broken: i64 = conn
                        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                            r.get(0)
                        })
                        .expect("foreign_key_check");
                    assert_eq!(broken, 0, "a merge left a reference to nothing");
                    let after = snapshot(&conn);
                    let again = bundle::receive_bytes(&conn, &self.receiver_keys, &bytes)
                        .expect("the same bundle again");
                    let Applied::Sync(report) = again.applied else {
                        panic!("not a sync");
                    };
                    assert!(report.already_received);
                    assert_eq!(
                        snapshot(&conn),
                        after,
                        "the same bundle again changed something"
                    );
                }
            }
        }
        outcomes
    }
}

/// What an applied merge did: the report's counts that are not zero.
fn applied(report: &sync::SyncReport) -> String {
    let counts = [
        ("inserted", report.inserted),
        ("replaced", report.replaced),
        ("kept", report.kept),
        ("unchanged", report.unchanged),
        ("conflicts", report.conflicts),
        ("held", report.held),
        ("released", report.released),
    ];
    let did: Vec<&str> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(what, _)| *what)
        .collect();
    format!("applied: {}", did.join(" + "))
}

/// Why a bundle was refused: its error code, and for step 5 the code of what refused it.
fn refusal(e: &zhucun_core::Error) -> String {
    match e {
        zhucun_core::Error::BundleRefused {
            step,
            reason: bundle::BundleProblem::NotApplied { code, .. },
        } => format!("refused at step {step}: {code}"),
        zhucun_core::Error::BundleRefused { step, reason } => {
            let debug = format!("{reason:?}");
            let variant = debug.split([' ', '(', '{']).next().unwrap_or_default();
            format!("refused at step {step}: {variant}")
        }
        other => format!("refused: {}", other.code()),
    }
}

/// Every row of every table, as text.
fn snapshot(conn: &Connection) -> Vec<String> {
    let mut tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("the tables");
    tables.retain(|t| t != "sqlite_sequence");
    let mut out = Vec::new();
    for t in tables {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM \"{t}\""))
            .expect("a table");
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                (0..n)
                    .map(|i| r.get_ref(i).map(|v| format!("{v:?}")))
                    .collect::<Result<Vec<_>, _>>()
                    .map(|cells| cells.join("|"))
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .expect("rows");
        out.extend(rows.into_iter().map(|r| format!("{t}: {r}")));
    }
    // Some tables have no single-column key to order by.
    out.sort();
    out
}
