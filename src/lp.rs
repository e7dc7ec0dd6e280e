//! The one LP driver below both solvers.
//!
//! The ObjectiveValue solver ([`crate::solve`]) and the membership planner
//! ([`crate::plan::solve`]) state their programs as rows over numbered
//! columns; this module hands them to microlp and reads back what each caller
//! needs: an integer program's optimum under the deterministic work budget
//! (branch-and-bound nodes, never a clock), an LP's primal values, the dual
//! of a row set (the multipliers a lower-bound certificate is made from) and
//! a Farkas ray (the multipliers that prove an LP relaxation infeasible).
//! What the solves cost is counted in [`Work`]. Nothing here knows what a
//! row means: the callers turn the numbers into certificates and check them.

use microlp::{ComparisonOp, OptimizationDirection, Problem, SolveOptions, Variable};
use serde::{Deserialize, Serialize};

/// The deterministic work budget of one solve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    /// Branch-and-bound nodes over all integer programs of the solve.
    pub branch_nodes: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget { branch_nodes: 20_000 }
    }
}

/// Work done by a solve (deterministic, for reports and budgets).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Work {
    /// LP relaxations solved.
    pub lp_solves: u64,
    /// Branch-and-bound nodes explored (what the budget counts).
    pub branch_nodes: u64,
    /// Simplex iterations, over all LPs.
    pub lp_iterations: u64,
    /// Subnets whose split needed an integer program rather than the greedy pick.
    pub split_programs: u64,
    /// Whether the plain class-by-subnet model had to be solved.
    pub full_model: bool,
}

/// The answer of an integer program solved under a budget.
pub(crate) enum IntResult {
    /// Proven optimal: every column's value, in column order.
    Solved(Vec<i64>),
    /// No integer point satisfies the rows.
    Infeasible,
    /// The budget ran out (or the solve failed) before the optimum was proven.
    OutOfBudget,
}

/// A row as the driver reads it: its terms (column, coefficient), its sense
/// and its right-hand side. Both solvers' row types are read through it, so
/// they keep their own fields.
pub(crate) trait LpRow {
    /// The row's terms, in the order the row holds them.
    fn terms(&self) -> impl Iterator<Item = (usize, f64)>;
    /// `<=`, `>=` or `=`.
    fn op(&self) -> ComparisonOp;
    /// The right-hand side.
    fn rhs(&self) -> f64;
}

/// A program being stated: columns (numbered in the order added) and rows.
pub(crate) struct Program {
    problem: Problem,
    vars: Vec<Variable>,
}

/// A solved LP: its columns' values (in column order) and its objective.
pub(crate) struct LpSolution {
    /// Each column's value.
    pub(crate) values: Vec<f64>,
    /// The objective's value.
    pub(crate) objective: f64,
    /// The simplex iterations the solve took.
    pub(crate) iterations: u64,
}

impl Program {
    /// An empty program minimising its objective.
    pub(crate) fn minimize() -> Program {
        Program { problem: Problem::new(OptimizationDirection::Minimize), vars: Vec::new() }
    }

    /// An empty program maximising its objective.
    pub(crate) fn maximize() -> Program {
        Program { problem: Problem::new(OptimizationDirection::Maximize), vars: Vec::new() }
    }

    /// Add an integer column in [lo, hi] with objective coefficient `cost`; returns its number.
    pub(crate) fn integer(&mut self, cost: f64, lo: i32, hi: i32) -> usize {
        self.vars.push(self.problem.add_integer_var(cost, (lo, hi)));
        self.vars.len() - 1
    }

    /// Add a continuous column in [lo, hi] with objective coefficient `cost`; returns its number.
    pub(crate) fn continuous(&mut self, cost: f64, lo: f64, hi: f64) -> usize {
        self.vars.push(self.problem.add_var(cost, (lo, hi)));
        self.vars.len() - 1
    }

    /// Add the row `sum terms op rhs` (terms name columns by number).
    pub(crate) fn row(&mut self, terms: impl IntoIterator<Item = (usize, f64)>, op: ComparisonOp, rhs: f64) {
        let expr: Vec<(Variable, f64)> = terms.into_iter().map(|(j, a)| (self.vars[j], a)).collect();
        self.problem.add_constraint(expr.as_slice(), op, rhs);
    }

    /// Solve as an integer program within `budget` branch-and-bound nodes,
    /// counting the solve, its nodes and its iterations in `work`. A budget
    /// of zero solves nothing.
    pub(crate) fn solve_integer(&self, budget: u64, work: &mut Work) -> IntResult {
        if budget == 0 {
            return IntResult::OutOfBudget;
        }
        let mut options = SolveOptions::default();
        options.node_limit = Some(budget);
        work.lp_solves += 1;
        match self.problem.solve_with(options) {
            Ok(outcome) => {
                let stats = outcome.stats();
                work.branch_nodes += stats.nodes_solved;
                work.lp_iterations += stats.lp_iterations;
                let optimal = outcome.is_optimal();
                match outcome.into_solution() {
                    Ok(s) if optimal => {
                        IntResult::Solved(self.vars.iter().map(|&v| s.var_value(v).round() as i64).collect())
                    }
                    _ => IntResult::OutOfBudget,
                }
            }
            Err(microlp::Error::Infeasible) => IntResult::Infeasible,
            Err(_) => IntResult::OutOfBudget,
        }
    }

