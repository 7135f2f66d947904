package code

import (
	"debug/elf"
	"fmt"
	"strconv"

	"github.com/kldcheck/kldcheck/kobj"
)

// abi is a calling convention as the scan models it. A call's arguments
// are numbered as the ABI assigns argument words: the argument registers
// in order, then the words of the stack from the stack pointer at the call
// up. Call.Args[i] is word i: the i-th argument of C when every argument
// before it takes one word (vm_map_find's object is Args[1] everywhere; a
// 64-bit argument takes two words, or an aligned register pair, on 32-bit
// architectures).
type abi struct {
	regs  []int    // argument registers, in the machine's numbering
	names []string // their names, as the architecture's disassembly spells them
	sp    int      // the stack pointer register
	// stack is where the first stack argument word lies from the stack
	// pointer at the call, word the size of a stack word; spName spells the
	// stack pointer in a stack word's name ("[esp+0x4]").
	stack, word uint64
	spName      string
	clobbered   []int // registers a call may change (caller-saved)
}

var (
	// SysV AMD64 psABI 3.2.3: rdi rsi rdx rcx r8 r9, then the stack from rsp.
	amd64ABI = &abi{regs: []int{7, 6, 2, 1, 8, 9}, names: []string{"rdi", "rsi", "rdx", "rcx", "r8", "r9"},
		sp: 4, word: 8, spName: "rsp", clobbered: []int{0, 1, 2, 6, 7, 8, 9, 10, 11}}
	// SysV i386 psABI 2.2.2 (cdecl): every argument on the stack, argument
	// word i at esp+4*i at the call; eax, ecx, edx are caller-saved.
	i386ABI = &abi{sp: 4, word: 4, spName: "esp", clobbered: []int{0, 1, 2}}
	// AAPCS64 6.4: x0-x7, then the stack; x0-x18 and x30 caller-saved.
	arm64ABI = &abi{regs: seq(0, 8), names: names("x", 0, 8), sp: arm64SP, word: 8, spName: "sp",
		clobbered: append(seq(0, 19), 30)}
	// AAPCS (ARM EABI) 6.1.1, 5.5: r0-r3, then the stack from sp; r0-r3,
	// r12 (ip) and r14 (lr) caller-saved.
	armABI = &abi{regs: seq(0, 4), names: names("r", 0, 4), sp: 13, word: 4, spName: "sp",
		clobbered: []int{0, 1, 2, 3, 12, 14}}
	// RISC-V psABI: a0-a7 (x10-x17); ra, t0-t6, a0-a7 caller-saved.
	riscvABI = &abi{regs: seq(10, 18), names: names("a", 0, 8), sp: 2, word: 8, spName: "sp",
		clobbered: []int{1, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17, 28, 29, 30, 31}}
	// SysV PowerPC psABI (32-bit): r3-r10, then the parameter words from
	// 8(r1); r0, r3-r12, lr and ctr caller-saved.
	ppcABI = &abi{regs: seq(3, 11), names: names("r", 3, 11), sp: 1, stack: 8, word: 4, spName: "r1",
		clobbered: ppcVolatile}
	// 64-bit ELF V2 ABI 2.2.3: r3-r10, then the parameter save area from
	// 32(r1), whose words 8 and up are the first stack arguments (96(r1)).
	ppc64v2ABI = &abi{regs: seq(3, 11), names: names("r", 3, 11), sp: 1, stack: 32 + 8*8, word: 8, spName: "r1",
		clobbered: ppcVolatile}
	// ELF V1 (FreeBSD powerpc64 before 13): the save area starts at 48(r1).
	ppc64v1ABI = &abi{regs: seq(3, 11), names: names("r", 3, 11), sp: 1, stack: 48 + 8*8, word: 8, spName: "r1",
		clobbered: ppcVolatile}
)

var ppcVolatile = append(append([]int{0}, seq(3, 13)...), ppcLR, ppcCTR)

func seq(lo, hi int) []int {
	var out []int
	for i := lo; i < hi; i++ {
		out = append(out, i)
	}
	return out
}

func names(prefix string, lo, hi int) []string {
	var out []string
	for i := lo; i < hi; i++ {
		out = append(out, prefix+strconv.Itoa(i))
	}
	return out
}

// abiOf is the calling convention of f's architecture, nil if none is
// modelled.
func abiOf(f *kobj.File) *abi {
	switch f.Arch.Machine {
	case elf.EM_X86_64:
		return amd64ABI
	case elf.EM_386:
		return i386ABI
	case elf.EM_AARCH64:
		return arm64ABI
	case elf.EM_ARM:
		return armABI
	case elf.EM_RISCV:
		return riscvABI
	case elf.EM_PPC:
		return ppcABI
	case elf.EM_PPC64:
		if ppc64ELFv1(f) {
			return ppc64v1ABI
		}
		return ppc64v2ABI
	}
	return nil
}

// ppc64ELFv1 reports e_flags' ABI version 1 (EF_PPC64_ABI = 3; 2 is ELF V2,
// and 0, unspecified, is taken as V2, what FreeBSD 13 and later build).
func ppc64ELFv1(f *kobj.File) bool {
	return f.Flags&3 == 1
}

// ArgName names argument word i of a call on f's architecture (see abi):
// its register ("rsi", "x1", "r4"), or the stack word at the call
// ("[esp+0x4]", "[sp+0x8]", "[r1+0x60]").
func ArgName(f *kobj.File, i int) string {
	a := abiOf(f)
	if a == nil || i < 0 {
		return "arg" + strconv.Itoa(i)
	}
	if i < len(a.regs) {
		return a.names[i]
	}
	off := a.stack + a.word*uint64(i-len(a.regs))
	if off == 0 {
		return "[" + a.spName + "]"
	}
	return fmt.Sprintf("[%s+%#x]", a.spName, off)
}
