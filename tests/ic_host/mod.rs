//! A small Internet Computer host for tests: it runs a canister's wasm module on
//! the wasmi interpreter and provides the `ic0` system API that a Rust ic-cdk 0.20
//! canister imports, so integration tests can drive the real built module without
//! a replica (none can be installed on the build machines).
//!
//! It keeps what the IC keeps between messages (the instance's heap and globals,
//! stable memory, the global timer, certified data) and gives messages the IC
//! semantics that tests rely on: a trap rolls back every change the message made,
//! stable memory included; a query's changes are always discarded; an upgrade runs
//! `canister_pre_upgrade` on the old instance and `canister_post_upgrade` on a fresh
//! instance over the same stable memory, and rolls everything back if either traps;
//! inter-canister calls are answered after the calling message, in FIFO order, by
//! the canister itself (self-calls, which ic-cdk-timers uses to run timer tasks) or
//! by a fake callee registered with [`Host::on_call`]; every message is metered
//! with the IC's instruction weights and stopped at the IC's per-message limits.
//!
//! A test tool, not the IC: no consensus, no cycles accounting, no deterministic
//! time slicing, no composite queries across canisters, wasm32 modules only. The
//! IC (dfx, PocketIC) is the real runtime.
//!
//! # Instruction counting
//!
//! wasmi meters execution with fuel. The engine is configured so that one unit of
//! fuel is one IC instruction:
//! - each wasm operator costs the IC's weight for it (dfinity/ic
//!   `rs/embedders/src/wasm_utils/instrumentation.rs`, `instruction_to_cost`): 1 for
//!   basic integer, local, load/store and constant operators, 0 for `block`, `loop`,
//!   `else`, `end`, 2 for branches and globals, 5 for `call`, 10 for `call_indirect`
//!   and integer division, more for some float operators and bulk operations;
//!   wasmi, like the IC's instrumentation, charges a block's operators when the
//!   block is entered;
//! - `memory.copy`, `memory.fill` and `memory.init` also cost one instruction per
//!   byte, as on the IC;
//! - each `ic0` call costs the IC's fixed overhead for it (`system_api_complexity.rs`,
//!   the current metering: mostly 500, `call_perform` 5,000, `is_controller` 1,000)
//!   plus one instruction per byte it copies.
//!
//! Caveats: wasmi adds one unit at the start of every function body, loop
//! iteration and `then`/`else` block; the host absorbs it for calls and `if` (their
//! weights are set one lower) but not for loops, so each loop iteration counts one
//! instruction more than on the IC. Weights above 255 (`memory.grow`, `table.grow`,
//! `data.drop`, `elem.drop`: 300 on the IC) are capped at 255 by wasmi's cost table.
//! wasmi charges a byte-copy fee for `memory.grow` that the IC does not; the host
//! refunds it at the next `ic0` call and at the end of the message (a single huge
//! `memory.grow` can still hit the limit early). The IC's charges for touched and
//! dirtied memory pages are not modelled, and neither is deterministic time slicing
//! (a 40-billion-instruction update simply runs, slowly, in one go). Expect counts
//! close to the IC's (within some percent for compute-bound code), not equal.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::ops::Range;

use wasmi::errors::{ErrorKind, FuelError, MemoryError, TableError};
use wasmi::{
    Caller, Config, CustomFuelCosts, Engine, Error, Func, Global, Instance, Linker, Memory, Module, Nullable,
    OperatorCost, Ref, Store, Table, TrapCode, Val, ValType,
};

/// Instruction limit of a query (per message).
pub const QUERY_LIMIT: u64 = 5_000_000_000;
/// Instruction limit of an update, a callback, a timer (per message; the IC reaches
/// it with deterministic time slicing, which this host does not model).
pub const UPDATE_LIMIT: u64 = 40_000_000_000;
/// Instruction limit of `canister_init`, and of `canister_pre_upgrade` and
/// `canister_post_upgrade` together.
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
    pub const SYS_FATAL: u32 = 1;
    pub const SYS_TRANSIENT: u32 = 2;
    pub const DESTINATION_INVALID: u32 = 3;
    pub const CANISTER_REJECT: u32 = 4;
    pub const CANISTER_ERROR: u32 = 5;
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
            Kind::Inspect => "inspect message",
            Kind::ReplyCallback => "reply callback",
            Kind::RejectCallback => "reject callback",
            Kind::Cleanup => "cleanup",
            Kind::Timer => "system task",
        }
    }
    fn has_arg(self) -> bool {
        matches!(
            self,
            Kind::Init
                | Kind::PostUpgrade
                | Kind::Update
                | Kind::Query
                | Kind::ReplicatedQuery
                | Kind::Inspect
                | Kind::ReplyCallback
        )
    }
    fn can_respond(self) -> bool {
        matches!(self, Kind::Update | Kind::Query | Kind::ReplicatedQuery | Kind::ReplyCallback | Kind::RejectCallback)
    }
    fn can_call(self) -> bool {
        matches!(self, Kind::Update | Kind::ReplyCallback | Kind::RejectCallback | Kind::Timer)
    }
    fn is_callback(self) -> bool {
        matches!(self, Kind::ReplyCallback | Kind::RejectCallback)
    }
    fn is_reject_callback(self) -> bool {
        self == Kind::RejectCallback
    }
    fn is_inspect(self) -> bool {
        self == Kind::Inspect
    }
    fn can_set_certified_data(self) -> bool {
        matches!(
            self,
            Kind::Init
                | Kind::PreUpgrade
                | Kind::PostUpgrade
                | Kind::Update
                | Kind::ReplyCallback
                | Kind::RejectCallback
                | Kind::Timer
        )
    }
    fn can_set_timer(self) -> bool {
        self.can_set_certified_data() || self == Kind::Cleanup
    }
    fn is_query(self) -> bool {
        self == Kind::Query
    }
    fn any(self) -> bool {
        true
    }
    fn max_reply(self) -> usize {
        if self == Kind::Query {
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
    /// Heap size up to which wasmi's `memory.grow` byte fee has been refunded.
    heap_mark: u64,
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
            heap_mark: 0,
        }
    }
}

