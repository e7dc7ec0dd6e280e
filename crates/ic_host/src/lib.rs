//! A small Internet Computer host for tests: it runs a canister's wasm module on
//! the wasmi interpreter and provides the `ic0` system API that a Rust ic-cdk 0.20
//! canister imports, so integration tests can drive the real built module without
//! a replica (none can be installed on the build machines).
//!
//! It keeps what the IC keeps between messages (the instance's heap and globals,
//! stable memory, the global timer, certified data, the cycle balance, call
//! contexts that wait for responses) and gives messages the IC semantics that
//! tests rely on: a trap rolls back every change the message made, stable memory
//! included; a query's changes are always discarded; an upgrade runs
//! `canister_pre_upgrade` on the old instance and `canister_post_upgrade` on a
//! fresh instance over the same stable memory, and rolls everything back if
//! either traps; inter-canister calls are answered after the calling message, in
//! FIFO order, by the canister itself (self-calls, which ic-cdk-timers uses to run
//! timer tasks) or by a fake callee registered with [`Host::on_call`].
//!
//! What the IC does that tests must see:
//! - **Metering** as the replica instruments a module (the `meter` module):
//!   per executed basic block, with the replica's cost table, per-byte costs of
//!   bulk memory operators, the system API's fixed overheads plus one
//!   instruction per byte copied, 1,000 instructions per 4 KiB page of stable
//!   memory a message writes for the first time; installing and upgrading also
//!   charge compilation (6,000 per instruction of the instrumented module).
//! - **Limits**: 5 B instructions for a query however it is called (also as an
//!   update or from another canister), 40 B for updates, callbacks and timers,
//!   300 B for install and upgrade (compilation included).
//! - **Permissions**: every `ic0` function checks the context it is called in
//!   against the specification's table (`system_api::PERMISSIONS`).
//! - **Upgrades do not wait**: calls outstanding at an upgrade get their
//!   responses afterwards, in the new module (whose function table decides what
//!   runs, or traps). [`Host::stop`] and [`Host::start`] stop the canister first
//!   as `dfx canister stop` does: a stopping canister takes no new calls and
//!   becomes stopped when its last call context closes.
//! - **Cycles**: a balance that runs down: each update-type message costs
//!   5 M cycles plus one per instruction; each call costs its fee and reserves
//!   the response's execution and transmission up front (about 42 B cycles),
//!   refunded in part when the response arrives; a call the liquid balance
//!   cannot pay for is not made (`call_perform` answers `SYS_TRANSIENT`).
//! - **Faults**: [`Host::inject_fault`] makes the next call to a callee and
//!   method fail with any reject code, or time out (`SYS_UNKNOWN` for a
//!   best-effort call); a best-effort call whose deadline passes before its
//!   response is delivered gets `SYS_UNKNOWN` too.
//!
//! A test tool, not the IC: no consensus, no deterministic time slicing (a
//! 40-billion-instruction update simply runs, slowly, in one go), no composite
//! queries across canisters, wasm32 modules only, no storage or idle charges.
//! The IC (dfx, PocketIC) is the real runtime.

mod meter;
mod system_api;

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::ops::Range;

use wasmi::{
    Config, Engine, Error, Func, Global, Instance, Linker, Memory, Module, Nullable, Ref, Store, Table, TrapCode, Val,
    ValType,
};

pub use meter::{COMPILE_COST_PER_INSTRUCTION, STABLE_DIRTY_PAGE_COST};
use system_api::build_linker;

/// Instruction limit of a query (per message).
pub const QUERY_LIMIT: u64 = 5_000_000_000;
/// Instruction limit of an update, a callback, a timer (per message; the IC reaches
/// it with deterministic time slicing, which this host does not model).
/// A query method gets [`QUERY_LIMIT`] however it is called.
pub const UPDATE_LIMIT: u64 = 40_000_000_000;
/// Instruction limit of an install (compilation and `canister_init`) and of an
/// upgrade (compilation, `canister_pre_upgrade` and `canister_post_upgrade`).
pub const INSTALL_LIMIT: u64 = 300_000_000_000;
/// Instruction limit of `canister_inspect_message`.
pub const INSPECT_LIMIT: u64 = 200_000_000;
/// Largest reply to an update or an inter-canister call.
pub const MAX_UPDATE_REPLY: usize = 2 * 1024 * 1024;
/// Largest reply to a query.
pub const MAX_QUERY_REPLY: usize = 3 * 1024 * 1024;
/// Largest argument of an ingress update or of an inter-canister call.
pub const MAX_ARG: usize = 2 * 1024 * 1024;
/// Wasm and stable memory page.
pub const PAGE: usize = 65536;

/// The IC's reject codes.
pub mod reject_code {
    /// Fatal system error (retrying will not help).
    pub const SYS_FATAL: u32 = 1;
    /// Transient system error (e.g. a full queue, too few cycles): retry later.
    pub const SYS_TRANSIENT: u32 = 2;
    /// The destination canister or method does not exist.
    pub const DESTINATION_INVALID: u32 = 3;
    /// The callee rejected the call (`ic0.msg_reject`).
    pub const CANISTER_REJECT: u32 = 4;
    /// The callee trapped or did not reply.
    pub const CANISTER_ERROR: u32 = 5;
    /// The outcome is unknown: a best-effort call timed out.
    pub const SYS_UNKNOWN: u32 = 6;
}

/// The IC's fees on an application subnet of 13 nodes (dfinity/ic `rs/config`
/// `CyclesAccountManagerConfig::application_subnet`), in cycles.
pub mod fees {
    /// Fee for every update-type message executed.
    pub const UPDATE_MESSAGE: u128 = 5_000_000;
    /// Fee for every 10 instructions of an update-type message.
    pub const TEN_INSTRUCTIONS: u128 = 10;
    /// Fee for every inter-canister call.
    pub const XNET_CALL: u128 = 260_000;
    /// Fee for every byte of a call's request or response.
    pub const XNET_BYTE: u128 = 1_000;
    /// The largest response, which a call reserves the transmission of.
    pub const MAX_RESPONSE_BYTES: u128 = 2 * 1024 * 1024;

    /// What an update-type message of `instructions` costs.
    pub fn execution(instructions: u64) -> u128 {
        UPDATE_MESSAGE + u128::from(instructions) * TEN_INSTRUCTIONS / 10
    }

    /// What `ic0.cost_call` answers and `ic0.call_perform` takes: the call's fee
    /// and request bytes plus the prepayment for executing the response (at the
    /// update limit) and transmitting it (at the largest size).
    pub fn call(method_name_size: u64, payload_size: u64) -> u128 {
        let request = u128::from(method_name_size.saturating_add(payload_size));
        XNET_CALL + XNET_BYTE * request + execution(super::UPDATE_LIMIT) + XNET_BYTE * MAX_RESPONSE_BYTES
    }
}

/// A canister's status, as `ic0.canister_status` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Takes calls.
    Running,
    /// Stopping: takes no new calls, waits for its open call contexts.
    Stopping,
    /// Stopped: no call context is open.
    Stopped,
}

impl Status {
    fn code(self) -> u32 {
        match self {
            Status::Running => 1,
            Status::Stopping => 2,
            Status::Stopped => 3,
        }
    }
}

/// A fault that [`Host::inject_fault`] makes the next matching call suffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The call is rejected with this code and message without reaching the
    /// callee (e.g. `SYS_TRANSIENT` for a full queue, `CANISTER_ERROR` for a
    /// callee that trapped).
    Reject(u32, String),
    /// A best-effort call times out: the callee (when it is this canister)
    /// still runs, but its response is lost and the caller gets `SYS_UNKNOWN`.
    Timeout,
}

/// A call's failure as the caller sees it: a trap, an exceeded limit, a missing
/// method (all `CANISTER_ERROR` or `DESTINATION_INVALID`) or the canister's own
/// `ic0.msg_reject` (`CANISTER_REJECT`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reject {
    pub code: u32,
    pub message: String,
}

impl Reject {
    fn new(code: u32, message: impl Into<String>) -> Self {
        Reject { code, message: message.into() }
    }
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "reject code {}: {}", self.code, self.message)
    }
}

impl std::error::Error for Reject {}

