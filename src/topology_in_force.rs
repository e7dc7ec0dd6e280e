//! The adopted target topology in force, as data.
//!
//! NNS motion 125549 (adopted 12 November 2023) set the first target topology;
//! motion 132136 raised the Fiduciary and II subnets to 34 nodes and the Swiss
//! subnet's country limit to 13; motion 133841 raised the Application subnets
//! to 51; motion 135700 let the NNS hold 3 DFINITY nodes (a rule, carried by
//! the 2025 rules' NNS special limits, not by a row); motion 137147 raised the
//! Application subnets to 60 and added a US subnet. Where each number comes
//! from, and which ones the public sources do not confirm, is recorded in
//! `defaults/TOPOLOGY-SOURCES.md`. `defaults/topology.csv` holds the same
//! table; a test keeps the two equal.

use crate::inputs::SubnetSpec;

/// The NNS proposal that adopted the topology in force (the last amendment).
pub const ADOPTING_PROPOSAL: u64 = 137147;

/// (subnet type, number of subnets, size, is_sev, limits NP / DC / DC provider / country, motion)
type Row = (&'static str, u32, u32, bool, [u32; 4], u64);

const ROWS: [Row; 11] = [
    ("NNS", 1, 43, false, [1, 1, 1, 3], 125549),
    ("SNS", 1, 34, false, [1, 1, 1, 3], 125549),
    ("Fiduciary", 1, 34, false, [1, 1, 1, 3], 132136),
    ("II", 1, 34, true, [1, 1, 1, 3], 132136),
    ("ECDSA signing", 1, 28, true, [1, 1, 1, 3], 125549),
    ("ECDSA backup", 1, 28, true, [1, 1, 1, 3], 125549),
    ("Bitcoin canister", 1, 13, false, [1, 1, 1, 2], 125549),
    ("European Subnet", 1, 13, true, [1, 1, 1, 2], 125549),
    ("Swiss Subnet", 1, 13, true, [1, 1, 1, 13], 132136),
    // 137147: the country limit 13 is inferred (a US-only subnet cannot be filled otherwise).
    ("US Subnet", 1, 13, true, [1, 1, 1, 13], 137147),
    ("Application", 60, 13, false, [1, 1, 1, 2], 137147),
];

/// The topology in force, expanded to one entry per subnet, in table order.
pub fn subnets() -> Vec<SubnetSpec> {
    ROWS.iter()
        .flat_map(|&(ty, n, size, is_sev, limits, _)| {
            (0..n).map(move |_| SubnetSpec { subnet_type: ty.to_string(), subnet_id: None, size, is_sev, limits })
        })
        .collect()
}

/// For each subnet type, the motion that last set its row.
pub fn sources() -> Vec<(&'static str, u64)> {
    ROWS.iter().map(|r| (r.0, r.5)).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn seventy_subnets_and_1033_seats() {
        let s = super::subnets();
        assert_eq!(s.len(), 70);
        assert_eq!(s.iter().map(|s| s.size).sum::<u32>(), 1033);
    }

    #[cfg(feature = "files")]
    #[test]
    fn equals_the_shipped_topology_file() {
        let text = include_str!("../defaults/topology.csv");
        let (parsed, _) = crate::files::parse_topology_csv(text, "defaults/topology.csv").unwrap();
        assert_eq!(parsed, super::subnets());
    }
}
