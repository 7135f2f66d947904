// Package code reads what a module's machine code does, with the decoders of
// golang.org/x/arch: which addresses it forms PC-relatively (adr, adrp+add,
// auipc+addi, ...), which memory it reaches that way, and which functions it
// calls with which constant arguments. The kernel linker only sees
// relocations; this package sees the instructions, where the EN-23:08 hazard
// (lld relaxing GOT loads into PC-relative address computations) and the VM
// misuse of seed 002 live.
//
// Each architecture is one file (arm64.go, riscv64.go, x86.go, ppc64.go) providing a
// machine: a decoder step that keeps a small register-constant state.
package code

import (
	"debug/elf"
	"sort"
	"strconv"
	"sync"

	"github.com/kldcheck/kldcheck/kobj"
)

// Access is an address the code forms or reaches from a PC-relative base,
// with no relocation involved.
type Access struct {
	Addr   uint64 // the instruction
	Func   string // the function holding it
	Offset uint64 // from the function's start
	Text   string // the instruction, as the decoder prints it
	Kind   string // "address" (computed into a register), "load" or "store"
	Target uint64 // the address formed or reached
}

// Call is a direct call.
type Call struct {
	Addr   uint64
	Func   string
	Offset uint64
	Target uint64
	// Callee names the function called: a function of the module, or the
	// imported symbol its PLT slot or relocation names; empty when unknown.
	Callee string
	// Args holds the argument registers known to be constant at the call.
	Args map[int]uint64
}

// Result is what one file's code does.
type Result struct {
	Accesses []Access
	Calls    []Call
}

// value is what a register is known to hold.
type value struct {
	v     uint64
	pcrel bool // derived from the program counter
}

// state is the register-constant state of a linear scan through a function.
type state struct {
	regs     map[int]value
	fn       string
	fnStart  uint64
	accesses []Access
	calls    []Call
	// endsStub is set by an indirect jump (the end of a PLT stub), nop by a
	// no-operation (padding).
	endsStub, nop bool
	// popNext is where an i386 "call 1f; 1: pop %reg" pops the PC.
	popNext uint64
}

func (s *state) set(r int, v value) { s.regs[r] = v }
func (s *state) clear(r int)        { delete(s.regs, r) }
func (s *state) reset()             { clear(s.regs) }
func (s *state) get(r int) (value, bool) {
	v, ok := s.regs[r]
	return v, ok
}

func (s *state) access(pc uint64, text, kind string, target uint64) {
	s.accesses = append(s.accesses, Access{Addr: pc, Func: s.fn, Offset: pc - s.fnStart, Text: text, Kind: kind, Target: target})
}

func (s *state) call(pc, target uint64, argRegs []int) {
	c := Call{Addr: pc, Func: s.fn, Offset: pc - s.fnStart, Target: target, Args: map[int]uint64{}}
	for i, r := range argRegs {
		if v, ok := s.regs[r]; ok && !v.pcrel {
			c.Args[i] = v.v
		}
	}
	s.calls = append(s.calls, c)
}

// machine decodes one architecture's instructions.
type machine interface {
	// step decodes the instruction at pc, updates st and returns its length,
	// or 0 when the bytes do not decode (the scan then skips minLen bytes).
	step(code []byte, pc uint64, st *state) int
	minLen() int
}

// entrant is a machine that knows register values at a function's entry
// (powerpc64 ELFv2: r12 holds the global entry point).
type entrant interface {
	enter(start uint64, st *state)
}

// machines holds a constructor per ELF machine and class.
var machines = map[elf.Machine]func(f *kobj.File) machine{}

// sharedDecoder is a machine whose x/arch decoder writes package state on
// every decode (arm64asm, riscv64asm and ppc64asm record test coverage in a
// global slice): its scans are serialised by decodeMu. x86asm writes it only
// in its own tests and is safe for concurrent use.
type sharedDecoder interface{ sharedDecoder() }

var decodeMu sync.Mutex

// prefilter is a machine that can tell from the raw bytes of a function,
// without decoding it, that the function forms no PC-relative address in
// any of the ranges (arm64: no ADR or ADRP reaching them).
type prefilter interface {
	mayReach(code []byte, pc uint64, ranges []Range) bool
}

// Range is an address range [Lo, Hi) in kobj's addresses.
type Range struct{ Lo, Hi uint64 }

// Focus narrows a scan to what a check needs. The zero Focus scans nothing;
// Everything is what Scan does.
type Focus struct {
	// Calls asks for every direct call, named (seed 002's check).
	Calls bool
	// Targets asks for the PC-relative accesses into these ranges (the
	// module's set_vnet and set_pcpu); functions a prefilter clears are
	// not decoded.
	Targets []Range
}

