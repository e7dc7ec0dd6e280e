//! The canister's one certified root, composed of labelled subtrees.
//!
//! The IC certifies 32 bytes per canister. Every certified capability (the
//! published evaluations and plans, and any later subtree) hangs its own
//! tree under its own label; the certified data is the root of one hash tree
//! over all of them, and every witness is that whole tree pruned to one path,
//! so a client checks any entry against the same certificate. The shape is
//! fixed: the subtrees in ascending label order, folded into forks from the
//! left (`fork(fork(a, b), c)`); a single subtree is the root itself, which
//! keeps the root of a canister with only published evaluations unchanged.
//!
//! Each certified store (published answers, verdicts, placements) keeps its
//! subtree in a [`CertifiedMap`]: `label/<key> -> SHA-256 of the value`.

use ic_certified_map::{fork, fork_hash, labeled, labeled_hash, AsHashTree, Hash, HashTree, RbTree};

/// One labelled subtree of the certified root: `label/<key>` to the SHA-256
/// of the value stored under `key` (`ic-certified-map`'s Merkle tree). A
/// red-black tree's shape, and so its root hash, depends on the order of
/// insertions and deletions: each store keeps its own order (built afresh in
/// key order, or changed in place), so the root is what the store makes it.
pub struct CertifiedMap {
    label: &'static [u8],
    tree: RbTree<String, Hash>,
}

impl CertifiedMap {
    /// The tree of `entries`, inserted in the order given.
    pub fn of(label: &'static [u8], entries: impl IntoIterator<Item = (String, Hash)>) -> CertifiedMap {
        let mut tree = RbTree::new();
        for (key, hash) in entries {
            tree.insert(key, hash);
        }
        CertifiedMap { label, tree }
    }

    /// Certify `hash` under `key` (in place).
    pub fn insert(&mut self, key: String, hash: Hash) {
        self.tree.insert(key, hash);
    }

    /// Drop `key` (in place).
    pub fn remove(&mut self, key: &str) {
        self.tree.delete(key.as_bytes());
    }

    /// The hash of this subtree, labelled.
    pub fn root_hash(&self) -> Hash {
        labeled_hash(self.label, &self.tree.root_hash())
    }

    /// This subtree as one part of the canister's certified root.
    pub fn part(&self) -> Part<'static> {
        Part { label: self.label, hash: self.root_hash() }
    }

    /// The witness of `label/<key>` (or of its absence) in the certified tree
    /// made of `parts` (this subtree among them), as CBOR with the
    /// self-describing tag first.
    pub fn witness_among(&self, parts: &[Part], key: &str) -> Vec<u8> {
        let tree = witness(parts, self.label, labeled(self.label, self.tree.witness(key.as_bytes())));
        let mut serializer = serde_cbor::Serializer::new(Vec::new());
        serializer.self_describe().expect("writing to a Vec cannot fail");
        serde::Serialize::serialize(&tree, &mut serializer).expect("writing to a Vec cannot fail");
        serializer.into_inner()
    }
}

/// One labelled subtree: its label (for ordering) and the hash of the
/// labelled subtree (`labeled_hash(label, content root)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Part<'a> {
    /// The subtree's label.
    pub label: &'a [u8],
    /// The hash of the labelled subtree.
    pub hash: Hash,
}

fn sorted<'a>(parts: &[Part<'a>]) -> Vec<Part<'a>> {
    let mut parts = parts.to_vec();
    parts.sort_by(|a, b| a.label.cmp(b.label));
    parts
}

/// The certified root over `parts` (at least one).
pub fn root_hash(parts: &[Part]) -> Hash {
    let parts = sorted(parts);
    let mut hash = parts.first().expect("at least one certified subtree").hash;
    for p in &parts[1..] {
        hash = fork_hash(&hash, &p.hash);
    }
    hash
}

