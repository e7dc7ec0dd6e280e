//! The host against what the IC does, on small hand-written canisters whose
//! cost and behaviour are known by hand: the meter (executed blocks only, bulk
//! memory per byte, system-API overheads, written stable pages, compilation),
//! the query limit however a query is called, the system API's contexts, calls
//! in flight across an upgrade, stopping, cycles that run low, injected faults.
//!
//! `cargo test --release -p ic-host --test ic_semantics`

use ic_host::{fees, reject_code, Fault, Host, Limits, Status, COMPILE_COST_PER_INSTRUCTION};
use std::cell::RefCell;
use std::rc::Rc;

const IMPORTS: &str = r#"
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_caller_size" (func $caller_size (result i32)))
  (import "ic0" "msg_reject_code" (func $reject_code (result i32)))
  (import "ic0" "time" (func $time (result i64)))
  (import "ic0" "global_timer_set" (func $timer_set (param i64) (result i64)))
  (import "ic0" "certified_data_set" (func $certify (param i32 i32)))
  (import "ic0" "stable64_grow" (func $grow (param i64) (result i64)))
  (import "ic0" "stable64_write" (func $write (param i64 i64 i64)))
  (import "ic0" "call_new" (func $call_new (param i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "ic0" "call_on_cleanup" (func $call_on_cleanup (param i32 i32)))
  (import "ic0" "call_with_best_effort_response" (func $best_effort (param i32)))
  (import "ic0" "call_perform" (func $call_perform (result i32)))
  (import "ic0" "canister_liquid_cycle_balance128" (func $liquid (param i32)))
  (memory 1)
  (data (i32.const 1000) "\01\02\03")
  (data (i32.const 1010) "m")
  (func $reply_i32 (param $v i32)
    (i32.store (i32.const 64) (local.get $v))
    (call $append (i32.const 64) (i32.const 4))
    (call $reply))
  ;; Calls method `m` of canister 010203 with reply callback $reply_fun (table
  ;; index), reject callback 1, cleanup $cleanup (-1: none), best effort if
  ;; $timeout > 0; replies with call_perform's result unless it was 0.
  (func $call (param $reply_fun i32) (param $cleanup i32) (param $timeout i32)
    (local $err i32)
    (call $call_new (i32.const 1000) (i32.const 3) (i32.const 1010) (i32.const 1)
                    (local.get $reply_fun) (i32.const 0) (i32.const 1) (i32.const 0))
    (if (i32.ge_s (local.get $cleanup) (i32.const 0))
      (then (call $call_on_cleanup (local.get $cleanup) (i32.const 0))))
    (if (i32.gt_s (local.get $timeout) (i32.const 0))
      (then (call $best_effort (local.get $timeout))))
    (local.set $err (call $call_perform))
    (if (local.get $err) (then (call $reply_i32 (local.get $err)))))
"#;

fn module(body: &str) -> Vec<u8> {
    wat::parse_str(format!("(module {IMPORTS} {body})")).unwrap_or_else(|e| panic!("does not assemble: {e}"))
}

fn installed(body: &str) -> Host {
    let mut host = Host::new(&module(body)).expect("module loads");
    host.install(b"").expect("install");
    host
}

fn int(bytes: &[u8]) -> u32 {
    u32::from_le_bytes(bytes[..4].try_into().expect("4 bytes"))
}

const FIFTY_DROPS: &str = "(drop (i32.const 1)) (drop (i32.const 1)) (drop (i32.const 1)) (drop (i32.const 1)) \
    (drop (i32.const 1)) (drop (i32.const 1)) (drop (i32.const 1)) (drop (i32.const 1)) (drop (i32.const 1)) \
    (drop (i32.const 1))";

#[test]
fn the_meter_charges_executed_blocks_bulk_bytes_system_calls_and_written_pages() {
    let ten = FIFTY_DROPS; // ten pairs
    let fifty = [ten; 5].concat();
    let mut host = installed(&format!(
        r#"
      (func (export "canister_update skip_taken") (block $b (br_if $b (i32.const 1)) {fifty}) (call $reply))
      (func (export "canister_update skip_not_taken") (block $b (br_if $b (i32.const 0)) {fifty}) (call $reply))
      (func (export "canister_update fill") (memory.fill (i32.const 0) (i32.const 7) (i32.const 1000)) (call $reply))
      (func (export "canister_update stable")
        (drop (call $grow (i64.const 1)))
        (call $write (i64.const 4000) (i64.const 0) (i64.const 5000))
        (call $write (i64.const 4000) (i64.const 0) (i64.const 5000))
        (call $reply))"#
    ));
    // Function start 1, block 0, i32.const 1, br_if 2 | (the 100 skipped operators) |
    // call 5, end 0; msg_reply's overhead 500.
    host.update("skip_taken", b"").unwrap();
    assert_eq!(host.last_instructions(), 4 + 5 + 500);
    host.update("skip_not_taken", b"").unwrap();
    assert_eq!(host.last_instructions(), 4 + 100 + 5 + 500);
    // 1 + three constants + memory.fill 100 + call 5, then 1,000 bytes, then msg_reply.
    host.update("fill", b"").unwrap();
    assert_eq!(host.last_instructions(), 1 + 3 + 100 + 5 + 1_000 + 500);
    // Static: 1 + (const, call, drop) 7 + (3 consts, call) 8 twice + call 5 = 29;
    // stable64_grow 500; the first write 20 + 5,000 bytes + 3 new 4 KiB pages
    // (bytes 4000..9000) x 1,000; the second write of the same pages 20 + 5,000;
    // msg_reply 500.
    host.update("stable", b"").unwrap();
    assert_eq!(host.last_instructions(), 29 + 500 + (20 + 5_000 + 3_000) + (20 + 5_000) + 500);
}

#[test]
fn install_charges_compilation_within_the_install_limit() {
    let wasm = wat::parse_str(
        r#"(module (import "ic0" "msg_reply" (func $reply)) (func (export "canister_update f") (call $reply)))"#,
    )
    .unwrap();
    // One body of 2 operators (call, end) plus the 10 the metering adds at its
    // start, and the counter global (2): 14 instructions to compile.
    let mut host = Host::new(&wasm).unwrap();
    host.install(b"").unwrap();
    assert_eq!(host.last_compile_instructions(), 14 * COMPILE_COST_PER_INSTRUCTION);

    let mut host = Host::new(&wasm).unwrap();
    host.set_limits(Limits { install: 14 * COMPILE_COST_PER_INSTRUCTION - 1, ..Limits::default() });
    let error = host.install(b"").unwrap_err();
    assert!(error.contains("compiling the module"), "{error}");
}

#[test]
fn a_query_method_gets_the_query_limit_however_it_is_called() {
    let mut host = installed(
        r#"
      (func (export "canister_query spin") (loop $l (br $l)))
      (func (export "canister_update spin_update") (loop $l (br $l)))"#,
    );
    host.set_limits(Limits { query: 1_000_000, update: 3_000_000, ..Limits::default() });
    for reject in [host.query("spin", b"").unwrap_err(), host.update("spin", b"").unwrap_err()] {
        assert!(reject.message.contains("limit of 1000000 instructions"), "{reject}");
    }
    let reject = host.update("spin_update", b"").unwrap_err();
    assert!(reject.message.contains("limit of 3000000 instructions"), "{reject}");
    assert_eq!(host.last_instructions(), 3_000_000);
}

/// Callbacks: 0 replies 1, 1 (reject) stores the code at 0 and replies it, 2 is a
/// cleanup that calls what `*` allows (caller, time, reject code, timer), 3 is a
/// cleanup that sets certified data, 4 a reply callback that traps.
const CALLBACKS: &str = r#"
  (table 5 funcref)
  (elem (i32.const 0) $on_reply $on_reject $cleanup_allowed $cleanup_certify $on_reply_trap)
  (func $on_reply (param i32) (call $reply_i32 (i32.const 1)))
  (func $on_reject (param i32) (call $reply_i32 (call $reject_code)))
  (func $on_reply_trap (param i32) (unreachable))
  (func $cleanup_allowed (param i32)
    (drop (call $caller_size)) (drop (call $time)) (drop (call $timer_set (i64.const 0)))
    (i32.store (i32.const 0) (i32.add (i32.const 100) (call $reject_code))))
  (func $cleanup_certify (param i32) (call $certify (i32.const 0) (i32.const 0)))
  (func (export "canister_update call") (call $call (i32.const 0) (i32.const -1) (i32.const 0)))
  (func (export "canister_update call_best_effort") (call $call (i32.const 0) (i32.const -1) (i32.const 10)))
  (func (export "canister_update trap_then_cleanup") (call $call (i32.const 4) (i32.const 2) (i32.const 0)))
  (func (export "canister_update trap_then_certify") (call $call (i32.const 4) (i32.const 3) (i32.const 0)))
  (func (export "canister_query cleanup_mark") (call $reply_i32 (i32.load (i32.const 0))))
  (func (export "canister_query liquid") (call $liquid (i32.const 64)) (call $append (i32.const 64) (i32.const 16)) (call $reply))
"#;

#[test]
fn each_context_may_call_only_what_the_specification_lists() {
    let mut host = installed(CALLBACKS);
    host.on_call(|_, _, _| Ok(b"x".to_vec()));
    // Cleanup may read the caller and the time and set the timer (`*`, `C`)...
    assert!(host.update("trap_then_cleanup", b"").is_err());
    assert_eq!(int(&host.query("cleanup_mark", b"").unwrap()), 100, "cleanup ran and committed, reject code 0");
    // ...but not set certified data: the cleanup traps and its changes are discarded.
    assert!(host.update("trap_then_certify", b"").is_err());
    let cleanup = host.message_log().iter().find(|m| m.label.starts_with("cleanup")).expect("a cleanup ran");
    let trap = cleanup.trap.as_ref().expect("the cleanup trapped");
    assert!(trap.message.contains("\"ic0_certified_data_set\" cannot be executed in cleanup mode"), "{trap}");

    // canister_pre_upgrade may not read an argument (it has none: `G` is not listed).
    let with_pre_upgrade = format!("{CALLBACKS} (func (export \"canister_pre_upgrade\") (drop (call $arg_size)))");
    let mut host = installed(&with_pre_upgrade);
    let error = host.upgrade(&module(CALLBACKS), b"").unwrap_err();
    assert!(error.contains("\"ic0_msg_arg_data_size\" cannot be executed in pre upgrade mode"), "{error}");
}

#[test]
fn a_call_in_flight_at_an_upgrade_is_answered_in_the_new_module() {
    let v2 = CALLBACKS.replace(
        "(func $on_reply (param i32) (call $reply_i32 (i32.const 1)))",
        "(func $on_reply (param i32) (call $reply_i32 (i32.const 2)))",
    );
    let mut host = installed(CALLBACKS);
    host.on_call(|_, _, _| Ok(b"x".to_vec()));
    let id = host.submit_update("call", b"");
    assert_eq!(host.pending_calls(), 1);
    host.upgrade(&module(&v2), b"").expect("the IC does not wait for outstanding calls");
    host.run_pending_calls();
    assert_eq!(int(&host.await_update(id).unwrap()), 2, "the reply ran the new module's callback");

    // A new module without that callback: the response traps, the caller sees it.
    let id = host.submit_update("call", b"");
    let no_table = r#"(func (export "canister_update other") (call $reply))"#;
    host.upgrade(&module(no_table), b"").unwrap();
    host.run_pending_calls();
    let reject = host.await_update(id).unwrap_err();
    assert_eq!(reject.code, reject_code::CANISTER_ERROR);
    assert!(reject.message.contains("function table"), "{reject}");
}

#[test]
fn a_stopping_canister_takes_no_new_calls_and_stops_when_its_calls_are_answered() {
    let mut host = installed(CALLBACKS);
    host.on_call(|_, _, _| Ok(b"x".to_vec()));
    let id = host.submit_update("call", b"");
    host.stop();
    assert_eq!(host.status(), Status::Stopping);
    let refused = host.update("call", b"").unwrap_err();
    assert_eq!((refused.code, refused.message.as_str()), (reject_code::CANISTER_ERROR, "Canister is stopping"));
    host.run_pending_calls();
    assert_eq!(host.status(), Status::Stopped);
    assert_eq!(int(&host.await_update(id).unwrap()), 1, "the outstanding call was answered before stopping");
    assert!(host.query("cleanup_mark", b"").is_err(), "a stopped canister answers nothing");
    host.start();
    assert_eq!(int(&host.update("call", b"").unwrap()), 1);
}

#[test]
fn cycles_run_down_and_a_low_balance_refuses_messages_and_calls() {
    let mut host = installed(CALLBACKS);
    host.on_call(|_, _, _| Ok(b"xyz".to_vec()));
    let start = 100_000_000_000_000u128;
    host.set_cycle_balance(start);
    assert_eq!(int(&host.update("call", b"").unwrap()), 1);
    let log = host.message_log().to_vec();
    assert_eq!(log.len(), 2);
    // Two executions, the call's fee and its request (callee id not counted:
    // method name "m", empty argument) and response (3 bytes) bytes.
    let expected = start
        - fees::execution(log[0].instructions)
        - fees::execution(log[1].instructions)
        - fees::XNET_CALL
        - fees::XNET_BYTE * (1 + 3);
    assert_eq!(host.cycle_balance(), expected);

    host.set_freezing_reserve(1_000);
    let liquid = host.query("liquid", b"").unwrap();
    assert_eq!(u128::from_le_bytes(liquid[..16].try_into().unwrap()), expected - 1_000);

    // Enough to run a message (40 B instructions prepaid) but not for a call's
    // reservation (about 42 B): call_perform answers SYS_TRANSIENT.
    host.set_freezing_reserve(0);
    host.set_cycle_balance(41_000_000_000);
    assert_eq!(int(&host.update("call", b"").unwrap()), reject_code::SYS_TRANSIENT);
    // Not enough for a message at all.
    host.set_cycle_balance(1_000_000_000);
    let refused = host.update("call", b"").unwrap_err();
    assert_eq!(refused.code, reject_code::SYS_TRANSIENT);
    assert!(refused.message.contains("out of cycles"), "{refused}");
}

#[test]
fn injected_faults_and_expired_deadlines_reach_the_reject_callback() {
    let mut host = installed(CALLBACKS);
    let callee_runs = Rc::new(RefCell::new(0));
    let runs = callee_runs.clone();
    host.on_call(move |_, _, _| {
        *runs.borrow_mut() += 1;
        Ok(b"x".to_vec())
    });
    let codes = [
        reject_code::SYS_FATAL,
        reject_code::SYS_TRANSIENT,
        reject_code::DESTINATION_INVALID,
        reject_code::CANISTER_REJECT,
        reject_code::CANISTER_ERROR,
        reject_code::SYS_UNKNOWN,
    ];
    for code in codes {
        host.inject_fault(&[1, 2, 3], "m", Fault::Reject(code, "injected".into()));
        assert_eq!(int(&host.update("call", b"").unwrap()), code);
    }
    assert_eq!(*callee_runs.borrow(), 0, "a rejected call never reached the callee");
    assert_eq!(int(&host.update("call", b"").unwrap()), 1, "faults are used up");

    // A best-effort call that times out: the callee ran, the caller does not know.
    host.inject_fault(&[1, 2, 3], "m", Fault::Timeout);
    assert_eq!(int(&host.update("call_best_effort", b"").unwrap()), reject_code::SYS_UNKNOWN);
    assert_eq!(*callee_runs.borrow(), 2);

    // A best-effort call whose 10 s deadline passes before the response arrives.
    let id = host.submit_update("call_best_effort", b"");
    host.advance_time(11_000_000_000);
    host.run_pending_calls();
    assert_eq!(int(&host.await_update(id).unwrap()), reject_code::SYS_UNKNOWN);
    // Within the deadline it is answered.
    let id = host.submit_update("call_best_effort", b"");
    host.advance_time(9_000_000_000);
    host.run_pending_calls();
    assert_eq!(int(&host.await_update(id).unwrap()), 1);
}
