//! Instruction metering as the replica instruments a canister module
//! (dfinity/ic `rs/embedders/src/wasm_utils/instrumentation.rs`).
//!
//! Each function body is cut into basic blocks: a block ends after `loop`,
//! `if`, `else`, `br`, `br_if`, `br_table`, `end`, `return`, `unreachable` and
//! the tail calls. At the start of every block the module subtracts the block's
//! static cost (the sum of [`operator_cost`] over its operators, the operator
//! that ends it included) from an `i64` counter global; a function body starts
//! with one extra instruction. At the start of a function and of a loop body
//! (the re-entrant blocks) it also checks the counter and traps when it is
//! negative. Before `memory.fill`, `memory.copy`, `memory.init`, `table.fill`,
//! `table.copy` and `table.init` it subtracts their size operand (one
//! instruction per byte or element). So a message is charged for the blocks it
//! executes, not for code that a branch skips.
//!
//! The host sets the counter to the message's limit before a message and reads
//! what is left afterwards; the system API charges its overheads to the same
//! counter. Where the replica calls its `out_of_instructions` import, this
//! module executes `unreachable`; the host tells the two traps apart by the
//! counter's sign.

use wasm_encoder::reencode::{utils, Error as ReencodeError, Reencode};
use wasm_encoder::{
    CodeSection, ConstExpr, ExportKind, ExportSection, Function, GlobalSection, GlobalType, Instruction, Module,
    SectionId, ValType,
};
use wasmparser::{CompositeInnerType, ExternalKind, FunctionBody, Operator, Parser, Payload, TypeRef};

/// The export under which the metered module exposes its instruction counter.
pub(crate) const COUNTER_EXPORT: &str = "__ic_host_instructions";

/// What compiling one wasm instruction costs at install and upgrade
/// (`DEFAULT_COST_TO_COMPILE_WASM_INSTRUCTION` in dfinity/ic `rs/config`).
pub const COMPILE_COST_PER_INSTRUCTION: u64 = 6_000;

/// The cost of every newly written 4 KiB page of stable memory in a message
/// (`DEFAULT_DIRTY_PAGE_OVERHEAD`, application subnets).
pub const STABLE_DIRTY_PAGE_COST: u64 = 1_000;

/// A module with the metering added.
pub(crate) struct Metered {
    pub(crate) bytes: Vec<u8>,
    /// The replica's compilation charge for the module: its instruction count
    /// after instrumentation (operators of every body, two per global) times
    /// [`COMPILE_COST_PER_INSTRUCTION`].
    pub(crate) compile_instructions: u64,
}

