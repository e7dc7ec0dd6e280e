//! What `--help` adds after the flags: exit codes, the candidates CSV and the
//! rule sets' defaults (a test keeps the defaults equal to the engine's).

/// After every command's flags.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  optimal (evaluate, plan), verified (verify, verify-plan, verify-certificate), on an optimal path (verify-proposal)
  1  rejected: a result, plan, certificate or proposal that does not check (the reason is printed)
  2  bad input or usage: the message names the file, line, field or flag
  3  infeasible: the topology cannot be filled even with every synthetic node
  4  work budget exceeded: bounds only
  141  the reader of the output closed the pipe (`... | head`)";

/// After `evaluate`'s flags.
pub const EVALUATE: &str = "\
Candidates (--candidates FILE, or --candidate \"...\" repeated), one row per provider and data center:
  node_provider,data_center,data_center_provider,country,is_sev,no_nodes
  Lionel Messi,Buenos Aires 1,Peron Corporation,AR,true,6
  country is an ISO 3166-1 alpha-2 code; is_sev true/false/1/0; no_nodes 1 to 1000, at most 1000 in all.

Rule sets (\"rules\" in the configuration) and the defaults of the switches a configuration omits:
  2023-12: 12 synthetic countries, SEV on, health off, blacklist off, per-provider minimum off
  2024-11:  2 synthetic countries, SEV on, health off, blacklist off, per-provider minimum off
  2025 (default): 6 synthetic countries, SEV off, health on, blacklist on, per-provider minimum on

Exit codes:
  0 optimal, 2 bad input, 3 infeasible, 4 work budget exceeded (bounds only), 141 closed pipe";
