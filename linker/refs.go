package linker

import (
	"debug/elf"
	"sort"
	"strings"

	"github.com/kldcheck/kldcheck/code"
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/vdata"
)

// Reference is how a loaded file reaches one VNET or DPCPU variable, in
// terms that stay put from one build to the next (no addresses): for
// comparing two builds of a module (kldcheck diff).
type Reference struct {
	Kind     vdata.Kind
	Variable string
	Owner    string // the file defining it
	// Func is the function whose code holds the reference or loads it from
	// its GOT slot; "" for a reference in data, where Section says where.
	Func    string
	Section string
	// Via is how the code gets the address: the relocation type the
	// kernel linker applies ("R_X86_64_PC32"), a load from a GOT slot
	// ("GOT load (R_AARCH64_RELATIVE)"), or an instruction with no
	// relocation ("PC-relative adr").
	Via string
}

// String spells the reference as "func: variable: via".
func (r Reference) String() string {
	where := r.Func
	if where == "" {
		where = r.Section
	}
	return where + ": " + r.Variable + ": " + r.Via
}

// References lists how f reaches set variables, sorted. A reference through
// a GOT slot is attributed to each function that loads the slot (read from
// its code: arm64 adrp+ldr, riscv64 auipc+ld, ...), or to the GOT itself
// when none is found.
func (l *Linker) References(f *File) []Reference {
	var out []Reference
	var slots []code.Range
	secs := make([]*kobj.Section, len(f.Refs)) // where each reference is
	for i, r := range f.Refs {
		if secs[i] = f.sectionOf(r.Place); secs[i] != nil && isGOT(secs[i]) {
			la := f.linkAddr(r.Place)
			slots = append(slots, code.Range{Lo: la, Hi: la + uint64(f.Obj.Arch.PtrSize)})
		}
	}
	loaders := map[uint64][]string{}
	if len(slots) > 0 && f.Obj.Type != elf.ET_REL {
		if res, err := code.ScanCached(f.Obj, code.Focus{Targets: slots}); err == nil {
			for _, a := range res.Accesses {
				if a.Kind == "load" {
					loaders[a.Target] = append(loaders[a.Target], a.Func)
				}
			}
		}
	}
	for i, r := range f.Refs {
		ref := Reference{Kind: r.Kind, Variable: r.Variable, Owner: r.Owner, Via: r.Type}
		sec := secs[i]
		switch {
		case sec == nil:
			ref.Section = "?"
		case isGOT(sec):
			ref.Section, ref.Via = sec.Name, "GOT load ("+r.Type+")"
			fns := loaders[f.linkAddr(r.Place)]
			if len(fns) == 0 {
				ref.Via = "GOT slot no code was seen to load (" + r.Type + ")"
				out = append(out, ref)
			}
			for _, fn := range fns {
				ref.Func = fn
				out = append(out, ref)
			}
			continue
		case sec.Flags&elf.SHF_EXECINSTR != 0:
			ref.Section = sec.Name
			ref.Func, _, _ = f.place(r.Place)
		default:
			ref.Section = sec.Name
		}
		out = append(out, ref)
	}
	for _, a := range f.PCRel {
		kind, _, ok := f.setOf(a.Target)
		if !ok {
			continue
		}
		mnemonic, _, _ := strings.Cut(a.Text, " ")
		out = append(out, Reference{Kind: kind, Variable: f.variableAt(kind, a.Target), Owner: f.Name,
			Func: a.Func, Via: "PC-relative " + mnemonic})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

func isGOT(s *kobj.Section) bool { return strings.HasPrefix(s.Name, ".got") || s.Name == ".toc" }

// sectionOf returns the section holding loaded address a.
func (f *File) sectionOf(a uint64) *kobj.Section {
	la := f.linkAddr(a)
	for _, s := range f.Obj.Sections {
		if s.Alloc() && s.Contains(la) {
			return s
		}
	}
	return nil
}
