//! The hybrid logical clock (HLC) that orders every change, and this device's identity.
//!
//! A clock is wall-clock milliseconds, a counter and the device id. It never goes backwards even
//! when the laptop's clock does, and after seeing another device's clock it is ahead of it, so
//! "last writer wins" between laptops whose clocks disagree still picks one writer consistently.

use std::cmp::Ordering;
use std::fmt;

use chrono::Utc;
use rusqlite::Connection;

use super::{get_meta, set_meta};
use crate::error::{Error, Result};

/// One reading of the hybrid logical clock.
///
/// Its text form (`0001764400000000-00000-<device>`) sorts as the clock does, so SQL can compare
/// clocks as text.
///
/// # Examples
///
/// ```
/// use zhucun_core::store::hlc::Clock;
/// let a = Clock::new(1_000, 0, "a");
/// let b = a.tick(500); // the wall clock went backwards
/// assert!(b > a);
/// assert_eq!(Clock::parse(&b.to_string()), Some(b));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Clock {
    millis: i64,
    counter: u32,
    device: String,
}

impl Clock {
    /// A clock reading.
    pub fn new(millis: i64, counter: u32, device: &str) -> Clock {
        Clock {
            millis,
            counter,
            device: device.to_string(),
        }
    }

    /// The next reading on this device, given the wall clock now.
    pub fn tick(&self, wall_millis: i64) -> Clock {
        if wall_millis > self.millis {
            Clock::new(wall_millis, 0, &self.device)
        } else {
            Clock::new(self.millis, self.counter.saturating_add(1), &self.device)
        }
    }

    /// This device's reading after seeing `other`: ahead of both.
    pub fn observe(&self, other: &Clock, wall_millis: i64) -> Clock {
        let millis = wall_millis.max(self.millis).max(other.millis);
        let counter = if millis == self.millis && millis == other.millis {
            self.counter.max(other.counter).saturating_add(1)
        } else if millis == self.millis {
            self.counter.saturating_add(1)
        } else if millis == other.millis {
            other.counter.saturating_add(1)
        } else {
            0
        };
        Clock::new(millis, counter, &self.device)
    }

    /// Reads the text form.
    pub fn parse(text: &str) -> Option<Clock> {
        let mut parts = text.splitn(3, '-');
        let millis = parts.next()?.parse().ok()?;
        let counter = parts.next()?.parse().ok()?;
        let device = parts.next()?;
        Some(Clock::new(millis, counter, device))
    }

    /// The device that made this reading.
    pub fn device(&self) -> &str {
        &self.device
    }
}

impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016}-{:05}-{}", self.millis, self.counter, self.device)
    }
}

impl PartialOrd for Clock {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Clock {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.millis, self.counter, &self.device).cmp(&(other.millis, other.counter, &other.device))
    }
}

/// Milliseconds of the wall clock now.
pub(crate) fn wall_millis() -> i64 {
    Utc::now().timestamp_millis()
}

/// This installation's device id (a UUID v7 made when the database was created).
///
/// # Errors
///
/// `database` if SQLite fails.
pub fn device_id(conn: &Connection) -> Result<String> {
    get_meta(conn, "device_id")?
        .ok_or_else(|| Error::conflict("数据库缺少设备标识", "The database has no device identity"))
}

/// The last clock reading this device made or saw.
pub(crate) fn last_clock(conn: &Connection) -> Result<Clock> {
    let device = device_id(conn)?;
    Ok(get_meta(conn, "clock")?
        .and_then(|t| Clock::parse(&t))
        .map(|c| Clock::new(c.millis, c.counter, &device))
        .unwrap_or_else(|| Clock::new(0, 0, &device)))
}

/// Records the last clock reading.
pub(crate) fn store_clock(conn: &Connection, clock: &Clock) -> Result<()> {
    set_meta(conn, "clock", &clock.to_string())
}

/// Gives a new database its device identity; a no-op afterwards.
pub(crate) fn ensure_device(conn: &mut Connection) -> Result<()> {
    if get_meta(conn, "device_id")?.is_some() {
        return Ok(());
    }
    let tx = conn.transaction()?;
    let id = uuid::Uuid::now_v7().to_string();
    let name = std::env::var("HOSTNAME").unwrap_or_else(|_| "zhucun".to_string());
    tx.execute(
        "INSERT INTO devices (id, name, created_at) VALUES (?1, ?2, ?3)",
        [&id, &name, &Utc::now().to_rfc3339()],
    )?;
    set_meta(&tx, "device_id", &id)?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_monotonic_whatever_the_wall_clock() {
        let mut c = Clock::new(0, 0, "d");
        let mut last = c.clone();
        for wall in [10, 5, 5, 20, 1, 20] {
            c = c.tick(wall);
            assert!(c > last, "{c} after {last}");
            last = c.clone();
        }
    }

    #[test]
    fn observing_moves_past_the_other() {
        let mine = Clock::new(100, 3, "a");
        let theirs = Clock::new(5_000, 7, "b");
        let seen = mine.observe(&theirs, 50);
        assert!(seen > theirs && seen > mine);
        assert_eq!(seen.device(), "a");
    }

    #[test]
    fn text_sorts_like_the_clock() {
        let a = Clock::new(999, 12, "z");
        let b = Clock::new(1000, 1, "a");
        assert!(a < b);
        assert!(a.to_string() < b.to_string());
    }
}
