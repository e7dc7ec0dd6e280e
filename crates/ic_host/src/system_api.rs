//! The `ic0` system API: all of ic0 1.2 (the crate ic-cdk 0.20 binds) plus the
//! older 32-bit stable memory and 64-bit cycles functions, with wasm32 types
//! (`usize` is `i32`), in the groups of the IC interface specification.
//!
//! Every function first checks that the current context may call it (the
//! specification's table, [`PERMISSIONS`]) and charges its fixed overhead plus
//! one instruction per byte it copies (dfinity/ic
//! `rs/embedders/src/wasmtime_embedder/system_api_complexity.rs`, the current
//! metering) to the message's instruction counter.

use std::collections::HashSet;

use wasmi::{Caller, Engine, Error, IntoFunc, Linker, Val};

use crate::meter::STABLE_DIRTY_PAGE_COST;
use crate::{
    contract, fees, limit_message, range, reject_code, trap, Kind, OutCall, Reject, State, JOURNAL_PAGE, MAX_ARG, PAGE,
};

pub(crate) type C<'a> = Caller<'a, State>;

/// Where each `ic0` function may be called, as the IC interface specification
/// lists it ("Overview of imports"): `I` init and post-upgrade, `G` pre-upgrade,
/// `U` update, `RQ` a query in replicated mode, `NRQ` a query, `CQ` a composite
/// query, `Ry`/`Rt` reply/reject callbacks, `C` cleanup, `F` inspect message,
/// `T` system task (heartbeat, global timer), `s` the start function, `*` all
/// but `s`. (`TQ`, `CRy`, `CRt` and `CC` are contexts this host never runs.)
pub(crate) const PERMISSIONS: &[(&str, &str)] = &[
    ("msg_arg_data_size", "I U RQ NRQ TQ CQ Ry CRy F"),
    ("msg_arg_data_copy", "I U RQ NRQ TQ CQ Ry CRy F"),
    ("msg_caller_size", "*"),
    ("msg_caller_copy", "*"),
    ("msg_caller_info_data_size", "U RQ NRQ CQ Ry Rt CRy CRt C CC F"),
    ("msg_caller_info_data_copy", "U RQ NRQ CQ Ry Rt CRy CRt C CC F"),
    ("msg_caller_info_signer_size", "U RQ NRQ CQ Ry Rt CRy CRt C CC F"),
    ("msg_caller_info_signer_copy", "U RQ NRQ CQ Ry Rt CRy CRt C CC F"),
    ("msg_reject_code", "Ry Rt CRy CRt C"),
    ("msg_reject_msg_size", "Rt CRt"),
    ("msg_reject_msg_copy", "Rt CRt"),
    // The specification writes `Q` here: a query in either mode.
    ("msg_deadline", "U RQ NRQ CQ Ry Rt CRy CRt"),
    ("msg_reply_data_append", "U RQ NRQ TQ CQ Ry Rt CRy CRt"),
    ("msg_reply", "U RQ NRQ TQ CQ Ry Rt CRy CRt"),
    ("msg_reject", "U RQ NRQ TQ CQ Ry Rt CRy CRt"),
    ("msg_cycles_available128", "U RQ Rt Ry"),
    ("msg_cycles_refunded128", "Rt Ry"),
    ("msg_cycles_accept128", "U RQ Rt Ry"),
    ("cycles_burn128", "I G U RQ Ry Rt C T"),
    ("canister_self_size", "*"),
    ("canister_self_copy", "*"),
    ("canister_cycle_balance128", "*"),
    ("canister_liquid_cycle_balance128", "*"),
    ("canister_status", "*"),
    ("canister_version", "*"),
    ("subnet_self_size", "*"),
    ("subnet_self_copy", "*"),
    ("subnet_self_node_count", "*"),
    ("msg_method_name_size", "F"),
    ("msg_method_name_copy", "F"),
    ("accept_message", "F"),
    ("call_new", "U CQ Ry Rt CRy CRt T"),
    ("call_on_cleanup", "U CQ Ry Rt CRy CRt T"),
    ("call_data_append", "U CQ Ry Rt CRy CRt T"),
    ("call_with_best_effort_response", "U CQ Ry Rt CRy CRt T"),
    ("call_cycles_add128", "U Ry Rt T"),
    ("call_perform", "U CQ Ry Rt CRy CRt T"),
    ("stable64_size", "* s"),
    ("stable64_grow", "* s"),
    ("stable64_write", "* s"),
    ("stable64_read", "* s"),
    ("root_key_size", "I G U RQ Ry Rt C T"),
    ("root_key_copy", "I G U RQ Ry Rt C T"),
    ("certified_data_set", "I G U Ry Rt T"),
    ("data_certificate_present", "*"),
    ("data_certificate_size", "NRQ CQ"),
    ("data_certificate_copy", "NRQ CQ"),
    ("time", "*"),
    ("global_timer_set", "I G U Ry Rt C T"),
    ("performance_counter", "* s"),
    ("is_controller", "* s"),
    ("in_replicated_execution", "* s"),
    ("cost_call", "* s"),
    ("cost_create_canister", "* s"),
    ("cost_http_request", "* s"),
    ("cost_http_request_v2", "* s"),
    ("cost_sign_with_ecdsa", "* s"),
    ("cost_sign_with_schnorr", "* s"),
    ("cost_vetkd_derive_key", "* s"),
    ("env_var_count", "*"),
    ("env_var_name_size", "*"),
    ("env_var_name_copy", "*"),
    ("env_var_name_exists", "*"),
    ("env_var_value_size", "*"),
    ("env_var_value_copy", "*"),
    ("debug_print", "* s"),
    ("trap", "* s"),
    // Only with 32-bit memory.
    ("msg_cycles_available", "U RQ Rt Ry"),
    ("msg_cycles_refunded", "Rt Ry"),
    ("msg_cycles_accept", "U RQ Rt Ry"),
    ("canister_cycle_balance", "*"),
    ("call_cycles_add", "U Ry Rt T"),
    ("stable_size", "* s"),
    ("stable_grow", "* s"),
    ("stable_write", "* s"),
    ("stable_read", "* s"),
];