/// The replica's static cost of one operator (`instruction_to_cost`). Most
/// operators cost 1; block markers 0; the exceptions are listed by group.
pub fn operator_cost(op: &Operator<'_>, memory64: bool) -> u64 {
    use Operator::*;
    match op {
        Block { .. } | Loop { .. } | Else | End => 0,
        If { .. } | Br { .. } | BrIf { .. } | BrTable { .. } => 2,
        Call { .. } => 5,
        CallIndirect { .. } => 10,
        ReturnCall { .. } => 3,
        ReturnCallIndirect { .. } => 60,
        I32DivS | I32DivU | I32RemS | I32RemU | I64DivS | I64DivU | I64RemS | I64RemU => 10,
        GlobalGet { .. } | GlobalSet { .. } => 2,
        TableGet { .. } | TableSet { .. } => 5,
        MemoryGrow { .. } | TableGrow { .. } | DataDrop { .. } | ElemDrop { .. } => 300,
        MemorySize { .. } => 20,
        TableSize { .. } => 100,
        MemoryFill { .. }
        | MemoryCopy { .. }
        | MemoryInit { .. }
        | TableFill { .. }
        | TableCopy { .. }
        | TableInit { .. } => 100,
        RefIsNull => 5,
        RefFunc { .. } => 130,
        // Floating point.
        F32Add | F32Sub | F32Mul | F32Ceil | F32Floor | F32Trunc | F32Nearest | F64Add | F64Sub | F64Mul | F64Ceil
        | F64Floor | F64Trunc | F64Nearest | F32Copysign => 2,
        F32Div => 3,
        F64Div | F32Sqrt => 5,
        F64Sqrt => 8,
        F64Copysign => 3,
        F32Min | F32Max | F64Min | F64Max => 18,
        F32Eq | F32Ne | F32Lt | F32Gt | F32Le | F32Ge | F64Eq | F64Ne | F64Lt | F64Gt | F64Le | F64Ge => 3,
        F32ConvertI32S | F64ConvertI64S | F32ConvertI64S | F64ConvertI32S => 3,
        F64ConvertI32U | F32ConvertI64U | F32ConvertI32U | F64ConvertI64U => 16,
        I32TruncF32S | I32TruncF32U | I32TruncF64S | I32TruncF64U | I64TruncF32S | I64TruncF32U | I64TruncF64S
        | I64TruncF64U | I32TruncSatF32S | I32TruncSatF32U | I32TruncSatF64S | I32TruncSatF64U | I64TruncSatF32S
        | I64TruncSatF32U | I64TruncSatF64S | I64TruncSatF64U => 20,
        // Loads and stores cost 2 with 64-bit memory.
        I32Load { .. }
        | I64Load { .. }
        | F32Load { .. }
        | F64Load { .. }
        | I32Load8S { .. }
        | I32Load8U { .. }
        | I32Load16S { .. }
        | I32Load16U { .. }
        | I64Load8S { .. }
        | I64Load8U { .. }
        | I64Load16S { .. }
        | I64Load16U { .. }
        | I64Load32S { .. }
        | I64Load32U { .. }
        | I32Store { .. }
        | I64Store { .. }
        | F32Store { .. }
        | F64Store { .. }
        | I32Store8 { .. }
        | I32Store16 { .. }
        | I64Store8 { .. }
        | I64Store16 { .. }
        | I64Store32 { .. } => 1 + u64::from(memory64),
        // SIMD: the operators whose cost is not 1 (the canister is built without SIMD).
        I8x16Shuffle { .. }
        | I8x16Popcnt
        | I8x16Shl
        | I8x16ShrS
        | I32x4ExtAddPairwiseI16x8U
        | I64x2ShrS
        | I32x4TruncSatF64x2UZero => 3,
        I8x16LtU
        | I8x16GtU
        | I16x8LtU
        | I16x8GtU
        | I32x4LtU
        | I32x4GtU
        | I8x16ShrU
        | I16x8ExtAddPairwiseI8x16U
        | I16x8Shl
        | I16x8ShrS
        | I16x8ShrU
        | I16x8ExtMulHighI8x16S
        | I16x8ExtMulHighI8x16U
        | I32x4Shl
        | I32x4ShrS
        | I32x4ShrU
        | I32x4Mul
        | I32x4ExtMulLowI16x8S
        | I32x4ExtMulHighI16x8S
        | I32x4ExtMulLowI16x8U
        | I32x4ExtMulHighI16x8U
        | I64x2Shl
        | I64x2ShrU
        | F32x4Ceil
        | F32x4Floor
        | F32x4Trunc
        | F32x4Nearest
        | F32x4Abs
        | F32x4Neg
        | F32x4Add
        | F32x4Sub
        | F32x4Mul
        | F64x2Ceil
        | F64x2Floor
        | F64x2Trunc
        | F64x2Nearest
        | F64x2Abs
        | F64x2Neg
        | F64x2Add
        | F64x2Sub
        | F64x2Mul
        | I32x4TruncSatF32x4S
        | I32x4TruncSatF64x2SZero => 2,
        I64x2Mul | F32x4Min | F32x4Max | F64x2Min | I32x4TruncSatF32x4U | F32x4ConvertI32x4U => 4,
        F64x2Max | F32x4Sqrt => 5,
        F32x4Div => 10,
        F64x2Div => 12,
        F64x2Sqrt => 14,
        _ => 1,
    }
}

/// One place where the metering code goes: before operator `position`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Point {
    pub(crate) position: usize,
    /// Static cost of the block that starts here (unused for a dynamic point).
    pub(crate) cost: u64,
    /// Re-entrant block (function or loop body): check the counter too.
    pub(crate) check: bool,
    /// Before a bulk operator: subtract its size operand.
    pub(crate) dynamic: bool,
}