impl State {
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

/// A wasmi error as the IC would report the trap, and whether it was the
/// instruction limit.
fn to_reject(error: &Error, limit: u64) -> (Reject, bool) {
    if let Some(HostTrap(reject)) = error.downcast_ref::<HostTrap>() {
        let out_of_instructions = reject.message == limit_message(limit);
        return (reject.clone(), out_of_instructions);
    }
    let out_of_fuel = error.as_trap_code() == Some(TrapCode::OutOfFuel)
        || matches!(
            error.kind(),
            ErrorKind::Fuel(FuelError::OutOfFuel { .. })
                | ErrorKind::Memory(MemoryError::OutOfFuel { .. })
                | ErrorKind::Table(TableError::OutOfFuel { .. })
        );
    if out_of_fuel {
        return (Reject::new(reject_code::CANISTER_ERROR, limit_message(limit)), true);
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
    (Reject::new(reject_code::CANISTER_ERROR, format!("Canister trapped: {what}")), false)
}

fn range(len: usize, start: u64, size: u64) -> Option<Range<usize>> {
    let end = start.checked_add(size)?;
    (end <= len as u64).then_some(start as usize..end as usize)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// ---------------------------------------------------------------------------
// Helpers for the ic0 functions.

type C<'a> = Caller<'a, State>;

/// Charges `base + bytes` instructions for an `ic0` call, after refunding
/// wasmi's byte fee for any `memory.grow` since the last refund.
fn charge(c: &mut C<'_>, base: u64, bytes: u64) -> Result<(), Error> {
    let heap = match c.data().memory {
        Some(memory) => memory.data_size(&*c) as u64,
        None => 0,
    };
    let state = c.data_mut();
    let refund = heap.saturating_sub(state.heap_mark);
    state.heap_mark = state.heap_mark.max(heap);
    // One more for the `call` that reached this function (see `ic_operator_costs`).
    let cost = base.saturating_add(bytes).saturating_add(1);
    let fuel = c.get_fuel()?.saturating_add(refund);
    if fuel < cost {
        c.set_fuel(0)?;
        let limit = c.data().msg.as_ref().map_or(0, |m| m.limit);
        return Err(trap(limit_message(limit)));
    }
    c.set_fuel(fuel - cost)?;
    Ok(())
}

fn msg_ref<'s>(state: &'s State, api: &str, allowed: fn(Kind) -> bool) -> Result<&'s Msg, Error> {
    let msg = state.msg.as_ref().ok_or_else(|| contract(api, "called outside a message"))?;
    if !allowed(msg.kind) {
        return Err(trap(format!(
            "Canister violated contract: \"ic0_{api}\" cannot be executed in {} mode",
            msg.kind.mode()
        )));
    }
    Ok(msg)
}

fn msg_mut<'s>(state: &'s mut State, api: &str, allowed: fn(Kind) -> bool) -> Result<&'s mut Msg, Error> {
    msg_ref(state, api, allowed)?;
    Ok(state.msg.as_mut().expect("checked above"))
}

fn heap_read(c: &C<'_>, api: &str, src: u64, size: u64) -> Result<Vec<u8>, Error> {
    let memory = c.data().memory.ok_or_else(|| contract(api, "the module has no memory"))?;
    let data = memory.data(c);
    match range(data.len(), src, size) {
        Some(r) => Ok(data[r].to_vec()),
        None => Err(contract(api, format!("heap out of bounds: {size} bytes at {src}, heap size {}", data.len()))),
    }
}

fn heap_write(c: &mut C<'_>, api: &str, dst: u64, bytes: &[u8]) -> Result<(), Error> {
    let memory = c.data().memory.ok_or_else(|| contract(api, "the module has no memory"))?;
    let data = memory.data_mut(c);
    match range(data.len(), dst, bytes.len() as u64) {
        Some(r) => {
            data[r].copy_from_slice(bytes);
            Ok(())
        }
        None => {
            Err(contract(api, format!("heap out of bounds: {} bytes at {dst}, heap size {}", bytes.len(), data.len())))
        }
    }
}

/// The `*_copy(dst, offset, size)` pattern: copies `source[offset..offset + size]`
/// into the heap at `dst`.
fn copy_out(
    c: &mut C<'_>,
    api: &str,
    dst: u32,
    offset: u32,
    size: u32,
    source: fn(&State, &str) -> Result<Vec<u8>, Error>,
) -> Result<(), Error> {
    charge(c, 500, u64::from(size))?;
    let all = source(c.data(), api)?;
    let part = range(all.len(), u64::from(offset), u64::from(size))
        .ok_or_else(|| contract(api, format!("offset {offset} + size {size} exceeds the data length {}", all.len())))?;
    heap_write(c, api, u64::from(dst), &all[part])
}

fn write_u128(c: &mut C<'_>, api: &str, dst: u32, value: u128) -> Result<(), Error> {
    heap_write(c, api, u64::from(dst), &value.to_le_bytes())
}

fn read_text(c: &C<'_>, api: &str, src: u32, size: u32) -> Result<String, Error> {
    let bytes = heap_read(c, api, u64::from(src), u64::from(size))?;
    String::from_utf8(bytes).map_err(|_| contract(api, "the text is not UTF-8"))
}

fn stable_write(c: &mut C<'_>, api: &str, offset: u64, src: u64, size: u64) -> Result<(), Error> {
    charge(c, 20, size)?;
    let memory = c.data().memory.ok_or_else(|| contract(api, "the module has no memory"))?;
    let (heap, state) = memory.data_and_store_mut(c);
    let from = range(heap.len(), src, size).ok_or_else(|| contract(api, "heap out of bounds"))?;
    let to = range(state.stable.len(), offset, size).ok_or_else(|| trap("Stable memory out of bounds"))?;
    if let Some(journal) = state.journal.as_mut() {
        journal.save(&state.stable, to.start, to.len());
    }
    state.stable[to].copy_from_slice(&heap[from]);
    Ok(())
}