/// Whether `api` may be called in `kind` (see [`PERMISSIONS`]).
pub(crate) fn allowed(api: &str, kind: Kind) -> bool {
    let Some((_, contexts)) = PERMISSIONS.iter().find(|(name, _)| *name == api) else {
        return false;
    };
    contexts.split(' ').any(|c| c == kind.code() || (c == "*" && kind != Kind::Start))
}

/// The linker being filled, and the names it provides.
pub(crate) struct Def {
    linker: Linker<State>,
    names: HashSet<&'static str>,
}

impl Def {
    fn define<Params, Results>(&mut self, name: &'static str, f: impl IntoFunc<State, Params, Results>) {
        debug_assert!(PERMISSIONS.iter().any(|(n, _)| *n == name), "ic0.{name} is missing from PERMISSIONS");
        self.linker.func_wrap("ic0", name, f).expect("each ic0 function is defined once");
        self.names.insert(name);
    }
}

/// The `ic0` functions, by group.
pub(crate) fn build_linker(engine: &Engine) -> (Linker<State>, HashSet<&'static str>) {
    let mut d = Def { linker: Linker::new(engine), names: HashSet::new() };
    link_message(&mut d);
    link_reply(&mut d);
    link_cycles(&mut d);
    link_canister(&mut d);
    link_calls(&mut d);
    link_stable(&mut d);
    link_certified(&mut d);
    link_time(&mut d);
    link_env(&mut d);
    link_debug(&mut d);
    (d.linker, d.names)
}

/// Checks that the current context may call `api`, then charges `base + bytes`
/// instructions to the message's counter; traps when the counter runs out.
pub(crate) fn charge(c: &mut C<'_>, api: &str, base: u64, bytes: u64) -> Result<(), Error> {
    let state = c.data();
    let msg = state.msg.as_ref().ok_or_else(|| contract(api, "called outside a message"))?;
    if !allowed(api, msg.kind) {
        return Err(trap(format!(
            "Canister violated contract: \"ic0_{api}\" cannot be executed in {} mode",
            msg.kind.mode()
        )));
    }
    let limit = msg.limit;
    let counter = state.counter.expect("the metered module exports its counter");
    let left = counter.get(&*c).i64().expect("the counter is an i64");
    let left = left.saturating_sub(i64::try_from(base.saturating_add(bytes)).unwrap_or(i64::MAX));
    counter.set(&mut *c, Val::I64(left)).expect("the counter is mutable");
    if left < 0 {
        return Err(trap(limit_message(limit)));
    }
    Ok(())
}

/// Instructions the message has used so far.
pub(crate) fn used(c: &C<'_>) -> u64 {
    let state = c.data();
    let left = state.counter.map_or(0, |g| g.get(c).i64().unwrap_or(0));
    let limit = state.msg.as_ref().map_or(0, |m| m.limit);
    (i128::from(limit) - i128::from(left)).max(0) as u64
}

fn msg_ref<'s>(state: &'s State, api: &str) -> Result<&'s crate::Msg, Error> {
    state.msg.as_ref().ok_or_else(|| contract(api, "called outside a message"))
}

