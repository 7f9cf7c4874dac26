//! Why a bundle was refused, and at which step: every refusal is one of these, shown as one
//! sentence that names the step and the reason.

use crate::error::Lang;
use crate::keys::Role;

use super::Kind;

/// Why a bundle was refused. [`BundleProblem::step`] says which step of BUNDLES.md "Receiving a
/// bundle" finds it; [`crate::Error::bundle`] wraps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BundleProblem {
    // Step 1: the archive.
    /// The file is larger than any bundle can be.
    FileTooLarge {
        /// Its size in bytes.
        size: u64,
        /// The most a bundle file may have.
        max: u64,
    },
    /// The bytes are not a ZIP archive (or are a damaged or truncated one).
    NotAZip {
        /// What the ZIP reader said.
        detail: String,
    },
    /// More entries than a bundle may hold.
    TooManyEntries {
        /// How many the archive declares.
        count: u64,
        /// The most allowed.
        max: u64,
    },
    /// An entry name that is not a plain relative `/`-separated name.
    BadName {
        /// The name (non-UTF-8 bytes shown as �).
        name: String,
        /// What is wrong with it.
        fault: NameFault,
    },
    /// An entry that is not a plain file.
    NotAPlainFile {
        /// The entry's name.
        name: String,
        /// What it is instead.
        what: EntryType,
    },
    /// Two entries whose names differ only in letter case.
    DuplicateName {
        /// The first name.
        name: String,
        /// The other.
        other: String,
    },
    /// Two entries with exactly the same name (the ZIP reader's index keeps one of them, so
    /// which name it is cannot be said).
    DuplicateEntries,
    /// An encrypted entry.
    Encrypted {
        /// The entry's name.
        name: String,
    },
    /// An entry compressed with something other than deflate (or stored).
    UnsupportedCompression {
        /// The entry's name.
        name: String,
        /// The method, as the ZIP reader names it.
        method: String,
    },
    /// The local headers do not agree with the central directory, entries overlap, or data
    /// is hidden between them.
    Inconsistent {
        /// What the ZIP reader found.
        detail: String,
    },
    /// An entry larger than allowed once inflated.
    EntryTooLarge {
        /// The entry's name.
        name: String,
        /// The limit in bytes.
        max: u64,
    },
    /// All entries together larger than allowed once inflated.
    ArchiveTooLarge {
        /// The limit in bytes.
        max: u64,
    },
    /// An entry whose inflated size is not the size its header declares.
    SizeMismatch {
        /// The entry's name.
        name: String,
        /// The size declared.
        declared: u64,
        /// The bytes actually inflated (at least this many when more than declared).
        actual: u64,
    },
    /// An entry that cannot be inflated, or whose CRC does not match.
    Corrupt {
        /// The entry's name.
        name: String,
        /// What the ZIP reader said.
        detail: String,
    },

    // Step 2: the manifest.
    /// No `manifest.json`.
    NoManifest,
    /// `manifest.json` is not UTF-8 JSON holding an object.
    ManifestNotJson {
        /// What the JSON reader said.
        detail: String,
    },
    /// A required field is missing or holds the wrong kind of value.
    ManifestField {
        /// The field (`signer.key_id`).
        field: String,
        /// The value found, if any (shortened).
        found: Option<String>,
        /// What it should be.
        expected: Expected,
    },
    /// `format` is not `zhucun-bundle/1`.
    UnsupportedFormat {
        /// The format found.
        found: String,
    },
    /// `kind` is not `template`, `return` or `sync`.
    UnknownKind {
        /// The kind found.
        found: String,
    },
    /// `files` does not list exactly the one payload file of the kind.
    WrongPayload {
        /// The bundle's kind.
        kind: Kind,
        /// The paths `files` lists.
        listed: Vec<String>,
    },
    /// The manifest's `template.sha256` is not the SHA-256 it lists for the template file.
    TemplateHashMismatch,
    /// A file `files` lists is not in the archive.
    MissingFile {
        /// Its path.
        name: String,
    },
    /// An entry of the archive that `files` does not list.
    UnlistedFile {
        /// Its name.
        name: String,
    },

    // Step 3: the signature.
    /// No `manifest.json.minisig`.
    NoSignature,
    /// The signature file is not a minisign signature.
    SignatureUnreadable {
        /// What the minisign reader said.
        detail: String,
    },
    /// A legacy (not prehashed) minisign signature.
    LegacySignature {
        /// The signature's key id.
        key_id: String,
    },
    /// The signature's key is not in the keyring.
    UnknownKey {
        /// The signature's key id.
        key_id: String,
    },
    /// The signature does not verify with the trusted key of its key id.
    BadSignature {
        /// The signature's key id.
        key_id: String,
    },
    /// The key is trusted, but not for this kind of bundle.
    WrongRole {
        /// The signature's key id.
        key_id: String,
        /// The role the keyring gives it.
        role: Role,
        /// The bundle's kind.
        kind: Kind,
    },
    /// The manifest names another signer than the key that signed it.
    SignerMismatch {
        /// The signature's key id.
        key_id: String,
        /// The manifest's `signer.key_id`.
        manifest: String,
    },
    /// A sync bundle from another village than this database's (or for a database with no
    /// village yet).
    OtherVillage {
        /// The signature's key id.
        key_id: String,
        /// The village code the manifest gives.
        theirs: String,
        /// This database's village code, if it has a village.
        ours: Option<String>,
    },

    // Step 4: the payload.
    /// A payload file whose size is not the manifest's.
    PayloadSize {
        /// Its path.
        name: String,
        /// The size listed.
        listed: u64,
        /// Its actual size.
        actual: u64,
    },
    /// A payload file whose SHA-256 is not the manifest's.
    PayloadHash {
        /// Its path.
        name: String,
    },

    // Step 5: applying it.
    /// A kind this program cannot apply yet.
    NotSupportedYet {
        /// The bundle's kind.
        kind: Kind,
    },
    /// What the bundle carries was refused where it is applied (a template that does not
    /// import, a version stored already with other content…).
    NotApplied {
        /// The code of the refusal ([`crate::Error::code`]: `invalid_template`, `conflict`…).
        code: String,
        /// Its message in Chinese.
        zh: String,
        /// Its message in English.
        en: String,
    },
    /// The template inside is not the one the manifest names.
    TemplateMismatch {
        /// `template.id` and `template.version` of the manifest.
        listed: (String, u32),
        /// What the template file itself says.
        found: (String, u32),
    },
    /// The return inside does not say what the manifest says: another village, month or
    /// template in its `_zhucun` sheet.
    ReturnMismatch {
        /// The manifest field (`village.code`, `period`, `template`).
        field: String,
        /// What the manifest says.
        listed: String,
        /// What the return itself says.
        found: String,
    },
}

