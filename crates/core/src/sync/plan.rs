//! What receiving a sync bundle will do, computed as a pure value from what this database holds
//! ([`Local`]) and what the bundle brings ([`Incoming`]): the versions to write, the records to
//! hold back or show again, the conflicts to record, and what this device learns. Nothing here
//! reads or writes the database, so every case can be tested on small hand-made values.

/// std's maps with foldhash rather than SipHash: a merge looks record ids up several times
/// each, and hashing was a tenth of planning one.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

use rusqlite::types::Value as SqlValue;
use serde::Serialize;

use super::{key_field, key_of, KeyValue, Knowledge, SyncReport, Version};
use crate::error::{Error, Result};
use crate::records::{table, Kind};
use crate::store::hlc::Clock;

/// Which side of a merge a version comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// This database.
    Local,
    /// The bundle.
    Incoming,
}

impl Side {
    /// `local` or `incoming`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Local => "local",
            Side::Incoming => "incoming",
        }
    }

    /// Reads `local` or `incoming`.
    pub fn parse(text: &str) -> Option<Side> {
        match text {
            "local" => Some(Side::Local),
            "incoming" => Some(Side::Incoming),
            _ => None,
        }
    }
}

/// Why two versions were in conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConflictReason {
    /// Both sides changed the same record without seeing the other's change.
    Concurrent,
    /// Two records share a value only one may have (a household code, a log's day, a group's
    /// name, a year), or are two villages; the older one is held back.
    Unique,
}

impl ConflictReason {
    /// `concurrent` or `unique`.
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictReason::Concurrent => "concurrent",
            ConflictReason::Unique => "unique",
        }
    }

    /// Reads `concurrent` or `unique`.
    pub fn parse(text: &str) -> Option<ConflictReason> {
        match text {
            "concurrent" => Some(ConflictReason::Concurrent),
            "unique" => Some(ConflictReason::Unique),
            _ => None,
        }
    }
}

/// A record as this database holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalRecord {
    /// Its own version (a held record's is live, though it is stored as deleted).
    pub version: Version,
    /// Whether it is held back by a unique collision.
    pub held: bool,
}

impl LocalRecord {
    /// Whether people see it: live and not held.
    pub fn visible(&self) -> bool {
        !self.version.deleted && !self.held
    }
}

/// What the plan needs to know of this database.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Local {
    /// This device.
    pub device: String,
    /// What this device has taken in of each other device.
    pub knowledge: Knowledge,
    /// Every record the bundle names, and every record of a table with unique values whose own
    /// version is live (shown or held), by table (`sql` name) and id.
    pub records: HashMap<(&'static str, String), LocalRecord>,
    /// Other records known to exist here (any state), for the references of incoming rows.
    pub existing: HashSet<(&'static str, String)>,
}

impl Local {
    /// A database of `device` that holds nothing yet.
    pub fn new(device: &str) -> Local {
        Local {
            device: device.to_string(),
            ..Local::default()
        }
    }

    /// Adds a record.
    pub fn add(&mut self, version: Version, held: bool) {
        self.records.insert(
            (version.table.sql, version.id.clone()),
            LocalRecord { version, held },
        );
    }
}

/// What a sync bundle brings.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    /// The bundle's id.
    pub bundle_id: String,
    /// The device that made it.
    pub device: String,
    /// The sender's clock of the earlier state its changes start from; `None` for a full
    /// bundle.
    pub from: Option<Clock>,
    /// The sender's clock when it made the bundle.
    pub to: Clock,
    /// The sender's knowledge of other devices.
    pub knowledge: Knowledge,
    /// Its rows, parents before children.
    pub versions: Vec<Version>,
}

/// One version to write, as it came.
#[derive(Debug, Clone, PartialEq)]
pub struct Write {
    /// The version.
    pub version: Version,
    /// The version it replaces here, if the record was here.
    pub old: Option<LocalRecord>,
    /// Whether it will be shown (live and not held); a live version that is not shown is held.
    pub visible: bool,
    /// Whether its unique value is in use here by another record that moves away in the same
    /// merge: then it is written hidden first and shown last, so no unique index sees two
    /// records at once.
    pub two_phase: bool,
}

impl Write {
    /// Whether it is live but held back.
    pub fn held(&self) -> bool {
        !self.version.deleted && !self.visible
    }
}

/// A record kept as it is whose visibility changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Visibility {
    /// The record's version (unchanged).
    pub version: Version,
    /// `true`: it is shown again; `false`: it is held back.
    pub shown: bool,
}