/// Per-message instruction limits and the stable-memory cap. Tests lower them to
/// reach a limit quickly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub query: u64,
    pub update: u64,
    pub install: u64,
    pub inspect: u64,
    /// Stable memory the canister may grow to, in 64 KiB pages (the IC allows
    /// hundreds of GiB; this host keeps stable memory in RAM).
    pub max_stable_pages: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            query: QUERY_LIMIT,
            update: UPDATE_LIMIT,
            install: INSTALL_LIMIT,
            inspect: INSPECT_LIMIT,
            max_stable_pages: 65536,
        }
    }
}

/// One executed message: what ran, what it cost, how it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageStat {
    pub label: String,
    pub instructions: u64,
    pub trap: Option<Reject>,
}

/// An ingress update submitted with [`Host::submit_update`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RequestId(u64);

/// The fake callee of inter-canister calls to other canisters: gets the callee's
/// principal bytes, the method name and the argument; returns the reply bytes or a
/// reject (code, message).
pub type CallHandler = Box<dyn FnMut(&[u8], &str, &[u8]) -> Result<Vec<u8>, (u32, String)>>;

// Names under which the prepared module exports what the host must reach.
const MEMORY_EXPORT: &str = "__ic_host_memory";
const TABLE_EXPORT: &str = "__ic_host_table";
const START_EXPORT: &str = "__ic_host_start";
const GLOBAL_EXPORT_PREFIX: &str = "__ic_host_global_";

/// Stable memory pages saved before their first write in a message.
const JOURNAL_PAGE: usize = 4096;

/// The context a piece of canister code runs in; it decides which `ic0`
/// functions are available (the IC interface specification's table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Start,
    Init,
    PreUpgrade,
    PostUpgrade,
    Update,
    Query,
    ReplicatedQuery,
    CompositeQuery,
    Inspect,
    ReplyCallback,
    RejectCallback,
    Cleanup,
    Timer,
}

impl Kind {
    fn mode(self) -> &'static str {
        match self {
            Kind::Start => "start",
            Kind::Init => "init",
            Kind::PreUpgrade => "pre upgrade",
            Kind::PostUpgrade => "post upgrade",
            Kind::Update => "update",
            Kind::Query => "non replicated query",
            Kind::ReplicatedQuery => "replicated query",
            Kind::CompositeQuery => "composite query",
            Kind::Inspect => "inspect message",
            Kind::ReplyCallback => "reply callback",
            Kind::RejectCallback => "reject callback",
            Kind::Cleanup => "cleanup",
            Kind::Timer => "system task",
        }
    }
    /// The context's name in the specification's table of `ic0` imports.
    fn code(self) -> &'static str {
        match self {
            Kind::Start => "s",
            Kind::Init | Kind::PostUpgrade => "I",
            Kind::PreUpgrade => "G",
            Kind::Update => "U",
            Kind::Query => "NRQ",
            Kind::ReplicatedQuery => "RQ",
            Kind::CompositeQuery => "CQ",
            Kind::Inspect => "F",
            Kind::ReplyCallback => "Ry",
            Kind::RejectCallback => "Rt",
            Kind::Cleanup => "C",
            Kind::Timer => "T",
        }
    }
    /// Whether the IC charges cycles for executing it (queries are free).
    fn charged(self) -> bool {
        !matches!(self, Kind::Query | Kind::CompositeQuery | Kind::Inspect | Kind::Start)
    }
    fn max_reply(self) -> usize {
        if matches!(self, Kind::Query | Kind::CompositeQuery) {
            MAX_QUERY_REPLY
        } else {
            MAX_UPDATE_REPLY
        }
    }
}

/// An inter-canister call made by the canister, from `ic0.call_new` to its answer.
#[derive(Clone, Debug)]
struct OutCall {
    context: u64,
    callee: Vec<u8>,
    method: String,
    arg: Vec<u8>,
    reply: (u32, u64),
    reject: (u32, u64),
    cleanup: Option<(u32, u64)>,
    cycles: u128,
    timeout_seconds: Option<u32>,
    /// Cycles taken at `call_perform` for the response (refunded in part).
    prepaid: u128,
    /// Best-effort calls: the time after which the caller stops waiting (ns).
    deadline: u64,
    /// An injected timeout: the response is lost, the caller gets `SYS_UNKNOWN`.
    lose_response: bool,
}

/// What one running message sees and produces.
struct Msg {
    kind: Kind,
    arg: Vec<u8>,
    caller: Vec<u8>,
    method: String,
    reject: Option<(u32, String)>,
    may_respond: bool,
    reply_buf: Vec<u8>,
    response: Option<Result<Vec<u8>, Reject>>,
    accepted: bool,
    call_in_prep: Option<OutCall>,
    outgoing: Vec<OutCall>,
    limit: u64,
    context_instructions: u64,
    /// `ic0.msg_deadline`: the deadline of the best-effort call being answered.
    deadline: u64,
}

impl Msg {
    fn new(kind: Kind, arg: Vec<u8>, caller: Vec<u8>, method: &str, limit: u64) -> Msg {
        Msg {
            kind,
            arg,
            caller,
            method: method.to_string(),
            reject: None,
            may_respond: true,
            reply_buf: Vec::new(),
            response: None,
            accepted: false,
            call_in_prep: None,
            outgoing: Vec::new(),
            limit,
            context_instructions: 0,
            deadline: 0,
        }
    }
}

/// The original contents of the stable memory pages a message wrote, so that a
/// trap can undo the writes without copying all of stable memory up front.
struct Journal {
    len: usize,
    pages: HashMap<usize, Vec<u8>>,
}

impl Journal {
    fn save(&mut self, stable: &[u8], offset: usize, len: usize) {
        if len == 0 {
            return;
        }
        for page in offset / JOURNAL_PAGE..=(offset + len - 1) / JOURNAL_PAGE {
            let start = page * JOURNAL_PAGE;
            if start >= self.len {
                break;
            }
            let end = (start + JOURNAL_PAGE).min(self.len);
            self.pages.entry(page).or_insert_with(|| stable[start..end].to_vec());
        }
    }
}

/// The canister state the host keeps next to the wasm instance (the store's data).
struct State {
    memory: Option<Memory>,
    stable: Vec<u8>,
    journal: Option<Journal>,
    max_stable_pages: u64,
    controllers: Vec<Vec<u8>>,
    canister_id: Vec<u8>,
    subnet_id: Vec<u8>,
    time: u64,
    certified_data: Vec<u8>,
    data_certificate: Option<Vec<u8>>,
    global_timer: u64,
    canister_version: u64,
    cycle_balance: u128,
    root_key: Vec<u8>,
    env_vars: Vec<(String, String)>,
    debug_log: Vec<String>,
    echo_debug: bool,
    msg: Option<Msg>,
    /// The metered module's instruction counter.
    counter: Option<Global>,
    /// Stable memory pages (4 KiB) the current message has written.
    dirty_pages: HashSet<usize>,
    status: Status,
    /// Cycles the canister must keep (its freezing threshold's reserve): what
    /// exceeds it is the liquid balance.
    freezing_reserve: u128,
}

impl Default for State {
    fn default() -> Self {
        State {
            memory: None,
            stable: Vec::new(),
            journal: None,
            max_stable_pages: Limits::default().max_stable_pages,
            controllers: Vec::new(),
            // rrkah-fqaaa-aaaaa-aaaaq-cai, the first canister id of a local replica.
            canister_id: vec![0, 0, 0, 0, 0, 0, 0, 1, 1, 1],
            subnet_id: [vec![0x5a; 28], vec![2]].concat(),
            // 2024-01-01T00:00:00Z.
            time: 1_704_067_200_000_000_000,
            certified_data: Vec::new(),
            data_certificate: None,
            global_timer: 0,
            canister_version: 0,
            cycle_balance: 100_000_000_000_000,
            root_key: Vec::new(),
            env_vars: Vec::new(),
            debug_log: Vec::new(),
            echo_debug: std::env::var_os("IC_HOST_DEBUG").is_some(),
            msg: None,
            counter: None,
            dirty_pages: HashSet::new(),
            status: Status::Running,
            freezing_reserve: 0,
        }
    }
}