fn msg_mut<'s>(state: &'s mut State, api: &str) -> Result<&'s mut crate::Msg, Error> {
    state.msg.as_mut().ok_or_else(|| contract(api, "called outside a message"))
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
    charge(c, api, 500, u64::from(size))?;
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
    // 1,000 instructions for each 4 KiB page of stable memory that this message
    // writes for the first time, as the replica charges dirty pages.
    let new_pages = match range(c.data().stable.len(), offset, size) {
        Some(r) if !r.is_empty() => {
            let dirty = &c.data().dirty_pages;
            (r.start / JOURNAL_PAGE..=(r.end - 1) / JOURNAL_PAGE).filter(|p| !dirty.contains(p)).count() as u64
        }
        _ => 0,
    };
    charge(c, api, 20, size.saturating_add(new_pages * STABLE_DIRTY_PAGE_COST))?;
    let memory = c.data().memory.ok_or_else(|| contract(api, "the module has no memory"))?;
    let (heap, state) = memory.data_and_store_mut(c);
    let from = range(heap.len(), src, size).ok_or_else(|| contract(api, "heap out of bounds"))?;
    let to = range(state.stable.len(), offset, size).ok_or_else(|| trap("Stable memory out of bounds"))?;
    if !to.is_empty() {
        state.dirty_pages.extend(to.start / JOURNAL_PAGE..=(to.end - 1) / JOURNAL_PAGE);
    }
    if let Some(journal) = state.journal.as_mut() {
        journal.save(&state.stable, to.start, to.len());
    }
    state.stable[to].copy_from_slice(&heap[from]);
    Ok(())
}

fn stable_read(c: &mut C<'_>, api: &str, dst: u64, offset: u64, size: u64) -> Result<(), Error> {
    charge(c, api, 20, size)?;
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
    msg_mut(state, api)?
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

/// Message argument, caller, method name, reject information.
fn link_message(d: &mut Def) {
    d.define("msg_arg_data_size", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, "msg_arg_data_size", 500, 0)?;
        Ok(msg_ref(c.data(), "msg_arg_data_size")?.arg.len() as u32)
    });
    d.define("msg_arg_data_copy", |mut c: C<'_>, dst: u32, off: u32, size: u32| -> Result<(), Error> {
        copy_out(&mut c, "msg_arg_data_copy", dst, off, size, |s, api| Ok(msg_ref(s, api)?.arg.clone()))
    });
    d.define("msg_caller_size", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, "msg_caller_size", 500, 0)?;
        Ok(msg_ref(c.data(), "msg_caller_size")?.caller.len() as u32)
    });
    d.define("msg_caller_copy", |mut c: C<'_>, dst: u32, off: u32, size: u32| -> Result<(), Error> {
        copy_out(&mut c, "msg_caller_copy", dst, off, size, |s, api| Ok(msg_ref(s, api)?.caller.clone()))
    });
    d.define("msg_caller_info_data_size", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, "msg_caller_info_data_size", 500, 0)?;
        Ok(0)
    });
    d.define("msg_caller_info_data_copy", |mut c: C<'_>, dst: u32, off: u32, size: u32| -> Result<(), Error> {
        copy_out(&mut c, "msg_caller_info_data_copy", dst, off, size, |_, _| Ok(Vec::new()))
    });
    d.define("msg_caller_info_signer_size", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, "msg_caller_info_signer_size", 500, 0)?;
        Ok(0)
    });
    d.define("msg_caller_info_signer_copy", |mut c: C<'_>, dst: u32, off: u32, size: u32| -> Result<(), Error> {
        copy_out(&mut c, "msg_caller_info_signer_copy", dst, off, size, |_, _| Ok(Vec::new()))
    });
    d.define("msg_method_name_size", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, "msg_method_name_size", 500, 0)?;
        Ok(msg_ref(c.data(), "msg_method_name_size")?.method.len() as u32)
    });
    d.define("msg_method_name_copy", |mut c: C<'_>, dst: u32, off: u32, size: u32| -> Result<(), Error> {
        copy_out(&mut c, "msg_method_name_copy", dst, off, size, |s, api| {
            Ok(msg_ref(s, api)?.method.clone().into_bytes())
        })
    });
    d.define("accept_message", |mut c: C<'_>| -> Result<(), Error> {
        charge(&mut c, "accept_message", 500, 0)?;
        let msg = msg_mut(c.data_mut(), "accept_message")?;
        if msg.accepted {
            return Err(contract("accept_message", "the message was already accepted"));
        }
        msg.accepted = true;
        Ok(())
    });
    d.define("msg_reject_code", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, "msg_reject_code", 500, 0)?;
        Ok(msg_ref(c.data(), "msg_reject_code")?.reject.as_ref().map_or(0, |r| r.0))
    });
    d.define("msg_reject_msg_size", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, "msg_reject_msg_size", 500, 0)?;
        let msg = msg_ref(c.data(), "msg_reject_msg_size")?;
        Ok(msg.reject.as_ref().map_or(0, |r| r.1.len() as u32))
    });
    d.define("msg_reject_msg_copy", |mut c: C<'_>, dst: u32, off: u32, size: u32| -> Result<(), Error> {
        copy_out(&mut c, "msg_reject_msg_copy", dst, off, size, |s, api| {
            Ok(msg_ref(s, api)?.reject.as_ref().map(|r| r.1.clone().into_bytes()).unwrap_or_default())
        })
    });
    d.define("msg_deadline", |mut c: C<'_>| -> Result<u64, Error> {
        charge(&mut c, "msg_deadline", 500, 0)?;
        Ok(msg_ref(c.data(), "msg_deadline")?.deadline)
    });
}

