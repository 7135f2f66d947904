// Package code reads what a module's machine code does, with the decoders of
// golang.org/x/arch: which addresses it forms PC-relatively (adr, adrp+add,
// auipc+addi, ...), which memory it reaches that way, and which functions it
// calls with which constant arguments. The kernel linker only sees
// relocations; this package sees the instructions, where the EN-23:08 hazard
// (lld relaxing GOT loads into PC-relative address computations) and the VM
// misuse of the VirtualBox pmap_enter report live.
//
// Each architecture is one file (arm64.go, arm.go, riscv64.go, x86.go,
// ppc64.go) providing a machine: a decoder step that keeps a small
// register-constant state (state.go), with the calling conventions in abi.go.
package code

import (
	"debug/elf"
	"sort"
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

// Call is a call: direct (Target), or through a slot the kernel linker fills
// (Slot: a GOT or TOC entry, or a literal-pool word, loaded into the
// register called through, as powerpc's -mlongcall code does).
type Call struct {
	Addr   uint64
	Func   string
	Offset uint64
	Target uint64
	Slot   uint64
	// Callee names the function called: a function of the module, or the
	// imported symbol its PLT slot or relocation names; empty when unknown.
	Callee string
	// Args holds the argument words known to be constant at the call, by
	// ABI position (see ArgName): registers, then stack words.
	Args map[int]uint64

	len  int           // the call instruction's length
	regs map[int]value // the registers at the call, to follow a PLT stub
}

// Result is what one file's code does.
type Result struct {
	Accesses []Access
	Calls    []Call
	// Gaps is what the scan could not read: a check finding nothing in the
	// result has not seen this code.
	Gaps []Gap
}

// Gap is code a scan could not read: a function (or, Func empty, the whole
// file) and why, e.g. Thumb code where the decoder reads only ARM code.
type Gap struct {
	Func   string
	Reason string
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

// unreadable is a machine that cannot read some functions: it returns why
// not, "" when it can.
type unreadable interface {
	unreadable(fn function) string
}

// machines holds a constructor per ELF machine and class.
var machines = map[elf.Machine]func(f *kobj.File) machine{}

// sharedDecoder is a machine whose x/arch decoder writes package state on
// every decode (arm64asm, armasm, riscv64asm and ppc64asm record test
// coverage in a global slice): its scans are serialised by decodeMu. x86asm
// writes it only in its own tests and is safe for concurrent use.
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
	// Calls asks for every call, named (the VirtualBox pmap_enter check).
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
	return ok && abiOf(f) != nil
}

// Scan reads every function of the executable sections of f. Addresses are
// kobj's (link addresses; ET_REL: kobj's layout). A file of an architecture
// without a machine gives a result with one Gap for the whole file.
func Scan(f *kobj.File) (*Result, error) { return ScanFocused(f, Everything) }

// ScanFocused reads the functions of f that can matter to focus: all of them
// when it asks for calls, else those a prefilter cannot clear of reaching
// its targets. Accesses outside the targets may be reported too.
func ScanFocused(f *kobj.File, focus Focus) (*Result, error) {
	if !focus.Calls && len(focus.Targets) == 0 {
		return &Result{}, nil
	}
	if !Supported(f) {
		return &Result{Gaps: []Gap{{Reason: "kldcheck has no instruction decoder for " + f.Arch.Machine.String()}}}, nil
	}
	m := machines[f.Arch.Machine](f)
	a := abiOf(f)
	res := &Result{}
	if _, shared := m.(sharedDecoder); shared {
		decodeMu.Lock()
		defer decodeMu.Unlock()
	}
	pf, canFilter := m.(prefilter)
	canFilter = canFilter && !focus.Calls
	skip, canSkip := m.(unreadable)
	for _, sec := range f.Sections {
		if !sec.Alloc() || sec.Flags&elf.SHF_EXECINSTR == 0 || sec.Type != elf.SHT_PROGBITS {
			continue
		}
		data, err := f.Data(sec)
		if err != nil {
			return nil, err
		}
		for _, fn := range functions(f, sec) {
			if canSkip {
				if why := skip.unreadable(fn); why != "" {
					res.Gaps = append(res.Gaps, Gap{Func: fn.name, Reason: why})
					continue
				}
			}
			if canFilter && !pf.mayReach(data[fn.start-sec.Addr:fn.end-sec.Addr], fn.start, focus.Targets) {
				continue
			}
			st := newState(a, fn.name, fn.base)
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
	for i := range res.Calls {
		res.Calls[i].regs = nil
	}
	return res, nil
}

type function struct {
	name       string
	start, end uint64
	base       uint64 // what offsets count from: the function, or its section
	thumb      bool   // an ARM function symbol with the Thumb bit (bit 0) set
}

// functions splits a section into the functions its symbols name; stretches
// no symbol covers become "section+offset" pieces. An ARM function symbol's
// bit 0 marks Thumb code, not an address ("ELF for the Arm Architecture"
// 5.5.3).
func functions(f *kobj.File, sec *kobj.Section) []function {
	var fns []function
	seen := map[uint64]bool{}
	for _, tab := range [][]kobj.Symbol{f.Symbols, f.DynSymbols} {
		for _, s := range tab {
			addr, thumb := s.Addr, false
			if f.Arch.Machine == elf.EM_ARM {
				addr, thumb = addr&^1, addr&1 != 0
			}
			if s.Type != elf.STT_FUNC || !s.InSection() || int(s.Section) != sec.Index || s.Size == 0 || seen[addr] {
				continue
			}
			if addr < sec.Addr || addr+s.Size < addr || addr+s.Size > sec.Addr+sec.Size {
				continue
			}
			seen[addr] = true
			fns = append(fns, function{s.Name, addr, addr + s.Size, addr, thumb})
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
			out = append(out, function{name: sec.Name, start: cursor, end: fn.start, base: sec.Addr})
		}
		out = append(out, fn)
		cursor = fn.end
	}
	if end := sec.Addr + sec.Size; cursor < end {
		out = append(out, function{name: sec.Name, start: cursor, end: end, base: sec.Addr})
	}
	return out
}

// textAt returns up to n bytes of f's image at address a, from the
// allocated section holding it; nil when none does.
func textAt(f *kobj.File, a uint64, n int) []byte {
	for _, s := range f.Sections {
		if !s.Alloc() || !s.HasBits() || !s.Contains(a) {
			continue
		}
		data, err := f.Data(s)
		if err != nil || a-s.Addr >= uint64(len(data)) {
			return nil
		}
		b := data[a-s.Addr:]
		if len(b) > n {
			b = b[:n]
		}
		return b
	}
	return nil
}