/// What is wrong with an entry name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameFault {
    /// Not UTF-8.
    NotUtf8,
    /// Empty.
    Empty,
    /// Starts with `/`.
    Absolute,
    /// Holds a `:` (a drive letter such as `C:`, or an NTFS stream).
    DriveLetter,
    /// Holds a `\`.
    Backslash,
    /// Holds a `..` part.
    ParentPart,
    /// Holds a `.` part.
    DotPart,
    /// Holds an empty part (`a//b`).
    EmptyPart,
    /// Holds a control character (NUL, line break…).
    ControlCharacter,
}

/// What an entry is when it is not a plain file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryType {
    /// A directory entry.
    Directory,
    /// A symbolic link.
    Link,
    /// A device, FIFO or socket.
    Special,
}

/// What a manifest field should hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// An object.
    Object,
    /// A list.
    List,
    /// Text.
    Text,
    /// A whole number of at least 0 (1 for a version).
    Number,
    /// A UUID.
    Uuid,
    /// An RFC 3339 time.
    Time,
    /// 16 hex digits.
    KeyId,
    /// `county` or `village`.
    Role,
    /// A 12-digit division code.
    DivisionCode,
    /// `YYYY-MM`.
    Period,
    /// 64 hex digits.
    Sha256,
    /// A template id (ASCII letters, digits, `-`, `_`).
    TemplateId,
}

