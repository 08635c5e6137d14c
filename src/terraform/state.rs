//! Terraform state, format version 4 (Terraform 0.12 to 1.x), read into declared resources.
//!
//! Only managed resources are kept: data sources are reads, not declarations. Resources of every
//! provider are kept so `driftscan state` can show them; the scan itself compares AWS ones only.
//!
//! A state is read resource by resource: the file is cut into one block per resource
//! ([`blocks`]), each parsed as a slice into only the attributes the caller keeps, so its raw
//! text is never held whole (a 1 GB state costs its parsed resources, not the text and a `Value`
//! tree besides); a large state's blocks are parsed on two threads ([`sharing`]). A state the
//! cutter refuses is read again by serde alone, and one that fails that too is read whole to say
//! exactly what is wrong.

use std::collections::BTreeSet;
use std::io::Read;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::blocks::{self, Refused};
use super::{sensitive, sharing};
use crate::error::StateError;
use crate::resource::{Declaration, Resource};

/// One state file, read.
#[derive(Debug, Clone)]
pub struct StateFile {
    /// The path as the user gave it (or as the glob produced it).
    pub path: String,
    /// `terraform_version` from the file, when it has one.
    pub terraform_version: Option<String>,
    /// Managed resource instances, deposed ones included.
    pub resources: Vec<Resource>,
}

/// Which attributes a read keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attributes {
    /// Every attribute: what `driftscan state` and callers that look at a resource whole need.
    All,
    /// Only those a scan uses: compared by some covered type ([`crate::catalog`]), `tags_all`,
    /// and those that tell the id, region and account. The others are skipped unparsed, so a
    /// large state costs what is compared, not every attribute's tree.
    Compared,
}

/// What tells a resource's id, region and account, and the tags AWS sees: kept for every type.
const PLACING: [&str; 5] = ["id", "arn", "region", "availability_zone", "tags_all"];

impl Attributes {
    /// Whether an attribute of this name may be kept, whatever the resource's type (the type
    /// is not known while its attributes are read). Asked of every attribute of a state, so the
    /// names are looked up by length, then compared, with no hashing.
    fn keeps(self, key: &str) -> bool {
        static KEPT: OnceLock<Vec<Vec<&'static str>>> = OnceLock::new();
        self == Attributes::All
            || KEPT
                .get_or_init(|| {
                    let compared = crate::catalog::covered().iter().flat_map(|s| s.compared.iter().copied());
                    let mut by_len: Vec<Vec<&str>> = Vec::new();
                    for name in compared.chain(PLACING) {
                        if by_len.len() <= name.len() {
                            by_len.resize(name.len() + 1, Vec::new());
                        }
                        if !by_len[name.len()].contains(&name) {
                            by_len[name.len()].push(name);
                        }
                    }
                    by_len
                })
                .get(key.len())
                .is_some_and(|names| names.contains(&key))
    }

    /// The attributes of a resource once its type is known. A scan read drops what
    /// [`Self::keeps`] kept for other types (an instance's `security_groups` is compared only
    /// on network interfaces) and cuts the maps and arrays serde grew by doubling to what they
    /// hold, before the next resource is read: a large state holds what its scan compares and
    /// no more (a third of its memory otherwise).
    fn collect(self, rtype: &str, pairs: impl IntoIterator<Item = (String, Value)>) -> Map<String, Value> {
        match self {
            Attributes::All => pairs.into_iter().collect(),
            Attributes::Compared => {
                let compared = crate::catalog::spec(rtype).map_or(&[][..], |s| s.compared);
                let mut kept: Vec<(String, Value)> = pairs
                    .into_iter()
                    .filter(|(k, _)| compared.contains(&k.as_str()) || PLACING.contains(&k.as_str()))
                    .collect();
                kept.iter_mut().for_each(|(_, v)| shrink(v));
                // Through a list, so the map is made from an exact size: collected from the
                // filter (no size known), it grew by doubling and kept the room, a quarter of
                // a large state's memory.
                kept.into_iter().collect()
            }
        }
    }
}

