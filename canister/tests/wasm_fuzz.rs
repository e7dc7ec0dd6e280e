//! A fuzzing campaign that stays in the test suite: every method of
//! `candid/topology.did` is called through the real module with generated
//! arguments, both valid Candid of its argument types with hostile values
//! (look-alike and hidden characters, huge numbers, long texts and vectors)
//! and arbitrary bytes, by a stranger and by a controller, as ingress (after
//! `canister_inspect_message`) and as a call from another canister. Whatever
//! the argument: no trap but a bounded decoding refusal, no state change when
//! the call is refused, and every call within the IC's instruction limits
//! (queries 5 billion, updates 40 billion; a refusal far less).
//!
//! CI runs a fixed seed (`FUZZ_SEED`, default below) and `FUZZ_CASES` cases
//! (default 400); a longer campaign is `FUZZ_CASES=20000 FUZZ_SEED=<n> cargo
//! test --release -p topology-canister --test wasm_fuzz -- --nocapture`. The
//! outcome counts are printed (and kept in canister/INSTRUCTIONS.md).

mod support;

use candid::types::value::{IDLArgs, IDLField, IDLValue, VariantValue};
use candid::types::{Type, TypeEnv, TypeInner};
use candid::{encode_args, Principal};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use support::ic_host::Host;
use support::*;
use topology_canister::api;

const QUERY_LIMIT: u64 = 5_000_000_000;
const UPDATE_LIMIT: u64 = 40_000_000_000;
/// What a call refused before its work may cost (the bound of wasm_hostile).
const REFUSAL_BOUND: u64 = 50_000_000;

/// Texts a hostile caller sends: look-alikes, hidden and bidirectional
/// characters, NUL, long runs, and ordinary values.
const TEXTS: &[&str] = &[
    "",
    "CH",
    "US",
    "us",
    "\u{421}\u{41d}",
    "C\u{200b}H",
    "CH\0",
    "\u{202e}HC",
    "DFINITY",
    "Lionel Messi",
    "aaaaa-aa",
    "rrkah-fqaaa-aaaaa-aaaaq-cai",
    "node-1",
    "pipeline-1",
    "synthetic-C1-0-0",
    "E\u{301}",
    "\u{feff}x",
    "Europe,CH,Zurich",
    "/",
    "/plan",
    "/proposals/1",
    "/../../etc",
];

fn text(rng: &mut Rng, left: &mut u64) -> String {
    if rng.chance(8) {
        let n = [100, 1_000, 10_000, 100_000][rng.below(4) as usize].min(*left);
        *left -= n;
        return "x".repeat(n as usize);
    }
    TEXTS[rng.below(TEXTS.len() as u64) as usize].to_string()
}

fn number(rng: &mut Rng) -> u128 {
    match rng.below(6) {
        0 => 0,
        1 => 1,
        2 => rng.below(100) as u128,
        3 => u32::MAX as u128,
        4 => u64::MAX as u128,
        _ => rng.below(100_000) as u128,
    }
}

/// Elements (and blob bytes and long texts' characters) one argument may
/// have in all: about the IC's 2 MiB ingress limit, so that a case costs
/// seconds, not minutes.
const ELEMENTS: u64 = 2_000_000;

