//! The NNS registry, read from chain: the records the snapshot needs
//! ([`proto`]), kept in stable memory with their version cursor ([`store`]),
//! turned into the solver's nodes ([`mod@derive`]) and kept current by a sync loop
//! over a [`sync::Registry`] trait ([`sync`]). Nothing here uses ic-cdk; the
//! canister's implementation of the trait is in `crate::ic_registry`.

pub mod derive;
pub mod proto;
pub mod store;
pub mod sync;