fn shrink(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.values_mut().for_each(shrink);
            // serde_json's Map has no shrink_to_fit; collected from an exact-size iterator, it
            // is allocated to size.
            *m = std::mem::take(m).into_iter().collect();
        }
        Value::Array(a) => {
            a.iter_mut().for_each(shrink);
            a.shrink_to_fit();
        }
        _ => {}
    }
}

/// The reading side of [`Attributes`], as a type, so serde's derived code can carry it.
pub(crate) trait Keep {
    const WHICH: Attributes;
}
pub(crate) struct KeepAll;
impl Keep for KeepAll {
    const WHICH: Attributes = Attributes::All;
}
struct KeepCompared;
impl Keep for KeepCompared {
    const WHICH: Attributes = Attributes::Compared;
}

/// An instance's `attributes`, without the keys `K` skips; a list, made a map once the
/// resource's type tells which to keep (a map built twice hashes every key twice).
struct Kept<K>(Vec<(String, Value)>, PhantomData<K>);

impl<'de, K: Keep> Deserialize<'de> for Kept<K> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<K>(PhantomData<K>);
        impl<'de, K: Keep> serde::de::Visitor<'de> for Visit<K> {
            type Value = Kept<K>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of attributes")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Kept<K>, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key_seed(KeyIfKept::<K>(PhantomData))? {
                    match key {
                        Some(key) => {
                            let value: Value = map.next_value()?;
                            out.push((key, value));
                        }
                        None => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(Kept(out, PhantomData))
            }
        }
        d.deserialize_map(Visit(PhantomData))
    }
}

/// An attribute's name, owned only when `K` keeps it: most are skipped, and are never copied.
struct KeyIfKept<K>(PhantomData<K>);

impl<'de, K: Keep> serde::de::DeserializeSeed<'de> for KeyIfKept<K> {
    type Value = Option<String>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<K: Keep> serde::de::Visitor<'_> for KeyIfKept<K> {
    type Value = Option<String>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an attribute name")
    }
    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(K::WHICH.keeps(key).then(|| key.to_owned()))
    }
}

#[derive(Deserialize)]
#[serde(bound = "K: Keep")]
struct RawState<K> {
    /// Checked after the pass; anything but 4 is diagnosed by [`check_version`].
    version: Option<Value>,
    terraform_version: Option<String>,
    #[serde(default)]
    resources: Vec<RawResource<K>>,
}

#[derive(Deserialize)]
#[serde(bound = "K: Keep")]
struct RawResource<K> {
    module: Option<String>,
    mode: String,
    #[serde(rename = "type")]
    rtype: String,
    name: String,
    #[serde(default)]
    provider: String,
    #[serde(default)]
    instances: Vec<RawInstance<K>>,
}

#[derive(Deserialize)]
#[serde(bound = "K: Keep")]
struct RawInstance<K> {
    index_key: Option<Value>,
    deposed: Option<String>,
    attributes: Option<Kept<K>>,
    /// Written by Terraform 0.12 for objects it had not yet upgraded from 0.11's flat map.
    attributes_flat: Option<Map<String, Value>>,
    #[serde(default)]
    sensitive_attributes: Value,
}

/// Expands the `--state` arguments (paths or glob patterns) and reads every file, in path order.
/// A file named twice (by two spellings of its path, or by a path and a glob) is read once.
pub fn load_states(patterns: &[String]) -> Result<Vec<StateFile>, StateError> {
    load_states_with(patterns, Attributes::All)
}

/// [`load_states`], keeping `which` attributes.
pub fn load_states_with(patterns: &[String], which: Attributes) -> Result<Vec<StateFile>, StateError> {
    expand(patterns)?.iter().map(|p| read_state_with(p, which)).collect()
}