/// A value of type `ty` (resolved in `env`), at most `depth` levels deep and
/// `left` elements in all.
fn value(rng: &mut Rng, env: &TypeEnv, ty: &Type, depth: u32, left: &mut u64) -> IDLValue {
    use TypeInner::*;
    match ty.as_ref() {
        Var(id) => value(rng, env, env.find_type(id).expect("the .did defines it"), depth, left),
        Knot(_) | Unknown | Future | Class(..) | Service(_) | Func(_) => IDLValue::Null,
        Null => IDLValue::Null,
        Reserved => IDLValue::Reserved,
        Empty => IDLValue::None,
        Bool => IDLValue::Bool(rng.chance(2)),
        Nat => IDLValue::Nat(candid::Nat::from(number(rng))),
        Int => IDLValue::Int(candid::Int::from(number(rng) as i128 * if rng.chance(2) { -1 } else { 1 })),
        Nat8 => IDLValue::Nat8(number(rng) as u8),
        Nat16 => IDLValue::Nat16(number(rng) as u16),
        Nat32 => IDLValue::Nat32(number(rng) as u32),
        Nat64 => IDLValue::Nat64(number(rng) as u64),
        Int8 => IDLValue::Int8(number(rng) as i8),
        Int16 => IDLValue::Int16(number(rng) as i16),
        Int32 => IDLValue::Int32(number(rng) as i32),
        Int64 => IDLValue::Int64(number(rng) as i64),
        Float32 => IDLValue::Float32(f32::from_bits(rng.next() as u32)),
        Float64 => IDLValue::Float64(f64::from_bits(rng.next())),
        Text => IDLValue::Text(text(rng, left)),
        Principal => IDLValue::Principal(match rng.below(3) {
            0 => candid::Principal::anonymous(),
            1 => candid::Principal::from_slice(&[1; 29]),
            _ => candid::Principal::from_slice(&rng.next().to_be_bytes()),
        }),
        Opt(inner) => {
            if depth == 0 || rng.chance(2) {
                IDLValue::None
            } else {
                IDLValue::Opt(Box::new(value(rng, env, inner, depth - 1, left)))
            }
        }
        Vec(inner) => {
            let blob = matches!(env.trace_type(inner).map(|t| t.as_ref().clone()), Ok(Nat8));
            let n = if depth == 0 {
                0
            } else {
                match rng.below(8) {
                    0 => 0,
                    1..=5 => rng.below(4),
                    6 => rng.below(64),
                    _ => {
                        if blob {
                            rng.below(200_000)
                        } else {
                            rng.below(3_000)
                        }
                    }
                }
            };
            let n = n.min(*left);
            *left -= n;
            if blob {
                return IDLValue::Blob((0..n).map(|_| rng.next() as u8).collect());
            }
            IDLValue::Vec((0..n).map(|_| value(rng, env, inner, depth.saturating_sub(1), left)).collect())
        }
        Record(fields) => IDLValue::Record(
            fields
                .iter()
                .map(|f| IDLField { id: f.id.as_ref().clone(), val: value(rng, env, &f.ty, depth, left) })
                .collect(),
        ),
        Variant(fields) => {
            let i = rng.below(fields.len() as u64) as usize;
            let f = &fields[i];
            IDLValue::Variant(VariantValue(
                Box::new(IDLField {
                    id: f.id.as_ref().clone(),
                    val: value(rng, env, &f.ty, depth.saturating_sub(1), left),
                }),
                i as u64,
            ))
        }
    }
}

/// What identifies the canister's state: its stable memory and certified data.
fn fingerprint(h: &Host) -> Vec<u8> {
    let mut d = Sha256::new();
    d.update(h.stable_memory());
    d.update(h.certified_data());
    d.finalize().to_vec()
}

#[derive(Default, Debug)]
struct Outcomes {
    calls: u64,
    replied: u64,
    refused_by_inspect: u64,
    rejected_by_decoding: u64,
    typed_errors: u64,
    max_query: (u64, String),
    max_update: (u64, String),
    max_refusal: (u64, String),
}

