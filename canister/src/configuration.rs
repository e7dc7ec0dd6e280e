//! The topology and the configuration: their reads (`get_topology`,
//! `get_configuration`) and the controllers' changes (`set_topology`,
//! `update_configuration`, `set_pipeline`, and the init or upgrade argument).
//! Every change derives the inputs again.

use crate::checks::{apply_configuration_update, validate_pipeline, validate_special_limits, validate_topology};
use crate::convert;
use crate::state::{Env, State};
use crate::stores::configuration::StoredTopology;
use crate::stores::memory::Stored;
use ic_topology::api::{self, Result};
use ic_topology::digest;

impl State {
    /// The adopted target topology and its digest.
    pub fn topology(&self) -> api::Topology {
        let t = &self.topology.get().value;
        api::Topology {
            subnets: t.subnets.iter().map(ic_topology::api::SubnetSpec::from).collect(),
            proposal: t.proposal,
            sha256: digest::topology_digest(&t.subnets),
        }
    }

    /// The configuration and the digest of the inputs.
    pub fn configuration(&self) -> api::Configuration {
        // The digest covers the snapshot's nodes too: reuse the derived one.
        let sha256 = match self.derived_state() {
            Some(d) => d.configuration_sha256.clone(),
            None => digest::configuration_digest(&self.inputs()),
        };
        convert::configuration_out(&self.configuration.get().value, sha256)
    }

    /// Adopt a new topology (controllers).
    pub fn set_topology(&mut self, env: &impl Env, req: api::SetTopologyRequest) -> Result<()> {
        self.authorize(env, "set_topology")?;
        let subnets = validate_topology(&req.subnets)?;
        let config = &self.configuration.get().value;
        validate_special_limits(config.special_limits.as_ref(), &subnets, "special_limits")?;
        self.topology.set(Stored::new(StoredTopology { subnets, proposal: req.proposal }));
        self.rederive();
        Ok(())
    }

    /// Change the configuration; fields left `null` keep their value (controllers).
    pub fn update_configuration(&mut self, env: &impl Env, update: api::ConfigurationUpdate) -> Result<()> {
        self.authorize(env, "update_configuration")?;
        let current = self.configuration.get().value.clone();
        let next = apply_configuration_update(current, update, &self.topology.get().value.subnets)?;
        self.configuration.set(Stored::new(next));
        self.rederive();
        Ok(())
    }

    /// Replace the pipeline of planned nodes (controllers).
    pub fn set_pipeline(&mut self, env: &impl Env, pipeline: Vec<api::PlannedNode>) -> Result<()> {
        self.authorize(env, "set_pipeline")?;
        validate_pipeline(&pipeline, |id| self.nodes.get().contains(id))?;
        let nodes = pipeline.into_iter().map(ic_topology::inputs::PlannedNode::from).collect();
        let mut config = self.configuration.get().value.clone();
        config.pipeline = nodes;
        self.configuration.set(Stored::new(config));
        self.rederive();
        Ok(())
    }

    /// Apply init (or upgrade) arguments, all optional, as `set_topology`
    /// and `update_configuration` would.
    pub fn init(&mut self, args: api::InitArgs) -> Result<()> {
        if let Some(t) = args.topology {
            let subnets = validate_topology(&t.subnets)?;
            if args.configuration.is_none() {
                let config = &self.configuration.get().value;
                validate_special_limits(config.special_limits.as_ref(), &subnets, "special_limits")?;
            }
            self.topology.set(Stored::new(StoredTopology { subnets, proposal: t.proposal }));
        }
        if let Some(update) = args.configuration {
            let current = self.configuration.get().value.clone();
            let next = apply_configuration_update(current, update, &self.topology.get().value.subnets)?;
            self.configuration.set(Stored::new(next));
        }
        self.rederive();
        Ok(())
    }
}
