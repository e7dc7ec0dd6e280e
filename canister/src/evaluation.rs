//! Evaluating candidates on the snapshot: `evaluate_candidates` (and the
//! run a publication or the dashboard's form makes), `verify_evaluation`,
//! `proposal_summary` and `get_decentralization`, all reads of the [`State`].

use crate::checks::{apply_overrides, text_invalid, validate_candidates, validate_evaluation};
use crate::convert;
use crate::state::{no_snapshot, Env, State, QUERY_BUDGET};
use ic_topology::api::{self, Error, Result};
use ic_topology::digest;
use ic_topology::evaluate;
use ic_topology::inputs::{CandidateRow, Inputs, Settings};
use ic_topology::model::Model;
use ic_topology::solve::Status;

/// One evaluation as the engine made it, with what it was computed from.
pub(crate) struct Run {
    pub(crate) model: Model,
    pub(crate) evaluation: evaluate::Evaluation,
    pub(crate) candidates: Vec<CandidateRow>,
    pub(crate) settings: Settings,
    pub(crate) configuration_sha256: String,
}

impl State {
    /// (the derived inputs then serve as they are).
    pub(crate) fn overridden(&self, overrides: Option<&api::SettingsOverride>) -> Result<Option<Inputs>> {
        let derived = self.derived()?;
        if let Some(o) = overrides {
            let settings = apply_overrides(derived.inputs.settings, o)?;
            if settings != derived.inputs.settings {
                return Ok(Some(Inputs { settings, ..derived.inputs.clone() }));
            }
        }
        Ok(None)
    }

    /// Evaluate a request with the query's budget (the same in a query and an update).
    pub(crate) fn run(&self, req: &api::EvaluateRequest) -> Result<Run> {
        let candidates = validate_candidates(&req.candidates)?;
        let derived = self.derived()?;
        for (i, c) in candidates.iter().enumerate() {
            derived.names.check_candidate(i, c).map_err(text_invalid)?;
        }
        // Counted before it runs (and before the inputs are copied for
        // overrides): the full solves that fit the cap, or a refusal.
        let settings = match &req.overrides {
            Some(o) => apply_overrides(derived.inputs.settings, o)?,
            None => derived.inputs.settings,
        };
        let cached = settings == derived.inputs.settings;
        let full_solves = crate::cost::full_solves(&derived.model, settings, &candidates, cached)?;
        let inputs_override = (!cached).then(|| Inputs { settings, ..derived.inputs.clone() });
        let inputs = inputs_override.as_ref().unwrap_or(&derived.inputs);
        // The baseline depends only on the snapshot and the configuration: reuse it.
        let baseline = inputs_override.is_none().then_some((&derived.model, &derived.baseline));
        let (model, ev) = evaluate::evaluate_with_baseline(inputs, &candidates, QUERY_BUDGET, baseline, full_solves);
        if ev.solution.status == Status::BudgetExceeded {
            return Err(Error::BudgetExceeded {
                lower_bound: ev.solution.lower_bound,
                upper_bound: ev.solution.upper_bound,
            });
        }
        let configuration_sha256 = match &inputs_override {
            Some(i) => digest::configuration_digest(i),
            None => derived.configuration_sha256.clone(),
        };
        Ok(Run { settings: inputs.settings, model, evaluation: ev, candidates, configuration_sha256 })
    }

    /// `evaluate_candidates`: the candidates evaluated with the query's budget.
    pub fn evaluate_candidates(&self, env: &impl Env, req: api::EvaluateRequest) -> Result<api::Evaluation> {
        let run = self.run(&req)?;
        Ok(self.evaluation_out(env, run, req))
    }

    pub(crate) fn evaluation_out(&self, env: &impl Env, run: Run, req: api::EvaluateRequest) -> api::Evaluation {
        let derived = self.derived_state().expect("a run needs the derived state");
        let mut answer = convert::evaluation(
            &run.model,
            &run.evaluation,
            req,
            run.settings,
            self.registry_version(),
            derived.topology_sha256.clone(),
            run.configuration_sha256,
            env.instructions(),
        );
        answer.snapshot_source = self.snapshot_source();
        answer.defaults_applied = derived.defaults.clone();
        answer
    }

    /// Re-check a submitted evaluation against the current snapshot, without solving.
    pub fn verify_evaluation(&self, env: &impl Env, evaluation: api::Evaluation) -> Result<api::VerificationReport> {
        let derived = self.derived()?;
        let version = self.registry_version();
        if evaluation.registry_version != version {
            return Err(Error::NotFound {
                reason: format!(
                    "the evaluation was computed at registry version {}; this canister holds version {version} only \
                     (re-check an older one off chain with its export and `topology verify`)",
                    evaluation.registry_version
                ),
            });
        }
        validate_evaluation(&evaluation)?;
        let claim = convert::claim_in(&evaluation)?;
        // Validate the caller's candidates as `evaluate_candidates` would.
        validate_candidates(&evaluation.candidates)?;
        let inputs_override = self.overridden(evaluation.overrides.as_ref())?;
        let configuration_sha256 = match &inputs_override {
            Some(i) => digest::configuration_digest(i),
            None => derived.configuration_sha256.clone(),
        };
        let inputs = inputs_override.as_ref().unwrap_or(&derived.inputs);
        let outcome = ic_topology::verify::verify(inputs, &derived.topology_sha256, &configuration_sha256, &claim);
        let mut report = convert::verification_report(outcome, version);
        report.instructions = env.instructions();
        Ok(report)
    }

    /// The text a node-operator proposal quotes, for these candidates under the configured settings.
    pub fn proposal_summary(&self, env: &impl Env, req: api::ProposalSummaryRequest) -> Result<api::ProposalSummary> {
        self.evaluation_and_summary(env, req.candidates).map(|(_, summary)| summary)
    }

    /// The evaluation and the proposal summary of the same run (the dashboard shows both).
    pub fn evaluation_and_summary(
        &self,
        env: &impl Env,
        candidates: Vec<api::CandidateRow>,
    ) -> Result<(api::Evaluation, api::ProposalSummary)> {
        let request = api::EvaluateRequest { candidates, overrides: None, include_allocation: None };
        let run = self.run(&request)?;
        let derived = self.derived()?;
        let canister = env.canister_id().to_text();
        let registry_version = self.registry_version();
        let summary = ic_topology::summary::render(&ic_topology::summary::SummaryInput {
            canister_id: Some(&canister),
            candidates: &run.candidates,
            inputs: &derived.inputs,
            evaluation: &run.evaluation,
            origin: ic_topology::summary::Origin::Registry(registry_version),
            curve_notes: None,
            topology_sha256: &derived.topology_sha256,
            configuration_sha256: &run.configuration_sha256,
        });
        let summary = api::ProposalSummary {
            text: summary.text,
            sha256: summary.sha256,
            publication_key: crate::stores::published::publication_key(
                &run.candidates,
                registry_version,
                &derived.topology_sha256,
                &run.configuration_sha256,
            ),
            registry_version,
            instructions: env.instructions(),
        };
        Ok((self.evaluation_out(env, run, request), summary))
    }

    /// The current subnets' decentralization: Nakamoto coefficients and the
    /// limits of their topology entry (matched by subnet id) they break.
    pub fn decentralization(&self) -> Result<Vec<api::SubnetDecentralization>> {
        let Some(derived) = self.derived_state() else { return Err(no_snapshot()) };
        Ok(convert::decentralization(&derived.inputs, &derived.model))
    }
}
