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

use ic_certified_map::{fork, fork_hash, Hash, HashTree};

/// One labelled subtree: its label (for ordering) and the hash of the
/// labelled subtree (`labeled_hash(label, content root)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Part<'a> {
    pub label: &'a [u8],
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
    use ic_certified_map::{labeled, labeled_hash, AsHashTree, RbTree};

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
}