/// The whole tree pruned to one subtree: `witness` is that subtree's witness
/// (labelled), every other subtree is pruned to its hash.
pub fn witness<'a>(parts: &[Part], label: &[u8], witness: HashTree<'a>) -> HashTree<'a> {
    let parts = sorted(parts);
    let mut witness = Some(witness);
    let mut node = |p: &Part| -> HashTree<'a> {
        if p.label == label {
            witness.take().expect("each label once")
        } else {
            HashTree::Pruned(p.hash)
        }
    };
    let mut tree = node(parts.first().expect("at least one certified subtree"));
    for p in &parts[1..] {
        tree = fork(tree, node(p));
    }
    tree
}

/// [`witness`] for the HTTP gateway's tree type (`ic-certification`, which
/// `ic-http-certification` builds): the same shape, the same root.
pub fn http_witness(parts: &[Part], label: &[u8], witness: ic_certification::HashTree) -> ic_certification::HashTree {
    let parts = sorted(parts);
    let mut witness = Some(witness);
    let mut node = |p: &Part| -> ic_certification::HashTree {
        if p.label == label {
            witness.take().expect("each label once")
        } else {
            ic_certification::hash_tree::pruned(p.hash)
        }
    };
    let mut tree = node(parts.first().expect("at least one certified subtree"));
    for p in &parts[1..] {
        tree = ic_certification::hash_tree::fork(tree, node(p));
    }
    tree
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn witnesses_reconstruct_the_root_whatever_the_order() {
        let mut a: RbTree<String, Hash> = RbTree::new();
        a.insert("k1".into(), [1; 32]);
        let mut b: RbTree<String, Hash> = RbTree::new();
        b.insert("k2".into(), [2; 32]);
        let parts = [
            Part { label: b"published", hash: labeled_hash(b"published", &a.root_hash()) },
            Part { label: b"another", hash: labeled_hash(b"another", &b.root_hash()) },
        ];
        let root = root_hash(&parts);
        let reversed = [parts[1], parts[0]];
        assert_eq!(root, root_hash(&reversed));
        let w = witness(&parts, b"published", labeled(b"published", a.witness(b"k1")));
        assert_eq!(w.reconstruct(), root);
        let w = witness(&parts, b"another", labeled(b"another", b.witness(b"k2")));
        assert_eq!(w.reconstruct(), root);
        // The HTTP gateway's tree type composes to the same root.
        let http =
            ic_certification::hash_tree::label(b"another".to_vec(), ic_certification::hash_tree::leaf(b"x".to_vec()));
        let parts = [parts[0], Part { label: b"another", hash: http.digest() }];
        let w = http_witness(&parts, b"another", http);
        assert_eq!(w.digest(), root_hash(&parts));
        // One subtree alone is the root.
        assert_eq!(root_hash(&parts[..1]), parts[0].hash);
    }

    #[test]
    fn a_certified_map_witnesses_its_keys_under_the_root() {
        let map = CertifiedMap::of(b"published", [("a".to_string(), [1; 32]), ("b".to_string(), [2; 32])]);
        let other = Part { label: b"another", hash: [9; 32] };
        let parts = [map.part(), other];
        let root = root_hash(&parts);
        for key in ["a", "b", "absent"] {
            let cbor = map.witness_among(&parts, key);
            assert_eq!(&cbor[..3], &[0xd9, 0xd9, 0xf7], "the self-describing CBOR tag comes first");
            let tree: ic_certification::HashTree = serde_cbor::from_slice(&cbor).unwrap();
            assert_eq!(tree.digest(), root, "the witness of {key} reconstructs the root");
        }
        // The same entries give the same root, in place or built afresh.
        let mut grown = CertifiedMap::of(b"published", [("a".to_string(), [1; 32])]);
        grown.insert("b".into(), [2; 32]);
        assert_eq!(grown.root_hash(), map.root_hash());
        grown.remove("b");
        assert_eq!(grown.root_hash(), CertifiedMap::of(b"published", [("a".to_string(), [1; 32])]).root_hash());
        assert_ne!(grown.root_hash(), map.root_hash());
        assert_eq!(map.part().label, b"published");
    }
}