fn stable_read(c: &mut C<'_>, api: &str, dst: u64, offset: u64, size: u64) -> Result<(), Error> {
    charge(c, 20, size)?;
    let memory = c.data().memory.ok_or_else(|| contract(api, "the module has no memory"))?;
    let (heap, state) = memory.data_and_store_mut(c);
    let to = range(heap.len(), dst, size).ok_or_else(|| contract(api, "heap out of bounds"))?;
    let from = range(state.stable.len(), offset, size).ok_or_else(|| trap("Stable memory out of bounds"))?;
    heap[to].copy_from_slice(&state.stable[from]);
    Ok(())
}

/// Grows stable memory; returns the old size in pages, or `None` past the cap.
fn stable_grow(state: &mut State, new_pages: u64, max_pages: u64) -> Option<u64> {
    let old = (state.stable.len() / PAGE) as u64;
    let new = old.checked_add(new_pages)?;
    if new > max_pages.min(state.max_stable_pages) {
        return None;
    }
    state.stable.resize(new as usize * PAGE, 0);
    Some(old)
}

fn call_in_prep<'s>(state: &'s mut State, api: &str) -> Result<&'s mut OutCall, Error> {
    msg_mut(state, api, Kind::can_call)?
        .call_in_prep
        .as_mut()
        .ok_or_else(|| contract(api, "no call is in preparation (ic0.call_new first)"))
}

fn u128_of(high: u64, low: u64) -> u128 {
    (u128::from(high) << 64) | u128::from(low)
}

fn env_value(state: &State, name: &str) -> Option<String> {
    state.env_vars.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
}