/// Replying.
fn link_reply(d: &mut Def) {
    d.define("msg_reply_data_append", |mut c: C<'_>, src: u32, size: u32| -> Result<(), Error> {
        let api = "msg_reply_data_append";
        charge(&mut c, "msg_reply_data_append", 500, u64::from(size))?;
        let bytes = heap_read(&c, api, u64::from(src), u64::from(size))?;
        let msg = msg_mut(c.data_mut(), api)?;
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
    d.define("msg_reply", |mut c: C<'_>| -> Result<(), Error> {
        charge(&mut c, "msg_reply", 500, 0)?;
        let msg = msg_mut(c.data_mut(), "msg_reply")?;
        if !msg.may_respond || msg.response.is_some() {
            return Err(contract("msg_reply", "the call has already been replied to or rejected"));
        }
        msg.response = Some(Ok(std::mem::take(&mut msg.reply_buf)));
        Ok(())
    });
    d.define("msg_reject", |mut c: C<'_>, src: u32, size: u32| -> Result<(), Error> {
        charge(&mut c, "msg_reject", 500, u64::from(size))?;
        let text = String::from_utf8_lossy(&heap_read(&c, "msg_reject", u64::from(src), u64::from(size))?).into_owned();
        let msg = msg_mut(c.data_mut(), "msg_reject")?;
        if !msg.may_respond || msg.response.is_some() {
            return Err(contract("msg_reject", "the call has already been replied to or rejected"));
        }
        msg.response = Some(Err(Reject::new(reject_code::CANISTER_REJECT, text)));
        Ok(())
    });
}

/// Cycles: the canister's balance (see `Host::set_cycle_balance`); messages
/// carry none.
fn link_cycles(d: &mut Def) {
    d.define("msg_cycles_available128", |mut c: C<'_>, dst: u32| -> Result<(), Error> {
        charge(&mut c, "msg_cycles_available128", 500, 0)?;
        write_u128(&mut c, "msg_cycles_available128", dst, 0)
    });
    d.define("msg_cycles_refunded128", |mut c: C<'_>, dst: u32| -> Result<(), Error> {
        charge(&mut c, "msg_cycles_refunded128", 500, 0)?;
        write_u128(&mut c, "msg_cycles_refunded128", dst, 0)
    });
    d.define("msg_cycles_accept128", |mut c: C<'_>, _high: u64, _low: u64, dst: u32| -> Result<(), Error> {
        charge(&mut c, "msg_cycles_accept128", 500, 0)?;
        write_u128(&mut c, "msg_cycles_accept128", dst, 0)
    });
    d.define("cycles_burn128", |mut c: C<'_>, high: u64, low: u64, dst: u32| -> Result<(), Error> {
        charge(&mut c, "cycles_burn128", 500, 0)?;
        let state = c.data_mut();
        let burned = u128_of(high, low).min(state.liquid_balance());
        state.cycle_balance -= burned;
        write_u128(&mut c, "cycles_burn128", dst, burned)
    });
    d.define("canister_cycle_balance128", |mut c: C<'_>, dst: u32| -> Result<(), Error> {
        charge(&mut c, "canister_cycle_balance128", 500, 0)?;
        let balance = c.data().cycle_balance;
        write_u128(&mut c, "canister_cycle_balance128", dst, balance)
    });
    d.define("canister_liquid_cycle_balance128", |mut c: C<'_>, dst: u32| -> Result<(), Error> {
        charge(&mut c, "canister_liquid_cycle_balance128", 500, 0)?;
        let balance = c.data().liquid_balance();
        write_u128(&mut c, "canister_liquid_cycle_balance128", dst, balance)
    });
    d.define("canister_cycle_balance", |mut c: C<'_>| -> Result<u64, Error> {
        charge(&mut c, "canister_cycle_balance", 500, 0)?;
        u64::try_from(c.data().cycle_balance)
            .map_err(|_| contract("canister_cycle_balance", "the balance exceeds 64 bits"))
    });
    d.define("msg_cycles_available", |mut c: C<'_>| -> Result<u64, Error> {
        charge(&mut c, "msg_cycles_available", 500, 0)?;
        Ok(0)
    });
    d.define("msg_cycles_refunded", |mut c: C<'_>| -> Result<u64, Error> {
        charge(&mut c, "msg_cycles_refunded", 500, 0)?;
        Ok(0)
    });
    d.define("msg_cycles_accept", |mut c: C<'_>, _max: u64| -> Result<u64, Error> {
        charge(&mut c, "msg_cycles_accept", 500, 0)?;
        Ok(0)
    });
}

