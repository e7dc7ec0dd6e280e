//! Published evaluations: `publish_evaluation` evaluates in replicated
//! execution and certifies the answer in the store of
//! [`crate::stores::published`] (whose opening describes the policy);
//! `get_published_evaluation` returns it with its certificate and witness.

use crate::checks::validate_candidates;
use crate::state::{Env, State};
pub use crate::stores::published::*;
use ic_topology::api::{self, Error, Result};
use ic_topology::digest;

impl Publisher {
    /// The caller of this message, as the policy sees it.
    pub fn of(env: &impl Env) -> Publisher {
        let caller = env.caller();
        Publisher {
            is_controller: env.is_controller(&caller),
            principal: caller.as_slice().to_vec(),
            now_nanos: env.now_nanos(),
        }
    }
}

/// Only this canister encodes the bytes it stored; failing to decode them is a bug.
fn decode_evaluation(candid: &[u8]) -> api::Evaluation {
    candid::decode_one(candid).expect("a stored evaluation decodes")
}

impl State {
    /// Evaluate in replicated execution and publish the answer in the certified
    /// map (the write path around it certifies the new root).
    pub fn publish_evaluation(
        &mut self,
        env: &impl Env,
        req: api::EvaluateRequest,
    ) -> Result<api::PublishedEvaluation> {
        // A published evaluation carries its proof.
        let req = api::EvaluateRequest { include_allocation: Some(true), ..req };
        let candidates = validate_candidates(&req.candidates)?;
        let derived = self.derived()?;
        let configuration_sha256 = match self.overridden(req.overrides.as_ref())? {
            Some(i) => digest::configuration_digest(&i),
            None => derived.configuration_sha256.clone(),
        };
        let key =
            publication_key(&candidates, self.registry_version(), &derived.topology_sha256, &configuration_sha256);
        if let Some(entry) = self.published.get(&key) {
            return Ok(api::PublishedEvaluation {
                key,
                evaluation: decode_evaluation(&entry.candid),
                newly_published: false,
                evicted: vec![],
                published: self.published.len(),
            });
        }
        let publisher = Publisher::of(env);
        self.published.admits(&publisher)?;
        let run = self.run(&req)?;
        let evaluation = self.evaluation_out(env, run, req);
        let candid = candid::encode_one(&evaluation).expect("an evaluation encodes");
        // Certified by the write path this runs in (`crate::lifecycle::write`).
        let evicted = self.published.insert(key.clone(), candid, &publisher)?;
        Ok(api::PublishedEvaluation {
            key,
            evaluation,
            newly_published: true,
            evicted,
            published: self.published.len(),
        })
    }

    /// A published evaluation with the certificate and witness that prove it.
    pub fn get_published_evaluation(&self, env: &impl Env, key: String) -> Result<api::CertifiedEvaluation> {
        // Plans share the store (`crate::plan`); their bytes are no evaluation.
        let entry = self.published.get(&key).filter(|_| !key.starts_with(PLAN_KEY_PREFIX));
        let Some(entry) = entry else {
            return Err(Error::NotFound {
                reason: format!(
                    "no evaluation is published under {key} (never published, or evicted: at most {} are kept, {} per \
                     caller)",
                    MAX_PUBLISHED, MAX_PER_PUBLISHER
                ),
            });
        };
        Ok(api::CertifiedEvaluation {
            witness: self.published.witness_among(&self.certified_parts(), &key),
            key,
            evaluation: decode_evaluation(&entry.candid),
            evaluation_candid: entry.candid,
            certificate: env.data_certificate().map(serde_bytes::ByteBuf::from),
            canister_id: env.canister_id(),
        })
    }

    /// The keys of the published evaluations, oldest first.
    pub fn list_published_evaluations(&self) -> Vec<String> {
        self.published.keys_oldest_first()
    }
}