/// The metering points of a function body, in order.
pub(crate) fn points(ops: &[Operator<'_>], memory64: bool) -> Vec<Point> {
    let block = |position, cost, check| Point { position, cost, check, dynamic: false };
    let mut points = Vec::new();
    // A function costs at least one instruction, even an empty one.
    let mut current = block(0, 1, true);
    for (i, op) in ops.iter().enumerate() {
        current.cost += operator_cost(op, memory64);
        use Operator::*;
        if matches!(
            op,
            MemoryFill { .. }
                | MemoryCopy { .. }
                | MemoryInit { .. }
                | TableFill { .. }
                | TableCopy { .. }
                | TableInit { .. }
        ) {
            points.push(Point { position: i, cost: 0, check: false, dynamic: true });
        }
        let next_reentrant = match op {
            Loop { .. } => Some(true),
            If { .. }
            | Else
            | Br { .. }
            | BrIf { .. }
            | BrTable { .. }
            | End
            | Return
            | Unreachable
            | ReturnCall { .. }
            | ReturnCallIndirect { .. } => Some(false),
            _ => None,
        };
        if let Some(check) = next_reentrant {
            points.push(current);
            current = block(i + 1, 0, check);
        }
    }
    points.retain(|p| p.dynamic || p.check || p.cost > 0);
    points.sort_by_key(|p| p.position);
    points
}

/// The operators the replica's instrumentation adds for `point` (for the
/// compilation charge): 4 to subtract, 6 more to check, 3 for a bulk operator.
fn injected_len(point: &Point, memory64: bool) -> u64 {
    match (point.dynamic, point.check) {
        (true, _) if memory64 => 1,
        (true, _) => 3,
        (false, true) => 10,
        (false, false) => 4,
    }
}

/// Adds the metering to `wasm`.
pub(crate) fn instrument(wasm: &[u8]) -> Result<Metered, String> {
    let shape = Shape::scan(wasm)?;
    let mut meter = Meter {
        counter: shape.imported_globals + shape.defined_globals,
        params: shape.params,
        memory64: shape.memory64,
        next_body: 0,
        globals_written: false,
        exports_written: false,
        instructions: 2 * (u64::from(shape.defined_globals) + 1),
    };
    let mut module = Module::new();
    meter.parse_core_module(&mut module, Parser::new(0), wasm).map_err(|e| format!("invalid wasm module: {e}"))?;
    let compile_instructions = meter.instructions.saturating_mul(COMPILE_COST_PER_INSTRUCTION);
    Ok(Metered { bytes: module.finish(), compile_instructions })
}

/// What the metering needs to know about a module before rewriting it.
struct Shape {
    imported_globals: u32,
    defined_globals: u32,
    /// Number of parameters of each defined function (its locals start after them).
    params: Vec<u32>,
    memory64: bool,
}

impl Shape {
    fn scan(wasm: &[u8]) -> Result<Shape, String> {
        let invalid = |e: wasmparser::BinaryReaderError| format!("invalid wasm module: {e}");
        let mut type_params: Vec<Option<u32>> = Vec::new();
        let mut shape = Shape { imported_globals: 0, defined_globals: 0, params: Vec::new(), memory64: false };
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.map_err(invalid)? {
                Payload::TypeSection(reader) => {
                    for group in reader {
                        for sub in group.map_err(invalid)?.into_types() {
                            type_params.push(match &sub.composite_type.inner {
                                CompositeInnerType::Func(f) => Some(f.params().len() as u32),
                                _ => None,
                            });
                        }
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        match import.map_err(invalid)?.ty {
                            TypeRef::Global(_) => shape.imported_globals += 1,
                            TypeRef::Memory(m) => shape.memory64 |= m.memory64,
                            _ => {}
                        }
                    }
                }
                Payload::MemorySection(reader) => {
                    for memory in reader {
                        shape.memory64 |= memory.map_err(invalid)?.memory64;
                    }
                }
                Payload::FunctionSection(reader) => {
                    for ty in reader {
                        let ty = ty.map_err(invalid)?;
                        let params = type_params.get(ty as usize).copied().flatten();
                        shape.params.push(params.ok_or_else(|| format!("invalid wasm module: no function type {ty}"))?);
                    }
                }
                Payload::GlobalSection(reader) => shape.defined_globals = reader.count(),
                _ => {}
            }
        }
        Ok(shape)
    }
}

struct Meter {
    /// Index of the counter global (after every existing global).
    counter: u32,
    params: Vec<u32>,
    memory64: bool,
    next_body: usize,
    globals_written: bool,
    exports_written: bool,
    /// Instructions of the instrumented module, as the replica counts them for
    /// the compilation charge.
    instructions: u64,
}

type Result2<T> = Result<T, ReencodeError<String>>;

impl Meter {
    fn counter_global(&self, globals: &mut GlobalSection) {
        let ty = GlobalType { val_type: ValType::I64, mutable: true, shared: false };
        globals.global(ty, &ConstExpr::i64_const(0));
    }

    fn emit(&self, f: &mut Function, point: &Point, temp: u32) {
        let counter = self.counter;
        if point.dynamic {
            if !self.memory64 {
                f.instruction(&Instruction::I64ExtendI32U);
            }
            f.instruction(&Instruction::LocalTee(temp));
            f.instruction(&Instruction::GlobalGet(counter));
            f.instruction(&Instruction::LocalGet(temp));
            f.instruction(&Instruction::I64Sub);
            f.instruction(&Instruction::GlobalSet(counter));
        } else {
            f.instruction(&Instruction::GlobalGet(counter));
            f.instruction(&Instruction::I64Const(point.cost as i64));
            f.instruction(&Instruction::I64Sub);
            f.instruction(&Instruction::GlobalSet(counter));
        }
        if point.check || point.dynamic {
            f.instruction(&Instruction::GlobalGet(counter));
            f.instruction(&Instruction::I64Const(0));
            f.instruction(&Instruction::I64LtS);
            f.instruction(&Instruction::If(wasm_encoder::BlockType::Empty));
            f.instruction(&Instruction::Unreachable);
            f.instruction(&Instruction::End);
        }
        if point.dynamic && !self.memory64 {
            f.instruction(&Instruction::I32WrapI64);
        }
    }
}