/// The canister and its subnet.
fn link_canister(d: &mut Def) {
    d.define("canister_self_size", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, "canister_self_size", 500, 0)?;
        Ok(c.data().canister_id.len() as u32)
    });
    d.define("canister_self_copy", |mut c: C<'_>, dst: u32, off: u32, size: u32| -> Result<(), Error> {
        copy_out(&mut c, "canister_self_copy", dst, off, size, |s, _| Ok(s.canister_id.clone()))
    });
    d.define("canister_status", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, "canister_status", 500, 0)?;
        Ok(c.data().status.code())
    });
    d.define("canister_version", |mut c: C<'_>| -> Result<u64, Error> {
        charge(&mut c, "canister_version", 500, 0)?;
        Ok(c.data().canister_version)
    });
    d.define("subnet_self_size", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, "subnet_self_size", 500, 0)?;
        Ok(c.data().subnet_id.len() as u32)
    });
    d.define("subnet_self_copy", |mut c: C<'_>, dst: u32, off: u32, size: u32| -> Result<(), Error> {
        copy_out(&mut c, "subnet_self_copy", dst, off, size, |s, _| Ok(s.subnet_id.clone()))
    });
    d.define("subnet_self_node_count", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, "subnet_self_node_count", 500, 0)?;
        Ok(13)
    });
    d.define("is_controller", |mut c: C<'_>, src: u32, size: u32| -> Result<u32, Error> {
        charge(&mut c, "is_controller", 1000, 0)?;
        if size > 29 {
            return Err(contract("is_controller", format!("{size} bytes are not a principal")));
        }
        let principal = heap_read(&c, "is_controller", u64::from(src), u64::from(size))?;
        Ok(u32::from(c.data().controllers.contains(&principal)))
    });
    d.define("in_replicated_execution", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, "in_replicated_execution", 500, 0)?;
        let kind = msg_ref(c.data(), "in_replicated_execution")?.kind;
        Ok(u32::from(!matches!(kind, Kind::Query | Kind::CompositeQuery | Kind::Inspect)))
    });
    d.define("root_key_size", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, "root_key_size", 500, 0)?;
        Ok(c.data().root_key.len() as u32)
    });
    d.define("root_key_copy", |mut c: C<'_>, dst: u32, off: u32, size: u32| -> Result<(), Error> {
        copy_out(&mut c, "root_key_copy", dst, off, size, |s, _| Ok(s.root_key.clone()))
    });
}