// Everything is the Focus of a full scan: every call and every access.
var Everything = Focus{Calls: true, Targets: []Range{{0, ^uint64(0)}}}

// Supported reports whether the code of f's architecture can be scanned.
func Supported(f *kobj.File) bool {
	_, ok := machines[f.Arch.Machine]
	return ok
}

// Scan reads every function of the executable sections of f. Addresses are
// kobj's (link addresses; ET_REL: kobj's layout). A file of an architecture
// without a machine gives an empty result.
func Scan(f *kobj.File) (*Result, error) { return ScanFocused(f, Everything) }

// ScanFocused reads the functions of f that can matter to focus: all of them
// when it asks for calls, else those a prefilter cannot clear of reaching
// its targets. Accesses outside the targets may be reported too.
func ScanFocused(f *kobj.File, focus Focus) (*Result, error) {
	newM, ok := machines[f.Arch.Machine]
	if !ok || !focus.Calls && len(focus.Targets) == 0 {
		return &Result{}, nil
	}
	m := newM(f)
	res := &Result{}
	if _, shared := m.(sharedDecoder); shared {
		decodeMu.Lock()
		defer decodeMu.Unlock()
	}
	pf, canFilter := m.(prefilter)
	canFilter = canFilter && !focus.Calls
	for _, sec := range f.Sections {
		if !sec.Alloc() || sec.Flags&elf.SHF_EXECINSTR == 0 || sec.Type != elf.SHT_PROGBITS {
			continue
		}
		data, err := f.Data(sec)
		if err != nil {
			return nil, err
		}
		for _, fn := range functions(f, sec) {
			if canFilter && !pf.mayReach(data[fn.start-sec.Addr:fn.end-sec.Addr], fn.start, focus.Targets) {
				continue
			}
			st := &state{regs: map[int]value{}, fn: fn.name, fnStart: fn.base}
			if e, ok := m.(entrant); ok && fn.base == fn.start {
				e.enter(fn.start, st)
			}
			for pc := fn.start; pc < fn.end; {
				st.nop = false
				n := m.step(data[pc-sec.Addr:fn.end-sec.Addr], pc, st)
				if n <= 0 {
					st.reset()
					n = m.minLen()
				}
				pc += uint64(n)
			}
			res.Accesses = append(res.Accesses, st.accesses...)
			res.Calls = append(res.Calls, st.calls...)
		}
	}
	if focus.Calls {
		nameCalls(f, res, m)
	}
	return res, nil
}

type function struct {
	name       string
	start, end uint64
	base       uint64 // what offsets count from: the function, or its section
}

// functions splits a section into the functions its symbols name; stretches
// no symbol covers become "section+offset" pieces.
func functions(f *kobj.File, sec *kobj.Section) []function {
	var fns []function
	seen := map[uint64]bool{}
	for _, tab := range [][]kobj.Symbol{f.Symbols, f.DynSymbols} {
		for _, s := range tab {
			if s.Type != elf.STT_FUNC || !s.InSection() || int(s.Section) != sec.Index || s.Size == 0 || seen[s.Addr] {
				continue
			}
			if s.Addr < sec.Addr || s.Addr+s.Size < s.Addr || s.Addr+s.Size > sec.Addr+sec.Size {
				continue
			}
			seen[s.Addr] = true
			fns = append(fns, function{s.Name, s.Addr, s.Addr + s.Size, s.Addr})
		}
	}
	sort.Slice(fns, func(i, j int) bool { return fns[i].start < fns[j].start })
	var out []function
	cursor := sec.Addr
	for _, fn := range fns {
		if fn.start < cursor {
			continue // overlapping symbols (aliases): keep the first
		}
		if fn.start > cursor {
			out = append(out, function{sec.Name, cursor, fn.start, sec.Addr})
		}
		out = append(out, fn)
		cursor = fn.end
	}
	if end := sec.Addr + sec.Size; cursor < end {
		out = append(out, function{sec.Name, cursor, end, sec.Addr})
	}
	return out
}

// argNames spells the argument registers of each machine, by position.
var argNames = map[elf.Machine][]string{
	elf.EM_AARCH64: {"x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7"},
	elf.EM_RISCV:   {"a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7"},
	elf.EM_X86_64:  {"rdi", "rsi", "rdx", "rcx", "r8", "r9"},
	elf.EM_386:     {"rdi", "rsi", "rdx", "rcx", "r8", "r9"},
	elf.EM_PPC64:   {"r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10"},
}

// ArgName names argument register i of f's architecture.
func ArgName(f *kobj.File, i int) string {
	if names := argNames[f.Arch.Machine]; i < len(names) {
		return names[i]
	}
	return "arg" + strconv.Itoa(i)
}