/// The files the `--state` arguments (paths or glob patterns) name, in path order, each once
/// (a file named by two spellings of its path, or by a path and a glob, is there once).
pub fn expand(patterns: &[String]) -> Result<Vec<PathBuf>, StateError> {
    let mut paths = BTreeSet::new();
    for pattern in patterns {
        // A path that exists is that file, even when its name holds glob characters (`env[1]`).
        if pattern.contains(['*', '?', '[']) && !Path::new(pattern).exists() {
            let found: Vec<PathBuf> = glob::glob(pattern)
                .map_err(|e| StateError::NotState { path: pattern.into(), why: format!("bad pattern: {e}") })?
                .filter_map(Result::ok)
                .collect();
            if found.is_empty() {
                return Err(StateError::NoMatch { path: pattern.into() });
            }
            paths.extend(found);
        } else {
            paths.insert(PathBuf::from(pattern));
        }
    }
    let mut seen = BTreeSet::new();
    Ok(paths
        .into_iter()
        .filter(|p| seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())))
        .collect())
}

/// Reads one state file, streaming it through one typed pass.
pub fn read_state(path: &Path) -> Result<StateFile, StateError> {
    read_state_with(path, Attributes::All)
}

/// [`read_state`], keeping `which` attributes.
pub fn read_state_with(path: &Path, which: Attributes) -> Result<StateFile, StateError> {
    match which {
        Attributes::All => read::<KeepAll>(path),
        Attributes::Compared => read::<KeepCompared>(path),
    }
}

fn read<K: Keep>(path: &Path) -> Result<StateFile, StateError> {
    if path.is_dir() {
        return Err(StateError::Directory { path: path.into() });
    }
    let open = || std::fs::File::open(path).map_err(|source| StateError::Io { path: path.into(), source });
    if let Ok(state) = read_blocks::<K>(path, open()?) {
        return Ok(state);
    }
    // A byte-order mark (UTF-16 from PowerShell, UTF-8 from an editor): the text is decoded
    // whole first, whatever the file's size, rather than refused as not JSON.
    let mut start = [0u8; 3];
    let n = open()?.read(&mut start).unwrap_or(0);
    if crate::text::has_bom(&start[..n]) {
        let bytes = std::fs::read(path).map_err(|source| StateError::Io { path: path.into(), source })?;
        return parse_whole::<K>(path, &bytes);
    }
    // The slow path, for a file the fast one refused: one serde pass over the stream, which
    // reads what the cutter does not (escaped keys, say) and otherwise names the fault.
    let file = open()?;
    // std's BufReader in front: serde_json reads byte by byte, and std reads bytes from its own
    // BufReader without a call per byte.
    let reader = std::io::BufReader::with_capacity(1 << 16, Utf8Checked::new(file));
    let mut de = serde_json::Deserializer::from_reader(reader);
    match RawState::<K>::deserialize(&mut de).and_then(|raw| de.end().map(|()| raw)) {
        Ok(raw) if is_version_4(&raw) => Ok(build(path, raw)),
        // A huge file that is not JSON is told from the streamed error: reading a gigabyte of
        // garbage into memory only to say so would be the slowest way to fail.
        Err(e) if e.classify() != serde_json::error::Category::Io && is_huge(path) => Err(json_error(path, &e)),
        // The error path reads the file whole, as `parse_state` does, to name the cause exactly
        // (empty, not UTF-8, truncated, an older or newer format, a plan, a CloudTrail log).
        _ => {
            let bytes = std::fs::read(path).map_err(|source| StateError::Io { path: path.into(), source })?;
            parse_whole::<K>(path, &bytes)
        }
    }
}

/// Parses the bytes of a state file; `path` is only used to name it in results and errors.
pub fn parse_state(path: &Path, bytes: &[u8]) -> Result<StateFile, StateError> {
    parse_state_with(path, bytes, Attributes::All)
}

/// [`parse_state`], keeping `which` attributes.
pub fn parse_state_with(path: &Path, bytes: &[u8], which: Attributes) -> Result<StateFile, StateError> {
    match which {
        Attributes::All => parse::<KeepAll>(path, bytes),
        Attributes::Compared => parse::<KeepCompared>(path, bytes),
    }
}

fn parse<K: Keep>(path: &Path, bytes: &[u8]) -> Result<StateFile, StateError> {
    read_blocks::<K>(path, bytes).or_else(|Refused| parse_whole::<K>(path, bytes))
}

