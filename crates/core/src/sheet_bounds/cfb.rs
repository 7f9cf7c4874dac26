//! The compound file (CFB) of an `.xls`, read with calamine's own rules to get the `Workbook`
//! stream calamine will parse.
//!
//! calamine's CFB reader is private, and another reader (the `cfb` crate) would not do: on a
//! damaged file, which is what this check is for, two readers disagree — which FAT sectors count,
//! how a directory name is decoded, where a short sector's bytes come from — and the check must
//! see the stream calamine sees. So this is calamine's reader, step for step, with one change:
//! a sector chain may visit no more sectors than the file holds. A longer chain comes back on
//! itself, and calamine would follow it, growing the stream without end.

use std::io::{Read, Seek, SeekFrom};

const RESERVED_SECTORS: u32 = 0xFFFF_FFFA;
const DIFSECT: u32 = 0xFFFF_FFFC;
const ENDOFCHAIN: u32 = 0xFFFF_FFFE;

/// The header's DIFAT entries: the FAT sectors a compound file names without a DIFAT chain.
const HEADER_DIFAT_ENTRIES: u64 = 109;

/// Why the compound file yields no stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// calamine gives up here with an error (or a panic, which the guard catches): it allocates
    /// nothing more, and the refusal is its own.
    Fails,
    /// calamine would follow a loop or load far more than the file holds.
    Loops,
}

/// The `Workbook` (or `Book`) stream, read as calamine's `Xls::new` reads it; `None` when the file
/// has neither, so calamine's `.xls` reader refuses it.
///
/// # Errors
///
/// [`Fault::Fails`] where calamine's reader fails; [`Fault::Loops`] where it would not stop.
pub(crate) fn workbook_stream<R: Read + Seek>(r: &mut R) -> Result<Option<Vec<u8>>, Fault> {
    let mut cfb = Cfb::new(r)?;
    for name in ["Workbook", "Book"] {
        match cfb.stream(name, r) {
            Ok(Some(stream)) => return Ok(Some(stream)),
            // calamine tries `Book` after any failure to read `Workbook`.
            Ok(None) | Err(Fault::Fails) => {}
            Err(Fault::Loops) => return Err(Fault::Loops),
        }
    }
    Ok(None)
}

/// A run of equally sized sectors, filled from the reader as they are asked for.
struct Sectors {
    data: Vec<u8>,
    size: usize,
    maxid: u32,
}

impl Sectors {
    fn get<R: Read>(&mut self, id: u32, r: &mut R) -> Result<&[u8], Fault> {
        if self.maxid < id {
            return Err(Fault::Fails);
        }
        let start = (id as usize).checked_mul(self.size).ok_or(Fault::Fails)?;
        let end = start.checked_add(self.size).ok_or(Fault::Fails)?;
        if end > self.data.len() {
            let mut len = self.data.len();
            self.data.resize(end, 0);
            while len < end {
                let buf = self.data.get_mut(len..end).ok_or(Fault::Fails)?;
                let read = r.read(buf).map_err(|_| Fault::Fails)?;
                if read == 0 {
                    // calamine slices `start..len` here, and panics when the file ended before
                    // the sector began.
                    return self.data.get(start..len).ok_or(Fault::Fails);
                }
                len += read;
            }
        }
        self.data.get(start..end).ok_or(Fault::Fails)
    }

    /// The chain starting at `id`, at most `len` bytes of it.
    fn chain<R: Read>(
        &mut self,
        mut id: u32,
        fats: &[u32],
        r: &mut R,
        len: usize,
    ) -> Result<Vec<u8>, Fault> {
        let mut chain = Vec::new();
        let mut visits = 0u64;
        while id != ENDOFCHAIN {
            visits += 1;
            // Sector ids past `maxid` are refused, so a chain longer than this revisits one.
            if visits > u64::from(self.maxid) + 1 {
                return Err(Fault::Loops);
            }
            let sector = self.get(id, r)?;
            let to_copy = sector.len().min(len - chain.len());
            chain.extend_from_slice(sector.get(..to_copy).ok_or(Fault::Fails)?);
            if chain.len() >= len {
                break;
            }
            id = *fats.get(id as usize).ok_or(Fault::Fails)?;
        }
        Ok(chain)
    }
}