impl State {
    fn liquid_balance(&self) -> u128 {
        self.cycle_balance.saturating_sub(self.freezing_reserve)
    }
    fn rollback_stable(&mut self) {
        if let Some(journal) = self.journal.take() {
            self.stable.truncate(journal.len);
            for (page, bytes) in journal.pages {
                let start = page * JOURNAL_PAGE;
                self.stable[start..start + bytes.len()].copy_from_slice(&bytes);
            }
        }
    }
}

/// A wasm trap raised by the host (an `ic0` contract violation, `ic0.trap`, an
/// exceeded limit), carried through wasmi to the message's outcome.
#[derive(Debug)]
struct HostTrap(Reject);

impl fmt::Display for HostTrap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.message.fmt(f)
    }
}

impl wasmi::errors::HostError for HostTrap {}

fn trap(message: impl Into<String>) -> Error {
    Error::host(HostTrap(Reject::new(reject_code::CANISTER_ERROR, message)))
}

fn contract(api: &str, what: impl fmt::Display) -> Error {
    trap(format!("Canister violated contract: ic0.{api}: {what}"))
}

fn limit_message(limit: u64) -> String {
    format!("Canister exceeded the limit of {limit} instructions for single message execution.")
}

/// A wasmi error as the IC would report the trap. `out_of_instructions`: the
/// counter ran out (the metering's `unreachable`, or a host charge).
fn to_reject(error: &Error, limit: u64, out_of_instructions: bool) -> Reject {
    if out_of_instructions {
        return Reject::new(reject_code::CANISTER_ERROR, limit_message(limit));
    }
    if let Some(HostTrap(reject)) = error.downcast_ref::<HostTrap>() {
        return reject.clone();
    }
    let what = match error.as_trap_code() {
        Some(TrapCode::UnreachableCodeReached) => "unreachable".to_string(),
        Some(TrapCode::MemoryOutOfBounds) => "heap out of bounds".to_string(),
        Some(TrapCode::TableOutOfBounds) => "table out of bounds".to_string(),
        Some(TrapCode::IndirectCallToNull) => "uninitialized element".to_string(),
        Some(TrapCode::IntegerDivisionByZero) => "integer division by 0".to_string(),
        Some(TrapCode::IntegerOverflow) => "integer overflow".to_string(),
        Some(TrapCode::BadConversionToInteger) => "invalid conversion to integer".to_string(),
        Some(TrapCode::StackOverflow) => "stack overflow".to_string(),
        Some(TrapCode::BadSignature) => "indirect call type mismatch".to_string(),
        _ => error.to_string(),
    };
    Reject::new(reject_code::CANISTER_ERROR, format!("Canister trapped: {what}"))
}