/// The slow path for bytes in memory: serde over the whole text, then a diagnosis.
pub(crate) fn parse_whole<K: Keep>(path: &Path, bytes: &[u8]) -> Result<StateFile, StateError> {
    let text = crate::text::decode(bytes).map_err(|offset| StateError::NotUtf8 { path: path.into(), offset })?;
    if text.len() != bytes.len() {
        // It had a byte-order mark (UTF-16 from PowerShell, or UTF-8 from an editor): parse the
        // text without it, by the fast path again.
        return parse::<K>(path, text.as_bytes());
    }
    if text.trim().is_empty() {
        return Err(StateError::Empty { path: path.into() });
    }
    // One typed pass; a state that fails it is parsed again as a `Value` to diagnose it.
    match serde_json::from_str::<RawState<K>>(&text) {
        Ok(raw) if is_version_4(&raw) => Ok(build(path, raw)),
        _ => diagnose::<K>(path, &text),
    }
}

/// A buffered reader that fails on bytes that are not UTF-8. serde_json checks the strings it
/// keeps, but not those it skips (`outputs`, `private`), and a state with a bad byte anywhere is
/// to be refused, as `parse_state` refuses it.
struct Utf8Checked<R> {
    inner: R,
    buf: Box<[u8]>,
    /// `buf[pos..valid]` is checked and not yet read; `buf[valid..end]` is the start of a
    /// character whose end is still in `inner`.
    pos: usize,
    valid: usize,
    end: usize,
}

impl<R: Read> Utf8Checked<R> {
    fn new(inner: R) -> Self {
        Utf8Checked { inner, buf: vec![0; 1 << 16].into_boxed_slice(), pos: 0, valid: 0, end: 0 }
    }

    fn fill(&mut self) -> std::io::Result<()> {
        let bad = || std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8");
        while self.pos == self.valid {
            self.buf.copy_within(self.valid..self.end, 0);
            self.end -= self.valid;
            (self.pos, self.valid) = (0, 0);
            let n = self.inner.read(&mut self.buf[self.end..])?;
            if n == 0 {
                return if self.end == 0 { Ok(()) } else { Err(bad()) };
            }
            self.end += n;
            self.valid = match std::str::from_utf8(&self.buf[..self.end]) {
                Ok(_) => self.end,
                Err(e) if e.error_len().is_none() => e.valid_up_to(),
                Err(_) => return Err(bad()),
            };
        }
        Ok(())
    }
}