/// A directory entry: a stream's name, first sector and length.
struct Directory {
    name: String,
    start: u32,
    len: usize,
}

struct Cfb {
    directories: Vec<Directory>,
    sectors: Sectors,
    fats: Vec<u32>,
    mini_sectors: Sectors,
    mini_fats: Vec<u32>,
}

impl Cfb {
    fn new<R: Read + Seek>(r: &mut R) -> Result<Cfb, Fault> {
        let file_len = r.seek(SeekFrom::End(0)).map_err(|_| Fault::Fails)?;
        r.seek(SeekFrom::Start(0)).map_err(|_| Fault::Fails)?;
        let file_len = usize::try_from(file_len).map_err(|_| Fault::Fails)?;

        let mut header = [0u8; 512];
        let mut n = 0;
        loop {
            let buf = header.get_mut(n..).ok_or(Fault::Fails)?;
            let k = r.read(buf).map_err(|_| Fault::Fails)?;
            if k == 0 {
                break;
            }
            n += k;
        }
        if n < header.len() || header.get(..8) != Some(&super::CFB_SIGNATURE[..]) {
            return Err(Fault::Fails);
        }
        let version = u16_at(&header, 26)?;
        let (sector_size, large) = match u16_at(&header, 30)? {
            0x0009 => (512usize, false),
            0x000C => {
                let mut rest = [0u8; 4096 - 512];
                r.read_exact(&mut rest).map_err(|_| Fault::Fails)?;
                (4096, true)
            }
            _ => return Err(Fault::Fails),
        };
        if u16_at(&header, 32)? != 0x0006 {
            return Err(Fault::Fails);
        }
        let dir_start = u32_at(&header, 48)?;
        let mini_fat_start = u32_at(&header, 60)?;
        let mini_fat_len = u32_at(&header, 64)? as usize;
        let difat_start = u32_at(&header, 68)?;
        let mut difat = u32s(header.get(76..512).ok_or(Fault::Fails)?)?;

        let maxid = file_len / sector_size;
        let mut sectors = Sectors {
            data: Vec::with_capacity(1024),
            size: sector_size,
            maxid: maxid as u32,
        };

        let mut sector_id = difat_start;
        let mut difat_sectors = 0usize;
        while sector_id < RESERVED_SECTORS {
            difat_sectors += 1;
            if difat_sectors > maxid.saturating_add(1) {
                return Err(Fault::Fails);
            }
            difat.extend(u32s(sectors.get(sector_id, r)?)?);
            sector_id = difat.pop().ok_or(Fault::Fails)?;
        }

        // calamine loads each listed FAT sector, repeats included. A file holds at most `maxid + 1`
        // sectors, and the header's 109 slots are allowed whatever they hold; more is a file that
        // would make calamine load its sectors over and over.
        let fat_ids: Vec<u32> = difat.into_iter().filter(|id| *id < DIFSECT).collect();
        if fat_ids.len() as u64 > maxid as u64 + 1 + HEADER_DIFAT_ENTRIES {
            return Err(Fault::Loops);
        }
        let mut fats = Vec::new();
        for id in fat_ids {
            fats.extend(u32s(sectors.get(id, r)?)?);
        }

        let dirs = sectors.chain(dir_start, &fats, r, usize::MAX)?;
        let directories: Vec<Directory> = dirs
            .chunks(128)
            .filter(|c| c.len() == 128)
            .map(|c| directory(c, large))
            .collect::<Result<_, _>>()?;
        let root_start = directories.first().map(|d| d.start);
        if root_start.is_none() || (version != 3 && root_start == Some(ENDOFCHAIN)) {
            return Err(Fault::Fails);
        }

        let (mini_fats, ministream) = match directories.first() {
            Some(root) if mini_fat_len > 0 => {
                let ministream = sectors.chain(root.start, &fats, r, root.len)?;
                let minifat_len = mini_fat_len.checked_mul(sector_size).ok_or(Fault::Fails)?;
                let minifat = sectors.chain(mini_fat_start, &fats, r, minifat_len)?;
                (u32s(&minifat)?, ministream)
            }
            _ => (Vec::new(), Vec::new()),
        };
        Ok(Cfb {
            directories,
            sectors,
            fats,
            mini_sectors: Sectors {
                data: ministream,
                size: 64,
                maxid: (maxid * 8) as u32,
            },
            mini_fats,
        })
    }

