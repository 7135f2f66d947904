package code

import "maps"

// kind is what a register's value is known to be.
type kind uint8

const (
	konst  kind = iota // a constant
	pcrel              // an address formed from the program counter
	frame              // an address in the stack frame, as an offset from the scan's frame base
	loaded             // the word at address v: a GOT, TOC or literal-pool slot, filled at load time
)

// value is what a register (or a stack word) is known to hold.
type value struct {
	v uint64
	k kind
}

// add is a+b where that is still known: an address plus a constant stays
// an address of the same kind; any other sum is unknown.
func (a value) add(b value) (value, bool) {
	switch {
	case a.k == konst && b.k == konst:
		return value{a.v + b.v, konst}, true
	case b.k == konst && (a.k == pcrel || a.k == frame):
		return value{a.v + b.v, a.k}, true
	case a.k == konst && (b.k == pcrel || b.k == frame):
		return value{a.v + b.v, b.k}, true
	}
	return value{}, false
}

// plus is v with a constant added (wrapping), keeping its kind; a loaded
// value plus anything is unknown.
func (a value) plus(d uint64) (value, bool) { return a.add(value{d, konst}) }

// wrap32 is v in a 32-bit machine's arithmetic: constants and addresses
// wrap at 32 bits; frame addresses are offsets from the scan's frame base
// and need not.
func (a value) wrap32() value {
	if a.k != frame {
		a.v = uint64(uint32(a.v))
	}
	return a
}

// word is a value stored in the stack frame, and its size in bytes.
type word struct {
	v    value
	size uint64
}

// frameBase is the frame address of the stack pointer at a function's entry;
// a stack pointer lost mid-function is given a fresh base frameGap above the
// last, so that the words of two bases never meet.
const (
	frameBase = 1 << 40
	frameGap  = 1 << 32
)

// maxStackArgs bounds the stack words reported as a call's arguments.
const maxStackArgs = 16

// state is the register-constant state of a linear scan through a function:
// registers, and the words stored in the stack frame (what i386, and every
// ABI past its argument registers, passes arguments in).
type state struct {
	abi      *abi
	regs     map[int]value
	slots    map[uint64]word // by frame address
	fresh    uint64          // the last frame base given out
	keep     map[int]bool    // registers a reset leaves (powerpc64's TOC pointer)
	fn       string
	fnStart  uint64
	accesses []Access
	calls    []Call
	// endsStub is set by an indirect jump (the end of a PLT stub), nop by a
	// no-operation or skipped data (padding), resets counts resets.
	endsStub, nop bool
	resets        int
}

func newState(a *abi, fn string, fnStart uint64) *state {
	st := &state{abi: a, regs: map[int]value{}, slots: map[uint64]word{}, fn: fn, fnStart: fnStart, fresh: frameBase}
	st.set(a.sp, value{frameBase, frame})
	return st
}

func (s *state) set(r int, v value) { s.regs[r] = v }
func (s *state) clear(r int) {
	delete(s.regs, r)
	delete(s.keep, r)
}
func (s *state) get(r int) (value, bool) {
	v, ok := s.regs[r]
	return v, ok
}

// hold marks r as kept by resets until something else writes it: a
// register the ABI or the compiler dedicates to one address for the whole
// function (powerpc64's TOC pointer r2, 32-bit powerpc PIC's GOT pointer r30).
func (s *state) hold(r int) {
	if s.keep == nil {
		s.keep = map[int]bool{}
	}
	s.keep[r] = true
}

// reset forgets everything (the next instruction is reached from elsewhere)
// but the registers marked to keep.
func (s *state) reset() {
	for r := range s.regs {
		if !s.keep[r] {
			delete(s.regs, r)
		}
	}
	clear(s.slots)
	s.resets++
}

// stackPointer returns the stack pointer's frame address. When an
// instruction the machine does not model has changed it, it starts again
// from a fresh base with no words known: offsets from it stay exact.
func (s *state) stackPointer() value {
	if v, ok := s.regs[s.abi.sp]; ok && v.k == frame {
		return v
	}
	clear(s.slots)
	s.fresh += frameGap
	v := value{s.fresh, frame}
	s.set(s.abi.sp, v)
	return v
}

// store records that size bytes at frame address a now hold v (known) or
// something unknown; words it overlaps are forgotten.
func (s *state) store(a, size uint64, v value, known bool) {
	for o := range s.slots {
		if o < a+size && a < o+s.slots[o].size {
			delete(s.slots, o)
		}
	}
	if known && size > 0 && size <= 8 {
		if v.k == konst && size < 8 {
			v.v &= 1<<(8*size) - 1
		}
		s.slots[a] = word{v, size}
	}
}

// load returns the word of size bytes at frame address a, if known.
func (s *state) load(a, size uint64) (value, bool) {
	w, ok := s.slots[a]
	if !ok || w.size != size {
		return value{}, false
	}
	return w.v, true
}

func (s *state) access(pc uint64, text, kind string, target uint64) {
	s.accesses = append(s.accesses, Access{Addr: pc, Func: s.fn, Offset: pc - s.fnStart, Text: text, Kind: kind, Target: target})
}

// call records a call of n bytes at pc to target (when known: a constant or
// PC-relative address is a direct call, a loaded value a call through that
// slot) with the arguments of the ABI known to be constant: the argument
// registers, then the stack words from the stack pointer up. The registers
// the ABI lets the callee change, and every stack word (the callee owns its
// arguments), are forgotten.
func (s *state) call(pc uint64, n int, target value, known bool) {
	c := Call{Addr: pc, Func: s.fn, Offset: pc - s.fnStart, Args: map[int]uint64{}, len: n}
	if known {
		switch target.k {
		case konst, pcrel:
			c.Target = target.v
		case loaded:
			c.Slot = target.v
		}
	}
	a := s.abi
	for i, r := range a.regs {
		if v, ok := s.regs[r]; ok && v.k == konst {
			c.Args[i] = v.v
		}
	}
	if sp, ok := s.regs[a.sp]; ok && sp.k == frame && a.word > 0 {
		for j := 0; j < maxStackArgs; j++ {
			if w, ok := s.slots[sp.v+a.stack+a.word*uint64(j)]; ok && w.v.k == konst {
				c.Args[len(a.regs)+j] = w.v.v
			}
		}
	}
	c.regs = maps.Clone(s.regs)
	s.calls = append(s.calls, c)
	for _, r := range a.clobbered {
		s.clear(r)
	}
	clear(s.slots)
}
