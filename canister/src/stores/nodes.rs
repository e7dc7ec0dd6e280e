//! A registry node in stable memory, in a compact binary form.
//!
//! The snapshot's nodes are the canister's largest structure (ten times
//! mainnet is about 14,000 of them) and a snapshot change rewrites them, so
//! their encoding is on the path of every sync and upload commit. JSON cost
//! about 0.4 million instructions per node written and as much again per node
//! removed; this form is a byte marker, a format byte and the fields as
//! length-prefixed UTF-8, read and written without a parser.
//!
//! Layouts of schema 2 and earlier stored nodes as JSON (`Stored<RegistryNode>`);
//! they still decode (JSON starts with `{`, never with the marker, which is
//! no UTF-8 byte), so an upgrade reads the old nodes as they are and the next
//! snapshot change writes them compactly.

use crate::stores::memory::{self, Stored};
use ic_stable_structures::storable::Bound;
use ic_stable_structures::Storable;
use ic_topology::inputs::RegistryNode;
use std::borrow::Cow;

/// First byte of the compact form (0xFF never occurs in UTF-8, so in no JSON text).
const MARKER: u8 = 0xFF;
/// The compact form's format.
const FORMAT: u8 = 1;

#[derive(Clone, Debug, PartialEq, Eq)]
/// One node of the upload (compact bytes; JSON ones of older layouts still decode).
pub struct StoredNode(pub RegistryNode);

fn put_len(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7F) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn put_text(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn put_option(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            put_text(out, s);
        }
    }
}

/// Encode `node` in the compact form.
pub fn encode(node: &RegistryNode) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + 400);
    out.push(MARKER);
    out.push(FORMAT);
    encode_fields(&mut out, node);
    out
}

fn encode_fields(out: &mut Vec<u8>, node: &RegistryNode) {
    let text = [
        &node.node_id,
        &node.node_provider_name,
        &node.node_provider_id,
        &node.node_operator_id,
        &node.data_center,
        &node.data_center_provider,
        &node.region,
        &node.status,
    ];
    for s in text {
        put_text(out, s);
    }
    put_option(out, node.node_type.as_deref());
    put_option(out, node.subnet_id.as_deref());
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, String> {
        let b = *self.bytes.get(self.at).ok_or("the bytes end early")?;
        self.at += 1;
        Ok(b)
    }

    fn len(&mut self) -> Result<usize, String> {
        let mut n = 0usize;
        for shift in (0..35).step_by(7) {
            let b = self.byte()?;
            n |= usize::from(b & 0x7F) << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err("a length is longer than 5 bytes".into())
    }

    fn text(&mut self) -> Result<String, String> {
        let n = self.len()?;
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or("a text runs past the end")?;
        let s = std::str::from_utf8(&self.bytes[self.at..end]).map_err(|e| format!("a text is not UTF-8: {e}"))?;
        self.at = end;
        Ok(s.to_string())
    }

    fn option(&mut self) -> Result<Option<String>, String> {
        match self.byte()? {
            0 => Ok(None),
            1 => self.text().map(Some),
            t => Err(format!("an optional field has tag {t}")),
        }
    }
}

/// Decode either form: the compact one, or the JSON of schema 2 and earlier.
pub fn decode(bytes: &[u8]) -> Result<RegistryNode, String> {
    if bytes.first() != Some(&MARKER) {
        return serde_json::from_slice::<Stored<RegistryNode>>(bytes)
            .map(|s| s.value)
            .map_err(|e| format!("the JSON form does not decode: {e}"));
    }
    let mut r = Reader { bytes, at: 1 };
    r.format()?;
    let node = r.node()?;
    r.end()?;
    Ok(node)
}

impl Reader<'_> {
    fn format(&mut self) -> Result<(), String> {
        let format = self.byte()?;
        if format != FORMAT {
            return Err(format!("the compact form has format {format}; this module knows format {FORMAT}"));
        }
        Ok(())
    }

    fn end(&self) -> Result<(), String> {
        if self.at != self.bytes.len() {
            return Err(format!("{} bytes follow the last field", self.bytes.len() - self.at));
        }
        Ok(())
    }

    fn node(&mut self) -> Result<RegistryNode, String> {
        let r = self;
        Ok(RegistryNode {
            node_id: r.text()?,
            node_provider_name: r.text()?,
            node_provider_id: r.text()?,
            node_operator_id: r.text()?,
            data_center: r.text()?,
            data_center_provider: r.text()?,
            region: r.text()?,
            status: r.text()?,
            node_type: r.option()?,
            subnet_id: r.option()?,
        })
    }
}