fn range(len: usize, start: u64, size: u64) -> Option<Range<usize>> {
    let end = start.checked_add(size)?;
    (end <= len as u64).then_some(start as usize..end as usize)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn new_engine() -> Engine {
    // No fuel: the metered module counts its own instructions.
    let mut config = Config::default();
    config.set_max_recursion_depth(100_000).set_max_stack_height(64 << 20);
    Engine::new(&config)
}

/// A compiled, prepared module and the names of its exported mutable globals.
struct Compiled {
    module: Module,
    globals: Vec<String>,
    /// The replica's compilation charge for the module.
    compile_instructions: u64,
}

fn compile(engine: &Engine, provided: &HashSet<&'static str>, wasm: &[u8]) -> Result<Compiled, String> {
    let metered = meter::instrument(wasm)?;
    let prepared = prepare::prepare(&metered.bytes)?;
    let module = Module::new(engine, &prepared.bytes).map_err(|e| format!("invalid wasm module: {e}"))?;
    let missing: Vec<String> = module
        .imports()
        .filter(|i| !(i.module() == "ic0" && provided.contains(i.name())))
        .map(|i| format!("{}.{}", i.module(), i.name()))
        .collect();
    if !missing.is_empty() {
        return Err(format!("the module imports what this IC test host does not provide: {}", missing.join(", ")));
    }
    Ok(Compiled { module, globals: prepared.globals, compile_instructions: metered.compile_instructions })
}

/// A wasm instance and the handles the host uses.
struct Live {
    store: Store<State>,
    instance: Instance,
    memory: Option<Memory>,
    table: Option<Table>,
    globals: Vec<Global>,
}

fn instantiate(
    engine: &Engine,
    linker: &Linker<State>,
    compiled: &Compiled,
    state: State,
) -> Result<Live, (String, Box<State>)> {
    let mut store = Store::new(engine, state);
    // No canister code runs here: a start function is exported, not started.
    let instance = match linker.instantiate_and_start(&mut store, &compiled.module) {
        Ok(instance) => instance,
        Err(e) => return Err((format!("instantiating the module failed: {e}"), Box::new(store.into_data()))),
    };
    let memory = instance.get_memory(&store, MEMORY_EXPORT);
    let table = instance.get_table(&store, TABLE_EXPORT);
    let globals = compiled
        .globals
        .iter()
        .map(|name| instance.get_global(&store, name).expect("the prepared module exports its mutable globals"))
        .collect();
    store.data_mut().memory = memory;
    store.data_mut().counter = instance.get_global(&store, meter::COUNTER_EXPORT);
    Ok(Live { store, instance, memory, table, globals })
}

/// The heap, the globals and the small host-side state before a message.
struct Snapshot {
    heap: Vec<u8>,
    globals: Vec<Val>,
    certified_data: Vec<u8>,
    global_timer: u64,
    canister_version: u64,
    cycle_balance: u128,
}

enum Entry {
    Export(String),
    Callback { fun: u32, env: u64 },
}

struct Executed {
    trap: Option<Reject>,
    msg: Msg,
    instructions: u64,
}

#[derive(Clone, Copy, Debug)]
enum Origin {
    Ingress(u64),
    Call(u64),
    System,
}

struct CallContext {
    origin: Origin,
    caller: Vec<u8>,
    method: String,
    responded: bool,
    outstanding: usize,
    trap: Option<Reject>,
    instructions: u64,
    /// The deadline of the best-effort call that opened it (0: none).
    deadline: u64,
}

enum Event {
    Request(u64),
    Response(u64, Result<Vec<u8>, Reject>),
}

/// One canister on a simulated IC. See the module docs.
pub struct Host {
    engine: Engine,
    linker: Linker<State>,
    provided: HashSet<&'static str>,
    compiled: Compiled,
    live: Live,
    installed: bool,
    caller: Vec<u8>,
    limits: Limits,
    on_call: Option<CallHandler>,
    contexts: HashMap<u64, CallContext>,
    calls: HashMap<u64, OutCall>,
    queue: VecDeque<Event>,
    responses: HashMap<u64, Result<Vec<u8>, Reject>>,
    next_id: u64,
    last_instructions: u64,
    last_inspect_instructions: u64,
    last_compile_instructions: u64,
    log: Vec<MessageStat>,
    faults: HashMap<(Vec<u8>, String), VecDeque<Fault>>,
}

impl Host {
    /// Loads a module (wasm binary) without running any of its code. Fails if the
    /// module is invalid or imports anything this host does not provide, naming it.
    pub fn new(wasm: &[u8]) -> Result<Host, String> {
        let engine = new_engine();
        let (linker, provided) = build_linker(&engine);
        let compiled = compile(&engine, &provided, wasm)?;
        let live = instantiate(&engine, &linker, &compiled, State::default()).map_err(|(e, _)| e)?;
        Ok(Host {
            engine,
            linker,
            provided,
            compiled,
            live,
            installed: false,
            caller: vec![4], // the anonymous principal
            limits: Limits::default(),
            on_call: None,
            contexts: HashMap::new(),
            calls: HashMap::new(),
            queue: VecDeque::new(),
            responses: HashMap::new(),
            next_id: 1,
            last_instructions: 0,
            last_inspect_instructions: 0,
            last_compile_instructions: 0,
            log: Vec::new(),
            faults: HashMap::new(),
        })
    }

    // ---- setup and inspection

    /// The principal that sends the next ingress messages (default: anonymous).
    pub fn set_caller(&mut self, principal: &[u8]) {
        self.caller = principal.to_vec();
    }
    pub fn caller(&self) -> &[u8] {
        &self.caller
    }
    pub fn set_controllers(&mut self, controllers: Vec<Vec<u8>>) {
        self.state_mut().controllers = controllers;
    }
    pub fn controllers(&self) -> &[Vec<u8>] {
        &self.state().controllers
    }
    pub fn set_canister_id(&mut self, principal: &[u8]) {
        self.state_mut().canister_id = principal.to_vec();
    }
    pub fn canister_id(&self) -> &[u8] {
        &self.state().canister_id
    }
    /// The IC's time, in nanoseconds since the epoch; it moves only when a test moves it.
    pub fn time(&self) -> u64 {
        self.state().time
    }
    pub fn set_time(&mut self, nanos: u64) {
        self.state_mut().time = nanos;
    }
    pub fn advance_time(&mut self, nanos: u64) {
        let state = self.state_mut();
        state.time = state.time.saturating_add(nanos);
    }
    /// The pending global timer, as last set with `ic0.global_timer_set`.
    pub fn global_timer(&self) -> Option<u64> {
        Some(self.state().global_timer).filter(|&t| t != 0)
    }
    pub fn certified_data(&self) -> &[u8] {
        &self.state().certified_data
    }
    /// The certificate that `ic0.data_certificate_*` give queries (none by default).
    pub fn set_data_certificate(&mut self, certificate: Option<Vec<u8>>) {
        self.state_mut().data_certificate = certificate;
    }
    pub fn set_root_key(&mut self, key: Vec<u8>) {
        self.state_mut().root_key = key;
    }
    pub fn set_env_vars(&mut self, vars: Vec<(String, String)>) {
        self.state_mut().env_vars = vars;
    }
    pub fn cycle_balance(&self) -> u128 {
        self.state().cycle_balance
    }
    /// Sets the canister's cycle balance (100 T by default).
    pub fn set_cycle_balance(&mut self, cycles: u128) {
        self.state_mut().cycle_balance = cycles;
    }
    /// Sets the cycles the canister must keep (the reserve its freezing
    /// threshold sets): only what exceeds it is liquid, for calls, for
    /// `cycles_burn128` and in `ic0.canister_liquid_cycle_balance128`. A
    /// message that the liquid balance cannot pay for at its limit is refused.
    pub fn set_freezing_reserve(&mut self, cycles: u128) {
        self.state_mut().freezing_reserve = cycles;
    }
    /// The canister's status.
    pub fn status(&self) -> Status {
        self.state().status
    }
    /// Stops the canister as `dfx canister stop` does: it takes no new ingress
    /// messages, calls or timers, and becomes [`Status::Stopped`] once every open
    /// call context has closed (deliver the pending calls to get there).
    pub fn stop(&mut self) {
        if self.state().status == Status::Running {
            self.state_mut().status = Status::Stopping;
        }
        self.stop_if_idle();
    }
    /// Starts a stopped or stopping canister again.
    pub fn start(&mut self) {
        self.state_mut().status = Status::Running;
    }
    /// Makes the next call to `callee`'s `method` suffer `fault` (faults for the
    /// same callee and method are used in the order they were injected).
    pub fn inject_fault(&mut self, callee: &[u8], method: &str, fault: Fault) {
        self.faults.entry((callee.to_vec(), method.to_string())).or_default().push_back(fault);
    }
    /// Instructions the last install or upgrade spent compiling the module.
    pub fn last_compile_instructions(&self) -> u64 {
        self.last_compile_instructions
    }
    pub fn canister_version(&self) -> u64 {
        self.state().canister_version
    }
    pub fn limits(&self) -> Limits {
        self.limits
    }
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
        self.state_mut().max_stable_pages = limits.max_stable_pages;
    }
    /// Registers the fake callee that answers calls to canisters other than this one.
    pub fn on_call(&mut self, handler: impl FnMut(&[u8], &str, &[u8]) -> Result<Vec<u8>, (u32, String)> + 'static) {
        self.on_call = Some(Box::new(handler));
    }
    /// The size of the canister's wasm heap (linear memory), in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.live.memory.map_or(0, |m| m.data_size(&self.live.store))
    }
    pub fn stable_bytes(&self) -> usize {
        self.state().stable.len()
    }
    pub fn stable_memory(&self) -> &[u8] {
        &self.state().stable
    }
    /// Lines the canister printed with `ic0.debug_print` (set IC_HOST_DEBUG to also
    /// echo them to stderr as they come).
    pub fn debug_log(&self) -> &[String] {
        &self.state().debug_log
    }
    pub fn clear_debug_log(&mut self) {
        self.state_mut().debug_log.clear();
    }
    /// Instructions used by the last entry-point message (the method of the last
    /// `query` or `update`, `canister_init`, pre- plus post-upgrade, the timer);
    /// the messages that followed (callbacks, self-calls) are in `message_log`.
    pub fn last_instructions(&self) -> u64 {
        self.last_instructions
    }
    /// Every message executed since the last entry point was called.
    pub fn message_log(&self) -> &[MessageStat] {
        &self.log
    }
    pub fn is_installed(&self) -> bool {
        self.installed
    }
    /// The module's entry points (`canister_init`, `canister_query <name>`, ...).
    pub fn entry_points(&self) -> Vec<String> {
        let exports = self.compiled.module.exports();
        exports
            .filter(|e| e.ty().func().is_some() && e.name().starts_with("canister_"))
            .map(|e| e.name().to_string())
            .collect()
    }

    fn state(&self) -> &State {
        self.live.store.data()
    }
    fn state_mut(&mut self) -> &mut State {
        self.live.store.data_mut()
    }
    /// Points the host state at the current instance's memory (after moving the
    /// state between instances).
    fn reattach_memory(&mut self) {
        let memory = self.live.memory;
        let counter = self.live.instance.get_global(&self.live.store, meter::COUNTER_EXPORT);
        let state = self.state_mut();
        state.memory = memory;
        state.counter = counter;
    }
    fn has_export(&self, name: &str) -> bool {
        self.live.instance.get_func(&self.live.store, name).is_some()
    }
    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    // ---- entry points

    /// Installs the loaded module: runs its start function, if any, and `canister_init`
    /// with `arg`. On a trap the canister is left as it was, uninstalled.
    pub fn install(&mut self, arg: &[u8]) -> Result<(), String> {
        if self.installed {
            return Err("a module is already installed; use upgrade".to_string());
        }
        self.log.clear();
        let compile = self.compiled.compile_instructions;
        let Some(budget) = self.limits.install.checked_sub(compile) else {
            return Err(format!("compiling the module takes {compile} instructions, over the install limit"));
        };
        self.last_compile_instructions = compile;
        let before = self.capture();
        let stable_before = self.state().stable.clone();
        match self.run_hooks(Kind::Init, "canister_init", arg, budget) {
            Ok(used) => {
                self.installed = true;
                self.state_mut().canister_version += 1;
                self.charge_cycles(Kind::Init, compile + used);
                self.last_instructions = used;
                Ok(())
            }
            Err(e) => {
                self.restore_all(before, stable_before);
                Err(e)
            }
        }
    }

    /// Upgrades to `wasm`: `canister_pre_upgrade` on the current instance, then a fresh
    /// instance of the new module over the same stable memory, its start function and
    /// `canister_post_upgrade` with `arg`, within one install budget (compilation
    /// included). As on the IC, outstanding calls are not waited for: their responses
    /// arrive later, in the new module (stop the canister first to avoid that). If
    /// anything fails, the old module, heap and stable memory stay.
    pub fn upgrade(&mut self, wasm: &[u8], arg: &[u8]) -> Result<(), String> {
        if !self.installed {
            return Err("no module is installed; use install".to_string());
        }
        self.log.clear();
        let compiled = compile(&self.engine, &self.provided, wasm)?;
        let compile_cost = compiled.compile_instructions;
        let Some(budget) = self.limits.install.checked_sub(compile_cost) else {
            return Err(format!("compiling the module takes {compile_cost} instructions, over the install limit"));
        };
        self.last_compile_instructions = compile_cost;
        let before = self.capture();
        let stable_before = self.state().stable.clone();
        let mut used = 0;
        if self.has_export("canister_pre_upgrade") {
            let msg = Msg::new(Kind::PreUpgrade, Vec::new(), self.caller.clone(), "canister_pre_upgrade", budget);
            let ex = self.execute(&Entry::Export("canister_pre_upgrade".into()), msg, false);
            used += ex.instructions;
            self.log_message("canister_pre_upgrade", &ex);
            if let Some(t) = ex.trap {
                return Err(format!("canister_pre_upgrade trapped: {}", t.message));
            }
        }
        let mut state = std::mem::take(self.state_mut());
        state.global_timer = 0; // the IC deactivates the timer when the module changes
        let live = match instantiate(&self.engine, &self.linker, &compiled, state) {
            Ok(live) => live,
            Err((e, state)) => {
                *self.state_mut() = *state;
                self.reattach_memory();
                self.restore_all(before, stable_before);
                return Err(e);
            }
        };
        let old_live = std::mem::replace(&mut self.live, live);
        let old_compiled = std::mem::replace(&mut self.compiled, compiled);
        match self.run_hooks(Kind::PostUpgrade, "canister_post_upgrade", arg, budget - used) {
            Ok(n) => {
                self.state_mut().canister_version += 1;
                self.charge_cycles(Kind::PostUpgrade, compile_cost + used + n);
                self.last_instructions = used + n;
                Ok(())
            }
            Err(e) => {
                let state = std::mem::take(self.state_mut());
                self.live = old_live;
                self.compiled = old_compiled;
                *self.state_mut() = state;
                self.reattach_memory();
                self.restore_all(before, stable_before);
                Err(e)
            }
        }
    }

    /// Runs a query method (`canister_query <method>`, or a composite query, which
    /// may not call out here). Its state changes are discarded.
    pub fn query(&mut self, method: &str, arg: &[u8]) -> Result<Vec<u8>, Reject> {
        self.log.clear();
        self.require_installed()?;
        self.require_running()?;
        let (export, kind) = [("canister_query ", Kind::Query), ("canister_composite_query ", Kind::CompositeQuery)]
            .iter()
            .map(|(prefix, kind)| (format!("{prefix}{method}"), *kind))
            .find(|(e, _)| self.has_export(e))
            .ok_or_else(|| {
                Reject::new(reject_code::DESTINATION_INVALID, format!("Canister has no query method '{method}'"))
            })?;
        let msg = Msg::new(kind, arg.to_vec(), self.caller.clone(), method, self.limits.query);
        let ex = self.execute(&Entry::Export(export), msg, true);
        self.last_instructions = ex.instructions;
        self.log_message(&format!("query {method}"), &ex);
        if let Some(t) = ex.trap {
            return Err(t);
        }
        ex.msg.response.unwrap_or_else(|| Err(did_not_reply()))
    }

    /// Runs an update method to completion: the method, then the calls it and its
    /// callbacks make, until none is pending. A query method called this way runs as
    /// a replicated query (state changes discarded too).
    pub fn update(&mut self, method: &str, arg: &[u8]) -> Result<Vec<u8>, Reject> {
        let id = self.submit_update(method, arg);
        self.run_pending_calls();
        self.await_update(id)
    }

    /// Runs only the first message of an update (after `canister_inspect_message`, if
    /// exported); the calls it makes stay queued for `run_next_call`,
    /// `run_pending_calls` or `await_update`, so a test can interleave other messages.
    pub fn submit_update(&mut self, method: &str, arg: &[u8]) -> RequestId {
        self.log.clear();
        let id = self.next_id();
        if let Err(reject) = self.start_update(id, method, arg) {
            self.responses.insert(id, Err(reject));
        }
        RequestId(id)
    }

    /// Runs an update as a call from another canister would: without
    /// `canister_inspect_message`, which the IC runs for ingress messages only.
    pub fn update_unchecked(&mut self, method: &str, arg: &[u8]) -> Result<Vec<u8>, Reject> {
        self.log.clear();
        let id = self.next_id();
        if let Err(reject) = self.start_call(id, method, arg, false) {
            self.responses.insert(id, Err(reject));
        }
        self.run_pending_calls();
        self.await_update(RequestId(id))
    }

    /// Instructions of the last `canister_inspect_message` run (0 if none ran).
    pub fn last_inspect_instructions(&self) -> u64 {
        self.last_inspect_instructions
    }

    /// Answers queued calls until the update has a response, and returns it.
    pub fn await_update(&mut self, id: RequestId) -> Result<Vec<u8>, Reject> {
        loop {
            if let Some(response) = self.responses.remove(&id.0) {
                return response;
            }
            if !self.run_next_call() {
                return Err(Reject::new(reject_code::SYS_FATAL, "unknown request, or its response was already taken"));
            }
        }
    }

    /// Delivers the next queued call or response; false if none is queued.
    pub fn run_next_call(&mut self) -> bool {
        match self.queue.pop_front() {
            None => false,
            Some(Event::Request(id)) => {
                self.deliver_request(id);
                true
            }
            Some(Event::Response(id, result)) => {
                self.deliver_response(id, result);
                true
            }
        }
    }

    /// Delivers queued calls and responses, in FIFO order, until none is left;
    /// returns how many were delivered.
    pub fn run_pending_calls(&mut self) -> usize {
        let mut delivered = 0;
        while self.run_next_call() {
            delivered += 1;
            assert!(delivered < 1_000_000, "a million calls delivered and still more queued: a call loop?");
        }
        delivered
    }

    /// Calls and responses waiting to be delivered.
    pub fn pending_calls(&self) -> usize {
        self.queue.len()
    }

    /// Runs `canister_global_timer` if the timer is set and due (`time >= timer`),
    /// deactivating it first as the IC does, then the calls it makes (ic-cdk-timers
    /// runs each task in a self-call). Ok(false) if nothing was due.
    pub fn fire_timer(&mut self) -> Result<bool, Reject> {
        let timer = self.state().global_timer;
        if !self.installed || timer == 0 || self.state().time < timer || self.state().status != Status::Running {
            return Ok(false);
        }
        if self.state().liquid_balance() < fees::execution(self.limits.update) {
            // The IC does not run a system task that the canister cannot pay for.
            return Ok(false);
        }
        self.state_mut().global_timer = 0;
        if !self.has_export("canister_global_timer") {
            return Ok(false);
        }
        self.log.clear();
        let me = self.canister_id().to_vec();
        let ctx = self.open_context(Origin::System, me, "canister_global_timer");
        let export = Entry::Export("canister_global_timer".into());
        let (trap, used) = self.run_in_context(ctx, &export, Kind::Timer, Vec::new(), None, "timer");
        self.last_instructions = used;
        self.close_if_done(ctx);
        self.run_pending_calls();
        match trap {
            Some(t) => Err(t),
            None => Ok(true),
        }
    }

    // ---- internals: install hooks, messages, snapshots

    fn require_installed(&self) -> Result<(), Reject> {
        if self.installed {
            Ok(())
        } else {
            Err(Reject::new(reject_code::DESTINATION_INVALID, "the canister is empty: call install first"))
        }
    }

    fn require_running(&self) -> Result<(), Reject> {
        match self.state().status {
            Status::Running => Ok(()),
            Status::Stopping => Err(Reject::new(reject_code::CANISTER_ERROR, "Canister is stopping")),
            Status::Stopped => Err(Reject::new(reject_code::CANISTER_ERROR, "Canister is stopped")),
        }
    }

    /// Refuses an update-type message that the liquid balance cannot pay for at
    /// its limit, as the IC does.
    fn require_cycles(&self, limit: u64) -> Result<(), Reject> {
        let needed = fees::execution(limit);
        let liquid = self.state().liquid_balance();
        if liquid < needed {
            return Err(Reject::new(
                reject_code::SYS_TRANSIENT,
                format!("Canister is out of cycles: {liquid} liquid cycles, {needed} needed to execute the message"),
            ));
        }
        Ok(())
    }

    /// Takes what an executed message costs from the balance.
    fn charge_cycles(&mut self, kind: Kind, instructions: u64) {
        if kind.charged() {
            let state = self.state_mut();
            state.cycle_balance = state.cycle_balance.saturating_sub(fees::execution(instructions));
        }
    }

    fn stop_if_idle(&mut self) {
        if self.state().status == Status::Stopping && self.contexts.is_empty() {
            self.state_mut().status = Status::Stopped;
        }
    }

    /// The start function (if any) and then `hook` (if exported), within `budget`.
    fn run_hooks(&mut self, kind: Kind, hook: &str, arg: &[u8], budget: u64) -> Result<u64, String> {
        let mut used = 0;
        if self.has_export(START_EXPORT) {
            let msg = Msg::new(Kind::Start, Vec::new(), self.caller.clone(), "canister_start", budget);
            let ex = self.execute(&Entry::Export(START_EXPORT.into()), msg, false);
            used += ex.instructions;
            self.log_message("canister_start", &ex);
            if let Some(t) = ex.trap {
                return Err(format!("canister_start trapped: {}", t.message));
            }
        }
        if self.has_export(hook) {
            let msg = Msg::new(kind, arg.to_vec(), self.caller.clone(), hook, budget - used);
            let ex = self.execute(&Entry::Export(hook.into()), msg, false);
            used += ex.instructions;
            self.log_message(hook, &ex);
            if let Some(t) = ex.trap {
                return Err(format!("{hook} trapped: {}", t.message));
            }
        }
        Ok(used)
    }

    fn start_update(&mut self, id: u64, method: &str, arg: &[u8]) -> Result<(), Reject> {
        self.start_call(id, method, arg, true)
    }

    fn start_call(&mut self, id: u64, method: &str, arg: &[u8], ingress: bool) -> Result<(), Reject> {
        self.require_installed()?;
        self.require_running()?;
        self.last_inspect_instructions = 0;
        // A message that inspection drops runs no method: it used nothing.
        self.last_instructions = 0;
        if arg.len() > MAX_ARG {
            return Err(Reject::new(
                reject_code::SYS_FATAL,
                format!(
                    "the ingress message's argument ({} bytes) exceeds the IC's limit of {MAX_ARG} bytes",
                    arg.len()
                ),
            ));
        }
        if ingress && self.has_export("canister_inspect_message") {
            let msg = Msg::new(Kind::Inspect, arg.to_vec(), self.caller.clone(), method, self.limits.inspect);
            let ex = self.execute(&Entry::Export("canister_inspect_message".into()), msg, true);
            self.log_message(&format!("inspect_message {method}"), &ex);
            self.last_inspect_instructions = ex.instructions;
            if let Some(t) = ex.trap {
                return Err(t);
            }
            if !ex.msg.accepted {
                return Err(Reject::new(
                    reject_code::CANISTER_REJECT,
                    "Canister rejected the message (canister_inspect_message did not call ic0.accept_message)",
                ));
            }
        }
        let (export, kind) = self.update_export(method).ok_or_else(|| no_update_method(method))?;
        self.require_cycles(self.limit_of(kind))?;
        let ctx = self.open_context(Origin::Ingress(id), self.caller.clone(), method);
        let (_, used) =
            self.run_in_context(ctx, &Entry::Export(export), kind, arg.to_vec(), None, &format!("update {method}"));
        self.last_instructions = used;
        self.close_if_done(ctx);
        Ok(())
    }

    /// A message's instruction limit: a query method's is the query limit
    /// however it is called.
    fn limit_of(&self, kind: Kind) -> u64 {
        match kind {
            Kind::Query | Kind::ReplicatedQuery | Kind::CompositeQuery => self.limits.query,
            Kind::Inspect => self.limits.inspect,
            Kind::Init | Kind::PreUpgrade | Kind::PostUpgrade | Kind::Start => self.limits.install,
            Kind::Update | Kind::ReplyCallback | Kind::RejectCallback | Kind::Cleanup | Kind::Timer => {
                self.limits.update
            }
        }
    }

    fn update_export(&self, method: &str) -> Option<(String, Kind)> {
        let update = format!("canister_update {method}");
        if self.has_export(&update) {
            return Some((update, Kind::Update));
        }
        let query = format!("canister_query {method}");
        self.has_export(&query).then_some((query, Kind::ReplicatedQuery))
    }

    fn open_context(&mut self, origin: Origin, caller: Vec<u8>, method: &str) -> u64 {
        let id = self.next_id();
        let context = CallContext {
            origin,
            caller,
            method: method.to_string(),
            responded: false,
            outstanding: 0,
            trap: None,
            instructions: 0,
            deadline: 0,
        };
        self.contexts.insert(id, context);
        id
    }

    /// Runs one message of call context `ctx`; commits its response and its calls
    /// unless it trapped. Returns the trap and the instructions used.
    fn run_in_context(
        &mut self,
        ctx: u64,
        entry: &Entry,
        kind: Kind,
        arg: Vec<u8>,
        reject: Option<(u32, String)>,
        label: &str,
    ) -> (Option<Reject>, u64) {
        let limit = self.limit_of(kind);
        let context = &self.contexts[&ctx];
        let mut msg = Msg::new(kind, arg, context.caller.clone(), &context.method, limit);
        msg.reject = reject;
        msg.may_respond = !context.responded;
        msg.context_instructions = context.instructions;
        msg.deadline = context.deadline;
        let discard = kind == Kind::ReplicatedQuery;
        let ex = self.execute(entry, msg, discard);
        self.charge_cycles(kind, ex.instructions);
        self.log_message(label, &ex);
        let context = self.contexts.get_mut(&ctx).expect("the context is open");
        context.instructions += ex.instructions;
        if let Some(t) = &ex.trap {
            // The caller learns of the callback's trap, not of its cleanup's.
            if kind != Kind::Cleanup || context.trap.is_none() {
                context.trap = Some(t.clone());
            }
            return (ex.trap, ex.instructions);
        }
        context.outstanding += ex.msg.outgoing.len();
        if let Some(response) = ex.msg.response {
            self.respond(ctx, response);
        }
        let now = self.state().time;
        for mut call in ex.msg.outgoing {
            call.context = ctx;
            if let Some(seconds) = call.timeout_seconds {
                call.deadline = now.saturating_add(u64::from(seconds) * 1_000_000_000);
            }
            let id = self.next_id();
            self.calls.insert(id, call);
            self.queue.push_back(Event::Request(id));
        }
        (None, ex.instructions)
    }

    fn respond(&mut self, ctx: u64, result: Result<Vec<u8>, Reject>) {
        let context = self.contexts.get_mut(&ctx).expect("the context is open");
        context.responded = true;
        match context.origin {
            Origin::Ingress(id) => {
                self.responses.insert(id, result);
            }
            Origin::Call(id) => self.queue.push_back(Event::Response(id, result)),
            Origin::System => {}
        }
    }

    /// Closes a context that waits for no more responses; if it never responded,
    /// the IC answers for it (the last trap, or "did not reply").
    fn close_if_done(&mut self, ctx: u64) {
        let context = &self.contexts[&ctx];
        if context.outstanding > 0 {
            return;
        }
        if !context.responded {
            let reject = context.trap.clone().unwrap_or_else(did_not_reply);
            self.respond(ctx, Err(reject));
        }
        self.contexts.remove(&ctx);
        self.stop_if_idle();
    }

    fn deliver_request(&mut self, id: u64) {
        let call = &self.calls[&id];
        let (callee, method, arg, deadline) =
            (call.callee.clone(), call.method.clone(), call.arg.clone(), call.deadline);
        let fault = self.faults.get_mut(&(callee.clone(), method.clone())).and_then(VecDeque::pop_front);
        match fault {
            Some(Fault::Reject(code, message)) => {
                self.queue.push_back(Event::Response(id, Err(Reject { code, message })));
                return;
            }
            Some(Fault::Timeout) => {
                assert!(
                    deadline != 0,
                    "an injected timeout for a call to {method} that waits for its response (no best-effort timeout)"
                );
                self.calls.get_mut(&id).expect("the call is recorded").lose_response = true;
            }
            None => {}
        }
        if callee == self.canister_id() {
            let Some((export, kind)) = self.update_export(&method) else {
                self.queue.push_back(Event::Response(id, Err(no_update_method(&method))));
                return;
            };
            let refused = self.require_running().and_then(|()| self.require_cycles(self.limit_of(kind)));
            if let Err(reject) = refused {
                self.queue.push_back(Event::Response(id, Err(reject)));
                return;
            }
            let ctx = self.open_context(Origin::Call(id), callee, &method);
            self.contexts.get_mut(&ctx).expect("just opened").deadline = deadline;
            self.run_in_context(ctx, &Entry::Export(export), kind, arg, None, &format!("update {method} (self-call)"));
            self.close_if_done(ctx);
            return;
        }
        let result = match self.on_call.as_mut() {
            Some(handler) => handler(&callee, &method, &arg).map_err(|(code, message)| Reject { code, message }),
            None => Err(Reject::new(
                reject_code::DESTINATION_INVALID,
                format!("no fake callee is registered (Host::on_call) for the call to {} {method}", hex(&callee)),
            )),
        };
        self.queue.push_back(Event::Response(id, result));
    }

    fn deliver_response(&mut self, id: u64, result: Result<Vec<u8>, Reject>) {
        let call = self.calls.remove(&id).expect("a response answers a recorded call");
        let ctx = call.context;
        let expired = call.deadline != 0 && self.state().time > call.deadline;
        let result = if call.lose_response || expired {
            Err(Reject::new(reject_code::SYS_UNKNOWN, "Deadline expired: the call timed out"))
        } else {
            result
        };
        // The unused part of the prepayment for the response comes back, and the
        // cycles attached to a rejected call.
        let response_bytes = match &result {
            Ok(reply) => reply.len(),
            Err(reject) => reject.message.len(),
        } as u128;
        // The call's fee and request bytes are spent; the reservation for the
        // response's execution (charged when the callback runs) and transmission
        // (charged for the bytes that came back) is returned.
        let spent = fees::XNET_CALL + fees::XNET_BYTE * (call.method.len() + call.arg.len()) as u128;
        let response_fee = fees::XNET_BYTE * response_bytes;
        let refund = call.prepaid.saturating_sub(spent).saturating_sub(response_fee)
            + if result.is_err() { call.cycles } else { 0 };
        self.state_mut().cycle_balance += refund;
        self.contexts.get_mut(&ctx).expect("the caller's context waits for this response").outstanding -= 1;
        let reject_code = result.as_ref().err().map_or(0, |r| r.code);
        let (trap, _) = match result {
            Ok(reply) => {
                let entry = Entry::Callback { fun: call.reply.0, env: call.reply.1 };
                let label = format!("reply callback of {}", call.method);
                self.run_in_context(ctx, &entry, Kind::ReplyCallback, reply, None, &label)
            }
            Err(reject) => {
                let entry = Entry::Callback { fun: call.reject.0, env: call.reject.1 };
                let label = format!("reject callback of {}", call.method);
                self.run_in_context(
                    ctx,
                    &entry,
                    Kind::RejectCallback,
                    Vec::new(),
                    Some((reject.code, reject.message)),
                    &label,
                )
            }
        };
        if let (Some(_), Some((fun, env))) = (trap, call.cleanup) {
            let label = format!("cleanup callback of {}", call.method);
            let code = Some((reject_code, String::new()));
            self.run_in_context(ctx, &Entry::Callback { fun, env }, Kind::Cleanup, Vec::new(), code, &label);
        }
        self.close_if_done(ctx);
    }

    fn log_message(&mut self, label: &str, ex: &Executed) {
        self.log.push(MessageStat { label: label.to_string(), instructions: ex.instructions, trap: ex.trap.clone() });
    }

    /// Runs one message with `msg.limit` instructions. A trap restores the heap,
    /// the globals, stable memory and the host state to what they were before;
    /// so does `discard` (queries).
    fn execute(&mut self, entry: &Entry, msg: Msg, discard: bool) -> Executed {
        let limit = msg.limit;
        let snapshot = self.capture();
        let counter = self.live.store.data().counter.expect("the metered module exports its counter");
        {
            let state = self.state_mut();
            state.journal = Some(Journal { len: state.stable.len(), pages: HashMap::new() });
            state.dirty_pages.clear();
            state.msg = Some(msg);
        }
        let start = i64::try_from(limit).unwrap_or(i64::MAX);
        counter.set(&mut self.live.store, Val::I64(start)).expect("the counter is mutable");
        let result = self.invoke(entry);
        let left = counter.get(&self.live.store).i64().expect("the counter is an i64");
        let msg = self.state_mut().msg.take().expect("the message is still in the store");
        // The counter may end below zero in a block that has no check (the
        // replica's instrumentation checks only at function and loop starts).
        let out_of_instructions = left < 0;
        let instructions = if out_of_instructions { limit } else { limit - left as u64 };
        let trap = match result {
            Ok(()) if out_of_instructions => Some(Reject::new(reject_code::CANISTER_ERROR, limit_message(limit))),
            Ok(()) => None,
            Err(error) => Some(to_reject(&error, limit, out_of_instructions)),
        };
        if trap.is_some() || discard {
            self.state_mut().rollback_stable();
            self.restore(snapshot);
        } else {
            self.state_mut().journal = None;
        }
        Executed { trap, msg, instructions }
    }

    fn invoke(&mut self, entry: &Entry) -> Result<(), Error> {
        let store = &mut self.live.store;
        let (func, args): (Func, Vec<Val>) = match entry {
            Entry::Export(name) => {
                let func =
                    self.live.instance.get_func(&*store, name).ok_or_else(|| trap(format!("no export `{name}`")))?;
                if !func.ty(&*store).params().is_empty() {
                    return Err(trap(format!("the export `{name}` takes parameters; canister methods take none")));
                }
                (func, Vec::new())
            }
            Entry::Callback { fun, env } => {
                let table =
                    self.live.table.ok_or_else(|| trap("Canister trapped: the module has no function table"))?;
                let func = match table.get(&*store, u64::from(*fun)) {
                    Some(Ref::Func(Nullable::Val(func))) => func,
                    _ => {
                        return Err(trap(format!(
                            "Canister trapped: callback index {fun} is not a function in the table"
                        )))
                    }
                };
                let args = match func.ty(&*store).params() {
                    [ValType::I32] => vec![Val::I32(*env as u32 as i32)],
                    [ValType::I64] => vec![Val::I64(*env as i64)],
                    other => {
                        return Err(trap(format!(
                            "Canister trapped: callback {fun} takes {other:?}, not one environment"
                        )));
                    }
                };
                (func, args)
            }
        };
        let mut results: Vec<Val> = func.ty(&*store).results().iter().map(|t| Val::default_for_ty(*t)).collect();
        func.call(&mut *store, &args, &mut results)
    }

    fn capture(&self) -> Snapshot {
        let store = &self.live.store;
        let state = store.data();
        Snapshot {
            heap: self.live.memory.map(|m| m.data(store).to_vec()).unwrap_or_default(),
            globals: self.live.globals.iter().map(|g| g.get(store)).collect(),
            certified_data: state.certified_data.clone(),
            global_timer: state.global_timer,
            canister_version: state.canister_version,
            cycle_balance: state.cycle_balance,
        }
    }

    fn restore(&mut self, snapshot: Snapshot) {
        let state = self.state_mut();
        state.certified_data = snapshot.certified_data;
        state.global_timer = snapshot.global_timer;
        state.canister_version = snapshot.canister_version;
        state.cycle_balance = snapshot.cycle_balance;
        if self.heap_bytes() != snapshot.heap.len() {
            // The heap grew, and wasm memory cannot shrink: a fresh instance instead.
            let state = std::mem::take(self.state_mut());
            self.live = instantiate(&self.engine, &self.linker, &self.compiled, state)
                .unwrap_or_else(|(e, _)| panic!("re-instantiating the module to roll back a message failed: {e}"));
            if let Some(memory) = self.live.memory {
                let pages = (snapshot.heap.len() - memory.data_size(&self.live.store)) / PAGE;
                memory.grow(&mut self.live.store, pages as u64).expect("the heap had this size before");
            }
        }
        if let Some(memory) = self.live.memory {
            memory.data_mut(&mut self.live.store).copy_from_slice(&snapshot.heap);
        }
        for (global, value) in self.live.globals.iter().zip(snapshot.globals) {
            global.set(&mut self.live.store, value).expect("the global is mutable and keeps its type");
        }
    }

    /// Restores a snapshot together with the whole of stable memory (install, upgrade).
    fn restore_all(&mut self, snapshot: Snapshot, stable: Vec<u8>) {
        let state = self.state_mut();
        state.journal = None;
        state.stable = stable;
        self.restore(snapshot);
    }
}