impl Expected {
    fn text(self, lang: Lang) -> &'static str {
        match self {
            Expected::Object => lang.pick("对象", "an object"),
            Expected::List => lang.pick("列表", "a list"),
            Expected::Text => lang.pick("文字", "text"),
            Expected::Number => lang.pick("非负整数", "a whole number"),
            Expected::Uuid => lang.pick("UUID", "a UUID"),
            Expected::Time => lang.pick("RFC 3339 时间", "an RFC 3339 time"),
            Expected::KeyId => lang.pick("16 位十六进制密钥编号", "a 16-hex-digit key id"),
            Expected::Role => lang.pick("county 或 village", "county or village"),
            Expected::DivisionCode => lang.pick("12 位行政区划代码", "a 12-digit division code"),
            Expected::Period => lang.pick("YYYY-MM 月份", "a YYYY-MM month"),
            Expected::Sha256 => lang.pick("64 位十六进制 SHA-256", "a 64-hex-digit SHA-256"),
            Expected::TemplateId => lang.pick(
                "模板编号（英文字母、数字、- 和 _）",
                "a template id (ASCII letters, digits, - and _)",
            ),
        }
    }
}

impl NameFault {
    fn text(self, lang: Lang) -> &'static str {
        match self {
            NameFault::NotUtf8 => lang.pick("不是 UTF-8 编码", "is not UTF-8"),
            NameFault::Empty => lang.pick("是空的", "is empty"),
            NameFault::Absolute => lang.pick("是绝对路径", "is an absolute path"),
            NameFault::DriveLetter => lang.pick(
                "含有冒号（如盘符 C:）",
                "holds a colon (such as the drive letter C:)",
            ),
            NameFault::Backslash => lang.pick("含有反斜杠 \\", "holds a backslash"),
            NameFault::ParentPart => lang.pick("含有 .. 部分", "holds a .. part"),
            NameFault::DotPart => lang.pick("含有 . 部分", "holds a . part"),
            NameFault::EmptyPart => lang.pick("含有空的部分（//）", "holds an empty part (//)"),
            NameFault::ControlCharacter => lang.pick("含有控制字符", "holds a control character"),
        }
    }
}

impl EntryType {
    fn text(self, lang: Lang) -> &'static str {
        match self {
            EntryType::Directory => lang.pick("目录", "a directory"),
            EntryType::Link => lang.pick("符号链接", "a symbolic link"),
            EntryType::Special => lang.pick("特殊文件", "a special file"),
        }
    }
}

/// The name of a step, for messages.
pub(crate) fn step_name(step: u8, lang: Lang) -> &'static str {
    match step {
        1 => lang.pick("打开压缩包", "opening the archive"),
        2 => lang.pick("检查清单", "checking the manifest"),
        3 => lang.pick("验证签名", "verifying the signature"),
        4 => lang.pick("核对文件", "checking the files"),
        _ => lang.pick("导入", "applying it"),
    }
}

fn mib(bytes: u64) -> u64 {
    bytes >> 20
}

impl BundleProblem {
    /// The step of BUNDLES.md "Receiving a bundle" that finds this problem.
    pub fn step(&self) -> u8 {
        use BundleProblem as P;
        match self {
            P::FileTooLarge { .. }
            | P::NotAZip { .. }
            | P::TooManyEntries { .. }
            | P::BadName { .. }
            | P::NotAPlainFile { .. }
            | P::DuplicateName { .. }
            | P::DuplicateEntries
            | P::Encrypted { .. }
            | P::UnsupportedCompression { .. }
            | P::Inconsistent { .. }
            | P::EntryTooLarge { .. }
            | P::ArchiveTooLarge { .. }
            | P::SizeMismatch { .. }
            | P::Corrupt { .. } => 1,
            P::NoManifest
            | P::ManifestNotJson { .. }
            | P::ManifestField { .. }
            | P::UnsupportedFormat { .. }
            | P::UnknownKind { .. }
            | P::WrongPayload { .. }
            | P::TemplateHashMismatch
            | P::MissingFile { .. }
            | P::UnlistedFile { .. } => 2,
            P::NoSignature
            | P::SignatureUnreadable { .. }
            | P::LegacySignature { .. }
            | P::UnknownKey { .. }
            | P::BadSignature { .. }
            | P::WrongRole { .. }
            | P::SignerMismatch { .. }
            | P::OtherVillage { .. } => 3,
            P::PayloadSize { .. } | P::PayloadHash { .. } => 4,
            P::NotSupportedYet { .. }
            | P::NotApplied { .. }
            | P::TemplateMismatch { .. }
            | P::ReturnMismatch { .. } => 5,
        }
    }