/// The snapshot's nodes, sorted by node id, stored as one value: a snapshot
/// change writes them in one piece (a few instructions per byte) instead of
/// one B-tree insertion of about half a million instructions per node.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeList(pub Vec<RegistryNode>);

impl NodeList {
    /// `nodes` sorted by node id (ids are unique).
    pub fn sorted(mut nodes: Vec<RegistryNode>) -> NodeList {
        nodes.sort_by(|a, b| a.node_id.cmp(&b.node_id));
        NodeList(nodes)
    }

    /// The index of the first node whose id is greater than `id`.
    pub fn after(&self, id: &str) -> usize {
        self.0.partition_point(|n| n.node_id.as_str() <= id)
    }

    /// Whether node `id` is in the list.
    pub fn contains(&self, id: &str) -> bool {
        self.0.binary_search_by(|n| n.node_id.as_str().cmp(id)).is_ok()
    }
}

/// The compact bytes of a node list.
pub fn encode_list(nodes: &[RegistryNode]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + nodes.len() * 300);
    out.push(MARKER);
    out.push(FORMAT);
    put_len(&mut out, nodes.len());
    for n in nodes {
        encode_fields(&mut out, n);
    }
    out
}

/// A node list from its compact bytes, or what is wrong with them.
pub fn decode_list(bytes: &[u8]) -> Result<NodeList, String> {
    if bytes.is_empty() {
        return Ok(NodeList::default());
    }
    if bytes[0] != MARKER {
        return Err("a node list starts with the compact form's marker".into());
    }
    let mut r = Reader { bytes, at: 1 };
    r.format()?;
    let count = r.len()?;
    let mut nodes = Vec::with_capacity(count.min(bytes.len() / 8));
    for _ in 0..count {
        nodes.push(r.node()?);
    }
    r.end()?;
    Ok(NodeList(nodes))
}

impl Storable for NodeList {
    fn to_bytes(&self) -> Cow<'_, [u8]> {
        Cow::Owned(encode_list(&self.0))
    }

    fn into_bytes(self) -> Vec<u8> {
        encode_list(&self.0)
    }

    fn from_bytes(bytes: Cow<[u8]>) -> Self {
        decode_list(&bytes).unwrap_or_else(|e| {
            panic!(
                "the stored snapshot's nodes ({} bytes) do not decode: {e} (layout schema {} expected)",
                bytes.len(),
                crate::stores::memory::LAYOUT_SCHEMA
            )
        })
    }

    const BOUND: Bound = Bound::Unbounded;
}

impl Storable for StoredNode {
    fn to_bytes(&self) -> Cow<'_, [u8]> {
        Cow::Owned(encode(&self.0))
    }

    fn into_bytes(self) -> Vec<u8> {
        encode(&self.0)
    }

    fn from_bytes(bytes: Cow<[u8]>) -> Self {
        // Only this canister writes these bytes: failing to read them is a bug
        // or a layout this module does not know; say which structure.
        StoredNode(decode(&bytes).unwrap_or_else(|e| {
            panic!(
                "a stored registry node ({} bytes) does not decode: {e} (layout schema {} expected)",
                bytes.len(),
                crate::stores::memory::LAYOUT_SCHEMA
            )
        }))
    }

    const BOUND: Bound = Bound::Unbounded;
}