fn did_not_reply() -> Reject {
    Reject::new(reject_code::CANISTER_ERROR, "Canister did not reply to the call")
}

fn no_update_method(method: &str) -> Reject {
    Reject::new(reject_code::DESTINATION_INVALID, format!("Canister has no update method '{method}'"))
}

/// Rewrites a module the way the IC's instrumentation does, as far as this host
/// needs: exports every mutable global, the memory and the function table under
/// host-private names (so that a message can be rolled back and callbacks found by
/// table index), and turns the start function into an export run at install time.
mod prepare {
    pub(super) struct Prepared {
        pub(super) bytes: Vec<u8>,
        pub(super) globals: Vec<String>,
    }

    struct Reader<'a> {
        bytes: &'a [u8],
        pos: usize,
    }

    impl<'a> Reader<'a> {
        fn new(bytes: &'a [u8]) -> Self {
            Reader { bytes, pos: 0 }
        }
        fn byte(&mut self) -> Result<u8, String> {
            let b = *self.bytes.get(self.pos).ok_or("invalid wasm module: unexpected end")?;
            self.pos += 1;
            Ok(b)
        }
        fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
            let end = self
                .pos
                .checked_add(n)
                .filter(|&e| e <= self.bytes.len())
                .ok_or("invalid wasm module: unexpected end")?;
            let out = &self.bytes[self.pos..end];
            self.pos = end;
            Ok(out)
        }
        fn u32(&mut self) -> Result<u32, String> {
            let mut value: u64 = 0;
            for shift in (0..35).step_by(7) {
                let b = self.byte()?;
                value |= u64::from(b & 0x7f) << shift;
                if b & 0x80 == 0 {
                    return u32::try_from(value).map_err(|_| "invalid wasm module: LEB128 overflow".to_string());
                }
            }
            Err("invalid wasm module: LEB128 too long".to_string())
        }
        /// Skips a LEB128 number of any width and sign.
        fn skip_leb(&mut self) -> Result<(), String> {
            for _ in 0..10 {
                if self.byte()? & 0x80 == 0 {
                    return Ok(());
                }
            }
            Err("invalid wasm module: LEB128 too long".to_string())
        }
        fn name(&mut self) -> Result<(), String> {
            let n = self.u32()? as usize;
            self.take(n).map(|_| ())
        }
        fn value_type(&mut self) -> Result<(), String> {
            match self.byte()? {
                0x63 | 0x64 => self.skip_leb(), // (ref null? heaptype)
                _ => Ok(()),
            }
        }
        fn limits(&mut self) -> Result<(), String> {
            let flags = self.byte()?;
            self.skip_leb()?;
            if flags & 1 != 0 {
                self.skip_leb()?;
            }
            if flags & 8 != 0 {
                self.skip_leb()?;
            }
            Ok(())
        }
        /// Skips a constant expression up to and including its `end`.
        fn const_expr(&mut self) -> Result<(), String> {
            loop {
                match self.byte()? {
                    0x0b => return Ok(()),
                    0x41 | 0x42 | 0x23 | 0xd0 | 0xd2 => self.skip_leb()?,
                    0x43 => {
                        self.take(4)?;
                    }
                    0x44 => {
                        self.take(8)?;
                    }
                    0x6a | 0x6b | 0x6c | 0x7c | 0x7d | 0x7e => {}
                    0xfd if self.u32()? == 12 => {
                        self.take(16)?;
                    }
                    op => return Err(format!("unsupported instruction 0x{op:02x} in a global's initializer")),
                }
            }
        }
    }

    fn leb(mut value: u32, out: &mut Vec<u8>) {
        loop {
            let b = (value & 0x7f) as u8;
            value >>= 7;
            if value == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    fn section(id: u8, payload: &[u8], out: &mut Vec<u8>) {
        out.push(id);
        leb(payload.len() as u32, out);
        out.extend_from_slice(payload);
    }

    /// Position of a section in the order the binary format requires (0: custom).
    fn rank(id: u8) -> u8 {
        match id {
            1..=5 => id,
            13 => 6,
            6 => 7,
            7 => 8,
            8 => 9,
            9 => 10,
            12 => 11,
            10 => 12,
            11 => 13,
            _ => 0,
        }
    }

    pub(super) fn prepare(wasm: &[u8]) -> Result<Prepared, String> {
        if wasm.len() < 8 || &wasm[..4] != b"\0asm" {
            return Err("not a wasm binary module (no \\0asm header)".to_string());
        }
        let mut reader = Reader::new(wasm);
        reader.take(8)?;
        let mut sections = Vec::new();
        while reader.pos < wasm.len() {
            let id = reader.byte()?;
            let len = reader.u32()? as usize;
            sections.push((id, reader.take(len)?));
        }

        let (mut tables, mut memories, mut imported_globals) = (0u32, 0u32, 0u32);
        let mut mutable_globals = Vec::new();
        let mut start = None;
        for &(id, payload) in &sections {
            let mut r = Reader::new(payload);
            match id {
                2 => {
                    for _ in 0..r.u32()? {
                        r.name()?;
                        r.name()?;
                        match r.byte()? {
                            0 => {
                                r.u32()?;
                            }
                            1 => {
                                r.value_type()?;
                                r.limits()?;
                                tables += 1;
                            }
                            2 => {
                                r.limits()?;
                                memories += 1;
                            }
                            3 => {
                                r.value_type()?;
                                r.byte()?;
                                imported_globals += 1;
                            }
                            4 => {
                                r.byte()?;
                                r.u32()?;
                            }
                            kind => return Err(format!("invalid wasm module: import kind {kind}")),
                        }
                    }
                }
                4 => tables += r.u32()?,
                5 => memories += r.u32()?,
                6 => {
                    for i in 0..r.u32()? {
                        r.value_type()?;
                        let mutable = r.byte()? & 1 == 1;
                        r.const_expr()?;
                        if mutable {
                            mutable_globals.push(imported_globals + i);
                        }
                    }
                }
                8 => start = Some(r.u32()?),
                _ => {}
            }
        }

        // (name, kind, index) of the exports to add.
        let mut extra: Vec<(String, u8, u32)> = Vec::new();
        let mut globals = Vec::new();
        for index in mutable_globals {
            let name = format!("{}{index}", super::GLOBAL_EXPORT_PREFIX);
            globals.push(name.clone());
            extra.push((name, 3, index));
        }
        if memories > 0 {
            extra.push((super::MEMORY_EXPORT.to_string(), 2, 0));
        }
        if tables > 0 {
            extra.push((super::TABLE_EXPORT.to_string(), 1, 0));
        }
        if let Some(func) = start {
            extra.push((super::START_EXPORT.to_string(), 0, func));
        }
        let export_section = |existing: Option<&[u8]>| -> Result<Vec<u8>, String> {
            let (count, rest) = match existing {
                Some(payload) => {
                    let mut r = Reader::new(payload);
                    let count = r.u32()?;
                    (count, &payload[r.pos..])
                }
                None => (0, &[][..]),
            };
            let mut payload = Vec::new();
            leb(count + extra.len() as u32, &mut payload);
            payload.extend_from_slice(rest);
            for (name, kind, index) in &extra {
                leb(name.len() as u32, &mut payload);
                payload.extend_from_slice(name.as_bytes());
                payload.push(*kind);
                leb(*index, &mut payload);
            }
            Ok(payload)
        };

        let mut out = wasm[..8].to_vec();
        let mut exports_written = false;
        for &(id, payload) in &sections {
            match id {
                8 => {} // the start function is exported instead
                7 => {
                    section(7, &export_section(Some(payload))?, &mut out);
                    exports_written = true;
                }
                _ => {
                    if !exports_written && rank(id) > rank(7) {
                        section(7, &export_section(None)?, &mut out);
                        exports_written = true;
                    }
                    section(id, payload, &mut out);
                }
            }
        }
        if !exports_written {
            section(7, &export_section(None)?, &mut out);
        }
        Ok(Prepared { bytes: out, globals })
    }
}