    /// The key id this problem names, for the problems of step 3 that have one.
    pub fn key_id(&self) -> Option<&str> {
        use BundleProblem as P;
        match self {
            P::LegacySignature { key_id }
            | P::UnknownKey { key_id }
            | P::BadSignature { key_id }
            | P::WrongRole { key_id, .. }
            | P::SignerMismatch { key_id, .. }
            | P::OtherVillage { key_id, .. } => Some(key_id),
            _ => None,
        }
    }

    /// The refusal as one sentence: the step, then the reason.
    pub fn message(&self, step: u8, lang: Lang) -> String {
        let reason = self.reason(lang);
        match lang {
            Lang::Zh => format!(
                "数据包未通过第 {step} 步（{}），未作任何改动：{reason}",
                step_name(step, lang)
            ),
            Lang::En => format!(
                "The bundle was refused at step {step} ({}) and nothing was changed: {reason}",
                step_name(step, lang)
            ),
        }
    }

    /// Why, without the step.
    pub fn reason(&self, lang: Lang) -> String {
        use BundleProblem as P;
        let zh = lang == Lang::Zh;
        match self {
            P::FileTooLarge { size, max } => {
                if zh {
                    format!("文件有 {} MiB，数据包最多 {} MiB", mib(*size), mib(*max))
                } else {
                    format!(
                        "the file has {} MiB; a bundle has at most {} MiB",
                        mib(*size),
                        mib(*max)
                    )
                }
            }
            P::NotAZip { detail } => {
                if zh {
                    format!("不是 ZIP 压缩包，或已损坏、不完整（{detail}）")
                } else {
                    format!("not a ZIP archive, or a damaged or truncated one ({detail})")
                }
            }
            P::TooManyEntries { count, max } => {
                if zh {
                    format!("压缩包有 {count} 个条目，最多允许 {max} 个")
                } else {
                    format!("the archive has {count} entries; at most {max} are allowed")
                }
            }
            P::BadName { name, fault } => {
                if zh {
                    format!("条目名“{name}”{}", fault.text(lang))
                } else {
                    format!("the entry name “{name}” {}", fault.text(lang))
                }
            }
            P::NotAPlainFile { name, what } => {
                if zh {
                    format!("条目“{name}”是{}，不是普通文件", what.text(lang))
                } else {
                    format!("the entry “{name}” is {}, not a plain file", what.text(lang))
                }
            }
            P::DuplicateName { name, other } => {
                if zh {
                    format!("条目“{name}”与“{other}”只有大小写不同，在 Windows 上是同一个文件")
                } else {
                    format!(
                        "the entries “{name}” and “{other}” differ only in letter case, one file on Windows"
                    )
                }
            }
            P::DuplicateEntries => lang
                .pick(
                    "压缩包中有两个同名的条目",
                    "the archive holds two entries of the same name",
                )
                .to_string(),
            P::Encrypted { name } => {
                if zh {
                    format!("条目“{name}”已加密")
                } else {
                    format!("the entry “{name}” is encrypted")
                }
            }
            P::UnsupportedCompression { name, method } => {
                if zh {
                    format!("条目“{name}”的压缩方式 {method} 不受支持（只接受 deflate 或不压缩）")
                } else {
                    format!(
                        "the entry “{name}” is compressed with {method}; only deflate or none is accepted"
                    )
                }
            }
            P::Inconsistent { detail } => {
                if zh {
                    format!("压缩包的目录与文件头不一致，可能被改动过（{detail}）")
                } else {
                    format!(
                        "the archive's directory and file headers disagree; it may have been tampered with ({detail})"
                    )
                }
            }
            P::EntryTooLarge { name, max } => {
                if zh {
                    format!("条目“{name}”解压后超过 {} MiB 的上限", mib(*max))
                } else {
                    format!(
                        "the entry “{name}” inflates past its limit of {} MiB",
                        mib(*max)
                    )
                }
            }
            P::ArchiveTooLarge { max } => {
                if zh {
                    format!("全部条目解压后超过 {} MiB 的上限", mib(*max))
                } else {
                    format!("the entries inflate past the limit of {} MiB in all", mib(*max))
                }
            }
            P::SizeMismatch {
                name,
                declared,
                actual,
            } => {
                if zh {
                    format!(
                        "条目“{name}”声明大小为 {declared} 字节，解压后却是 {actual} 字节{}",
                        if actual > declared { "以上" } else { "" }
                    )
                } else {
                    format!(
                        "the entry “{name}” declares {declared} bytes but inflates to {}{actual} bytes",
                        if actual > declared { "at least " } else { "" }
                    )
                }
            }
            P::Corrupt { name, detail } => {
                if zh {
                    format!("条目“{name}”已损坏，无法解压（{detail}）")
                } else {
                    format!("the entry “{name}” is damaged and cannot be inflated ({detail})")
                }
            }
            P::NoManifest => lang
                .pick(
                    "压缩包中没有 manifest.json",
                    "the archive holds no manifest.json",
                )
                .to_string(),
            P::ManifestNotJson { detail } => {
                if zh {
                    format!("manifest.json 不是有效的 JSON 对象（{detail}）")
                } else {
                    format!("manifest.json is not a valid JSON object ({detail})")
                }
            }
            P::ManifestField {
                field,
                found,
                expected,
            } => match (found, zh) {
                (None, true) => format!(
                    "manifest.json 缺少字段 {field}（应为{}）",
                    expected.text(lang)
                ),
                (None, false) => format!(
                    "manifest.json lacks the field {field} ({})",
                    expected.text(lang)
                ),
                (Some(v), true) => format!(
                    "manifest.json 的 {field} 为“{v}”，应为{}",
                    expected.text(lang)
                ),
                (Some(v), false) => format!(
                    "manifest.json's {field} is “{v}”; expected {}",
                    expected.text(lang)
                ),
            },
            P::UnsupportedFormat { found } => {
                if zh {
                    format!("数据包格式“{found}”不受支持（本程序读取 zhucun-bundle/1）")
                } else {
                    format!("the bundle format “{found}” is not supported (this program reads zhucun-bundle/1)")
                }
            }
            P::UnknownKind { found } => {
                if zh {
                    format!("数据包类型“{found}”未知（应为 template、return 或 sync）")
                } else {
                    format!("the bundle kind “{found}” is unknown (template, return or sync)")
                }
            }
            P::WrongPayload { kind, listed } => {
                let want = kind.payload_names().join(lang.pick("、", ", "));
                let got = if listed.is_empty() {
                    lang.pick("（无）", "(none)").to_string()
                } else {
                    listed.join(lang.pick("、", ", "))
                };
                if zh {
                    format!(
                        "{}数据包应恰好含一个文件（{want} 之一），清单列出的是：{got}",
                        kind.label(lang)
                    )
                } else {
                    format!(
                        "a {} bundle holds exactly one file (one of {want}); the manifest lists: {got}",
                        kind.as_str()
                    )
                }
            }
            P::TemplateHashMismatch => lang
                .pick(
                    "manifest.json 中 template.sha256 与模板文件的 sha256 不一致",
                    "manifest.json's template.sha256 is not the sha256 it lists for the template file",
                )
                .to_string(),
            P::MissingFile { name } => {
                if zh {
                    format!("清单列出的文件“{name}”不在压缩包中")
                } else {
                    format!("the file “{name}” the manifest lists is not in the archive")
                }
            }
            P::UnlistedFile { name } => {
                if zh {
                    format!("压缩包中的“{name}”不在清单中")
                } else {
                    format!("the archive holds “{name}”, which the manifest does not list")
                }
            }
            P::NoSignature => lang
                .pick(
                    "压缩包中没有签名文件 manifest.json.minisig",
                    "the archive holds no signature, manifest.json.minisig",
                )
                .to_string(),
            P::SignatureUnreadable { detail } => {
                if zh {
                    format!("manifest.json.minisig 不是有效的 minisign 签名（{detail}）")
                } else {
                    format!("manifest.json.minisig is not a valid minisign signature ({detail})")
                }
            }
            P::LegacySignature { key_id } => {
                if zh {
                    format!("密钥 {key_id} 的签名是旧式（legacy）minisign 签名，只接受预哈希签名")
                } else {
                    format!(
                        "the signature by key {key_id} is a legacy minisign signature; only prehashed signatures are accepted"
                    )
                }
            }
            P::UnknownKey { key_id } => {
                if zh {
                    format!(
                        "签名密钥 {key_id} 不在信任列表中：核对指纹后可用 zhucun keys trust 信任它"
                    )
                } else {
                    format!(
                        "the signing key {key_id} is not in the keyring: compare its fingerprint, then trust it with zhucun keys trust"
                    )
                }
            }
            P::BadSignature { key_id } => {
                if zh {
                    format!("签名与密钥 {key_id} 不符：manifest.json 或签名在签发后被改动过")
                } else {
                    format!(
                        "the signature does not verify with key {key_id}: manifest.json or the signature changed after signing"
                    )
                }
            }
            P::WrongRole { key_id, role, kind } => {
                let need = kind.signer_role();
                if zh {
                    format!(
                        "密钥 {key_id} 被信任为{}密钥，{}数据包只接受{}密钥的签名",
                        role.label(lang),
                        kind.label(lang),
                        need.label(lang)
                    )
                } else {
                    format!(
                        "key {key_id} is trusted as a {} key; a {} bundle is accepted only from a {} key",
                        role.label(lang),
                        kind.as_str(),
                        need.label(lang)
                    )
                }
            }
            P::SignerMismatch { key_id, manifest } => {
                if zh {
                    format!("签名来自密钥 {key_id}，但 manifest.json 写的签发者是 {manifest}")
                } else {
                    format!(
                        "the signature is by key {key_id}, but manifest.json names the signer {manifest}"
                    )
                }
            }
            P::OtherVillage {
                key_id,
                theirs,
                ours,
            } => match (ours, zh) {
                (Some(o), true) => format!(
                    "密钥 {key_id} 签发的同步数据包属于村 {theirs}，本机是村 {o}：同步只在同一个村的电脑之间进行"
                ),
                (Some(o), false) => format!(
                    "the sync bundle signed by key {key_id} is for village {theirs}, and this database is village {o}: sync is between the laptops of one village"
                ),
                (None, true) => format!(
                    "密钥 {key_id} 签发的同步数据包属于村 {theirs}，本机还没有村，无法确认"
                ),
                (None, false) => format!(
                    "the sync bundle signed by key {key_id} is for village {theirs}, and this database has no village to match it"
                ),
            },
            P::PayloadSize {
                name,
                listed,
                actual,
            } => {
                if zh {
                    format!("文件“{name}”有 {actual} 字节，清单中是 {listed} 字节")
                } else {
                    format!("the file “{name}” has {actual} bytes; the manifest lists {listed}")
                }
            }
            P::PayloadHash { name } => {
                if zh {
                    format!("文件“{name}”的 SHA-256 与清单不符：签发后被改动过")
                } else {
                    format!(
                        "the SHA-256 of “{name}” is not the manifest's: it changed after signing"
                    )
                }
            }
            P::NotSupportedYet { kind } => {
                if zh {
                    format!("本程序还不能导入{}数据包", kind.label(lang))
                } else {
                    format!("this program cannot apply {} bundles yet", kind.as_str())
                }
            }
            P::NotApplied { zh: z, en, .. } => lang.pick(z, en).to_string(),
            P::TemplateMismatch { listed, found } => {
                if zh {
                    format!(
                        "清单说模板是 {} 第 {} 版，文件本身却是 {} 第 {} 版",
                        listed.0, listed.1, found.0, found.1
                    )
                } else {
                    format!(
                        "the manifest names template {} version {}, but the file is {} version {}",
                        listed.0, listed.1, found.0, found.1
                    )
                }
            }
            P::ReturnMismatch {
                field,
                listed,
                found,
            } => {
                if zh {
                    format!("清单中 {field} 为 {listed}，月报文件本身却是 {found}")
                } else {
                    format!("the manifest's {field} is {listed}, but the return itself says {found}")
                }
            }
        }
    }
}
