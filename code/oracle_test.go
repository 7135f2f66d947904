package code

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// objCall is a call instruction as llvm-objdump prints it.
type objCall struct {
	addr, next uint64 // the instruction, and the one after it (the return address)
	target     uint64 // direct calls: the target objdump prints, else 0
	callee     string // the function or PLT entry objdump names at target, else ""
	text       string
}

var (
	reObjTarget = regexp.MustCompile(`(?:^|, )0x([0-9a-f]+) <([^>]+)>`) // the target, after any BO, BI operands (bcl 20, 31, ...)
	armCond     = "(eq|ne|cs|hs|cc|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le)?"
	reCallMn    = map[string]*regexp.Regexp{
		"i386":    regexp.MustCompile(`^calll$`),
		"arm64":   regexp.MustCompile(`^(bl|blr)$`),
		"armv7":   regexp.MustCompile(`^(bl|blx)` + armCond + `$`),
		"riscv64": regexp.MustCompile(`^(jal|jalr)$`),
		"powerpc": regexp.MustCompile(`^(bl|bctrl|bcl|bcctrl|blrl)$`),
	}
)

// objdumpArch is the call-mnemonic family of a fixture configuration.
func objdumpArch(config string) string {
	switch {
	case strings.HasPrefix(config, "arm64"):
		return "arm64"
	case strings.HasPrefix(config, "powerpc"):
		return "powerpc"
	case strings.HasPrefix(config, "riscv64"):
		return "riscv64"
	}
	return config
}

// objdumpCalls reads the calls of an llvm-objdump -d capture: the call
// instructions of the architecture, less those calling the next
// instruction (i386's "call 1f; 1: pop", powerpc's "bl 1f; 1: mflr": they
// read the PC) and, on riscv64, jalr to a register other than ra (a jump).
func objdumpCalls(t *testing.T, config, path string) []objCall {
	t.Helper()
	mn := reCallMn[objdumpArch(config)]
	if mn == nil {
		t.Fatalf("no call mnemonics for %s", config)
	}
	var insns [][]string
	for _, l := range lines(t, path) {
		if m := reInsn.FindStringSubmatch(l); m != nil {
			insns = append(insns, m)
		}
	}
	var out []objCall
	for i, m := range insns {
		if !mn.MatchString(m[2]) {
			continue
		}
		c := objCall{text: m[2] + " " + m[3]}
		c.addr, _ = strconv.ParseUint(m[1], 16, 64)
		if i+1 < len(insns) {
			c.next, _ = strconv.ParseUint(insns[i+1][1], 16, 64)
		}
		if ops := strings.Split(m[3], ", "); objdumpArch(config) == "riscv64" && len(ops) > 1 && ops[0] != "ra" {
			continue
		}
		if tm := reObjTarget.FindStringSubmatch(m[3]); tm != nil {
			c.target, _ = strconv.ParseUint(tm[1], 16, 64)
			if c.target == c.next {
				continue
			}
			if !strings.Contains(tm[2], "+") {
				c.callee = strings.TrimSuffix(tm[2], "@plt")
			}
		}
		out = append(out, c)
	}
	return out
}

var (
	reSiteTag    = regexp.MustCompile(`DW_TAG_(GNU_)?call_site$`)
	reSiteOrigin = regexp.MustCompile(`DW_AT_(abstract_origin|call_origin)\s+\(0x[0-9a-f]+ "([^"]+)"\)`)
	reSitePC     = regexp.MustCompile(`DW_AT_(low_pc|call_return_pc)\s+\(0x([0-9a-f]+)\)`)
	reSiteTail   = regexp.MustCompile(`DW_AT_(GNU_tail_call|call_tail_call)\s+\(true\)`)
)

// callSites reads a llvm-dwarfdump capture of DWARF call sites
// (testdata/capture-callsites.sh): callee by return address. Tail calls are
// jumps, not calls, and left out. A module without call sites has no
// capture (nil).
func callSites(t *testing.T, path string) map[uint64]string {
	t.Helper()
	if _, err := os.Stat(path); os.IsNotExist(err) {
		return nil
	}
	out := map[uint64]string{}
	var name string
	var pc uint64
	tail := false
	flush := func() {
		if name != "" && !tail {
			out[pc] = name
		}
		name, pc, tail = "", 0, false
	}
	for _, l := range lines(t, path) {
		switch {
		case reSiteTag.MatchString(l):
			flush()
		case reSiteOrigin.MatchString(l):
			name = reSiteOrigin.FindStringSubmatch(l)[2]
		case reSiteTail.MatchString(l):
			tail = true
		case reSitePC.MatchString(l):
			pc, _ = strconv.ParseUint(reSitePC.FindStringSubmatch(l)[2], 16, 64)
		}
	}
	flush()
	return out
}

// relocSymbols reads a llvm-readelf -r capture: the symbol each relocation
// names, by place (shared objects: virtual addresses); "" for a record that
// names none.
func relocSymbols(t *testing.T, path string) map[uint64]string {
	t.Helper()
	out := map[uint64]string{}
	in := false
	for _, l := range lines(t, path) {
		switch fs := strings.Fields(l); {
		case strings.HasPrefix(l, "Relocation section"):
			in = true
		case len(fs) == 0:
			in = false
		case in && len(fs) >= 4 && fs[0] != "Offset":
			off, err := strconv.ParseUint(fs[0], 16, 64)
			if err == nil && len(fs) >= 5 {
				out[off] = fs[4]
			} else if err == nil {
				out[off] = "" // a record naming no symbol
			}
		}
	}
	return out
}

// unnamed reports a call whose instruction the kernel linker patches from a
// record naming no symbol (lld's -z ifunc-noplt branch to a local ifunc):
// nothing names its callee.
func unnamed(relocs map[uint64]string, addr uint64) bool {
	name, ok := relocs[addr]
	return ok && name == ""
}