/// The `ic0` functions, all of ic0 1.2 (the crate ic-cdk 0.20 binds) plus the
/// older 32-bit stable memory and 64-bit cycles functions, with wasm32 types
/// (`usize` is `i32`).
fn build_linker(engine: &Engine) -> (Linker<State>, HashSet<&'static str>) {
    let mut linker = Linker::<State>::new(engine);
    let mut names = HashSet::new();
    macro_rules! def {
        ($name:literal, $f:expr) => {{
            linker.func_wrap("ic0", $name, $f).expect("each ic0 function is defined once");
            names.insert($name);
        }};
    }

    // Message argument, caller, method name, reject information.
    def!("msg_arg_data_size", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, 500, 0)?;
        Ok(msg_ref(c.data(), "msg_arg_data_size", Kind::has_arg)?.arg.len() as u32)
    });
    def!("msg_arg_data_copy", |mut c: C<'_>, dst: u32, off: u32, size: u32| -> Result<(), Error> {
        copy_out(&mut c, "msg_arg_data_copy", dst, off, size, |s, api| Ok(msg_ref(s, api, Kind::has_arg)?.arg.clone()))
    });
    def!("msg_caller_size", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, 500, 0)?;
        Ok(msg_ref(c.data(), "msg_caller_size", Kind::any)?.caller.len() as u32)
    });
    def!("msg_caller_copy", |mut c: C<'_>, dst: u32, off: u32, size: u32| -> Result<(), Error> {
        copy_out(&mut c, "msg_caller_copy", dst, off, size, |s, api| Ok(msg_ref(s, api, Kind::any)?.caller.clone()))
    });
    def!("msg_caller_info_data_size", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, 500, 0)?;
        Ok(0)
    });
    def!("msg_caller_info_data_copy", |mut c: C<'_>, dst: u32, off: u32, size: u32| -> Result<(), Error> {
        copy_out(&mut c, "msg_caller_info_data_copy", dst, off, size, |_, _| Ok(Vec::new()))
    });
    def!("msg_caller_info_signer_size", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, 500, 0)?;
        Ok(0)
    });
    def!("msg_caller_info_signer_copy", |mut c: C<'_>, dst: u32, off: u32, size: u32| -> Result<(), Error> {
        copy_out(&mut c, "msg_caller_info_signer_copy", dst, off, size, |_, _| Ok(Vec::new()))
    });
    def!("msg_method_name_size", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, 500, 0)?;
        Ok(msg_ref(c.data(), "msg_method_name_size", Kind::is_inspect)?.method.len() as u32)
    });
    def!("msg_method_name_copy", |mut c: C<'_>, dst: u32, off: u32, size: u32| -> Result<(), Error> {
        copy_out(&mut c, "msg_method_name_copy", dst, off, size, |s, api| {
            Ok(msg_ref(s, api, Kind::is_inspect)?.method.clone().into_bytes())
        })
    });
    def!("accept_message", |mut c: C<'_>| -> Result<(), Error> {
        charge(&mut c, 500, 0)?;
        let msg = msg_mut(c.data_mut(), "accept_message", Kind::is_inspect)?;
        if msg.accepted {
            return Err(contract("accept_message", "the message was already accepted"));
        }
        msg.accepted = true;
        Ok(())
    });
    def!("msg_reject_code", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, 500, 0)?;
        Ok(msg_ref(c.data(), "msg_reject_code", Kind::is_callback)?.reject.as_ref().map_or(0, |r| r.0))
    });
    def!("msg_reject_msg_size", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, 500, 0)?;
        let msg = msg_ref(c.data(), "msg_reject_msg_size", Kind::is_reject_callback)?;
        Ok(msg.reject.as_ref().map_or(0, |r| r.1.len() as u32))
    });
    def!("msg_reject_msg_copy", |mut c: C<'_>, dst: u32, off: u32, size: u32| -> Result<(), Error> {
        copy_out(&mut c, "msg_reject_msg_copy", dst, off, size, |s, api| {
            Ok(msg_ref(s, api, Kind::is_reject_callback)?
                .reject
                .as_ref()
                .map(|r| r.1.clone().into_bytes())
                .unwrap_or_default())
        })
    });
    def!("msg_deadline", |mut c: C<'_>| -> Result<u64, Error> {
        charge(&mut c, 500, 0)?;
        Ok(0)
    });

    // Replying.
    def!("msg_reply_data_append", |mut c: C<'_>, src: u32, size: u32| -> Result<(), Error> {
        let api = "msg_reply_data_append";
        charge(&mut c, 500, u64::from(size))?;
        let bytes = heap_read(&c, api, u64::from(src), u64::from(size))?;
        let msg = msg_mut(c.data_mut(), api, Kind::can_respond)?;
        if !msg.may_respond || msg.response.is_some() {
            return Err(contract(api, "the call has already been replied to or rejected"));
        }
        msg.reply_buf.extend_from_slice(&bytes);
        let max = msg.kind.max_reply();
        if msg.reply_buf.len() > max {
            let len = msg.reply_buf.len();
            return Err(contract(api, format!("application payload size ({len}) cannot be larger than {max}")));
        }
        Ok(())
    });
    def!("msg_reply", |mut c: C<'_>| -> Result<(), Error> {
        charge(&mut c, 500, 0)?;
        let msg = msg_mut(c.data_mut(), "msg_reply", Kind::can_respond)?;
        if !msg.may_respond || msg.response.is_some() {
            return Err(contract("msg_reply", "the call has already been replied to or rejected"));
        }
        msg.response = Some(Ok(std::mem::take(&mut msg.reply_buf)));
        Ok(())
    });
    def!("msg_reject", |mut c: C<'_>, src: u32, size: u32| -> Result<(), Error> {
        charge(&mut c, 500, u64::from(size))?;
        let text = String::from_utf8_lossy(&heap_read(&c, "msg_reject", u64::from(src), u64::from(size))?).into_owned();
        let msg = msg_mut(c.data_mut(), "msg_reject", Kind::can_respond)?;
        if !msg.may_respond || msg.response.is_some() {
            return Err(contract("msg_reject", "the call has already been replied to or rejected"));
        }
        msg.response = Some(Err(Reject::new(reject_code::CANISTER_REJECT, text)));
        Ok(())
    });

    // Cycles: the host keeps a balance but no accounting; messages carry none.
    def!("msg_cycles_available128", |mut c: C<'_>, dst: u32| -> Result<(), Error> {
        charge(&mut c, 500, 0)?;
        write_u128(&mut c, "msg_cycles_available128", dst, 0)
    });
    def!("msg_cycles_refunded128", |mut c: C<'_>, dst: u32| -> Result<(), Error> {
        charge(&mut c, 500, 0)?;
        write_u128(&mut c, "msg_cycles_refunded128", dst, 0)
    });
    def!("msg_cycles_accept128", |mut c: C<'_>, _high: u64, _low: u64, dst: u32| -> Result<(), Error> {
        charge(&mut c, 500, 0)?;
        write_u128(&mut c, "msg_cycles_accept128", dst, 0)
    });
    def!("cycles_burn128", |mut c: C<'_>, high: u64, low: u64, dst: u32| -> Result<(), Error> {
        charge(&mut c, 500, 0)?;
        let state = c.data_mut();
        let burned = u128_of(high, low).min(state.cycle_balance);
        state.cycle_balance -= burned;
        write_u128(&mut c, "cycles_burn128", dst, burned)
    });
    def!("canister_cycle_balance128", |mut c: C<'_>, dst: u32| -> Result<(), Error> {
        charge(&mut c, 500, 0)?;
        let balance = c.data().cycle_balance;
        write_u128(&mut c, "canister_cycle_balance128", dst, balance)
    });
    def!("canister_liquid_cycle_balance128", |mut c: C<'_>, dst: u32| -> Result<(), Error> {
        charge(&mut c, 500, 0)?;
        let balance = c.data().cycle_balance;
        write_u128(&mut c, "canister_liquid_cycle_balance128", dst, balance)
    });
    def!("canister_cycle_balance", |mut c: C<'_>| -> Result<u64, Error> {
        charge(&mut c, 500, 0)?;
        u64::try_from(c.data().cycle_balance)
            .map_err(|_| contract("canister_cycle_balance", "the balance exceeds 64 bits"))
    });
    def!("msg_cycles_available", |mut c: C<'_>| -> Result<u64, Error> {
        charge(&mut c, 500, 0)?;
        Ok(0)
    });
    def!("msg_cycles_refunded", |mut c: C<'_>| -> Result<u64, Error> {
        charge(&mut c, 500, 0)?;
        Ok(0)
    });
    def!("msg_cycles_accept", |mut c: C<'_>, _max: u64| -> Result<u64, Error> {
        charge(&mut c, 500, 0)?;
        Ok(0)
    });

    // The canister and its subnet.
    def!("canister_self_size", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, 500, 0)?;
        Ok(c.data().canister_id.len() as u32)
    });
    def!("canister_self_copy", |mut c: C<'_>, dst: u32, off: u32, size: u32| -> Result<(), Error> {
        copy_out(&mut c, "canister_self_copy", dst, off, size, |s, _| Ok(s.canister_id.clone()))
    });
    def!("canister_status", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, 500, 0)?;
        Ok(1) // running
    });
    def!("canister_version", |mut c: C<'_>| -> Result<u64, Error> {
        charge(&mut c, 500, 0)?;
        Ok(c.data().canister_version)
    });
    def!("subnet_self_size", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, 500, 0)?;
        Ok(c.data().subnet_id.len() as u32)
    });
    def!("subnet_self_copy", |mut c: C<'_>, dst: u32, off: u32, size: u32| -> Result<(), Error> {
        copy_out(&mut c, "subnet_self_copy", dst, off, size, |s, _| Ok(s.subnet_id.clone()))
    });
    def!("subnet_self_node_count", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, 500, 0)?;
        Ok(13)
    });
    def!("is_controller", |mut c: C<'_>, src: u32, size: u32| -> Result<u32, Error> {
        charge(&mut c, 1000, 0)?;
        if size > 29 {
            return Err(contract("is_controller", format!("{size} bytes are not a principal")));
        }
        let principal = heap_read(&c, "is_controller", u64::from(src), u64::from(size))?;
        Ok(u32::from(c.data().controllers.contains(&principal)))
    });
    def!("in_replicated_execution", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, 500, 0)?;
        let kind = msg_ref(c.data(), "in_replicated_execution", Kind::any)?.kind;
        Ok(u32::from(!matches!(kind, Kind::Query | Kind::Inspect)))
    });
    def!("root_key_size", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, 500, 0)?;
        Ok(c.data().root_key.len() as u32)
    });
    def!("root_key_copy", |mut c: C<'_>, dst: u32, off: u32, size: u32| -> Result<(), Error> {
        copy_out(&mut c, "root_key_copy", dst, off, size, |s, _| Ok(s.root_key.clone()))
    });

    // Inter-canister calls: recorded here, sent when the message completes without trapping.
    def!("call_new", |mut c: C<'_>,
                      callee_src: u32,
                      callee_size: u32,
                      name_src: u32,
                      name_size: u32,
                      reply_fun: u32,
                      reply_env: u32,
                      reject_fun: u32,
                      reject_env: u32|
     -> Result<(), Error> {
        charge(&mut c, 1500, u64::from(callee_size) + u64::from(name_size))?;
        let callee = heap_read(&c, "call_new", u64::from(callee_src), u64::from(callee_size))?;
        let method = read_text(&c, "call_new", name_src, name_size)?;
        let msg = msg_mut(c.data_mut(), "call_new", Kind::can_call)?;
        // A call still in preparation is discarded, as on the IC.
        msg.call_in_prep = Some(OutCall {
            context: 0,
            callee,
            method,
            arg: Vec::new(),
            reply: (reply_fun, u64::from(reply_env)),
            reject: (reject_fun, u64::from(reject_env)),
            cleanup: None,
            cycles: 0,
            timeout_seconds: None,
        });
        Ok(())
    });
    def!("call_on_cleanup", |mut c: C<'_>, fun: u32, env: u32| -> Result<(), Error> {
        charge(&mut c, 500, 0)?;
        let call = call_in_prep(c.data_mut(), "call_on_cleanup")?;
        if call.cleanup.is_some() {
            return Err(contract("call_on_cleanup", "the cleanup callback is already set"));
        }
        call.cleanup = Some((fun, u64::from(env)));
        Ok(())
    });
    def!("call_data_append", |mut c: C<'_>, src: u32, size: u32| -> Result<(), Error> {
        charge(&mut c, 500, u64::from(size))?;
        let bytes = heap_read(&c, "call_data_append", u64::from(src), u64::from(size))?;
        let call = call_in_prep(c.data_mut(), "call_data_append")?;
        call.arg.extend_from_slice(&bytes);
        if call.arg.len() > MAX_ARG {
            let len = call.arg.len();
            return Err(contract("call_data_append", format!("the call's payload ({len} bytes) exceeds {MAX_ARG}")));
        }
        Ok(())
    });
    def!("call_cycles_add128", |mut c: C<'_>, high: u64, low: u64| -> Result<(), Error> {
        charge(&mut c, 500, 0)?;
        let call = call_in_prep(c.data_mut(), "call_cycles_add128")?;
        call.cycles = call.cycles.saturating_add(u128_of(high, low));
        Ok(())
    });
    def!("call_cycles_add", |mut c: C<'_>, amount: u64| -> Result<(), Error> {
        charge(&mut c, 500, 0)?;
        let call = call_in_prep(c.data_mut(), "call_cycles_add")?;
        call.cycles = call.cycles.saturating_add(u128::from(amount));
        Ok(())
    });
    def!("call_with_best_effort_response", |mut c: C<'_>, timeout_seconds: u32| -> Result<(), Error> {
        charge(&mut c, 500, 0)?;
        let call = call_in_prep(c.data_mut(), "call_with_best_effort_response")?;
        if call.timeout_seconds.is_some() {
            return Err(contract("call_with_best_effort_response", "the timeout is already set"));
        }
        call.timeout_seconds = Some(timeout_seconds);
        Ok(())
    });
    def!("call_perform", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, 5000, 0)?;
        let msg = msg_mut(c.data_mut(), "call_perform", Kind::can_call)?;
        let call = msg.call_in_prep.take().ok_or_else(|| contract("call_perform", "no call is in preparation"))?;
        msg.outgoing.push(call);
        Ok(0)
    });
    def!("cost_call", |mut c: C<'_>, method_name_size: u64, payload_size: u64, dst: u32| -> Result<(), Error> {
        charge(&mut c, 500, 0)?;
        // An application subnet's fees: 260K cycles per call, 1K per byte.
        let cost = 260_000 + 1_000 * u128::from(method_name_size.saturating_add(payload_size));
        write_u128(&mut c, "cost_call", dst, cost)
    });
    def!("cost_create_canister", |mut c: C<'_>, dst: u32| -> Result<(), Error> {
        charge(&mut c, 500, 0)?;
        write_u128(&mut c, "cost_create_canister", dst, 500_000_000_000)
    });
    def!("cost_http_request", |mut c: C<'_>, request_size: u64, max_res_bytes: u64, dst: u32| -> Result<(), Error> {
        charge(&mut c, 500, 0)?;
        let cost = 49_140_000 + 5_200 * u128::from(request_size) + 10_400 * u128::from(max_res_bytes);
        write_u128(&mut c, "cost_http_request", dst, cost)
    });
    def!("cost_http_request_v2", |mut c: C<'_>, _src: u32, _size: u32, dst: u32| -> Result<(), Error> {
        charge(&mut c, 500, 0)?;
        write_u128(&mut c, "cost_http_request_v2", dst, 49_140_000)
    });
    def!("cost_sign_with_ecdsa", |mut c: C<'_>, _src: u32, _size: u32, _curve: u32, dst: u32| -> Result<u32, Error> {
        charge(&mut c, 500, 0)?;
        write_u128(&mut c, "cost_sign_with_ecdsa", dst, 26_153_846_153)?;
        Ok(0)
    });
    def!("cost_sign_with_schnorr", |mut c: C<'_>, _src: u32, _size: u32, _alg: u32, dst: u32| -> Result<u32, Error> {
        charge(&mut c, 500, 0)?;
        write_u128(&mut c, "cost_sign_with_schnorr", dst, 26_153_846_153)?;
        Ok(0)
    });
    def!("cost_vetkd_derive_key", |mut c: C<'_>, _src: u32, _size: u32, _curve: u32, dst: u32| -> Result<u32, Error> {
        charge(&mut c, 500, 0)?;
        write_u128(&mut c, "cost_vetkd_derive_key", dst, 26_153_846_153)?;
        Ok(0)
    });

    // Stable memory, 64-bit and the older 32-bit API.
    def!("stable64_size", |mut c: C<'_>| -> Result<u64, Error> {
        charge(&mut c, 20, 0)?;
        Ok((c.data().stable.len() / PAGE) as u64)
    });
    def!("stable64_grow", |mut c: C<'_>, new_pages: u64| -> Result<u64, Error> {
        charge(&mut c, 500, 0)?;
        Ok(stable_grow(c.data_mut(), new_pages, u64::MAX).unwrap_or(u64::MAX))
    });
    def!("stable64_write", |mut c: C<'_>, offset: u64, src: u64, size: u64| -> Result<(), Error> {
        stable_write(&mut c, "stable64_write", offset, src, size)
    });
    def!("stable64_read", |mut c: C<'_>, dst: u64, offset: u64, size: u64| -> Result<(), Error> {
        stable_read(&mut c, "stable64_read", dst, offset, size)
    });
    def!("stable_size", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, 20, 0)?;
        u32::try_from(c.data().stable.len() / PAGE).map_err(|_| contract("stable_size", "stable memory exceeds 4 GiB"))
    });
    def!("stable_grow", |mut c: C<'_>, new_pages: u32| -> Result<i32, Error> {
        charge(&mut c, 500, 0)?;
        Ok(stable_grow(c.data_mut(), u64::from(new_pages), 65536).map_or(-1, |old| old as i32))
    });
    def!("stable_write", |mut c: C<'_>, offset: u32, src: u32, size: u32| -> Result<(), Error> {
        stable_write(&mut c, "stable_write", u64::from(offset), u64::from(src), u64::from(size))
    });
    def!("stable_read", |mut c: C<'_>, dst: u32, offset: u32, size: u32| -> Result<(), Error> {
        stable_read(&mut c, "stable_read", u64::from(dst), u64::from(offset), u64::from(size))
    });

    // Certified data.
    def!("certified_data_set", |mut c: C<'_>, src: u32, size: u32| -> Result<(), Error> {
        charge(&mut c, 500, u64::from(size))?;
        msg_ref(c.data(), "certified_data_set", Kind::can_set_certified_data)?;
        if size > 32 {
            return Err(contract("certified_data_set", format!("{size} bytes exceed the 32 bytes of certified data")));
        }
        let data = heap_read(&c, "certified_data_set", u64::from(src), u64::from(size))?;
        c.data_mut().certified_data = data;
        Ok(())
    });
    def!("data_certificate_present", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, 500, 0)?;
        let state = c.data();
        let query = state.msg.as_ref().is_some_and(|m| m.kind == Kind::Query);
        Ok(u32::from(query && state.data_certificate.is_some()))
    });
    def!("data_certificate_size", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, 500, 0)?;
        msg_ref(c.data(), "data_certificate_size", Kind::is_query)?;
        let size = c.data().data_certificate.as_ref().map(Vec::len);
        size.map(|s| s as u32).ok_or_else(|| contract("data_certificate_size", "no data certificate is present"))
    });
    def!("data_certificate_copy", |mut c: C<'_>, dst: u32, off: u32, size: u32| -> Result<(), Error> {
        copy_out(&mut c, "data_certificate_copy", dst, off, size, |s, api| {
            msg_ref(s, api, Kind::is_query)?;
            s.data_certificate.clone().ok_or_else(|| contract(api, "no data certificate is present"))
        })
    });

    // Time, timer, performance counter.
    def!("time", |mut c: C<'_>| -> Result<u64, Error> {
        charge(&mut c, 500, 0)?;
        Ok(c.data().time)
    });
    def!("global_timer_set", |mut c: C<'_>, timestamp: u64| -> Result<u64, Error> {
        charge(&mut c, 500, 0)?;
        msg_ref(c.data(), "global_timer_set", Kind::can_set_timer)?;
        Ok(std::mem::replace(&mut c.data_mut().global_timer, timestamp))
    });
    def!("performance_counter", |mut c: C<'_>, counter_type: u32| -> Result<u64, Error> {
        charge(&mut c, 200, 0)?;
        let fuel = c.get_fuel()?;
        let msg = msg_ref(c.data(), "performance_counter", Kind::any)?;
        let current = msg.limit.saturating_sub(fuel);
        match counter_type {
            0 => Ok(current),
            1 => Ok(msg.context_instructions + current),
            other => Err(contract("performance_counter", format!("unknown counter type {other}"))),
        }
    });

    // Environment variables.
    def!("env_var_count", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, 500, 0)?;
        Ok(c.data().env_vars.len() as u32)
    });
    def!("env_var_name_size", |mut c: C<'_>, index: u32| -> Result<u32, Error> {
        charge(&mut c, 500, 0)?;
        let name = c.data().env_vars.get(index as usize).map(|(n, _)| n.len() as u32);
        name.ok_or_else(|| contract("env_var_name_size", format!("no environment variable {index}")))
    });
    def!("env_var_name_copy", |mut c: C<'_>, index: u32, dst: u32, off: u32, size: u32| -> Result<(), Error> {
        charge(&mut c, 500, u64::from(size))?;
        let name = c.data().env_vars.get(index as usize).map(|(n, _)| n.clone().into_bytes());
        let name = name.ok_or_else(|| contract("env_var_name_copy", format!("no environment variable {index}")))?;
        let part = range(name.len(), u64::from(off), u64::from(size))
            .ok_or_else(|| contract("env_var_name_copy", "offset + size exceeds the name"))?;
        heap_write(&mut c, "env_var_name_copy", u64::from(dst), &name[part])
    });
    def!("env_var_name_exists", |mut c: C<'_>, src: u32, size: u32| -> Result<u32, Error> {
        charge(&mut c, 500, u64::from(size))?;
        let name = read_text(&c, "env_var_name_exists", src, size)?;
        Ok(u32::from(env_value(c.data(), &name).is_some()))
    });
    def!("env_var_value_size", |mut c: C<'_>, src: u32, size: u32| -> Result<u32, Error> {
        charge(&mut c, 500, u64::from(size))?;
        let name = read_text(&c, "env_var_value_size", src, size)?;
        let value = env_value(c.data(), &name);
        value
            .map(|v| v.len() as u32)
            .ok_or_else(|| contract("env_var_value_size", format!("no environment variable {name}")))
    });
    def!("env_var_value_copy", |mut c: C<'_>,
                                src: u32,
                                size: u32,
                                dst: u32,
                                off: u32,
                                len: u32|
     -> Result<(), Error> {
        charge(&mut c, 500, u64::from(size) + u64::from(len))?;
        let name = read_text(&c, "env_var_value_copy", src, size)?;
        let value = env_value(c.data(), &name)
            .ok_or_else(|| contract("env_var_value_copy", format!("no environment variable {name}")))?;
        let part = range(value.len(), u64::from(off), u64::from(len))
            .ok_or_else(|| contract("env_var_value_copy", "offset + size exceeds the value"))?;
        heap_write(&mut c, "env_var_value_copy", u64::from(dst), &value.as_bytes()[part])
    });

    // Debugging and trapping.
    def!("debug_print", |mut c: C<'_>, src: u32, size: u32| -> Result<(), Error> {
        charge(&mut c, 100, u64::from(size))?;
        let line =
            String::from_utf8_lossy(&heap_read(&c, "debug_print", u64::from(src), u64::from(size))?).into_owned();
        let state = c.data_mut();
        if state.echo_debug {
            eprintln!("[canister] {line}");
        }
        state.debug_log.push(line);
        Ok(())
    });
    def!("trap", |mut c: C<'_>, src: u32, size: u32| -> Result<(), Error> {
        charge(&mut c, 500, u64::from(size))?;
        let text = String::from_utf8_lossy(&heap_read(&c, "trap", u64::from(src), u64::from(size))?).into_owned();
        Err(trap(format!("Canister called `ic0.trap` with message: '{text}'")))
    });

    (linker, names)
}