/// A losing version, for a person to review.
#[derive(Debug, Clone, PartialEq)]
pub struct NewConflict {
    /// Why.
    pub reason: ConflictReason,
    /// Which side won.
    pub winner: Side,
    /// The local version (for a unique collision: the record that was here).
    pub local: Version,
    /// The incoming version (for a unique collision: the record that came).
    pub incoming: Version,
}

impl NewConflict {
    /// The version that lost.
    pub fn loser(&self) -> &Version {
        match self.winner {
            Side::Local => &self.incoming,
            Side::Incoming => &self.local,
        }
    }
}

/// What receiving a bundle will do.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Incoming versions to write, parents before children.
    pub writes: Vec<Write>,
    /// Records kept as they are but held back or shown again.
    pub visibility: Vec<Visibility>,
    /// Conflicts to record.
    pub conflicts: Vec<NewConflict>,
    /// Whether the bundle continues from what this device had of its sender (or is full).
    pub contiguous: bool,
    /// This device's knowledge after the merge.
    pub knowledge: Knowledge,
    /// What the sender says it has taken in of this device.
    pub knows_us: Option<Clock>,
    /// The newest clock in the bundle: the local clock must move past it.
    pub newest: Clock,
    /// The counts.
    pub report: SyncReport,
}

impl Plan {
    /// Whether applying the plan changes no record and records no conflict.
    pub fn changes_nothing(&self) -> bool {
        self.writes.is_empty() && self.visibility.is_empty() && self.conflicts.is_empty()
    }
}

/// Where a record's version ends up after the merge.
struct Final<'a> {
    version: &'a Version,
    origin: Side,
    local: Option<&'a LocalRecord>,
}