impl<R: Read> Read for Utf8Checked<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        self.fill()?;
        let n = out.len().min(self.valid - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn is_version_4<K>(raw: &RawState<K>) -> bool {
    raw.version.as_ref().and_then(Value::as_u64) == Some(4)
}

/// The slow path for a text the typed pass refused: which of the known causes it is.
fn diagnose<K: Keep>(path: &Path, text: &str) -> Result<StateFile, StateError> {
    let value: Value = serde_json::from_str(text).map_err(|e| json_error(path, &e))?;
    check_version(path, &value)?;
    let raw: RawState<K> =
        serde_json::from_value(value).map_err(|e| StateError::NotState { path: path.into(), why: e.to_string() })?;
    Ok(build(path, raw))
}

/// The managed resource instances of a parsed state.
fn build<K: Keep>(path: &Path, raw: RawState<K>) -> StateFile {
    let mut resources = Vec::new();
    let state = path.display().to_string();
    for r in raw.resources {
        push_instances(&state, r, &mut resources);
    }
    StateFile { path: state, terraform_version: raw.terraform_version, resources }
}

/// Adds the instances of one state resource, when it is a managed one, to `out`.
fn push_instances<K: Keep>(state: &str, r: RawResource<K>, out: &mut Vec<Resource>) {
    if r.mode != "managed" {
        return;
    }
    let base = match &r.module {
        Some(m) if !m.is_empty() => format!("{m}.{}.{}", r.rtype, r.name),
        _ => format!("{}.{}", r.rtype, r.name),
    };
    let provider = provider_name(&r.provider);
    for inst in r.instances {
        let address = match &inst.index_key {
            Some(Value::String(k)) => format!("{base}[{}]", Value::String(k.clone())),
            Some(k) => format!("{base}[{k}]"),
            None => base.clone(),
        };
        let mut attributes = match (inst.attributes, inst.attributes_flat) {
            (Some(kept), _) => K::WHICH.collect(&r.rtype, kept.0),
            (None, Some(flat)) => K::WHICH.collect(&r.rtype, flat),
            (None, None) => Map::new(),
        };
        let sensitive = sensitive::redact(&mut attributes, &inst.sensitive_attributes);
        let declaration = Declaration {
            address,
            provider: provider.clone(),
            deposed: inst.deposed,
            state: state.to_owned(),
            sensitive,
        };
        out.push(super::declared(&r.rtype, attributes, declaration));
    }
}

/// The fast path: the state cut into one block per resource ([`blocks`]), each parsed as a slice
/// and turned into resources, on two threads past the first blocks ([`sharing`]). `Refused` for
/// anything unusual, which the slow path then reads or explains; so what this accepts, the slow
/// path accepts alike.
pub(crate) fn read_blocks<K: Keep>(path: &Path, reader: impl Read) -> Result<StateFile, Refused> {
    read_blocks_sharing::<K>(path, reader, ALONE)
}

/// Blocks parsed on one thread before a second one helps: a state of a few thousand resources
/// is read in less time than a thread costs.
const ALONE: usize = 2000;

/// [`read_blocks`], sharing the blocks after the first `alone`.
pub(crate) fn read_blocks_sharing<K: Keep>(path: &Path, reader: impl Read, alone: usize) -> Result<StateFile, Refused> {
    let state = path.display().to_string();
    let (mut version, mut terraform_version) = (None, None);
    let parse = |raw: &[u8], out: &mut Vec<Resource>| -> Result<(), Refused> {
        push_instances(&state, serde_json::from_slice::<RawResource<K>>(raw)?, out);
        Ok(())
    };
    let walk = |resource: &mut dyn FnMut(&[u8]) -> Result<(), Refused>| {
        blocks::walk(
            reader,
            |key, raw| {
                let slot = match key {
                    "version" => &mut version,
                    "terraform_version" => &mut terraform_version,
                    // `resources` that is not an array: the slow path says what is wrong with it.
                    "resources" => return Err(Refused),
                    // Not kept, but checked, as serde checks what it skips: broken JSON is refused.
                    _ => return serde_json::from_slice::<serde::de::IgnoredAny>(raw).map(drop).map_err(Refused::from),
                };
                // Twice is a "duplicate field" to serde: the slow path reports it.
                if slot.replace(serde_json::from_slice::<Value>(raw)?).is_some() {
                    return Err(Refused);
                }
                Ok(())
            },
            resource,
        )
    };
    let resources = sharing::parse_in_order(walk, &parse, alone)?;
    let terraform_version = match terraform_version {
        None | Some(Value::Null) => None,
        Some(Value::String(v)) => Some(v),
        Some(_) => return Err(Refused),
    };
    match version.as_ref().and_then(Value::as_u64) {
        Some(4) => Ok(StateFile { path: state, terraform_version, resources }),
        _ => Err(Refused),
    }
}

/// Files above this are not read whole to explain why they were refused.
const DIAGNOSE_WHOLE_UP_TO: u64 = 256 << 20;

fn is_huge(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.len() > DIAGNOSE_WHOLE_UP_TO)
}

fn json_error(path: &Path, e: &serde_json::Error) -> StateError {
    use serde_json::error::Category;
    let (line, column) = (e.line(), e.column());
    match e.classify() {
        Category::Eof => StateError::Truncated { path: path.into(), line, column },
        _ => {
            // serde_json appends " at line L column C"; the position is already in our message.
            let msg = e.to_string();
            let message = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
            StateError::NotJson { path: path.into(), line, column, message }
        }
    }
}