/// The IC's instruction weights for wasm operators (see the module docs).
fn ic_operator_costs() -> OperatorCost {
    // wasmi's default: 1 per operator, 0 for nop, drop, block, loop, unreachable,
    // return, else, end. The IC charges 0 only for block, loop, else and end.
    let mut c = OperatorCost {
        nop: 1,
        drop: 1,
        unreachable: 1,
        return_: 1,
        // wasmi charges one unit at the start of every function body, loop iteration and
        // `then`/`else` block on top of the operators' costs. `call`, `call_indirect` and
        // `if` are one lower than on the IC to absorb it (calls to `ic0` functions, which
        // have no body, get their unit back in `charge`); a loop iteration costs one more.
        if_: 1,
        br: 2,
        br_if: 2,
        br_table: 2,
        call: 4,
        call_indirect: 9,
        return_call: 2,
        return_call_indirect: 59,
        global_get: 2,
        global_set: 2,
        table_get: 5,
        table_set: 5,
        memory_size: 20,
        table_size: 100,
        memory_grow: 255, // 300 on the IC; wasmi's table holds u8
        table_grow: 255,
        data_drop: 255,
        elem_drop: 255,
        memory_copy: 100,
        memory_fill: 100,
        memory_init: 100,
        table_copy: 100,
        table_fill: 100,
        table_init: 100,
        ref_is_null: 5,
        ref_func: 130,
        ..OperatorCost::default()
    };
    for div in [
        &mut c.i32_div_s,
        &mut c.i32_div_u,
        &mut c.i32_rem_s,
        &mut c.i32_rem_u,
        &mut c.i64_div_s,
        &mut c.i64_div_u,
        &mut c.i64_rem_s,
        &mut c.i64_rem_u,
    ] {
        *div = 10;
    }
    for simple_float in [
        &mut c.f32_add,
        &mut c.f32_sub,
        &mut c.f32_mul,
        &mut c.f32_ceil,
        &mut c.f32_floor,
        &mut c.f32_trunc,
        &mut c.f32_nearest,
        &mut c.f64_add,
        &mut c.f64_sub,
        &mut c.f64_mul,
        &mut c.f64_ceil,
        &mut c.f64_floor,
        &mut c.f64_trunc,
        &mut c.f64_nearest,
        &mut c.f32_copysign,
    ] {
        *simple_float = 2;
    }
    c.f32_div = 3;
    c.f64_div = 5;
    c.f32_sqrt = 5;
    c.f64_sqrt = 8;
    c.f64_copysign = 3;
    for min_max in [&mut c.f32_min, &mut c.f32_max, &mut c.f64_min, &mut c.f64_max] {
        *min_max = 18;
    }
    for compare in [
        &mut c.f32_eq,
        &mut c.f32_ne,
        &mut c.f32_lt,
        &mut c.f32_gt,
        &mut c.f32_le,
        &mut c.f32_ge,
        &mut c.f64_eq,
        &mut c.f64_ne,
        &mut c.f64_lt,
        &mut c.f64_gt,
        &mut c.f64_le,
        &mut c.f64_ge,
        &mut c.f32_convert_i32_s,
        &mut c.f64_convert_i64_s,
        &mut c.f32_convert_i64_s,
        &mut c.f64_convert_i32_s,
    ] {
        *compare = 3;
    }
    for unsigned_convert in
        [&mut c.f64_convert_i32_u, &mut c.f32_convert_i64_u, &mut c.f32_convert_i32_u, &mut c.f64_convert_i64_u]
    {
        *unsigned_convert = 16;
    }
    for truncate in [
        &mut c.i32_trunc_f32_s,
        &mut c.i32_trunc_f32_u,
        &mut c.i32_trunc_f64_s,
        &mut c.i32_trunc_f64_u,
        &mut c.i64_trunc_f32_s,
        &mut c.i64_trunc_f32_u,
        &mut c.i64_trunc_f64_s,
        &mut c.i64_trunc_f64_u,
        &mut c.i32_trunc_sat_f32_s,
        &mut c.i32_trunc_sat_f32_u,
        &mut c.i32_trunc_sat_f64_s,
        &mut c.i32_trunc_sat_f64_u,
        &mut c.i64_trunc_sat_f32_s,
        &mut c.i64_trunc_sat_f32_u,
        &mut c.i64_trunc_sat_f64_s,
        &mut c.i64_trunc_sat_f64_u,
    ] {
        *truncate = 20;
    }
    c
}