/// Computes the merge of `incoming` into `local` (see the module documentation of
/// [`crate::sync`] for the rules). The incoming versions move into the plan's writes: a full
/// bundle holds every record of the village, and copying them all would cost as much as the
/// rest of the plan.
///
/// # Errors
///
/// `conflict` when a row that would be written refers to a record that is neither here nor in
/// the bundle (naming both), or when the bundle holds one record twice.
///
/// # Examples
///
/// ```
/// use zhucun_core::records::{schema, Row, Value};
/// use zhucun_core::store::hlc::Clock;
/// use zhucun_core::sync::{plan::{Incoming, Local}, Version};
/// let mut row = Row::new();
/// row.insert("name", Value::Text("一组".into()));
/// let ours = Version::from_row(&schema::GROUP, "g1", Clock::new(5, 0, "a"), false, &row);
/// row.insert("name", Value::Text("第一组".into()));
/// let theirs = Version::from_row(&schema::GROUP, "g1", Clock::new(9, 0, "b"), false, &row);
/// let mut local = Local::new("a");
/// local.add(ours, false);
/// let incoming = Incoming {
///     bundle_id: "x".into(), device: "b".into(), from: None, to: Clock::new(9, 0, "b"),
///     knowledge: Default::default(), versions: vec![theirs.clone()],
/// };
/// let plan = zhucun_core::sync::plan(&local, incoming)?;
/// assert_eq!(plan.writes[0].version, theirs);
/// // b had never seen a's version 5: it lost to a change made without it.
/// assert_eq!(plan.conflicts.len(), 1);
/// # Ok::<(), zhucun_core::Error>(())
/// ```
pub fn plan(local: &Local, incoming: Incoming) -> Result<Plan> {
    let mut report = SyncReport {
        device: incoming.device.clone(),
        rows: incoming.versions.len(),
        ..SyncReport::default()
    };
    let mut conflicts = Vec::new();

    // What the sender had taken in when it made the bundle: its own changes up to `to`, and
    // its knowledge of the others.
    let sender_knows = |c: &Clock| {
        if c.device() == incoming.device {
            *c <= incoming.to
        } else {
            incoming.knowledge.get(c.device()).is_some_and(|k| c <= k)
        }
    };
    let we_know = |c: &Clock| {
        c.device() == local.device || local.knowledge.get(c.device()).is_some_and(|k| c <= k)
    };

    // 1. Last writer wins, record by record.
    let mut finals: HashMap<(&'static str, &str), Final<'_>> = HashMap::with_capacity_and_hasher(
        local.records.len() + incoming.versions.len(),
        Default::default(),
    );
    for ((sql, id), record) in &local.records {
        finals.insert(
            (sql, id.as_str()),
            Final {
                version: &record.version,
                origin: Side::Local,
                local: Some(record),
            },
        );
    }
    let mut seen: HashSet<(&str, &str)> =
        HashSet::with_capacity_and_hasher(incoming.versions.len(), Default::default());
    let mut newest = incoming.to.clone();
    for v in &incoming.versions {
        if !seen.insert((v.table.sql, v.id.as_str())) {
            return Err(Error::conflict(
                format!("同步数据包中{} {} 出现了两次", v.table.label_zh, v.id),
                format!(
                    "The sync bundle holds the {} {} twice",
                    v.table.label_en, v.id
                ),
            ));
        }
        if v.clock > newest {
            newest = v.clock.clone();
        }
        // Ids are unique in the bundle, so this entry is still the local one.
        let here = finals
            .get(&(v.table.sql, v.id.as_str()))
            .and_then(|f| f.local);
        let origin = match here {
            None => {
                report.inserted += 1;
                Side::Incoming
            }
            Some(l) if v.clock == l.version.clock => {
                report.unchanged += 1;
                Side::Local
            }
            Some(l) if v.clock > l.version.clock => {
                report.replaced += 1;
                if v.device() != l.version.device() && !sender_knows(&l.version.clock) {
                    conflicts.push(NewConflict {
                        reason: ConflictReason::Concurrent,
                        winner: Side::Incoming,
                        local: l.version.clone(),
                        incoming: v.clone(),
                    });
                }
                Side::Incoming
            }
            Some(l) => {
                report.kept += 1;
                if v.device() != l.version.device() && !we_know(&v.clock) {
                    conflicts.push(NewConflict {
                        reason: ConflictReason::Concurrent,
                        winner: Side::Local,
                        local: l.version.clone(),
                        incoming: v.clone(),
                    });
                }
                Side::Local
            }
        };
        if origin == Side::Incoming {
            finals.insert(
                (v.table.sql, v.id.as_str()),
                Final {
                    version: v,
                    origin,
                    local: here,
                },
            );
        }
    }

    // 2. Every row written must find its parents here or in the bundle.
    for v in incoming.versions.iter().filter(|v| {
        finals
            .get(&(v.table.sql, v.id.as_str()))
            .is_some_and(|f| f.origin == Side::Incoming)
    }) {
        for (field, value) in v.table.fields.iter().zip(&v.values) {
            let (Kind::Ref(target), SqlValue::Text(parent)) = (field.kind, value) else {
                continue;
            };
            let Some(target) = table(target) else {
                continue;
            };
            let key = (target.sql, parent.as_str());
            let found =
                finals.contains_key(&key) || local.existing.contains(&(target.sql, parent.clone()));
            if !found {
                return Err(Error::conflict(
                    format!(
                        "同步数据包中{} {} 的{}指向{} {}，本机和数据包中都没有这条记录：请对方导出完整同步数据包（--full）",
                        v.table.label_zh, v.id, field.label_zh, target.label_zh, parent
                    ),
                    format!(
                        "The {} {} in the sync bundle refers ({}) to the {} {}, which is neither here nor in the bundle: ask for a --full bundle",
                        v.table.label_en, v.id, field.name, target.label_en, parent
                    ),
                ));
            }
        }
    }

    // 3. Which records are shown: of the live records sharing a unique value, the newest.
    let bundle_clocks: HashMap<(&str, &str), &Clock> = incoming
        .versions
        .iter()
        .map(|v| ((v.table.sql, v.id.as_str()), &v.clock))
        .collect();
    let in_bundle = |v: &Version| {
        bundle_clocks
            .get(&(v.table.sql, v.id.as_str()))
            .is_some_and(|c| **c == v.clock)
    };
    let mut visibility = Vec::new();
    // Written versions in the order they came (parents before children).
    let mut shown_after: HashMap<(&str, &str), bool> = HashMap::default();
    let mut two_phase: HashSet<(&str, &str)> = HashSet::default();
    for table in crate::records::TABLES {
        let Some(key_index) = key_field(table) else {
            continue;
        };
        let members: Vec<(&str, &Final<'_>)> = finals
            .iter()
            .filter(|((sql, _), _)| *sql == table.sql)
            .map(|((_, id), f)| (*id, f))
            .collect();
        let mut groups: HashMap<KeyValue, Vec<(&str, &Final<'_>)>> = HashMap::default();
        for (id, f) in &members {
            if f.version.deleted {
                continue;
            }
            if let Some(key) = key_of(f.version) {
                groups.entry(key).or_default().push((id, f));
            }
        }
        // The values in use here before the merge, by the records shown.
        let mut in_use: HashMap<KeyValue, &str> = HashMap::default();
        if key_index.is_some() {
            for (id, f) in &members {
                if let Some(l) = f.local.filter(|l| l.visible()) {
                    if let Some(key) = key_of(&l.version) {
                        in_use.insert(key, id);
                    }
                }
            }
        }
        for (key, group) in &groups {
            let Some((winner_id, winner)) = group
                .iter()
                .max_by(|a, b| a.1.version.clock.cmp(&b.1.version.clock))
            else {
                continue;
            };
            for (id, f) in group {
                let shown = id == winner_id;
                shown_after.insert((table.sql, id), shown);
                if shown {
                    let moving_in = f.origin == Side::Incoming
                        && in_use.get(key).is_some_and(|other| other != id);
                    if moving_in && key_index.is_some() {
                        two_phase.insert((table.sql, id));
                    }
                    continue;
                }
                // Held from now on. Already held with this very version: nothing new. Both
                // versions in the bundle: the sender had both live, so it shows the same one,
                // holds this one, and listed the conflict when it found it.
                let already = f.origin == Side::Local && f.local.is_some_and(|l| l.held);
                let senders = in_bundle(f.version) && in_bundle(winner.version);
                if already || senders {
                    continue;
                }
                let (local_v, incoming_v, winner_side) = match (f.origin, winner.origin) {
                    (Side::Incoming, _) => (winner.version, f.version, Side::Local),
                    (Side::Local, Side::Incoming) => (f.version, winner.version, Side::Incoming),
                    // Two records of this database: the one shown is "local", the held one
                    // is reported as the other side.
                    (Side::Local, Side::Local) => (winner.version, f.version, Side::Local),
                };
                conflicts.push(NewConflict {
                    reason: ConflictReason::Unique,
                    winner: winner_side,
                    local: local_v.clone(),
                    incoming: incoming_v.clone(),
                });
            }
        }
        // Records kept as they are whose visibility changes.
        let mut changes: Vec<&Final<'_>> = members
            .iter()
            .filter(|(_, f)| f.origin == Side::Local)
            .map(|(_, f)| *f)
            .filter(|f| {
                let Some(l) = f.local else { return false };
                let shown = !f.version.deleted
                    && shown_after
                        .get(&(table.sql, f.version.id.as_str()))
                        .copied()
                        .unwrap_or(true);
                shown != l.visible()
            })
            .collect();
        changes.sort_by(|a, b| a.version.id.cmp(&b.version.id));
        for f in changes {
            let shown = !f.local.is_some_and(LocalRecord::visible);
            if shown {
                report.released += 1;
            } else {
                report.held += 1;
            }
            visibility.push(Visibility {
                version: f.version.clone(),
                shown,
            });
        }
    }

    // What to write for each incoming version, by position.
    let decisions: Vec<Option<(Option<LocalRecord>, bool, bool)>> = incoming
        .versions
        .iter()
        .map(|v| {
            let key = (v.table.sql, v.id.as_str());
            let f = finals.get(&key).filter(|f| f.origin == Side::Incoming)?;
            let visible = !v.deleted && shown_after.get(&key).copied().unwrap_or(true);
            if !v.deleted && !visible && !f.local.is_some_and(|l| l.held) {
                report.held += 1;
            }
            Some((
                f.local.cloned(),
                visible,
                visible && two_phase.contains(&key),
            ))
        })
        .collect();

    // 4. What this device learns.
    let contiguous = incoming.device == local.device
        || match &incoming.from {
            None => true,
            Some(from) => local
                .knowledge
                .get(&incoming.device)
                .is_some_and(|k| from <= k),
        };
    let mut knowledge = local.knowledge.clone();
    if contiguous {
        let sender = std::iter::once((&incoming.device, &incoming.to));
        for (device, clock) in incoming.knowledge.iter().chain(sender) {
            if *device == local.device {
                continue;
            }
            let entry = knowledge
                .entry(device.clone())
                .or_insert_with(|| clock.clone());
            if clock > entry {
                *entry = clock.clone();
            }
        }
    }
    report.gap = !contiguous;
    report.conflicts = conflicts.len();
    let knows_us = incoming.knowledge.get(&local.device).cloned();

    let writes = incoming
        .versions
        .into_iter()
        .zip(decisions)
        .filter_map(|(version, decision)| {
            decision.map(|(old, visible, two_phase)| Write {
                version,
                old,
                visible,
                two_phase,
            })
        })
        .collect();
    Ok(Plan {
        writes,
        visibility,
        conflicts,
        contiguous,
        knowledge,
        knows_us,
        newest,
        report,
    })
}
