//! The payload of a `ChangeSubnetMembership` proposal, as the plan's checks
//! read it: the subnet and the nodes it adds and removes. It sits below the
//! checks that read it (`verify`, `verify_proposal`) so neither imports the other for it.

use serde::{Deserialize, Serialize};

/// A `ChangeSubnetMembership` payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    /// The subnet the proposal changes.
    pub subnet_id: String,
    /// The nodes it adds.
    pub node_ids_add: Vec<String>,
    /// The nodes it removes.
    pub node_ids_remove: Vec<String>,
}