/// Inter-canister calls: recorded here, sent when the message completes without trapping.
fn link_calls(d: &mut Def) {
    d.define(
        "call_new",
        |mut c: C<'_>,
         callee_src: u32,
         callee_size: u32,
         name_src: u32,
         name_size: u32,
         reply_fun: u32,
         reply_env: u32,
         reject_fun: u32,
         reject_env: u32|
         -> Result<(), Error> {
            charge(&mut c, "call_new", 1500, u64::from(callee_size) + u64::from(name_size))?;
            let callee = heap_read(&c, "call_new", u64::from(callee_src), u64::from(callee_size))?;
            let method = read_text(&c, "call_new", name_src, name_size)?;
            let msg = msg_mut(c.data_mut(), "call_new")?;
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
                prepaid: 0,
                deadline: 0,
                lose_response: false,
            });
            Ok(())
        },
    );
    d.define("call_on_cleanup", |mut c: C<'_>, fun: u32, env: u32| -> Result<(), Error> {
        charge(&mut c, "call_on_cleanup", 500, 0)?;
        let call = call_in_prep(c.data_mut(), "call_on_cleanup")?;
        if call.cleanup.is_some() {
            return Err(contract("call_on_cleanup", "the cleanup callback is already set"));
        }
        call.cleanup = Some((fun, u64::from(env)));
        Ok(())
    });
    d.define("call_data_append", |mut c: C<'_>, src: u32, size: u32| -> Result<(), Error> {
        charge(&mut c, "call_data_append", 500, u64::from(size))?;
        let bytes = heap_read(&c, "call_data_append", u64::from(src), u64::from(size))?;
        let call = call_in_prep(c.data_mut(), "call_data_append")?;
        call.arg.extend_from_slice(&bytes);
        if call.arg.len() > MAX_ARG {
            let len = call.arg.len();
            return Err(contract("call_data_append", format!("the call's payload ({len} bytes) exceeds {MAX_ARG}")));
        }
        Ok(())
    });
    d.define("call_cycles_add128", |mut c: C<'_>, high: u64, low: u64| -> Result<(), Error> {
        charge(&mut c, "call_cycles_add128", 500, 0)?;
        let call = call_in_prep(c.data_mut(), "call_cycles_add128")?;
        call.cycles = call.cycles.saturating_add(u128_of(high, low));
        Ok(())
    });
    d.define("call_cycles_add", |mut c: C<'_>, amount: u64| -> Result<(), Error> {
        charge(&mut c, "call_cycles_add", 500, 0)?;
        let call = call_in_prep(c.data_mut(), "call_cycles_add")?;
        call.cycles = call.cycles.saturating_add(u128::from(amount));
        Ok(())
    });
    d.define("call_with_best_effort_response", |mut c: C<'_>, timeout_seconds: u32| -> Result<(), Error> {
        charge(&mut c, "call_with_best_effort_response", 500, 0)?;
        let call = call_in_prep(c.data_mut(), "call_with_best_effort_response")?;
        if call.timeout_seconds.is_some() {
            return Err(contract("call_with_best_effort_response", "the timeout is already set"));
        }
        call.timeout_seconds = Some(timeout_seconds);
        Ok(())
    });
    d.define("call_perform", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, "call_perform", 5000, 0)?;
        let state = c.data_mut();
        let liquid = state.liquid_balance();
        let msg = msg_mut(state, "call_perform")?;
        let mut call = msg.call_in_prep.take().ok_or_else(|| contract("call_perform", "no call is in preparation"))?;
        // The caller pays the call's fee and reserves the response's execution and
        // transmission up front; without the cycles the call is not made.
        let prepaid = fees::call(call.method.len() as u64, call.arg.len() as u64);
        let total = prepaid.saturating_add(call.cycles);
        if total > liquid {
            return Ok(reject_code::SYS_TRANSIENT);
        }
        call.prepaid = prepaid;
        state.cycle_balance -= total;
        state.msg.as_mut().expect("checked above").outgoing.push(call);
        Ok(0)
    });
    d.define("cost_call", |mut c: C<'_>, method_name_size: u64, payload_size: u64, dst: u32| -> Result<(), Error> {
        charge(&mut c, "cost_call", 500, 0)?;
        let cost = fees::call(method_name_size, payload_size);
        write_u128(&mut c, "cost_call", dst, cost)
    });
    d.define("cost_create_canister", |mut c: C<'_>, dst: u32| -> Result<(), Error> {
        charge(&mut c, "cost_create_canister", 500, 0)?;
        write_u128(&mut c, "cost_create_canister", dst, 500_000_000_000)
    });
    d.define(
        "cost_http_request",
        |mut c: C<'_>, request_size: u64, max_res_bytes: u64, dst: u32| -> Result<(), Error> {
            charge(&mut c, "cost_http_request", 500, 0)?;
            let cost = 49_140_000 + 5_200 * u128::from(request_size) + 10_400 * u128::from(max_res_bytes);
            write_u128(&mut c, "cost_http_request", dst, cost)
        },
    );
    d.define("cost_http_request_v2", |mut c: C<'_>, _src: u32, _size: u32, dst: u32| -> Result<(), Error> {
        charge(&mut c, "cost_http_request_v2", 500, 0)?;
        write_u128(&mut c, "cost_http_request_v2", dst, 49_140_000)
    });
    d.define(
        "cost_sign_with_ecdsa",
        |mut c: C<'_>, _src: u32, _size: u32, _curve: u32, dst: u32| -> Result<u32, Error> {
            charge(&mut c, "cost_sign_with_ecdsa", 500, 0)?;
            write_u128(&mut c, "cost_sign_with_ecdsa", dst, 26_153_846_153)?;
            Ok(0)
        },
    );
    d.define(
        "cost_sign_with_schnorr",
        |mut c: C<'_>, _src: u32, _size: u32, _alg: u32, dst: u32| -> Result<u32, Error> {
            charge(&mut c, "cost_sign_with_schnorr", 500, 0)?;
            write_u128(&mut c, "cost_sign_with_schnorr", dst, 26_153_846_153)?;
            Ok(0)
        },
    );
    d.define(
        "cost_vetkd_derive_key",
        |mut c: C<'_>, _src: u32, _size: u32, _curve: u32, dst: u32| -> Result<u32, Error> {
            charge(&mut c, "cost_vetkd_derive_key", 500, 0)?;
            write_u128(&mut c, "cost_vetkd_derive_key", dst, 26_153_846_153)?;
            Ok(0)
        },
    );
}

