//! The registry snapshot: its upload in chunks by the controllers (bootstrap
//! and tests; the registry sync is `crate::registry`), the replacement both
//! share, and its reads (`get_snapshot_info`, `list_nodes`, `export_snapshot`).

use crate::checks::{
    invalid, validate_chunk, validate_export_page, validate_limit, validate_node, validate_node_count,
};
use crate::state::{Env, State, DEFAULT_PAGE, MAX_PAGE};
use crate::stores::configuration::{source_out, SnapshotMeta, Source, StagedSnapshot};
use crate::stores::memory::Stored;
use crate::stores::nodes::{NodeList, StoredNode};
use ic_topology::api::{self, Error, Result};
use ic_topology::inputs::RegistryNode;
use std::collections::BTreeSet;

impl State {
    /// What the snapshot holds, and its baseline.
    pub fn snapshot_info(&self) -> api::SnapshotInfo {
        let meta = &self.snapshot.get().value;
        let mut operators = BTreeSet::new();
        let mut providers = BTreeSet::new();
        let mut dcs = BTreeSet::new();
        let mut subnets = BTreeSet::new();
        // The derived inputs hold every stored node already: count them there
        // rather than decode the stable map again.
        let nodes = self.derived_state().map_or(&[][..], |d| &d.inputs.nodes[..]);
        for n in nodes {
            operators.insert(n.node_operator_id.as_str());
            providers.insert(n.node_provider_id.as_str());
            dcs.insert(n.data_center.as_str());
            if let Some(s) = &n.subnet_id {
                subnets.insert(s.as_str());
            }
        }
        let baseline = self.derived_state().map(|d| &d.baseline);
        api::SnapshotInfo {
            registry_version: meta.registry_version,
            timestamp_nanos: meta.timestamp_nanos,
            nodes: self.nodes.get().0.len() as u64,
            node_operators: operators.len() as u64,
            node_providers: providers.len() as u64,
            data_centers: dcs.len() as u64,
            subnets: subnets.len() as u64,
            baseline_status: baseline.map(|b| ic_topology::api::Status::from(b.status)),
            baseline_objective: baseline.and_then(|b| b.objective),
            source: source_out(meta.source),
            defaults_applied: self.derived_state().map(|d| d.defaults.clone()).unwrap_or_default(),
        }
    }

    /// A page of the snapshot's nodes, filtered.
    pub fn list_nodes(&self, req: api::ListNodesRequest) -> Result<api::NodePage> {
        let limit = validate_limit(req.limit, DEFAULT_PAGE, MAX_PAGE)?;
        let config = &self.configuration.get().value;
        let country_of = |n: &RegistryNode| n.region.split(',').nth(1).unwrap_or("").trim().to_string();
        let mut nodes = Vec::new();
        let mut next = None;
        let list = self.nodes.get();
        let start = req.start_after.as_deref().map_or(0, |s| list.after(s));
        for n in &list.0[start..] {
            let n = config.effective_node(n.clone(), &mut api::DefaultsApplied::default());
            let keep =
                req.node_provider.as_ref().is_none_or(|p| *p == n.node_provider_name || *p == n.node_provider_id)
                    && req.country.as_ref().is_none_or(|c| *c == country_of(&n))
                    && req.data_center.as_ref().is_none_or(|d| *d == n.data_center)
                    && req.subnet_id.as_ref().is_none_or(|s| Some(s) == n.subnet_id.as_ref());
            if !keep {
                continue;
            }
            if nodes.len() == limit as usize {
                next = nodes.last().map(|n: &api::Node| n.node_id.clone());
                break;
            }
            nodes.push(ic_topology::api::Node::from(n));
        }
        Ok(api::NodePage { nodes, next })
    }