/// Tells old formats, newer formats and other kinds of JSON apart, so the message says which.
fn check_version(path: &Path, v: &Value) -> Result<(), StateError> {
    let not_state = |why: &str| StateError::NotState { path: path.into(), why: why.to_owned() };
    let obj = v.as_object().ok_or_else(|| not_state("the top level is not a JSON object"))?;
    let Some(version) = obj.get("version") else {
        return Err(if obj.contains_key("format_version") && obj.contains_key("planned_values") {
            not_state("it is a plan from `terraform show -json`; pass plans to `driftscan check --plan`")
        } else if obj.contains_key("format_version") && obj.contains_key("values") {
            not_state("it is `terraform show -json` output; pass the raw state, e.g. from `terraform state pull`")
        } else if obj.contains_key("Records") {
            not_state("it looks like a CloudTrail log")
        } else {
            not_state("no \"version\" field")
        });
    };
    match version.as_u64() {
        Some(4) => Ok(()),
        Some(found @ 0..=3) => Err(StateError::OldVersion { path: path.into(), found }),
        Some(found) => Err(StateError::NewVersion { path: path.into(), found }),
        None => Err(not_state(&format!("\"version\" is {version}, not a number"))),
    }
}

/// `provider["registry.terraform.io/hashicorp/aws"].west` -> `aws.west`; also the 0.12 form
/// `provider.aws.west` and module-qualified addresses.
fn provider_name(raw: &str) -> String {
    let tail = raw.rfind("provider").map_or(raw, |at| &raw[at + "provider".len()..]);
    if let Some(rest) = tail.strip_prefix("[\"") {
        let (source, after) = rest.split_once("\"]").unwrap_or((rest, ""));
        let name = source.rsplit('/').next().unwrap_or(source);
        match after.strip_prefix('.') {
            Some(alias) if !alias.is_empty() => format!("{name}.{alias}"),
            _ => name.to_owned(),
        }
    } else {
        tail.trim_start_matches('.').to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_names() {
        assert_eq!(provider_name(r#"provider["registry.terraform.io/hashicorp/aws"]"#), "aws");
        assert_eq!(provider_name(r#"provider["registry.terraform.io/hashicorp/aws"].west"#), "aws.west");
        assert_eq!(provider_name(r#"module.net.provider["registry.terraform.io/hashicorp/aws"]"#), "aws");
        assert_eq!(provider_name("provider.aws"), "aws");
        assert_eq!(provider_name("provider.aws.east"), "aws.east");
        assert_eq!(provider_name(r#"provider["registry.terraform.io/hashicorp/random"]"#), "random");
    }

    fn parse(text: &str) -> Result<StateFile, StateError> {
        parse_state(Path::new("t.tfstate"), text.as_bytes())
    }

    const STATE: &str = r#"{"version": 4, "terraform_version": "1.9.8", "serial": 3, "lineage": "x", "outputs": {},
      "resources": [
        {"mode": "data", "type": "aws_ami", "name": "base", "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
         "instances": [{"schema_version": 0, "attributes": {"id": "ami-1"}}]},
        {"module": "module.app.module.net", "mode": "managed", "type": "aws_subnet", "name": "private", "each": "list",
         "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
         "instances": [{"index_key": 0, "schema_version": 1, "attributes": {"id": "subnet-1", "availability_zone": "eu-west-1b"}},
                       {"index_key": 1, "schema_version": 1, "attributes": {"id": "subnet-2", "arn": "arn:aws:ec2:us-east-2:1:subnet/subnet-2"}}]},
        {"mode": "managed", "type": "aws_instance", "name": "web", "each": "map",
         "provider": "provider[\"registry.terraform.io/hashicorp/aws\"].west",
         "instances": [{"index_key": "blue", "schema_version": 1, "attributes": {"id": "i-1", "region": "eu-west-1", "tags": {"Name": "Zürich 東京"}}},
                       {"index_key": "blue", "deposed": "00000001", "schema_version": 1, "attributes": {"id": "i-0"}}]},
        {"mode": "managed", "type": "aws_db_instance", "name": "db", "provider": "provider.aws",
         "instances": [{"schema_version": 2, "attributes": {"id": "db-1", "password": "s3cr3t", "allocated_storage": 123456789012345678901234567890},
                        "sensitive_attributes": [[{"type": "get_attr", "value": "password"}]]}]},
        {"mode": "managed", "type": "random_id", "name": "suffix", "provider": "provider[\"registry.terraform.io/hashicorp/random\"]",
         "instances": [{"schema_version": 0, "attributes": {"id": "q83v"}}]}
      ]}"#;

    #[test]
    fn addresses_regions_providers_and_deposed_objects() {
        let f = parse(STATE).unwrap();
        let got: Vec<(String, Option<String>, String, Option<String>)> = f
            .resources
            .iter()
            .map(|r| {
                let d = r.declared.as_ref().unwrap();
                (d.address.clone(), r.region.clone(), d.provider.clone(), d.deposed.clone())
            })
            .collect();
        let s = |v: &str| v.to_owned();
        assert_eq!(
            got,
            vec![
                (s("module.app.module.net.aws_subnet.private[0]"), Some(s("eu-west-1")), s("aws"), None),
                (s("module.app.module.net.aws_subnet.private[1]"), Some(s("us-east-2")), s("aws"), None),
                (s("aws_instance.web[\"blue\"]"), Some(s("eu-west-1")), s("aws.west"), None),
                (s("aws_instance.web[\"blue\"]"), None, s("aws.west"), Some(s("00000001"))),
                (s("aws_db_instance.db"), None, s("aws"), None),
                (s("random_id.suffix"), None, s("random"), None),
            ]
        );
        assert_eq!(f.terraform_version.as_deref(), Some("1.9.8"));
        assert_eq!(f.resources[2].attributes["tags"]["Name"], "Zürich 東京");
    }

    #[test]
    fn sensitive_values_are_gone_and_huge_numbers_kept() {
        let f = parse(STATE).unwrap();
        let db = &f.resources[4];
        assert!(db.declared.as_ref().unwrap().sensitive.contains("password"));
        assert!(!serde_json::Value::Object(db.attributes.clone()).to_string().contains("s3cr3t"));
        assert_eq!(db.attributes["allocated_storage"].to_string(), "123456789012345678901234567890");
    }

    #[test]
    fn every_bad_input_names_its_cause() {
        let msg = |text: &str| parse(text).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg("").contains("file is empty"));
        assert!(msg(r#"{"version": 3, "terraform_version": "0.11.14", "modules": []}"#).contains(
            "state format version 3 is not supported; Terraform 0.12 or later state (version 4) is required"
        ));
        assert!(msg(r#"{"version": 1}"#).contains("version 1 is not supported"));
        assert!(msg(r#"{"version": 5, "resources": []}"#).contains("newer than this driftscan understands"));
        assert_eq!(
            msg(r#"{"version": 4, "resources": ["#),
            "t.tfstate: truncated JSON at line 1, column 29: the file ends before the state does"
        );
        assert!(
            msg("resource \"aws_vpc\" \"x\" {}").starts_with("t.tfstate: not JSON at line 1, column 1: expected value")
        );
        assert!(msg(r#"{"format_version": "1.2", "planned_values": {}}"#).contains("it is a plan"));
        assert!(msg("[1, 2]").contains("the top level is not a JSON object"));
        assert!(msg(r#"{"version": 4, "resources": [{"mode": "managed"}]}"#)
            .contains("not a Terraform state file (missing field `type`"));
        let bad = parse_state(Path::new("t.tfstate"), b"{\"version\": 4, \"x\": \"\xff\"}").err().unwrap().to_string();
        assert!(bad.contains("not valid UTF-8 at byte offset 21"), "{bad}");
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(msg(&deep).contains("recursion limit exceeded"), "{}", msg(&deep));
    }

    #[test]
    fn a_scan_read_keeps_what_it_compares_and_what_places_it() {
        let all = parse(STATE).unwrap();
        let scan = parse_state_with(Path::new("t.tfstate"), STATE.as_bytes(), Attributes::Compared).unwrap();
        let place = |f: &StateFile| -> Vec<_> {
            f.resources.iter().map(|r| (r.id.clone(), r.region.clone(), r.declared.clone())).collect()
        };
        assert_eq!(place(&all), place(&scan));
        let web = &scan.resources[2];
        assert_eq!(web.attributes["tags"]["Name"], "Zürich 東京");
        assert_eq!(web.attributes["region"], "eu-west-1");
        let db = &scan.resources[4];
        // A database's storage is compared (RDS is covered), kept digit for digit; its password never.
        assert_eq!(db.attributes["allocated_storage"].to_string(), "123456789012345678901234567890");
        assert!(db.attributes.get("password").is_none());
        assert!(db.declared.as_ref().unwrap().sensitive.contains("password"));
    }

    #[test]
    fn streamed_utf8_is_checked_across_buffer_ends() {
        let read = |bytes: Vec<u8>| {
            let mut out = Vec::new();
            Utf8Checked::new(&bytes[..]).read_to_end(&mut out).map(|_| out)
        };
        let mut good = vec![b'a'; (1 << 16) - 1];
        good.extend_from_slice("ü東b".as_bytes());
        assert_eq!(read(good.clone()).unwrap(), good);
        let mut bad = vec![b'a'; (1 << 16) - 1];
        bad.extend_from_slice(&[0xC3, 0x28]);
        assert!(read(bad).is_err());
        assert!(read(vec![b'a', 0xE6, 0x9D]).is_err(), "a character cut off by the end of the file");
    }
}

#[cfg(test)]
mod sharing_tests {
    use super::*;

    /// A state of `n` resources, some with two instances and some data sources (no resource).
    fn many(n: usize, broken_at: Option<usize>) -> String {
        let blocks: Vec<String> = (0..n)
            .map(|i| {
                let mode = if i % 7 == 0 { "data" } else { "managed" };
                let second = if i % 5 == 0 {
                    format!(r#", {{"index_key": 1, "attributes": {{"id": "i-{i}b", "instance_type": "t3.micro"}}}}"#)
                } else {
                    String::new()
                };
                let name = if Some(i) == broken_at { "12".to_owned() } else { format!(r#""r{i}""#) };
                format!(
                    r#"{{"mode": "{mode}", "type": "aws_instance", "name": {name}, "provider": "provider.aws",
                      "instances": [{{"index_key": 0, "attributes": {{"id": "i-{i}", "availability_zone": "eu-west-1a"}}}}{second}]}}"#
                )
            })
            .collect();
        format!(r#"{{"version": 4, "resources": [{}]}}"#, blocks.join(",\n"))
    }

    #[test]
    fn blocks_shared_with_a_second_thread_come_back_in_file_order() {
        let text = many(3000, None);
        let read = |alone| read_blocks_sharing::<KeepCompared>(Path::new("t.tfstate"), text.as_bytes(), alone).unwrap();
        let one_thread = read(usize::MAX);
        let addresses = |f: &StateFile| -> Vec<String> {
            f.resources.iter().map(|r| r.declared.as_ref().unwrap().address.clone()).collect()
        };
        let instances: usize = (0..3000).filter(|i| i % 7 != 0).map(|i| if i % 5 == 0 { 2 } else { 1 }).sum();
        assert_eq!(one_thread.resources.len(), instances);
        assert_eq!(addresses(&one_thread)[..3], ["aws_instance.r1[0]", "aws_instance.r2[0]", "aws_instance.r3[0]"]);
        for alone in [0, 1, 100, 2999] {
            assert_eq!(read(alone).resources, one_thread.resources, "sharing after {alone} blocks");
        }
    }

    #[test]
    fn a_block_the_second_thread_refuses_refuses_the_read() {
        // A name that is not a string, in a block only the second thread may parse.
        let text = many(3000, Some(2500));
        assert!(read_blocks_sharing::<KeepCompared>(Path::new("t.tfstate"), text.as_bytes(), 0).is_err());
        assert!(read_blocks_sharing::<KeepCompared>(Path::new("t.tfstate"), text.as_bytes(), usize::MAX).is_err());
        let err = parse_state(Path::new("t.tfstate"), text.as_bytes()).err().unwrap().to_string();
        assert!(err.contains("invalid type: number, expected a string"), "{err}");
    }
}