/// Position of a section in the order the binary format requires.
fn rank(id: SectionId) -> u8 {
    match id {
        SectionId::Type => 1,
        SectionId::Import => 2,
        SectionId::Function => 3,
        SectionId::Table => 4,
        SectionId::Memory => 5,
        SectionId::Tag => 6,
        SectionId::Global => 7,
        SectionId::Export => 8,
        SectionId::Start => 9,
        SectionId::Element => 10,
        SectionId::DataCount => 11,
        SectionId::Code => 12,
        SectionId::Data => 13,
        _ => 0,
    }
}

impl Reencode for Meter {
    type Error = String;

    fn parse_global_section(
        &mut self,
        globals: &mut GlobalSection,
        section: wasmparser::GlobalSectionReader<'_>,
    ) -> Result2<()> {
        utils::parse_global_section(self, globals, section)?;
        self.counter_global(globals);
        self.globals_written = true;
        Ok(())
    }

    fn parse_export_section(
        &mut self,
        exports: &mut ExportSection,
        section: wasmparser::ExportSectionReader<'_>,
    ) -> Result2<()> {
        for export in section {
            let export = export?;
            if export.name == COUNTER_EXPORT && export.kind != ExternalKind::Global {
                return Err(ReencodeError::UserError(format!("the module exports the reserved name {COUNTER_EXPORT}")));
            }
            self.parse_export(exports, export)?;
        }
        exports.export(COUNTER_EXPORT, ExportKind::Global, self.counter);
        self.exports_written = true;
        Ok(())
    }

    fn intersperse_section_hook(
        &mut self,
        module: &mut Module,
        _after: Option<SectionId>,
        before: Option<SectionId>,
    ) -> Result2<()> {
        let next = before.map_or(u8::MAX, rank);
        if !self.globals_written && next > rank(SectionId::Global) {
            let mut globals = GlobalSection::new();
            self.counter_global(&mut globals);
            module.section(&globals);
            self.globals_written = true;
        }
        if !self.exports_written && next > rank(SectionId::Export) {
            let mut exports = ExportSection::new();
            exports.export(COUNTER_EXPORT, ExportKind::Global, self.counter);
            module.section(&exports);
            self.exports_written = true;
        }
        Ok(())
    }

    fn parse_function_body(&mut self, code: &mut CodeSection, func: FunctionBody<'_>) -> Result2<()> {
        let params = *self
            .params
            .get(self.next_body)
            .ok_or_else(|| ReencodeError::UserError("more function bodies than functions".to_string()))?;
        self.next_body += 1;
        let mut locals = Vec::new();
        let mut declared = 0u32;
        for pair in func.get_locals_reader()? {
            let (count, ty) = pair?;
            declared += count;
            locals.push((count, self.val_type(ty)?));
        }
        let mut ops = Vec::new();
        let mut reader = func.get_operators_reader()?;
        while !reader.eof() {
            ops.push(reader.read()?);
        }
        let points = points(&ops, self.memory64);
        let temp = params + declared;
        if points.iter().any(|p| p.dynamic) {
            locals.push((1, ValType::I64));
        }
        self.instructions += ops.len() as u64;
        self.instructions += points.iter().map(|p| injected_len(p, self.memory64)).sum::<u64>();
        let mut f = Function::new(locals);
        let mut next = points.iter().peekable();
        for (i, op) in ops.into_iter().enumerate() {
            while let Some(point) = next.next_if(|p| p.position == i) {
                self.emit(&mut f, point, temp);
            }
            f.instruction(&self.instruction(op)?);
        }
        code.function(&f);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(wat: &str) -> Vec<u64> {
        let wasm = wat::parse_str(format!("(module (func {wat}))")).unwrap();
        for payload in Parser::new(0).parse_all(&wasm) {
            if let Payload::CodeSectionEntry(body) = payload.unwrap() {
                let mut reader = body.get_operators_reader().unwrap();
                let mut ops = Vec::new();
                while !reader.eof() {
                    ops.push(reader.read().unwrap());
                }
                return points(&ops, false).iter().map(|p| p.cost).collect();
            }
        }
        unreachable!()
    }

    #[test]
    fn blocks_end_at_branches_and_carry_their_cost() {
        // start 1, block 0, i32.const 1 (1), br_if 0 (2) | i32.const 2, drop (2) | end of block (0) | end (0)
        assert_eq!(ops("(block (br_if 0 (i32.const 1)) (drop (i32.const 2)))"), [4, 2]);
        // The loop body is its own re-entrant block.
        assert_eq!(ops("(loop (br_if 0 (i32.const 0)))"), [1, 3]);
    }
}