/// The snapshot's nodes; those of a schema-2 layout (a JSON map) are moved
/// into the node list, once, and their map emptied.
pub fn open_nodes() -> ic_stable_structures::StableCell<NodeList, crate::stores::memory::Memory> {
    let mut list = node_list();
    let mut old = node_map(memory::NODES);
    if !old.is_empty() {
        let nodes: Vec<RegistryNode> = old.iter().map(|e| e.value().0).collect();
        if list.get().0.is_empty() {
            list.set(NodeList::sorted(nodes));
        }
        old.clear_new();
    }
    list
}

/// The upload's nodes ([`memory::STAGED_NODES`]), or the nodes of schema 2 ([`memory::NODES`]), by node id.
pub fn node_map(
    id: ic_stable_structures::memory_manager::MemoryId,
) -> ic_stable_structures::StableBTreeMap<String, StoredNode, memory::Memory> {
    ic_stable_structures::StableBTreeMap::init(memory::memory(id))
}

/// The snapshot's nodes ([`memory::SNAPSHOT_NODES`]).
pub fn node_list() -> ic_stable_structures::StableCell<NodeList, memory::Memory> {
    ic_stable_structures::StableCell::init(memory::memory(memory::SNAPSHOT_NODES), NodeList::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(long: bool) -> RegistryNode {
        RegistryNode {
            node_id: "3xist-ayhud-dmvfa-kn6xr-gxoxr-cwfbj-tb3sv-fi2uc-fltuj-s5vfa-3qe".into(),
            node_provider_name: if long { "é".repeat(200) } else { "Provider".into() },
            node_provider_id: "wdjjk-blh44-lxm74-ojj43-rvgf4-j5rie-nm6xs-xvnuv-j3ptn-25t4v-6ae".into(),
            node_operator_id: "operator".into(),
            data_center: "zh2".into(),
            data_center_provider: "Owner".into(),
            region: "Europe,CH,Zurich".into(),
            node_type: long.then(|| "REPLICA".into()),
            status: "UP".into(),
            subnet_id: (!long).then(|| "subnet".into()),
        }
    }

    #[test]
    fn both_forms_decode_to_the_node() {
        for long in [false, true] {
            let n = node(long);
            let compact = encode(&n);
            assert_eq!(compact[0], MARKER);
            assert_eq!(decode(&compact).unwrap(), n);
            let json = serde_json::to_vec(&Stored::new(n.clone())).unwrap();
            assert_eq!(decode(&json).unwrap(), n);
            assert!(compact.len() * 2 < json.len() || long, "{} vs {}", compact.len(), json.len());
        }
    }

    #[test]
    fn a_node_list_round_trips_sorted_and_answers_lookups() {
        let mut b = node(true);
        b.node_id = "0000".into();
        let list = NodeList::sorted(vec![node(false), b.clone()]);
        assert_eq!(list.0[0], b);
        assert_eq!(decode_list(&encode_list(&list.0)).unwrap(), list);
        assert_eq!(decode_list(&[]).unwrap(), NodeList::default());
        assert!(list.contains("0000") && !list.contains("0001"));
        assert_eq!((list.after(""), list.after("0000"), list.after("zzzz")), (0, 1, 2));
        let bytes = encode_list(&list.0);
        assert!(decode_list(&bytes[..bytes.len() - 3]).is_err());
    }

    #[test]
    fn damaged_bytes_are_errors_that_say_what() {
        let compact = encode(&node(false));
        assert!(decode(&compact[..compact.len() - 1]).unwrap_err().contains("end"));
        let mut extra = compact.clone();
        extra.push(0);
        assert!(decode(&extra).unwrap_err().contains("follow the last field"));
        let mut format = compact.clone();
        format[1] = 9;
        assert!(decode(&format).unwrap_err().contains("format 9"));
        assert!(decode(b"{\"version\":1}").unwrap_err().contains("JSON"));
        assert!(decode(&[MARKER, FORMAT, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]).unwrap_err().contains("longer"));
    }
}
