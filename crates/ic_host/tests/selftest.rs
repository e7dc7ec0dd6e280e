//! The IC test host (`crates/ic_host`) checked against small hand-written canisters
//! in WAT: install, replies and rejects, rollback of a trapping message (stable
//! memory included), stable memory across an upgrade, the global timer, the
//! instruction counter and limits, calls to a fake callee and to the canister
//! itself, a missing import. The last test runs the real canister module when
//! scripts/build.sh has built it.
//!
//! `cargo test --release -p ic-host --test selftest`

use candid::{Decode, Encode};
use ic_host::{reject_code, Host, Limits, Reject, INSTALL_LIMIT, QUERY_LIMIT, UPDATE_LIMIT};
use std::cell::RefCell;
use std::rc::Rc;

/// The ic0 imports the test canisters use, and helpers to reply.
const PRELUDE: &str = r#"
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_caller_size" (func $caller_size (result i32)))
  (import "ic0" "msg_caller_copy" (func $caller_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $reply_append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_reject" (func $reject (param i32 i32)))
  (import "ic0" "msg_reject_code" (func $reject_code (result i32)))
  (import "ic0" "msg_reject_msg_size" (func $reject_msg_size (result i32)))
  (import "ic0" "msg_reject_msg_copy" (func $reject_msg_copy (param i32 i32 i32)))
  (import "ic0" "trap" (func $trap (param i32 i32)))
  (import "ic0" "debug_print" (func $print (param i32 i32)))
  (import "ic0" "stable64_size" (func $stable_size (result i64)))
  (import "ic0" "stable64_grow" (func $stable_grow (param i64) (result i64)))
  (import "ic0" "stable64_write" (func $stable_write (param i64 i64 i64)))
  (import "ic0" "stable64_read" (func $stable_read (param i64 i64 i64)))
  (import "ic0" "time" (func $time (result i64)))
  (import "ic0" "global_timer_set" (func $timer_set (param i64) (result i64)))
  (import "ic0" "performance_counter" (func $perf (param i32) (result i64)))
  (import "ic0" "canister_self_size" (func $self_size (result i32)))
  (import "ic0" "canister_self_copy" (func $self_copy (param i32 i32 i32)))
  (import "ic0" "is_controller" (func $is_controller (param i32 i32) (result i32)))
  (import "ic0" "certified_data_set" (func $certify (param i32 i32)))
  (import "ic0" "call_new" (func $call_new (param i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "ic0" "call_on_cleanup" (func $call_on_cleanup (param i32 i32)))
  (import "ic0" "call_data_append" (func $call_data_append (param i32 i32)))
  (import "ic0" "call_perform" (func $call_perform (result i32)))

  ;; Memory: [0] counter, [4] length of the init/upgrade argument, [16] timer count,
  ;; [20] cleanup count, [32..48) scratch for replies, [1024..) constants,
  ;; [2048..) caller, [4096..) arguments.
  (memory 1)
  (global $g (mut i32) (i32.const 0))
  (data (i32.const 1024) "boom")
  (data (i32.const 1028) "nope")
  (data (i32.const 1100) "echo")
  (data (i32.const 1110) "inc")
  (data (i32.const 1120) "init ran")
  (data (i32.const 1200) "\01\02\03")

  (func $reply_bytes (param $ptr i32) (param $len i32)
    (call $reply_append (local.get $ptr) (local.get $len))
    (call $reply))
  (func $reply_i32 (param $v i32)
    (i32.store (i32.const 32) (local.get $v))
    (call $reply_bytes (i32.const 32) (i32.const 4)))
  (func $load_arg (call $arg_copy (i32.const 4096) (i32.const 0) (call $arg_size)))
"#;

/// The canister most tests use: a counter, the init argument, stable memory.
const BASE: &str = r#"
  (func (export "canister_init")
    (i32.store (i32.const 4) (call $arg_size))
    (call $load_arg)
    (call $print (i32.const 1120) (i32.const 8)))
  (func (export "canister_query init_arg")
    (call $reply_bytes (i32.const 4096) (i32.load (i32.const 4))))
  (func (export "canister_query whoami")
    (call $caller_copy (i32.const 2048) (i32.const 0) (call $caller_size))
    (call $reply_bytes (i32.const 2048) (call $caller_size)))
  (func (export "canister_query am_i_controller")
    (call $caller_copy (i32.const 2048) (i32.const 0) (call $caller_size))
    (call $reply_i32 (call $is_controller (i32.const 2048) (call $caller_size))))
  (func $inc
    (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
    (call $reply_i32 (i32.load (i32.const 0))))
  (func (export "canister_update inc") (call $inc))
  (func (export "canister_query inc_in_query") (call $inc))
  (func (export "canister_query get") (call $reply_i32 (i32.load (i32.const 0))))
  (func (export "canister_query get_global") (call $reply_i32 (global.get $g)))
  (func (export "canister_update set_global") (global.set $g (i32.const 5)) (call $reply))
  (func (export "canister_update no_reply"))
  (func (export "canister_update reject") (call $reject (i32.const 1028) (i32.const 4)))
  (func (export "canister_update reply_twice") (call $reply) (call $reply))
  (func (export "canister_update certify")
    (call $load_arg)
    (call $certify (i32.const 4096) (call $arg_size))
    (call $reply))
  (func (export "canister_query certify_in_query")
    (call $certify (i32.const 1024) (i32.const 4))
    (call $reply))

  ;; Stable memory: `stable_put` writes its argument at offset 0, `stable_get`
  ;; replies with the first three bytes.
  (func (export "canister_update stable_put")
    (if (i64.eqz (call $stable_size)) (then (drop (call $stable_grow (i64.const 1)))))
    (call $load_arg)
    (call $stable_write (i64.const 0) (i64.const 4096) (i64.extend_i32_u (call $arg_size)))
    (call $reply))
  (func (export "canister_query stable_get")
    (call $stable_read (i64.const 4096) (i64.const 0) (i64.const 3))
    (call $reply_bytes (i32.const 4096) (i32.const 3)))

  ;; Changes every kind of state a message can change, then traps.
  (func (export "canister_update change_everything_then_trap")
    (drop (call $stable_grow (i64.const 1)))
    (i32.store (i32.const 4096) (i32.const 0x636261))
    (call $stable_write (i64.const 0) (i64.const 4096) (i64.const 3))
    (i32.store (i32.const 0) (i32.const 99))
    (global.set $g (i32.const 7))
    (drop (memory.grow (i32.const 2)))
    (drop (call $timer_set (i64.const 123)))
    (call $certify (i32.const 1024) (i32.const 4))
    (call $trap (i32.const 1024) (i32.const 4)))

  ;; The global timer: `arm` sets it 1000 ns ahead, the timer counts its runs.
  (func (export "canister_update arm")
    (drop (call $timer_set (i64.add (call $time) (i64.const 1000))))
    (call $reply))
  (func (export "canister_global_timer")
    (i32.store (i32.const 16) (i32.add (i32.load (i32.const 16)) (i32.const 1))))
  (func (export "canister_query timer_runs") (call $reply_i32 (i32.load (i32.const 16))))
  (func (export "canister_query arm_in_query")
    (drop (call $timer_set (i64.const 1)))
    (call $reply))

  ;; `spin n`: loops n times; replies with performance_counter(0) before and after.
  (func (export "canister_update spin")
    (local $n i32) (local $before i64)
    (call $arg_copy (i32.const 32) (i32.const 0) (i32.const 4))
    (local.set $n (i32.load (i32.const 32)))
    (local.set $before (call $perf (i32.const 0)))
    (block $done
      (loop $again
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $again)))
    (i64.store (i32.const 32) (local.get $before))
    (i64.store (i32.const 40) (call $perf (i32.const 0)))
    (call $reply_bytes (i32.const 32) (i32.const 16)))
  (func (export "canister_update bump_then_spin")
    (local $n i32)
    (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
    (local.set $n (i32.const 1000000))
    (block $done
      (loop $again
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $again)))
    (call $reply))

  ;; Calls. The callbacks are entries of the function table.
  (table 4 funcref)
  (elem (i32.const 0) $on_reply $on_reject $on_cleanup $on_reply_trap)
  ;; reply: the callee's reply followed by the environment as one byte
  (func $on_reply (param $env i32)
    (call $load_arg)
    (i32.store8 (i32.add (i32.const 4096) (call $arg_size)) (local.get $env))
    (call $reply_bytes (i32.const 4096) (i32.add (call $arg_size) (i32.const 1))))
  ;; reject: the reject code (4 bytes) followed by the reject message
  (func $on_reject (param $env i32)
    (i32.store (i32.const 4096) (call $reject_code))
    (call $reject_msg_copy (i32.const 4100) (i32.const 0) (call $reject_msg_size))
    (call $reply_bytes (i32.const 4096) (i32.add (i32.const 4) (call $reject_msg_size))))
  (func $on_cleanup (param $env i32)
    (i32.store (i32.const 20) (i32.add (i32.load (i32.const 20)) (i32.const 1))))
  (func $on_reply_trap (param $env i32)
    (i32.store (i32.const 0) (i32.const 555))
    (call $trap (i32.const 1024) (i32.const 4)))
  ;; `call arg`: calls method `echo` of canister 0x010203 with arg, envs 7 and 8.
  (func (export "canister_update call")
    (call $call_new (i32.const 1200) (i32.const 3) (i32.const 1100) (i32.const 4)
                    (i32.const 0) (i32.const 7) (i32.const 1) (i32.const 8))
    (call $load_arg)
    (call $call_data_append (i32.const 4096) (call $arg_size))
    (drop (call $call_perform)))
  (func (export "canister_update call_then_trap_in_callback")
    (call $call_new (i32.const 1200) (i32.const 3) (i32.const 1100) (i32.const 4)
                    (i32.const 3) (i32.const 0) (i32.const 1) (i32.const 0))
    (call $call_on_cleanup (i32.const 2) (i32.const 0))
    (drop (call $call_perform)))
  (func (export "canister_update call_then_trap")
    (call $call_new (i32.const 1200) (i32.const 3) (i32.const 1100) (i32.const 4)
                    (i32.const 0) (i32.const 7) (i32.const 1) (i32.const 8))
    (drop (call $call_perform))
    (call $trap (i32.const 1024) (i32.const 4)))
  ;; `call_self`: calls this canister's own `inc`, environment 9.
  (func (export "canister_update call_self")
    (call $self_copy (i32.const 1300) (i32.const 0) (call $self_size))
    (call $call_new (i32.const 1300) (call $self_size) (i32.const 1110) (i32.const 3)
                    (i32.const 0) (i32.const 9) (i32.const 1) (i32.const 0))
    (drop (call $call_perform)))
  (func (export "canister_query call_in_query")
    (call $call_new (i32.const 1200) (i32.const 3) (i32.const 1100) (i32.const 4)
                    (i32.const 0) (i32.const 7) (i32.const 1) (i32.const 8)))
  (func (export "canister_query cleanup_runs") (call $reply_i32 (i32.load (i32.const 20))))
"#;

/// Saves the counter to stable memory at offset 100 before an upgrade.
const PRE_UPGRADE: &str = r#"
  (func (export "canister_pre_upgrade")
    (if (i64.eqz (call $stable_size)) (then (drop (call $stable_grow (i64.const 1)))))
    (call $stable_write (i64.const 100) (i64.const 0) (i64.const 4)))
"#;

/// Restores the counter from stable memory and keeps the upgrade argument.
const POST_UPGRADE: &str = r#"
  (func (export "canister_post_upgrade")
    (i32.store (i32.const 4) (call $arg_size))
    (call $load_arg)
    (call $stable_read (i64.const 0) (i64.const 100) (i64.const 4)))
  (func (export "canister_query version") (call $reply_bytes (i32.const 1110) (i32.const 3)))
"#;

fn wasm(parts: &[&str]) -> Vec<u8> {
    let text = format!("(module {PRELUDE} {})", parts.concat());
    wat::parse_str(&text).unwrap_or_else(|e| panic!("test canister does not assemble: {e}"))
}

fn installed(parts: &[&str]) -> Host {
    let mut host = Host::new(&wasm(parts)).expect("module loads");
    host.install(b"init-arg").expect("install");
    host
}

fn int(reply: Result<Vec<u8>, Reject>) -> u32 {
    let bytes = reply.expect("a reply");
    u32::from_le_bytes(bytes[..4].try_into().expect("4 bytes"))
}

#[test]
fn install_runs_init_with_the_argument_and_the_installer_as_caller() {
    let mut host = Host::new(&wasm(&[BASE])).unwrap();
    assert_eq!(host.query("get", b"").unwrap_err().code, reject_code::DESTINATION_INVALID, "not installed yet");
    host.set_caller(&[7, 7, 7]);
    host.install(b"hello").unwrap();
    assert!(host.last_instructions() > 0);
    assert_eq!(host.query("init_arg", b"").unwrap(), b"hello");
    assert_eq!(host.debug_log(), ["init ran"]);
    assert_eq!(host.query("whoami", b"").unwrap(), [7, 7, 7]);
    assert!(host.install(b"again").is_err(), "install twice");

    host.set_caller(&[1]);
    assert_eq!(int(host.query("am_i_controller", b"")), 0);
    host.set_controllers(vec![vec![1]]);
    assert_eq!(int(host.query("am_i_controller", b"")), 1);
}

#[test]
fn queries_and_updates_reply_and_only_updates_keep_changes() {
    let mut host = installed(&[BASE]);
    assert_eq!(int(host.update("inc", b"")), 1);
    assert_eq!(int(host.update("inc", b"")), 2);
    assert_eq!(int(host.query("inc_in_query", b"")), 3, "the query sees and changes the state...");
    assert_eq!(int(host.query("inc_in_query", b"")), 3, "...but its change is discarded");
    assert_eq!(int(host.query("get", b"")), 2);
    // A query method called as an update runs replicated; its changes are discarded too.
    assert_eq!(int(host.update("inc_in_query", b"")), 3);
    assert_eq!(int(host.query("get", b"")), 2);

    let reject = host.update("reject", b"").unwrap_err();
    assert_eq!(reject, Reject { code: reject_code::CANISTER_REJECT, message: "nope".into() });
    let no_reply = host.update("no_reply", b"").unwrap_err();
    assert_eq!(no_reply.code, reject_code::CANISTER_ERROR);
    assert!(no_reply.message.contains("did not reply"), "{no_reply}");
    let twice = host.update("reply_twice", b"").unwrap_err();
    assert!(twice.message.contains("already been replied"), "{twice}");
    let missing = host.update("nonexistent", b"").unwrap_err();
    assert_eq!(missing.code, reject_code::DESTINATION_INVALID);
    assert!(host.query("inc", b"").is_err(), "an update method is not a query");

    assert_eq!(host.update("certify", b"0123456789").unwrap(), b"");
    assert_eq!(host.certified_data(), b"0123456789");
    let in_query = host.query("certify_in_query", b"").unwrap_err();
    assert!(in_query.message.contains("cannot be executed in non replicated query mode"), "{in_query}");
}

#[test]
fn a_trap_rolls_back_heap_globals_stable_memory_and_host_state() {
    let mut host = installed(&[BASE]);
    host.update("inc", b"").unwrap();
    host.update("set_global", b"").unwrap();
    host.update("stable_put", b"xyz").unwrap();
    host.update("certify", b"ok").unwrap();
    let (heap, stable) = (host.heap_bytes(), host.stable_bytes());
    assert_eq!(stable, 65536);

    let reject = host.update("change_everything_then_trap", b"").unwrap_err();
    assert_eq!(reject.code, reject_code::CANISTER_ERROR);
    assert!(reject.message.contains("Canister called `ic0.trap` with message: 'boom'"), "{reject}");

    assert_eq!(int(host.query("get", b"")), 1, "heap restored");
    assert_eq!(int(host.query("get_global", b"")), 5, "globals restored");
    assert_eq!(host.query("stable_get", b"").unwrap(), b"xyz", "stable memory restored");
    assert_eq!(host.stable_bytes(), stable, "stable memory size restored");
    assert_eq!(host.heap_bytes(), heap, "heap size restored");
    assert_eq!(host.global_timer(), None, "timer restored");
    assert_eq!(host.certified_data(), b"ok", "certified data restored");
    // The canister works on after the rollback.
    assert_eq!(int(host.update("inc", b"")), 2);
}

#[test]
fn stable_memory_survives_an_upgrade_and_a_failed_upgrade_changes_nothing() {
    let mut host = installed(&[BASE, PRE_UPGRADE]);
    host.update("inc", b"").unwrap();
    host.update("inc", b"").unwrap();
    host.update("set_global", b"").unwrap();
    host.update("stable_put", b"xyz").unwrap();
    let version = host.canister_version();

    // A new module whose post_upgrade traps: everything stays as it was.
    let broken = r#"(func (export "canister_post_upgrade") (call $trap (i32.const 1024) (i32.const 4)))"#;
    let stable_before = host.stable_memory().to_vec();
    let error = host.upgrade(&wasm(&[BASE, broken]), b"").unwrap_err();
    assert!(error.contains("canister_post_upgrade trapped") && error.contains("boom"), "{error}");
    assert_eq!(host.stable_memory(), stable_before, "pre_upgrade's write is undone");
    assert_eq!(int(host.query("get", b"")), 2);
    assert_eq!(int(host.query("get_global", b"")), 5);
    assert!(host.query("version", b"").is_err(), "still the old module");
    assert_eq!(host.canister_version(), version);

    host.upgrade(&wasm(&[BASE, POST_UPGRADE]), b"upgrade-arg").unwrap();
    assert!(host.last_instructions() > 0);
    assert_eq!(host.query("version", b"").unwrap(), b"inc", "the new module runs");
    assert_eq!(host.query("stable_get", b"").unwrap(), b"xyz", "stable memory kept");
    assert_eq!(int(host.query("get", b"")), 2, "the counter went through stable memory");
    assert_eq!(int(host.query("get_global", b"")), 0, "the heap and globals are fresh");
    assert_eq!(host.query("init_arg", b"").unwrap(), b"upgrade-arg");
    assert_eq!(host.canister_version(), version + 1);
    assert_eq!(host.debug_log(), ["init ran"], "canister_init does not run on upgrade");
}

#[test]
fn the_global_timer_fires_when_due_and_only_then() {
    let mut host = installed(&[BASE]);
    assert!(!host.fire_timer().unwrap(), "no timer set");
    host.update("arm", b"").unwrap();
    let due = host.time() + 1000;
    assert_eq!(host.global_timer(), Some(due));
    host.advance_time(999);
    assert!(!host.fire_timer().unwrap(), "not due yet");
    host.advance_time(1);
    assert!(host.fire_timer().unwrap());
    assert_eq!(int(host.query("timer_runs", b"")), 1);
    assert_eq!(host.global_timer(), None, "a timer fires once");
    assert!(!host.fire_timer().unwrap());

    let in_query = host.query("arm_in_query", b"").unwrap_err();
    assert!(in_query.message.contains("global_timer_set"), "{in_query}");
}

#[test]
fn instructions_are_counted_and_limits_enforced() {
    let mut host = installed(&[BASE]);
    let spin = |host: &mut Host, n: u32| {
        let reply = host.update("spin", &n.to_le_bytes()).unwrap();
        let before = u64::from_le_bytes(reply[..8].try_into().unwrap());
        let after = u64::from_le_bytes(reply[8..].try_into().unwrap());
        (before, after, host.last_instructions())
    };
    let (before, after, total) = spin(&mut host, 10_000);
    assert!(0 < before && before < after && after < total, "{before} {after} {total}");
    // Each round of the loop: local.get, i32.eqz, br_if (2) | local.get, i32.const,
    // i32.sub, local.set, br (2) = 10 instructions; the last round stops after its
    // first block (4); then the block after the loop up to the function's end (18:
    // 9 simple operators, two calls of 5) and the second counter call's 200.
    assert_eq!(after - before, 10 * 10_000 + 4 + 18 + 200);
    let (_, _, total_100k) = spin(&mut host, 100_000);
    assert!(total_100k > total + 800_000, "{total_100k} vs {total}");

    assert_eq!(
        host.limits(),
        Limits { query: QUERY_LIMIT, update: UPDATE_LIMIT, install: INSTALL_LIMIT, ..host.limits() }
    );
    host.set_limits(Limits { update: 1_000_000, ..host.limits() });
    let reject = host.update("bump_then_spin", b"").unwrap_err();
    assert_eq!(reject.code, reject_code::CANISTER_ERROR);
    assert!(reject.message.contains("exceeded the limit of 1000000 instructions"), "{reject}");
    assert_eq!(host.last_instructions(), 1_000_000);
    assert_eq!(int(host.query("get", b"")), 0, "the message's changes are rolled back");
    host.set_limits(Limits::default());
    host.update("bump_then_spin", b"").unwrap();
    assert!(host.last_instructions() > 10_000_000);
    assert_eq!(int(host.query("get", b"")), 1);
}

#[test]
fn calls_reach_the_fake_callee_and_its_reply_or_reject_reaches_the_callback() {
    let mut host = installed(&[BASE]);
    let seen = Rc::new(RefCell::new(Vec::new()));
    let seen_by_callee = seen.clone();
    host.on_call(move |callee: &[u8], method: &str, arg: &[u8]| {
        seen_by_callee.borrow_mut().push((callee.to_vec(), method.to_string(), arg.to_vec()));
        match arg {
            b"bad" => Err((reject_code::CANISTER_REJECT, "nope".to_string())),
            _ => Ok(b"pong".to_vec()),
        }
    });

    assert_eq!(host.update("call", b"ok").unwrap(), b"pong\x07", "reply callback with its environment");
    assert_eq!(seen.borrow()[0], (vec![1, 2, 3], "echo".to_string(), b"ok".to_vec()));
    let labels: Vec<&str> = host.message_log().iter().map(|m| m.label.as_str()).collect();
    assert_eq!(labels, ["update call", "reply callback of echo"]);

    let rejected = host.update("call", b"bad").unwrap();
    assert_eq!(rejected[..4], 4u32.to_le_bytes(), "reject callback gets the code");
    assert_eq!(&rejected[4..], b"nope", "and the message");

    // A callback that traps: its changes are undone, the cleanup callback runs, and
    // the caller gets the trap.
    let reject = host.update("call_then_trap_in_callback", b"").unwrap_err();
    assert!(reject.message.contains("boom"), "{reject}");
    assert_eq!(int(host.query("get", b"")), 0);
    assert_eq!(int(host.query("cleanup_runs", b"")), 1);

    // A message that traps after calling: the call is never made.
    let calls = seen.borrow().len();
    assert!(host.update("call_then_trap", b"").is_err());
    assert_eq!(seen.borrow().len(), calls);
    assert_eq!(host.pending_calls(), 0);

    let in_query = host.query("call_in_query", b"").unwrap_err();
    assert!(in_query.message.contains("call_new"), "{in_query}");
}

#[test]
fn calls_without_a_fake_callee_are_rejected_and_self_calls_run_the_canister() {
    let mut host = installed(&[BASE]);
    let rejected = host.update("call", b"ok").unwrap();
    assert_eq!(rejected[..4], reject_code::DESTINATION_INVALID.to_le_bytes());

    // The canister calls its own `inc`: the callee's change is committed, and the
    // reply goes back to the caller's callback.
    assert_eq!(host.update("call_self", b"").unwrap(), [1, 0, 0, 0, 9]);
    assert_eq!(int(host.query("get", b"")), 1);

    // Step by step: the first message only, then the self-call, then the response.
    let id = host.submit_update("call_self", b"");
    assert_eq!(host.pending_calls(), 1);
    assert_eq!(int(host.query("get", b"")), 1, "the self-call has not run yet");
    assert!(host.run_next_call());
    assert_eq!(int(host.query("get", b"")), 2);
    assert_eq!(host.await_update(id).unwrap(), [2, 0, 0, 0, 9]);
}

#[test]
fn a_missing_import_is_reported_by_name() {
    let text = r#"(module
        (import "ic0" "msg_reply" (func))
        (import "ic0" "no_such_api" (func (param i32)))
        (import "env" "foo" (func)))"#;
    let error = Host::new(&wat::parse_str(text).unwrap()).err().expect("must fail");
    assert!(error.contains("ic0.no_such_api") && error.contains("env.foo"), "{error}");
    assert!(!error.contains("msg_reply"), "{error}");
}

#[test]
fn a_start_function_runs_at_install_not_at_load() {
    let start = r#"
      (func $start (i32.store (i32.const 0) (i32.const 41)))
      (start $start)
      (func (export "canister_query get") (call $reply_i32 (i32.load (i32.const 0))))
      (func (export "canister_update inc")
        (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
        (call $reply))"#;
    let mut host = Host::new(&wasm(&[start])).unwrap();
    host.install(b"").unwrap();
    assert_eq!(int(host.query("get", b"")), 41);
    host.update("inc", b"").unwrap();
    assert_eq!(int(host.query("get", b"")), 42);
}

/// The real canister, built by scripts/build.sh: install it with `()` and ask its
/// `version` (the skeleton's query) or, once the API replaced it, its configuration.
#[test]
fn the_topology_canister_installs_and_answers_a_query() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/canister/topology.wasm");
    let Ok(module) = std::fs::read(&path) else {
        println!("skipped: {} is absent; scripts/build.sh builds it", path.display());
        return;
    };
    let mut host = Host::new(&module).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    host.install(&Encode!().unwrap()).expect("install");
    let install = host.last_instructions();
    let entry_points = host.entry_points();
    let answer = if entry_points.iter().any(|e| e == "canister_query version") {
        let reply = host.query("version", &Encode!().unwrap()).expect("version replies");
        let version = Decode!(&reply, String).expect("a Candid text");
        assert!(!version.is_empty());
        format!("version {version}")
    } else {
        let reply = host.query("get_configuration", &Encode!().unwrap()).expect("get_configuration replies");
        assert!(reply.starts_with(b"DIDL"), "a Candid reply");
        format!("get_configuration replied {} bytes", reply.len())
    };
    println!(
        "{} ({} bytes, {} entry points): compiled in {} and installed in {install} instructions; {answer} in {} \
         instructions; heap {} bytes, stable memory {} bytes",
        path.display(),
        module.len(),
        entry_points.len(),
        host.last_compile_instructions(),
        host.last_instructions(),
        host.heap_bytes(),
        host.stable_bytes()
    );
}