/// Stable memory, 64-bit and the older 32-bit API.
fn link_stable(d: &mut Def) {
    d.define("stable64_size", |mut c: C<'_>| -> Result<u64, Error> {
        charge(&mut c, "stable64_size", 20, 0)?;
        Ok((c.data().stable.len() / PAGE) as u64)
    });
    d.define("stable64_grow", |mut c: C<'_>, new_pages: u64| -> Result<u64, Error> {
        charge(&mut c, "stable64_grow", 500, 0)?;
        Ok(stable_grow(c.data_mut(), new_pages, u64::MAX).unwrap_or(u64::MAX))
    });
    d.define("stable64_write", |mut c: C<'_>, offset: u64, src: u64, size: u64| -> Result<(), Error> {
        stable_write(&mut c, "stable64_write", offset, src, size)
    });
    d.define("stable64_read", |mut c: C<'_>, dst: u64, offset: u64, size: u64| -> Result<(), Error> {
        stable_read(&mut c, "stable64_read", dst, offset, size)
    });
    d.define("stable_size", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, "stable_size", 20, 0)?;
        u32::try_from(c.data().stable.len() / PAGE).map_err(|_| contract("stable_size", "stable memory exceeds 4 GiB"))
    });
    d.define("stable_grow", |mut c: C<'_>, new_pages: u32| -> Result<i32, Error> {
        charge(&mut c, "stable_grow", 500, 0)?;
        Ok(stable_grow(c.data_mut(), u64::from(new_pages), 65536).map_or(-1, |old| old as i32))
    });
    d.define("stable_write", |mut c: C<'_>, offset: u32, src: u32, size: u32| -> Result<(), Error> {
        stable_write(&mut c, "stable_write", u64::from(offset), u64::from(src), u64::from(size))
    });
    d.define("stable_read", |mut c: C<'_>, dst: u32, offset: u32, size: u32| -> Result<(), Error> {
        stable_read(&mut c, "stable_read", u64::from(dst), u64::from(offset), u64::from(size))
    });
}

/// Certified data.
fn link_certified(d: &mut Def) {
    d.define("certified_data_set", |mut c: C<'_>, src: u32, size: u32| -> Result<(), Error> {
        charge(&mut c, "certified_data_set", 500, u64::from(size))?;
        msg_ref(c.data(), "certified_data_set")?;
        if size > 32 {
            return Err(contract("certified_data_set", format!("{size} bytes exceed the 32 bytes of certified data")));
        }
        let data = heap_read(&c, "certified_data_set", u64::from(src), u64::from(size))?;
        c.data_mut().certified_data = data;
        Ok(())
    });
    d.define("data_certificate_present", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, "data_certificate_present", 500, 0)?;
        let state = c.data();
        let query = state.msg.as_ref().is_some_and(|m| matches!(m.kind, Kind::Query | Kind::CompositeQuery));
        Ok(u32::from(query && state.data_certificate.is_some()))
    });
    d.define("data_certificate_size", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, "data_certificate_size", 500, 0)?;
        msg_ref(c.data(), "data_certificate_size")?;
        let size = c.data().data_certificate.as_ref().map(Vec::len);
        size.map(|s| s as u32).ok_or_else(|| contract("data_certificate_size", "no data certificate is present"))
    });
    d.define("data_certificate_copy", |mut c: C<'_>, dst: u32, off: u32, size: u32| -> Result<(), Error> {
        copy_out(&mut c, "data_certificate_copy", dst, off, size, |s, api| {
            msg_ref(s, api)?;
            s.data_certificate.clone().ok_or_else(|| contract(api, "no data certificate is present"))
        })
    });
}

/// Time, timer, performance counter.
fn link_time(d: &mut Def) {
    d.define("time", |mut c: C<'_>| -> Result<u64, Error> {
        charge(&mut c, "time", 500, 0)?;
        Ok(c.data().time)
    });
    d.define("global_timer_set", |mut c: C<'_>, timestamp: u64| -> Result<u64, Error> {
        charge(&mut c, "global_timer_set", 500, 0)?;
        msg_ref(c.data(), "global_timer_set")?;
        Ok(std::mem::replace(&mut c.data_mut().global_timer, timestamp))
    });
    d.define("performance_counter", |mut c: C<'_>, counter_type: u32| -> Result<u64, Error> {
        charge(&mut c, "performance_counter", 200, 0)?;
        let current = used(&c);
        let msg = msg_ref(c.data(), "performance_counter")?;
        match counter_type {
            0 => Ok(current),
            1 => Ok(msg.context_instructions + current),
            other => Err(contract("performance_counter", format!("unknown counter type {other}"))),
        }
    });
}