    /// A page of the export of the current inputs.
    pub fn export_snapshot(&self, req: api::ExportRequest) -> Result<api::ExportPage> {
        let derived = self.derived()?;
        let meta = &self.snapshot.get().value;
        if let Some(v) = req.registry_version {
            if v != meta.registry_version {
                return Err(Error::NotFound {
                    reason: format!(
                        "registry version {v} is not held; this canister holds version {} only",
                        meta.registry_version
                    ),
                });
            }
        }
        let total = derived.export.len() as u64;
        let end = validate_export_page(req.offset, req.length, total)?;
        Ok(api::ExportPage {
            registry_version: meta.registry_version,
            timestamp_nanos: meta.timestamp_nanos,
            topology_sha256: derived.topology_sha256.clone(),
            configuration_sha256: derived.configuration_sha256.clone(),
            total_bytes: total,
            offset: req.offset,
            bytes: derived.export[req.offset as usize..end as usize].to_vec(),
            next_offset: (end < total).then_some(end),
        })
    }

    /// Start an upload of `node_count` nodes (controllers); a previous one is dropped.
    pub fn begin_snapshot_upload(&mut self, env: &impl Env, req: api::BeginSnapshotRequest) -> Result<()> {
        self.authorize(env, "begin_snapshot_upload")?;
        validate_node_count(req.node_count)?;
        self.staged_nodes.clear_new();
        let meta = SnapshotMeta {
            registry_version: req.registry_version,
            timestamp_nanos: req.timestamp_nanos,
            source: Source::Upload,
        };
        self.staged.set(Stored::new(StagedSnapshot { announced: Some((meta, req.node_count)) }));
        Ok(())
    }

    /// Add a chunk of nodes to the upload (controllers); the count so far.
    pub fn upload_snapshot_nodes(&mut self, env: &impl Env, nodes: Vec<api::Node>) -> Result<u64> {
        self.authorize(env, "upload_snapshot_nodes")?;
        let Some((_, announced)) = self.staged.get().value.announced.clone() else {
            return Err(invalid("nodes", "no upload in progress: call begin_snapshot_upload first"));
        };
        validate_chunk(nodes.len())?;
        // Validate the whole chunk before storing any of it.
        let mut seen = BTreeSet::new();
        let mut records = Vec::with_capacity(nodes.len());
        for (i, n) in nodes.into_iter().enumerate() {
            let node = validate_node(i, n)?;
            if !seen.insert(node.node_id.clone()) || self.staged_nodes.contains_key(&node.node_id) {
                return Err(invalid(format!("nodes[{i}].node_id"), format!("{} is uploaded twice", node.node_id)));
            }
            records.push(node);
        }
        if self.staged_nodes.len() + records.len() as u64 > announced {
            return Err(invalid("nodes", format!("more nodes than the {announced} announced")));
        }
        for node in records {
            self.staged_nodes.insert(node.node_id.clone(), StoredNode(node));
        }
        Ok(self.staged_nodes.len())
    }

    /// Put the uploaded nodes in place of the snapshot (controllers).
    pub fn commit_snapshot_upload(&mut self, env: &impl Env) -> Result<api::SnapshotInfo> {
        self.authorize(env, "commit_snapshot_upload")?;
        let Some((meta, announced)) = self.staged.get().value.announced.clone() else {
            return Err(invalid("upload", "no upload in progress: call begin_snapshot_upload first"));
        };
        if self.staged_nodes.len() != announced {
            return Err(invalid(
                "upload",
                format!("{} of the {announced} announced nodes were uploaded", self.staged_nodes.len()),
            ));
        }
        let staged: Vec<RegistryNode> = self.staged_nodes.iter().map(|e| e.value().0).collect();
        self.staged_nodes.clear_new();
        self.staged.set(Stored::new(StagedSnapshot::default()));
        self.replace_snapshot(staged, meta);
        Ok(self.snapshot_info())
    }

    /// Put a new snapshot in place of the old one, in this one message (it
    /// traps whole or applies whole), and derive what queries read from it.
    /// The upload ends here; the registry sync takes the same two steps
    /// ([`Self::replace_nodes`], then `rederive`), timing each.
    fn replace_snapshot(&mut self, nodes: Vec<RegistryNode>, meta: SnapshotMeta) {
        self.replace_nodes(nodes, meta);
        self.rederive();
    }

    pub(crate) fn replace_nodes(&mut self, nodes: Vec<RegistryNode>, meta: SnapshotMeta) {
        self.nodes.set(NodeList::sorted(nodes));
        self.snapshot.set(Stored::new(meta));
    }
}