fn new_engine() -> Engine {
    let mut config = Config::default();
    config
        .consume_fuel(true)
        .operator_cost(ic_operator_costs())
        // One instruction per byte that memory.copy/fill/init move, as on the IC;
        // lazy translation of functions costs nothing (it is not canister work).
        .fuel_cost(CustomFuelCosts {
            bytes_copied_per_fuel: 1,
            fuel_per_bytes_translated: 0,
            fuel_per_bytes_validated: 0,
        })
        .set_max_recursion_depth(100_000)
        .set_max_stack_height(64 << 20);
    Engine::new(&config)
}

/// A compiled, prepared module and the names of its exported mutable globals.
struct Compiled {
    module: Module,
    globals: Vec<String>,
}

fn compile(engine: &Engine, provided: &HashSet<&'static str>, wasm: &[u8]) -> Result<Compiled, String> {
    let prepared = prepare::prepare(wasm)?;
    let module = Module::new(engine, &prepared.bytes).map_err(|e| format!("invalid wasm module: {e}"))?;
    let missing: Vec<String> = module
        .imports()
        .filter(|i| !(i.module() == "ic0" && provided.contains(i.name())))
        .map(|i| format!("{}.{}", i.module(), i.name()))
        .collect();
    if !missing.is_empty() {
        return Err(format!("the module imports what this IC test host does not provide: {}", missing.join(", ")));
    }
    Ok(Compiled { module, globals: prepared.globals })
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
    // No canister code runs here (a start function is exported, not started), but
    // initialising data segments may use fuel.
    store.set_fuel(u64::MAX / 4).expect("fuel metering is enabled");
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
    log: Vec<MessageStat>,
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
            log: Vec::new(),
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
    pub fn set_cycle_balance(&mut self, cycles: u128) {
        self.state_mut().cycle_balance = cycles;
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
        self.state_mut().memory = memory;
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
        let before = self.capture();
        let stable_before = self.state().stable.clone();
        match self.run_hooks(Kind::Init, "canister_init", arg, self.limits.install) {
            Ok(used) => {
                self.installed = true;
                self.state_mut().canister_version += 1;
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
    /// `canister_post_upgrade` with `arg`, within one install budget. Outstanding calls
    /// are answered first (the IC upgrades a stopped canister). If anything fails, the
    /// old module, heap and stable memory stay.
    pub fn upgrade(&mut self, wasm: &[u8], arg: &[u8]) -> Result<(), String> {
        if !self.installed {
            return Err("no module is installed; use install".to_string());
        }
        self.run_pending_calls();
        self.log.clear();
        let compiled = compile(&self.engine, &self.provided, wasm)?;
        let before = self.capture();
        let stable_before = self.state().stable.clone();
        let budget = self.limits.install;
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
        let export = ["canister_query ", "canister_composite_query "]
            .iter()
            .map(|prefix| format!("{prefix}{method}"))
            .find(|e| self.has_export(e))
            .ok_or_else(|| {
                Reject::new(reject_code::DESTINATION_INVALID, format!("Canister has no query method '{method}'"))
            })?;
        let msg = Msg::new(Kind::Query, arg.to_vec(), self.caller.clone(), method, self.limits.query);
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
        if !self.installed || timer == 0 || self.state().time < timer {
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
        let ctx = self.open_context(Origin::Ingress(id), self.caller.clone(), method);
        let (_, used) =
            self.run_in_context(ctx, &Entry::Export(export), kind, arg.to_vec(), None, &format!("update {method}"));
        self.last_instructions = used;
        self.close_if_done(ctx);
        Ok(())
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
        let context = &self.contexts[&ctx];
        let mut msg = Msg::new(kind, arg, context.caller.clone(), &context.method, self.limits.update);
        msg.reject = reject;
        msg.may_respond = !context.responded;
        msg.context_instructions = context.instructions;
        let discard = kind == Kind::ReplicatedQuery;
        let ex = self.execute(entry, msg, discard);
        self.log_message(label, &ex);
        let context = self.contexts.get_mut(&ctx).expect("the context is open");
        context.instructions += ex.instructions;
        if let Some(t) = &ex.trap {
            context.trap = Some(t.clone());
            return (ex.trap, ex.instructions);
        }
        context.outstanding += ex.msg.outgoing.len();
        if let Some(response) = ex.msg.response {
            self.respond(ctx, response);
        }
        for mut call in ex.msg.outgoing {
            call.context = ctx;
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
    }

    fn deliver_request(&mut self, id: u64) {
        let call = &self.calls[&id];
        let (callee, method, arg) = (call.callee.clone(), call.method.clone(), call.arg.clone());
        if callee == self.canister_id() {
            let Some((export, kind)) = self.update_export(&method) else {
                self.queue.push_back(Event::Response(id, Err(no_update_method(&method))));
                return;
            };
            let ctx = self.open_context(Origin::Call(id), callee, &method);
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
        self.contexts.get_mut(&ctx).expect("the caller's context waits for this response").outstanding -= 1;
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
            self.run_in_context(ctx, &Entry::Callback { fun, env }, Kind::Cleanup, Vec::new(), None, &label);
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
        let heap_start = self.heap_bytes() as u64;
        {
            let state = self.state_mut();
            state.journal = Some(Journal { len: state.stable.len(), pages: HashMap::new() });
            state.msg = Some(msg);
            state.heap_mark = heap_start;
        }
        self.live.store.set_fuel(limit).expect("fuel metering is enabled");
        let result = self.invoke(entry);
        let left = self.live.store.get_fuel().unwrap_or(0);
        let heap_end = self.heap_bytes() as u64;
        let state = self.state_mut();
        let msg = state.msg.take().expect("the message is still in the store");
        // wasmi's memory.grow byte fee not yet refunded.
        let unrefunded = heap_end.saturating_sub(state.heap_mark);
        let mut instructions = limit.saturating_sub(left).saturating_sub(unrefunded);
        let trap = match result {
            Ok(()) => None,
            Err(error) => {
                let (reject, out_of_instructions) = to_reject(&error, limit);
                if out_of_instructions {
                    instructions = limit;
                }
                Some(reject)
            }
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
                self.live.store.set_fuel(u64::MAX / 4).expect("fuel metering is enabled");
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
