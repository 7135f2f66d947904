package linker_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/internal/readelf"
	"github.com/kldcheck/kldcheck/rules"
)

// dynReloc is the one record of type typ in a module's llvm-readelf -r
// capture.
func dynReloc(t *testing.T, config, file, typ string) readelf.Reloc {
	t.Helper()
	rs, err := readelf.Relocs(capture(t, config, file, "relocs"))
	if err != nil {
		t.Fatal(err)
	}
	var found []readelf.Reloc
	for _, r := range rs {
		if r.Type == typ {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s/%s: %d %s records in the capture, want 1", config, file, len(found), typ)
	}
	return found[0]
}

// span is the byte offset from a record's place to the ifunc, as
// llvm-readelf shows both (the simulation loads the image in one piece, so
// the offset does not depend on where it is loaded).
func span(t *testing.T, config, file, typ string) int64 {
	r := dynReloc(t, config, file, typ)
	s, ok := captured(t, config, file)["branch_ifunc"]
	if !ok {
		t.Fatalf("%s/%s: no branch_ifunc in the symbol capture", config, file)
	}
	return int64(s.Value) + r.Addend - int64(r.Offset)
}

// branch.ko, linked with -z ifunc-noplt, leaves its branches to its own
// ifunc to the kernel linker. arm64's reloc_instr_imm refuses the tbz
// (R_AARCH64_TSTBR14) 40 KB away, beyond its ±32 KiB; branch_near.ko, the
// same module without the gap, loads. riscv64's check compares unsigned
// values and refuses every R_RISCV_JAL, even one a few bytes long.
func TestBranchRangePerArch(t *testing.T) {
	far := span(t, "arm64-noplt-exportsyms", "branch.ko", "R_AARCH64_TSTBR14")
	near := span(t, "arm64-noplt-exportsyms", "branch_near.ko", "R_AARCH64_TSTBR14")
	if far < 1<<15 || near >= 1<<15 || near <= -1<<15 {
		t.Fatalf("fixtures: tbz spans %#x (far) and %#x (near), want beyond and within ±32 KiB", far, near)
	}
	jal := span(t, "riscv64-noplt-exportsyms", "branch.ko", "R_RISCV_JAL")
	for _, c := range []struct {
		config, file, typ, says string
		span                    int64
	}{
		{"arm64-noplt-exportsyms", "branch.ko", "R_AARCH64_TSTBR14", "link_elf: symbol branch_ifunc undefined, although it is defined", far},
		{"riscv64-noplt-exportsyms", "branch.ko", "R_RISCV_JAL", "kldload: huge offset against R_RISCV_JAL; link_elf: symbol branch_ifunc undefined", jal},
	} {
		for _, prof := range []string{"freebsd-12.1", "freebsd-15"} {
			l := simulate(t, c.config, prof, c.file)
			fs := byRule(l, rules.BranchOutOfRange)
			want := fmt.Sprintf("spans +%#x bytes", c.span)
			if len(fs) != 1 || fs[0].Relocation == nil || fs[0].Relocation.Type != c.typ ||
				!strings.Contains(fs[0].Message, c.says) || !strings.Contains(fs[0].Message, want) {
				t.Errorf("%s %s %s: %v, want one %s finding saying %q and %q", c.config, prof, c.file, l.Findings, rules.BranchOutOfRange, c.says, want)
			}
			if len(l.Failed) != 1 || l.Failed[0].Rule != rules.BranchOutOfRange {
				t.Errorf("%s %s %s: failed loads %v, want the one of %s", c.config, prof, c.file, l.Failed, rules.BranchOutOfRange)
			}
		}
	}
	l := simulate(t, "arm64-noplt-exportsyms", "freebsd-15", "branch_near.ko")
	if len(l.Findings) != 0 || len(l.Failed) != 0 {
		t.Errorf("branch_near.ko: %v, want it to load clean", l.Findings)
	}
	// FreeBSD 10's arm64 elf_machdep.c handles no branch type at all.
	if rule, failed := failedWith(t, "arm64-noplt-exportsyms", "freebsd-10", "branch_near.ko"); !failed || rule != rules.UnsupportedRelocation {
		t.Errorf("branch_near.ko on freebsd-10: failed %v by %q, want %s", failed, rule, rules.UnsupportedRelocation)
	}
}

// With EXPORT_SYMS=NO the ifunc is local, and lld writes its branch records
// against symbol index 0, which elf_lookup refuses.
func TestBranchToLocalIfunc(t *testing.T) {
	if r := dynReloc(t, "arm64-noplt", "branch.ko", "R_AARCH64_TSTBR14"); r.Symbol != "" {
		t.Fatalf("fixture: the TSTBR14 record names %q, want no symbol", r.Symbol)
	}
	l := simulate(t, "arm64-noplt", "freebsd-15", "branch.ko")
	fs := byRule(l, rules.UndefinedSymbol)
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "link_elf: symbol (null) undefined (the record names symbol index 0") || len(l.Failed) != 1 {
		t.Errorf("%v, want the load to fail at the record against symbol 0", l.Findings)
	}
}