    /// The stream named `name` (ASCII case ignored), `None` when there is none.
    fn stream<R: Read>(&mut self, name: &str, r: &mut R) -> Result<Option<Vec<u8>>, Fault> {
        let Some(d) = self
            .directories
            .iter()
            .find(|d| d.name.as_bytes().eq_ignore_ascii_case(name.as_bytes()))
        else {
            return Ok(None);
        };
        let stream = if d.len < 4096 {
            self.mini_sectors
                .chain(d.start, &self.mini_fats, r, d.len)?
        } else {
            self.sectors.chain(d.start, &self.fats, r, d.len)?
        };
        Ok(Some(stream))
    }
}

/// A 128-byte directory entry. The name is decoded as calamine decodes it: UTF-16LE unless the
/// bytes open with a byte-order mark, and cut at its first NUL.
fn directory(entry: &[u8], large_sectors: bool) -> Result<Directory, Fault> {
    let raw = entry.get(..64).ok_or(Fault::Fails)?;
    let mut name = decode_name(raw);
    if let Some(nul) = name.as_bytes().iter().position(|b| *b == 0) {
        name.truncate(nul);
    }
    let start = u32_at(entry, 116)?;
    let len = if large_sectors {
        let bytes: [u8; 8] = entry
            .get(120..128)
            .and_then(|b| b.try_into().ok())
            .ok_or(Fault::Fails)?;
        usize::try_from(u64::from_le_bytes(bytes)).map_err(|_| Fault::Fails)?
    } else {
        u32_at(entry, 120)? as usize
    };
    Ok(Directory { name, start, len })
}

/// Decodes like `encoding_rs::UTF_16LE.decode`, which honours a leading byte-order mark.
fn decode_name(raw: &[u8]) -> String {
    let utf16 = |bytes: &[u8], big_endian: bool| {
        let units = bytes.chunks(2).map(|c| match c {
            [a, b] if big_endian => u16::from_be_bytes([*a, *b]),
            [a, b] => u16::from_le_bytes([*a, *b]),
            // A trailing odd byte is a malformed sequence.
            _ => 0xD800,
        });
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect::<String>()
    };
    match raw {
        [0xEF, 0xBB, 0xBF, rest @ ..] => String::from_utf8_lossy(rest).into_owned(),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, false),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, true),
        _ => utf16(raw, false),
    }
}

fn u16_at(bytes: &[u8], at: usize) -> Result<u16, Fault> {
    bytes
        .get(at..at + 2)
        .and_then(|b| b.try_into().ok())
        .map(u16::from_le_bytes)
        .ok_or(Fault::Fails)
}

fn u32_at(bytes: &[u8], at: usize) -> Result<u32, Fault> {
    bytes
        .get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
        .ok_or(Fault::Fails)
}

/// Little-endian `u32`s; calamine asserts the length is a multiple of four.
fn u32s(bytes: &[u8]) -> Result<Vec<u32>, Fault> {
    if bytes.len() % 4 != 0 {
        return Err(Fault::Fails);
    }
    Ok(bytes
        .chunks_exact(4)
        .filter_map(|c| c.try_into().ok().map(u32::from_le_bytes))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_decode_as_calamine_decodes_them() {
        let le: Vec<u8> = "Workbook\0"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(decode_name(&le).starts_with("Workbook"));
        let mut be = vec![0xFE, 0xFF];
        be.extend("Book".encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode_name(&be), "Book");
        assert_eq!(decode_name(b"\xEF\xBB\xBFBook"), "Book");
    }
}
