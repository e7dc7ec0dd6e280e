//! The NNS governance canister's types that `list_proposals` and
//! `get_proposal_info` reach, generated from `candid/nns_governance.did`
//! (copied verbatim from dfinity/ic) with candid_parser's Rust bindings
//! (`GENERATE_GOVERNANCE_RS=1 cargo test --release -p topology-canister --test
//! governance_types`), then given `Clone`, `Debug`, `PartialEq` and `Eq`. The
//! test `governance_types` checks they are the .did's types; no type is
//! simplified (a variant case missing here would decode real proposals as
//! `null`).

#![allow(clippy::large_enum_variant)]
use candid::{self, CandidType, Deserialize, Principal};

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ProposalId {
    pub id: u64,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct GovernanceError {
    pub error_message: String,
    pub error_type: i32,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Ballot {
    pub vote: i32,
    pub voting_power: u64,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct TakeCanisterSnapshotOk {
    pub snapshot_id: serde_bytes::ByteBuf,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CreateCanisterAndInstallCodeOk {
    pub canister_id: Option<Principal>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum SuccessfulProposalExecutionValue {
    TakeCanisterSnapshot(TakeCanisterSnapshotOk),
    CreateCanisterAndInstallCode(CreateCanisterAndInstallCodeOk),
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CanisterStatusResultV2 {
    pub status: Option<i32>,
    pub freezing_threshold: Option<u64>,
    pub controllers: Vec<Principal>,
    pub memory_size: Option<u64>,
    pub cycles: Option<u64>,
    pub idle_cycles_burned_per_day: Option<u64>,
    pub module_hash: serde_bytes::ByteBuf,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CanisterSummary {
    pub status: Option<CanisterStatusResultV2>,
    pub canister_id: Option<Principal>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SwapBackgroundInformation {
    pub ledger_index_canister_summary: Option<CanisterSummary>,
    pub fallback_controller_principal_ids: Vec<Principal>,
    pub ledger_archive_canister_summaries: Vec<CanisterSummary>,
    pub ledger_canister_summary: Option<CanisterSummary>,
    pub swap_canister_summary: Option<CanisterSummary>,
    pub governance_canister_summary: Option<CanisterSummary>,
    pub root_canister_summary: Option<CanisterSummary>,
    pub dapp_canister_summaries: Vec<CanisterSummary>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct DerivedProposalInformation {
    pub swap_background_information: Option<SwapBackgroundInformation>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Tally {
    pub no: u64,
    pub yes: u64,
    pub total: u64,
    pub timestamp_seconds: u64,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct NeuronId {
    pub id: u64,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum TopicToFollow {
    Kyc,
    ServiceNervousSystemManagement,
    ApiBoundaryNodeManagement,
    ApplicationCanisterManagement,
    SubnetRental,
    NeuronManagement,
    NodeProviderRewards,
    SubnetManagement,
    ExchangeRate,
    CatchAll,
    NodeAdmin,
    IcOsVersionElection,
    ProtocolCanisterManagement,
    NetworkEconomics,
    IcOsVersionDeployment,
    ParticipantManagement,
    Governance,
    SnsAndCommunityFund,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct KnownNeuronData {
    pub name: String,
    pub committed_topics: Option<Vec<Option<TopicToFollow>>>,
    pub description: Option<String>,
    pub links: Option<Vec<String>>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct KnownNeuron {
    pub id: Option<NeuronId>,
    pub known_neuron_data: Option<KnownNeuronData>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct FulfillSubnetRentalRequest {
    pub initial_dkg_subnet_id: Option<Principal>,
    pub user: Option<Principal>,
    pub replica_version_id: Option<String>,
    pub node_ids: Option<Vec<Principal>>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Spawn {
    pub percentage_to_spawn: Option<u32>,
    pub new_controller: Option<Principal>,
    pub nonce: Option<u64>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Split {
    pub memo: Option<u64>,
    pub amount_e8s: u64,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Follow {
    pub topic: i32,
    pub followees: Vec<NeuronId>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct AccountIdentifier {
    pub hash: serde_bytes::ByteBuf,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub owner: Option<Principal>,
    pub subaccount: Option<serde_bytes::ByteBuf>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct DisburseMaturity {
    pub to_account_identifier: Option<AccountIdentifier>,
    pub to_account: Option<Account>,
    pub percentage_to_disburse: u32,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RefreshVotingPower {}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ClaimOrRefreshNeuronFromAccount {
    pub controller: Option<Principal>,
    pub memo: u64,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum By {
    NeuronIdOrSubaccount {},
    MemoAndController(ClaimOrRefreshNeuronFromAccount),
    Memo(u64),
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ClaimOrRefresh {
    pub by: Option<By>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RemoveHotKey {
    pub hot_key_to_remove: Option<Principal>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct AddHotKey {
    pub new_hot_key: Option<Principal>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ChangeAutoStakeMaturity {
    pub requested_setting_for_auto_stake_maturity: bool,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct IncreaseDissolveDelay {
    pub additional_dissolve_delay_seconds: u32,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SetVisibility {
    pub visibility: Option<i32>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SetDissolveTimestamp {
    pub dissolve_timestamp_seconds: u64,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum Operation {
    RemoveHotKey(RemoveHotKey),
    AddHotKey(AddHotKey),
    ChangeAutoStakeMaturity(ChangeAutoStakeMaturity),
    StopDissolving {},
    StartDissolving {},
    IncreaseDissolveDelay(IncreaseDissolveDelay),
    SetVisibility(SetVisibility),
    JoinCommunityFund {},
    LeaveCommunityFund {},
    SetDissolveTimestamp(SetDissolveTimestamp),
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Configure {
    pub operation: Option<Operation>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RegisterVote {
    pub vote: i32,
    pub proposal: Option<ProposalId>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Merge {
    pub source_neuron_id: Option<NeuronId>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct DisburseToNeuron {
    pub dissolve_delay_seconds: u64,
    pub kyc_verified: bool,
    pub amount_e8s: u64,
    pub new_controller: Option<Principal>,
    pub nonce: u64,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct FolloweesForTopic {
    pub topic: Option<i32>,
    pub followees: Option<Vec<NeuronId>>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SetFollowing {
    pub topic_following: Option<Vec<FolloweesForTopic>>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct StakeMaturity {
    pub percentage_to_stake: Option<u32>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct MergeMaturity {
    pub percentage_to_merge: u32,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Amount {
    pub e8s: u64,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Disburse {
    pub to_account: Option<AccountIdentifier>,
    pub amount: Option<Amount>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum ManageNeuronProposalCommand {
    Spawn(Spawn),
    Split(Split),
    Follow(Follow),
    DisburseMaturity(DisburseMaturity),
    RefreshVotingPower(RefreshVotingPower),
    ClaimOrRefresh(ClaimOrRefresh),
    Configure(Configure),
    RegisterVote(RegisterVote),
    Merge(Merge),
    DisburseToNeuron(DisburseToNeuron),
    SetFollowing(SetFollowing),
    MakeProposal(Box<Proposal>),
    StakeMaturity(StakeMaturity),
    MergeMaturity(MergeMaturity),
    Disburse(Disburse),
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum NeuronIdOrSubaccount {
    Subaccount(serde_bytes::ByteBuf),
    NeuronId(NeuronId),
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ManageNeuronProposal {
    pub id: Option<NeuronId>,
    pub command: Option<ManageNeuronProposalCommand>,
    pub neuron_id_or_subaccount: Option<NeuronIdOrSubaccount>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct LoadCanisterSnapshot {
    pub canister_id: Option<Principal>,
    pub snapshot_id: Option<serde_bytes::ByteBuf>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct GuestLaunchMeasurementMetadata {
    pub kernel_cmdline: Option<String>,
    pub vcpu_type: Option<String>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct GuestLaunchMeasurement {
    pub metadata: Option<GuestLaunchMeasurementMetadata>,
    pub measurement: Option<serde_bytes::ByteBuf>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct GuestLaunchMeasurements {
    pub guest_launch_measurements: Option<Vec<GuestLaunchMeasurement>>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct BlessAlternativeGuestOsVersion {
    pub rootfs_hash: Option<String>,
    pub chip_ids: Option<Vec<serde_bytes::ByteBuf>>,
    pub base_guest_launch_measurements: Option<GuestLaunchMeasurements>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Controllers {
    pub controllers: Vec<Principal>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CanisterSettings {
    pub freezing_threshold: Option<u64>,
    pub wasm_memory_threshold: Option<u64>,
    pub controllers: Option<Controllers>,
    pub log_visibility: Option<i32>,
    pub snapshot_visibility: Option<i32>,
    pub wasm_memory_limit: Option<u64>,
    pub memory_allocation: Option<u64>,
    pub compute_allocation: Option<u64>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct UpdateCanisterSettings {
    pub canister_id: Option<Principal>,
    pub settings: Option<CanisterSettings>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct InstallCode {
    pub skip_stopping_before_installing: Option<bool>,
    pub wasm_module_hash: Option<serde_bytes::ByteBuf>,
    pub canister_id: Option<Principal>,
    pub arg_hash: Option<serde_bytes::ByteBuf>,
    pub install_mode: Option<i32>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct DeregisterKnownNeuron {
    pub id: Option<NeuronId>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct TakeCanisterSnapshot {
    pub replace_snapshot: Option<serde_bytes::ByteBuf>,
    pub canister_id: Option<Principal>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct StopOrStartCanister {
    pub action: Option<i32>,
    pub canister_id: Option<Principal>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Percentage {
    pub basis_points: Option<u64>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Duration {
    pub seconds: Option<u64>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Tokens {
    pub e8s: Option<u64>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CustomProposalCriticality {
    pub additional_critical_native_action_ids: Option<Vec<u64>>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct VotingRewardParameters {
    pub reward_rate_transition_duration: Option<Duration>,
    pub initial_reward_rate: Option<Percentage>,
    pub final_reward_rate: Option<Percentage>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct GovernanceParameters {
    pub neuron_maximum_dissolve_delay_bonus: Option<Percentage>,
    pub neuron_maximum_age_for_age_bonus: Option<Duration>,
    pub neuron_maximum_dissolve_delay: Option<Duration>,
    pub neuron_minimum_dissolve_delay_to_vote: Option<Duration>,
    pub neuron_maximum_age_bonus: Option<Percentage>,
    pub neuron_minimum_stake: Option<Tokens>,
    pub proposal_wait_for_quiet_deadline_increase: Option<Duration>,
    pub proposal_initial_voting_period: Option<Duration>,
    pub custom_proposal_criticality: Option<CustomProposalCriticality>,
    pub proposal_rejection_fee: Option<Tokens>,
    pub voting_reward_parameters: Option<VotingRewardParameters>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Image {
    pub base64_encoding: Option<String>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct LedgerParameters {
    pub transaction_fee: Option<Tokens>,
    pub token_symbol: Option<String>,
    pub token_logo: Option<Image>,
    pub token_name: Option<String>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Canister {
    pub id: Option<Principal>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct NeuronBasketConstructionParameters {
    pub dissolve_delay_interval: Option<Duration>,
    pub count: Option<u64>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct GlobalTimeOfDay {
    pub seconds_after_utc_midnight: Option<u64>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Countries {
    pub iso_codes: Vec<String>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SwapParameters {
    pub minimum_participants: Option<u64>,
    pub neurons_fund_participation: Option<bool>,
    pub duration: Option<Duration>,
    pub neuron_basket_construction_parameters: Option<NeuronBasketConstructionParameters>,
    pub confirmation_text: Option<String>,
    pub maximum_participant_icp: Option<Tokens>,
    pub minimum_icp: Option<Tokens>,
    pub minimum_direct_participation_icp: Option<Tokens>,
    pub minimum_participant_icp: Option<Tokens>,
    pub start_time: Option<GlobalTimeOfDay>,
    pub maximum_direct_participation_icp: Option<Tokens>,
    pub maximum_icp: Option<Tokens>,
    pub neurons_fund_investment_icp: Option<Tokens>,
    pub restricted_countries: Option<Countries>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SwapDistribution {
    pub total: Option<Tokens>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct NeuronDistribution {
    pub controller: Option<Principal>,
    pub dissolve_delay: Option<Duration>,
    pub memo: Option<u64>,
    pub vesting_period: Option<Duration>,
    pub stake: Option<Tokens>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct DeveloperDistribution {
    pub developer_neurons: Vec<NeuronDistribution>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct InitialTokenDistribution {
    pub treasury_distribution: Option<SwapDistribution>,
    pub developer_distribution: Option<DeveloperDistribution>,
    pub swap_distribution: Option<SwapDistribution>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CreateServiceNervousSystem {
    pub url: Option<String>,
    pub governance_parameters: Option<GovernanceParameters>,
    pub fallback_controller_principal_ids: Vec<Principal>,
    pub logo: Option<Image>,
    pub name: Option<String>,
    pub ledger_parameters: Option<LedgerParameters>,
    pub description: Option<String>,
    pub dapp_canisters: Vec<Canister>,
    pub swap_parameters: Option<SwapParameters>,
    pub initial_token_distribution: Option<InitialTokenDistribution>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ExecuteNnsFunction {
    pub nns_function: i32,
    pub payload: serde_bytes::ByteBuf,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CreateCanisterAndInstallCode {
    pub wasm_module_hash: Option<serde_bytes::ByteBuf>,
    pub canister_settings: Option<CanisterSettings>,
    pub install_arg_hash: Option<serde_bytes::ByteBuf>,
    pub host_subnet_id: Option<Principal>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct NodeProvider {
    pub id: Option<Principal>,
    pub reward_account: Option<AccountIdentifier>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RewardToNeuron {
    pub dissolve_delay_seconds: u64,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RewardToAccount {
    pub to_account: Option<AccountIdentifier>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum RewardMode {
    RewardToNeuron(RewardToNeuron),
    RewardToAccount(RewardToAccount),
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RewardNodeProvider {
    pub node_provider: Option<NodeProvider>,
    pub reward_mode: Option<RewardMode>,
    pub amount_e8s: u64,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct NeuronBasketConstructionParameters1 {
    pub dissolve_delay_interval_seconds: u64,
    pub count: u64,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Params {
    pub min_participant_icp_e8s: u64,
    pub neuron_basket_construction_parameters: Option<NeuronBasketConstructionParameters1>,
    pub max_icp_e8s: u64,
    pub swap_due_timestamp_seconds: u64,
    pub min_participants: u32,
    pub sns_token_e8s: u64,
    pub sale_delay_seconds: Option<u64>,
    pub max_participant_icp_e8s: u64,
    pub min_direct_participation_icp_e8s: Option<u64>,
    pub min_icp_e8s: u64,
    pub max_direct_participation_icp_e8s: Option<u64>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct OpenSnsTokenSwap {
    pub community_fund_investment_e8s: Option<u64>,
    pub target_swap_canister_id: Option<Principal>,
    pub params: Option<Params>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct TimeWindow {
    pub start_timestamp_seconds: u64,
    pub end_timestamp_seconds: u64,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SetOpenTimeWindowRequest {
    pub open_time_window: Option<TimeWindow>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SetSnsTokenSwapOpenTimeWindow {
    pub request: Option<SetOpenTimeWindowRequest>,
    pub swap_canister_id: Option<Principal>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Followees {
    pub followees: Vec<NeuronId>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SetDefaultFollowees {
    pub default_followees: Vec<(i32, Followees)>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RewardNodeProviders {
    pub use_registry_derived_rewards: Option<bool>,
    pub rewards: Vec<RewardNodeProvider>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct VotingPowerEconomics {
    pub start_reducing_voting_power_after_seconds: Option<u64>,
    pub neuron_minimum_dissolve_delay_to_vote_seconds: Option<u64>,
    pub clear_following_after_seconds: Option<u64>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Decimal {
    pub human_readable: Option<String>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct NeuronsFundMatchedFundingCurveCoefficients {
    pub contribution_threshold_xdr: Option<Decimal>,
    pub one_third_participation_milestone_xdr: Option<Decimal>,
    pub full_participation_milestone_xdr: Option<Decimal>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct NeuronsFundEconomics {
    pub maximum_icp_xdr_rate: Option<Percentage>,
    pub neurons_fund_matched_funding_curve_coefficients: Option<NeuronsFundMatchedFundingCurveCoefficients>,
    pub max_theoretical_neurons_fund_participation_amount_xdr: Option<Decimal>,
    pub minimum_icp_xdr_rate: Option<Percentage>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct NetworkEconomics {
    pub neuron_minimum_stake_e8s: u64,
    pub voting_power_economics: Option<VotingPowerEconomics>,
    pub max_proposals_to_keep_per_topic: u32,
    pub neuron_management_fee_per_proposal_e8s: u64,
    pub reject_cost_e8s: u64,
    pub transaction_fee_e8s: u64,
    pub neuron_spawn_dissolve_delay_seconds: u64,
    pub minimum_icp_xdr_rate: u64,
    pub maximum_node_provider_rewards_e8s: u64,
    pub neurons_fund_economics: Option<NeuronsFundEconomics>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Principals {
    pub principals: Vec<Principal>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum Change {
    ToRemove(NodeProvider),
    ToAdd(NodeProvider),
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct AddOrRemoveNodeProvider {
    pub change: Option<Change>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Motion {
    pub motion_text: String,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum Action {
    RegisterKnownNeuron(KnownNeuron),
    FulfillSubnetRentalRequest(FulfillSubnetRentalRequest),
    ManageNeuron(ManageNeuronProposal),
    LoadCanisterSnapshot(LoadCanisterSnapshot),
    BlessAlternativeGuestOsVersion(BlessAlternativeGuestOsVersion),
    UpdateCanisterSettings(UpdateCanisterSettings),
    InstallCode(InstallCode),
    DeregisterKnownNeuron(DeregisterKnownNeuron),
    TakeCanisterSnapshot(TakeCanisterSnapshot),
    StopOrStartCanister(StopOrStartCanister),
    CreateServiceNervousSystem(CreateServiceNervousSystem),
    ExecuteNnsFunction(ExecuteNnsFunction),
    CreateCanisterAndInstallCode(CreateCanisterAndInstallCode),
    RewardNodeProvider(RewardNodeProvider),
    OpenSnsTokenSwap(OpenSnsTokenSwap),
    SetSnsTokenSwapOpenTimeWindow(SetSnsTokenSwapOpenTimeWindow),
    SetDefaultFollowees(SetDefaultFollowees),
    RewardNodeProviders(RewardNodeProviders),
    ManageNetworkEconomics(NetworkEconomics),
    ApproveGenesisKyc(Principals),
    AddOrRemoveNodeProvider(AddOrRemoveNodeProvider),
    Motion(Motion),
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum SelfDescribingValue {
    Int(candid::Int),
    Map(Vec<(String, Box<SelfDescribingValue>)>),
    Nat(candid::Nat),
    Blob(serde_bytes::ByteBuf),
    Bool(bool),
    Null,
    Text(String),
    Array(Vec<Box<SelfDescribingValue>>),
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SelfDescribingProposalAction {
    pub type_description: Option<String>,
    pub type_name: Option<String>,
    pub value: Option<Box<SelfDescribingValue>>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub url: String,
    pub title: Option<String>,
    pub action: Option<Action>,
    pub summary: String,
    pub self_describing_action: Option<SelfDescribingProposalAction>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ProposalInfo {
    pub id: Option<ProposalId>,
    pub status: i32,
    pub topic: i32,
    pub failure_reason: Option<GovernanceError>,
    pub ballots: Vec<(u64, Ballot)>,
    pub proposal_timestamp_seconds: u64,
    pub reward_event_round: u64,
    pub deadline_timestamp_seconds: Option<u64>,
    pub failed_timestamp_seconds: u64,
    pub success_value: Option<SuccessfulProposalExecutionValue>,
    pub reject_cost_e8s: u64,
    pub derived_proposal_information: Option<DerivedProposalInformation>,
    pub latest_tally: Option<Tally>,
    pub total_potential_voting_power: Option<u64>,
    pub reward_status: i32,
    pub decided_timestamp_seconds: u64,
    pub proposal: Option<Box<Proposal>>,
    pub proposer: Option<NeuronId>,
    pub executed_timestamp_seconds: u64,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ListProposalInfoRequest {
    pub return_self_describing_action: Option<bool>,
    pub include_reward_status: Vec<i32>,
    pub omit_large_fields: Option<bool>,
    pub before_proposal: Option<ProposalId>,
    pub limit: u32,
    pub exclude_topic: Vec<i32>,
    pub include_all_manage_neuron_proposals: Option<bool>,
    pub include_status: Vec<i32>,
}
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ListProposalInfoResponse {
    pub proposal_info: Vec<ProposalInfo>,
}