    /// The best integer point found within `node_limit` nodes, optimal or
    /// not; `None` when there is none. For small auxiliary programs whose
    /// answer is checked by the caller; the nodes are not counted in a
    /// [`Work`] (the limit bounds them).
    pub(crate) fn first_solution(&self, node_limit: u64) -> Option<Vec<i64>> {
        let mut options = SolveOptions::default();
        options.node_limit = Some(node_limit);
        let s = self.problem.solve_with(options).ok()?.into_solution().ok()?;
        Some(self.vars.iter().map(|&v| s.var_value(v).round() as i64).collect())
    }

    /// Solve as an LP (every column continuous); `None` when it has no optimum.
    pub(crate) fn solve_lp(&self) -> Option<LpSolution> {
        let solution = self.problem.solve().ok()?.into_solution().ok()?;
        Some(LpSolution {
            values: self.vars.iter().map(|&v| solution.var_value(v)).collect(),
            objective: solution.objective(),
            iterations: solution.stats().lp_iterations,
        })
    }
}

/// The dual of the LP `rows[which]` over columns with bounds [lo, hi] and
/// costs `cost`, solved: one multiplier u per row in `which`, sign-limited by
/// its sense and kept within [-dual_box, dual_box] (so the dual is bounded
/// even when the primal is infeasible), and per column (every column, or with
/// `all_columns` false only those the rows touch)
/// `sum a u + w_lo - w_hi <= cost` (`=` with w_lo when lo > 0), maximising
/// `sum rhs u + lo w_lo - hi w_hi` with w >= 0. Returns the multipliers of
/// `which`, in its order.
pub(crate) fn solve_dual<R: LpRow>(
    rows: &[R],
    which: &[usize],
    all_columns: bool,
    (lo, hi): (&[i64], &[i64]),
    cost: &[f64],
    dual_box: f64,
) -> Option<(Vec<f64>, LpSolution)> {
    let mut dual = Program::maximize();
    let row_vars: Vec<usize> = which
        .iter()
        .map(|&i| {
            let r = &rows[i];
            let (l, h) = match r.op() {
                ComparisonOp::Le => (-dual_box, 0.0),
                ComparisonOp::Ge => (0.0, dual_box),
                _ => (-dual_box, dual_box),
            };
            dual.continuous(r.rhs(), l, h)
        })
        .collect();
    let mut columns: Vec<Option<Vec<(usize, f64)>>> = vec![if all_columns { Some(Vec::new()) } else { None }; hi.len()];
    for (k, &i) in which.iter().enumerate() {
        for (j, a) in rows[i].terms() {
            columns[j].get_or_insert_with(Vec::new).push((row_vars[k], a));
        }
    }
    for (j, col) in columns.into_iter().enumerate() {
        let Some(mut col) = col else { continue };
        let w_hi = dual.continuous(-(hi[j] as f64), 0.0, f64::INFINITY);
        col.push((w_hi, -1.0));
        if lo[j] > 0 {
            let w_lo = dual.continuous(lo[j] as f64, 0.0, f64::INFINITY);
            col.push((w_lo, 1.0));
            dual.row(col, ComparisonOp::Eq, cost[j]);
        } else {
            dual.row(col, ComparisonOp::Le, cost[j]);
        }
    }
    let solution = dual.solve_lp()?;
    let multipliers = row_vars.iter().map(|&v| solution.values[v]).collect();
    Some((multipliers, solution))
}