/// Environment variables.
fn link_env(d: &mut Def) {
    d.define("env_var_count", |mut c: C<'_>| -> Result<u32, Error> {
        charge(&mut c, "env_var_count", 500, 0)?;
        Ok(c.data().env_vars.len() as u32)
    });
    d.define("env_var_name_size", |mut c: C<'_>, index: u32| -> Result<u32, Error> {
        charge(&mut c, "env_var_name_size", 500, 0)?;
        let name = c.data().env_vars.get(index as usize).map(|(n, _)| n.len() as u32);
        name.ok_or_else(|| contract("env_var_name_size", format!("no environment variable {index}")))
    });
    d.define("env_var_name_copy", |mut c: C<'_>, index: u32, dst: u32, off: u32, size: u32| -> Result<(), Error> {
        charge(&mut c, "env_var_name_copy", 500, u64::from(size))?;
        let name = c.data().env_vars.get(index as usize).map(|(n, _)| n.clone().into_bytes());
        let name = name.ok_or_else(|| contract("env_var_name_copy", format!("no environment variable {index}")))?;
        let part = range(name.len(), u64::from(off), u64::from(size))
            .ok_or_else(|| contract("env_var_name_copy", "offset + size exceeds the name"))?;
        heap_write(&mut c, "env_var_name_copy", u64::from(dst), &name[part])
    });
    d.define("env_var_name_exists", |mut c: C<'_>, src: u32, size: u32| -> Result<u32, Error> {
        charge(&mut c, "env_var_name_exists", 500, u64::from(size))?;
        let name = read_text(&c, "env_var_name_exists", src, size)?;
        Ok(u32::from(env_value(c.data(), &name).is_some()))
    });
    d.define("env_var_value_size", |mut c: C<'_>, src: u32, size: u32| -> Result<u32, Error> {
        charge(&mut c, "env_var_value_size", 500, u64::from(size))?;
        let name = read_text(&c, "env_var_value_size", src, size)?;
        let value = env_value(c.data(), &name);
        value
            .map(|v| v.len() as u32)
            .ok_or_else(|| contract("env_var_value_size", format!("no environment variable {name}")))
    });
    d.define(
        "env_var_value_copy",
        |mut c: C<'_>, src: u32, size: u32, dst: u32, off: u32, len: u32| -> Result<(), Error> {
            charge(&mut c, "env_var_value_copy", 500, u64::from(size) + u64::from(len))?;
            let name = read_text(&c, "env_var_value_copy", src, size)?;
            let value = env_value(c.data(), &name)
                .ok_or_else(|| contract("env_var_value_copy", format!("no environment variable {name}")))?;
            let part = range(value.len(), u64::from(off), u64::from(len))
                .ok_or_else(|| contract("env_var_value_copy", "offset + size exceeds the value"))?;
            heap_write(&mut c, "env_var_value_copy", u64::from(dst), &value.as_bytes()[part])
        },
    );
}

/// Debugging and trapping.
fn link_debug(d: &mut Def) {
    d.define("debug_print", |mut c: C<'_>, src: u32, size: u32| -> Result<(), Error> {
        charge(&mut c, "debug_print", 100, u64::from(size))?;
        let line =
            String::from_utf8_lossy(&heap_read(&c, "debug_print", u64::from(src), u64::from(size))?).into_owned();
        let state = c.data_mut();
        if state.echo_debug {
            eprintln!("[canister] {line}");
        }
        state.debug_log.push(line);
        Ok(())
    });
    d.define("trap", |mut c: C<'_>, src: u32, size: u32| -> Result<(), Error> {
        charge(&mut c, "trap", 500, u64::from(size))?;
        let text = String::from_utf8_lossy(&heap_read(&c, "trap", u64::from(src), u64::from(size))?).into_owned();
        Err(trap(format!("Canister called `ic0.trap` with message: '{text}'")))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_has_its_contexts_and_every_listed_function_is_provided() {
        let (_, names) = build_linker(&Engine::default());
        for name in &names {
            assert!(PERMISSIONS.iter().any(|(n, _)| n == name), "ic0.{name} has no entry in PERMISSIONS");
        }
        for (name, _) in PERMISSIONS {
            assert!(names.contains(name), "PERMISSIONS lists ic0.{name}, which the host does not provide");
        }
    }

    #[test]
    fn the_table_reads_as_the_specification_writes_it() {
        assert!(allowed("certified_data_set", Kind::Update));
        assert!(!allowed("certified_data_set", Kind::Cleanup));
        assert!(allowed("msg_caller_size", Kind::Cleanup), "`*` includes cleanup");
        assert!(!allowed("msg_caller_size", Kind::Start), "`*` excludes the start function");
        assert!(allowed("debug_print", Kind::Start), "`s` is listed");
        assert!(!allowed("msg_arg_data_size", Kind::PreUpgrade));
        assert!(allowed("msg_arg_data_size", Kind::PostUpgrade));
        assert!(!allowed("call_new", Kind::Query) && !allowed("call_new", Kind::Cleanup));
        assert!(allowed("call_new", Kind::Timer));
        assert!(!allowed("no_such_function", Kind::Update));
    }
}