#[test]
#[cfg_attr(not(canister_wasm), ignore = "needs target/canister/topology.wasm (bash scripts/build.sh)")]
fn generated_arguments_never_trap_change_refused_state_or_exceed_the_limits() {
    let Some(wasm) = wasm() else { return };
    let seed: u64 = std::env::var("FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20_261_202);
    let cases: u64 = std::env::var("FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(400);
    let did = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../candid/topology.did");
    let (env, actor) = candid_parser::utils::CandidSource::File(&did).load().expect("the .did parses");
    let actor = actor.expect("a service");
    let service = env.as_service(&actor).expect("a service type").to_vec();
    let methods: BTreeMap<String, candid::types::Function> =
        service.iter().filter_map(|(name, ty)| env.as_func(ty).ok().map(|f| (name.clone(), f.clone()))).collect();
    let names: Vec<&String> = methods.keys().collect();

    let mut h = host(&wasm, None);
    let (nodes, _) =
        ic_topology::files::parse_nodes_csv(include_str!("../../defaults/generated/nodes.csv"), "nodes.csv").unwrap();
    upload(&mut h, nodes.into_iter().map(to_api).collect(), 1);
    let mut rng = Rng(seed | 1);
    let mut out = Outcomes::default();
    let stranger = Principal::from_slice(&STRANGER);
    for case in 0..cases {
        let name = names[rng.below(names.len() as u64) as usize].clone();
        let func = &methods[&name];
        let is_query = func.is_query();
        let arg: Vec<u8> = if rng.chance(4) {
            // Arbitrary bytes, sometimes with a Candid header.
            let most = if rng.chance(4) { 100_000 } else { 200 };
            let n = rng.below(most) as usize;
            let mut bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            if rng.chance(2) {
                bytes.splice(0..0, *b"DIDL");
            }
            bytes
        } else {
            let mut left = ELEMENTS;
            let args: Vec<IDLValue> = func.args.iter().map(|t| value(&mut rng, &env, t, 4, &mut left)).collect();
            IDLArgs::new(&args).to_bytes_with_types(&env, &func.args).expect("the value has the argument's type")
        };
        let controller = rng.chance(3);
        h.set_caller(if controller { &CONTROLLER } else { stranger.as_slice() });
        let ingress = rng.chance(2);
        let before = fingerprint(&h);
        let reply = if is_query {
            h.query(&name, &arg)
        } else if ingress {
            h.update(&name, &arg)
        } else {
            h.update_unchecked(&name, &arg)
        };
        // Inspection's instructions count too (0 for queries and calls from canisters).
        let used = h.last_instructions() + if is_query { 0 } else { h.last_inspect_instructions() };
        let what = format!(
            "case {case}: {name} ({} bytes, {}, {})",
            arg.len(),
            if controller { "controller" } else { "stranger" },
            if ingress { "ingress" } else { "inter-canister" }
        );
        out.calls += 1;
        let limit = if is_query { QUERY_LIMIT } else { UPDATE_LIMIT };
        assert!(used <= limit, "{what}: {used} instructions, over the limit of {limit}");
        let max = if is_query { &mut out.max_query } else { &mut out.max_update };
        if used > max.0 {
            *max = (used, what.clone());
        }
        let refused = match &reply {
            Ok(bytes) => {
                out.replied += 1;
                // A typed error is a refusal of the caller's request when it says
                // the caller may not or the argument is wrong; a sync that ran and
                // failed (`SyncFailed`) records its failure, as it should.
                match candid::decode_one::<api::Result<candid::Reserved>>(bytes) {
                    Ok(Err(e)) => {
                        out.typed_errors += 1;
                        matches!(e, api::Error::Unauthorized { .. } | api::Error::InvalidArgument { .. })
                    }
                    _ => false,
                }
            }
            Err(reject) => {
                let m = reject.message.to_lowercase();
                if h.last_inspect_instructions() > 0 && !m.contains("trapped") {
                    out.refused_by_inspect += 1;
                } else {
                    assert!(
                        ["decod", "quota", "deserializ", "candid", "argument", "refused"].iter().any(|w| m.contains(w)),
                        "{what}: a trap that is not a decoding refusal: {}",
                        reject.message
                    );
                    out.rejected_by_decoding += 1;
                }
                true
            }
        };
        if refused {
            if !is_query {
                assert_eq!(fingerprint(&h), before, "{what}: a refused call changed the state");
            }
            if used > out.max_refusal.0 {
                out.max_refusal = (used, what.clone());
            }
        }
        // A stranger's admin update is refused before its work.
        let admin = topology_canister::policy(&name)
            .is_some_and(|p| p.callers == topology_canister::guard::Callers::Controllers);
        if admin && !controller {
            assert!(refused, "{what}: a stranger's admin call was not refused");
            assert!(used <= REFUSAL_BOUND, "{what}: refused for {used} instructions, over {REFUSAL_BOUND}");
        }
    }
    println!("fuzz campaign: seed {seed}, {cases} cases: {out:?}");
    println!(
        "| {seed} | {} | {} | {} | {} | {} | {:.2} | {:.2} | {:.3} |",
        out.calls,
        out.replied - out.typed_errors,
        out.typed_errors,
        out.rejected_by_decoding,
        out.refused_by_inspect,
        out.max_query.0 as f64 / 1e9,
        out.max_update.0 as f64 / 1e9,
        out.max_refusal.0 as f64 / 1e9
    );
    let _ = encode_args(());
}