/// A Farkas ray of the LP `rows` over columns in [0, hi]: row multipliers y
/// of the right signs with `y^T b - sum_j max(0, (A^T y)_j) hi_j >= 1`, of
/// least total weight `sum |y|` (which keeps the set of rows it names
/// small). `None` when the LP is feasible (no such ray exists) or the solve
/// fails. Returns the multipliers (one per row) and the solved LP.
pub(crate) fn farkas_ray<R: LpRow>(rows: &[R], hi: &[i64]) -> Option<(Vec<f64>, LpSolution)> {
    let mut lp = Program::minimize();
    // Per row: (positive part, negative part) of its multiplier.
    let parts: Vec<(Option<usize>, Option<usize>)> = rows
        .iter()
        .map(|r| {
            let plus = (!matches!(r.op(), ComparisonOp::Le)).then(|| lp.continuous(1.0, 0.0, f64::INFINITY));
            let minus = (!matches!(r.op(), ComparisonOp::Ge)).then(|| lp.continuous(1.0, 0.0, f64::INFINITY));
            (plus, minus)
        })
        .collect();
    let mut columns: Vec<Vec<(usize, f64)>> = vec![Vec::new(); hi.len()];
    let mut violation: Vec<(usize, f64)> = Vec::new();
    for (r, &(plus, minus)) in rows.iter().zip(&parts) {
        for (j, a) in r.terms() {
            plus.into_iter().for_each(|v| columns[j].push((v, a)));
            minus.into_iter().for_each(|v| columns[j].push((v, -a)));
        }
        plus.into_iter().for_each(|v| violation.push((v, r.rhs())));
        minus.into_iter().for_each(|v| violation.push((v, -r.rhs())));
    }
    for (j, mut col) in columns.into_iter().enumerate() {
        // w_j >= (A^T y)_j: the most the column's bound can make up.
        let w = lp.continuous(0.0, 0.0, f64::INFINITY);
        col.push((w, -1.0));
        lp.row(col, ComparisonOp::Le, 0.0);
        violation.push((w, -(hi[j] as f64)));
    }
    lp.row(violation, ComparisonOp::Ge, 1.0);
    let solution = lp.solve_lp()?;
    let value = |v: Option<usize>| v.map_or(0.0, |v| solution.values[v]);
    let y = parts.iter().map(|&(p, m)| value(p) - value(m)).collect();
    Some((y, solution))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row as the tests write it.
    struct R(Vec<(usize, f64)>, ComparisonOp, f64);

    impl LpRow for R {
        fn terms(&self) -> impl Iterator<Item = (usize, f64)> {
            self.0.iter().copied()
        }
        fn op(&self) -> ComparisonOp {
            self.1
        }
        fn rhs(&self) -> f64 {
            self.2
        }
    }

    /// Minimise x + y with x + 2y >= 3 over integers in [0, 5]: x = 1, y = 1.
    fn small() -> Program {
        let mut p = Program::minimize();
        let x = p.integer(1.0, 0, 5);
        let y = p.integer(1.0, 0, 5);
        p.row([(x, 1.0), (y, 2.0)], ComparisonOp::Ge, 3.0);
        p
    }

    #[test]
    fn an_integer_program_is_solved_and_its_work_counted() {
        let mut work = Work::default();
        let IntResult::Solved(values) = small().solve_integer(100, &mut work) else { panic!("solved") };
        assert_eq!(values.iter().sum::<i64>(), 2);
        assert!(values[0] + 2 * values[1] >= 3);
        assert_eq!(work.lp_solves, 1);
        assert!(work.branch_nodes >= 1);
    }

    #[test]
    fn no_budget_solves_nothing() {
        let mut work = Work::default();
        assert!(matches!(small().solve_integer(0, &mut work), IntResult::OutOfBudget));
        assert_eq!(work, Work::default());
    }

    #[test]
    fn an_infeasible_program_says_so() {
        let mut p = Program::minimize();
        let x = p.integer(1.0, 0, 1);
        p.row([(x, 1.0)], ComparisonOp::Ge, 2.0);
        assert!(matches!(p.solve_integer(100, &mut Work::default()), IntResult::Infeasible));
        assert_eq!(p.first_solution(10), None);
    }

    #[test]
    fn the_dual_proves_the_lp_bound() {
        // min x + y, x + 2y >= 3, x, y in [0, 5]: the LP optimum is 1.5 (y = 1.5),
        // and the row's multiplier is 1/2.
        let rows = [R(vec![(0, 1.0), (1, 2.0)], ComparisonOp::Ge, 3.0)];
        let (u, solution) = solve_dual(&rows, &[0], true, (&[0, 0], &[5, 5]), &[1.0, 1.0], 64.0).expect("solved");
        assert!((solution.objective - 1.5).abs() < 1e-9, "{}", solution.objective);
        assert!((u[0] - 0.5).abs() < 1e-9, "{u:?}");
    }

    #[test]
    fn a_farkas_ray_names_the_rows_that_cannot_hold_together() {
        // x <= 1 and x >= 2 over x in [0, 5]; the third row is satisfiable and left out.
        let rows = [
            R(vec![(0, 1.0)], ComparisonOp::Le, 1.0),
            R(vec![(0, 1.0)], ComparisonOp::Ge, 2.0),
            R(vec![(1, 1.0)], ComparisonOp::Le, 4.0),
        ];
        let (y, _) = farkas_ray(&rows, &[5, 5]).expect("a ray");
        assert!(y[0] < 0.0 && y[1] > 0.0, "{y:?}");
        assert_eq!(y[2], 0.0);
        // y^T b - sum max(0, (A^T y)_j) hi_j >= 1.
        let column = y[0] + y[1];
        assert!(y[0] * 1.0 + y[1] * 2.0 - column.max(0.0) * 5.0 >= 1.0 - 1e-9);
        // A feasible LP has no ray.
        assert!(farkas_ray(&rows[2..], &[5, 5]).is_none());
    }
}
