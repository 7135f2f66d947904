package linker

import (
	"debug/elf"
	"fmt"

	"github.com/kldcheck/kldcheck/arch"
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/rules"
	"github.com/kldcheck/kldcheck/vdata"
)

// Ref is one relocated value that designates a VNET or DPCPU variable.
type Ref struct {
	Kind     vdata.Kind
	Variable string // the variable (symbol) designated
	Owner    string // the file defining it
	// Reloc (the relocation, as "TYPE at ADDR SYM+ADDEND") and Location
	// (where the patched place is in the file) are described only for
	// references that miss: formatting them for every reference of a big
	// module costs more than the check.
	Reloc    string
	Location string
	Place    uint64 // the patched address, as loaded
	// Type is the relocation type's name (R_AARCH64_RELATIVE, ...).
	Type string
	// Expected is the variable's address in the master set (plus addend
	// where the formula adds one); Actual is what the linker stored.
	Expected, Actual uint64
}

// OK reports whether the reference reaches the variable's master copy.
func (r *Ref) OK() bool { return r.Expected == r.Actual }

// Applied is one relocation record as the simulated linker applied it.
type Applied struct {
	Table *kobj.RelocTable
	Reloc *kobj.Reloc
	// Place is the patched address, as loaded; Addend the addend used:
	// r_addend, or for a REL record the value read at the place (0 when
	// the type patches an instruction field).
	Place  uint64
	Addend int64
	// Value is what the linker stored at Place, read back from the image
	// (Size bytes). Stored is false for types that patch an instruction
	// field, which kldcheck does not encode (and for a place outside the
	// mapping): Value is then the formula's result (S+A, S+A-P).
	Value  uint64
	Size   int
	Stored bool
}

// target is what a symbol-based relocation resolved to.
type target struct {
	addr  uint64       // the value the kernel linker uses for S
	owner *File        // the file defining the symbol (nil: synthetic kernel)
	sym   *kobj.Symbol // the defining symbol
	name  string
}

// errUnresolved is a lookup failure (elf_lookup returning EINVAL); why says
// when the cause is not that nothing defines the name.
type errUnresolved struct {
	name string
	why  unresolvedWhy
}

func (e errUnresolved) Error() string { return "symbol " + e.name + " undefined" }

// unresolvedWhy is the cause of a lookup failure other than a missing
// definition.
type unresolvedWhy uint8

const (
	notDefined  unresolvedWhy = iota
	noHash                    // link_elf.c: no DT_HASH, so nchains is 0
	weakZero                  // an unresolved weak symbol gives 0, which the MD code fails
	weakRefused               // link_elf_obj.c refuses undefined weak symbols outright
	noSymbol                  // a symbol-based record that names symbol index 0
)

// explain says in a clause why a lookup failed, "" when nothing defines
// the name.
func (w unresolvedWhy) explain() string {
	switch w {
	case noHash:
		return " (the file has no DT_HASH: elf_lookup rejects every symbol index)"
	case weakZero:
		return " (an undefined weak symbol: this kernel's elf_lookup gives 0, which the machine-dependent code fails)"
	case noSymbol:
		return " (the record names symbol index 0, which elf_lookup never resolves; lld writes such records for branches to the module's own ifunc when linked with -z ifunc-noplt and the ifunc is local, as EXPORT_SYMS makes it)"
	case weakRefused:
		return " (after \"link_elf_obj: Weak symbols not supported\": this kernel refuses every undefined weak symbol, even one the kernel or a dependency defines)"
	}
	return ""
}

// lookupResult is one symbol's resolution, remembered for the file's load.
type lookupResult struct {
	t    target
	err  error
	done bool
}

// remembered resolves symbol idx of the file's .symtab (or .dynsym, dyn)
// with resolve once per load: many records name the same symbol, and what a
// name resolves to does not change while the file is relocated.
func (f *File) remembered(dyn bool, n int, idx uint32, resolve func() (target, error)) (target, error) {
	i := 0
	if dyn {
		i = 1
	}
	if int(idx) >= n {
		return resolve()
	}
	if f.lookups[i] == nil {
		f.lookups[i] = make([]lookupResult, n)
	}
	r := &f.lookups[i][idx]
	if !r.done {
		r.t, r.err = resolve()
		r.done = true
	}
	return r.t, r.err
}

// reloc is one record being applied.
type reloc struct {
	t      *kobj.RelocTable
	r      *kobj.Reloc
	place  uint64 // where it writes, as loaded
	base   uint64 // relocbase: ef->address (link_elf) or the section (link_elf_obj)
	spec   arch.Reloc
	addend uint64
}

// prepare reads a record's implicit addend (REL) and its table entry. It
// reports whether the kernel linker of this profile accepts the type.
func (f *File) prepare(t *kobj.RelocTable, r *kobj.Reloc, place, base uint64) (reloc, bool) {
	rc := reloc{t: t, r: r, place: place, base: base, addend: uint64(r.Addend)}
	spec, ok := f.supported(r.Type)
	rc.spec = spec
	if !ok {
		return rc, false
	}
	if !t.RELA && spec.Size > 0 {
		v, _ := f.read(place, spec.Size)
		if spec.Size == 4 {
			v = uint64(int64(int32(v)))
		}
		rc.addend = v
	}
	return rc, true
}

// unexpected is the machine-dependent message for a rejected relocation
// type: "kldload: unexpected relocation type N" (or "unexpected R_COPY
// relocation"), with ", symbol index M" where the profile's release prints
// it (elf_machdep.c elf_reloc_internal).
func (f *File) unexpected(r *kobj.Reloc, spec arch.Reloc) string {
	var msg string
	if spec.Formula == arch.Copy {
		msg = "kldload: unexpected R_COPY relocation"
	} else {
		msg = fmt.Sprintf("kldload: unexpected relocation type %d (%s)", r.Type, f.Obj.Arch.RelocName(r.Type))
	}
	if f.l.Profile.RelocMessageSymbolIndex {
		msg += fmt.Sprintf(", symbol index %d", r.Sym)
	}
	return msg
}

// unsupported records the kernel's messages for a rejected relocation type
// and fails the load: the MD message, then the class loader's "link_elf:
// symbol X undefined" (link_elf.c relocate_file, link_elf_obj.c
// relocate_file), except in link_elf_obj.c's local pass, which fails with
// ENOEXEC and prints nothing more (link_elf_reloc_local, 15-CURRENT).
func (f *File) unsupported(rc reloc, class string, local bool) error {
	name := f.symName(rc.t, rc.r.Sym)
	msg := f.unexpected(rc.r, rc.spec)
	if local {
		msg += "; the load fails (ENOEXEC)"
	} else {
		msg += fmt.Sprintf("; %s: symbol %s undefined", class, name)
	}
	fd := rules.New(rules.UnsupportedRelocation, f.Obj.Path, "%s", msg)
	fd.Symbol = name
	f.setReloc(&fd, rc.t, rc.r)
	f.locate(&fd, rc.place)
	return f.l.fail(f, fd)
}

// unsupportedIgnored records a rejected relocation type in the local pass of
// a kernel whose link_elf_obj.c ignores the failure (before 13.x): the
// message is printed, the place keeps its unrelocated bytes and the load
// goes on.
func (f *File) unsupportedIgnored(rc reloc) {
	name := f.symName(rc.t, rc.r.Sym)
	fd := rules.New(rules.UnsupportedRelocation, f.Obj.Path,
		"%s; link_elf_obj.c ignores the failure of a local relocation: the load goes on with the place unrelocated", f.unexpected(rc.r, rc.spec))
	fd.Symbol = name
	f.setReloc(&fd, rc.t, rc.r)
	f.locate(&fd, rc.place)
	f.l.report(fd)
}

// undefined records a symbol lookup failure: "link_elf: symbol X undefined"
// (link_elf.c relocate_file; link_elf_obj: on amd64). When another loaded file
// defines the symbol, the cause is a missing MODULE_DEPEND.
func (f *File) undefined(rc reloc, name, class string, err error) error {
	id, extra := rules.UndefinedSymbol, ""
	var why unresolvedWhy
	if e, ok := err.(errUnresolved); ok {
		why = e.why
	}
	if why == noHash {
		id = rules.MissingHashTable
	}
	if why != notDefined {
		extra = why.explain()
	} else if owner, _ := f.definer(name); owner != "" {
		id = rules.UndeclaredDependency
		extra = fmt.Sprintf(" (defined in %s, which %s does not MODULE_DEPEND on)", owner, f.Name)
	}
	fd := rules.New(id, f.Obj.Path, "%s: symbol %s undefined%s", class, name, extra)
	fd.Symbol = name
	f.setReloc(&fd, rc.t, rc.r)
	f.locate(&fd, rc.place)
	return f.l.fail(f, fd)
}

// branchFails applies the architecture's range check to a record that
// patches a branch (arch.BranchCheck), with S the address the lookup gave:
// when the offset does not fit, elf_reloc returns -1 and class's
// relocate_file reports the symbol undefined. For an ifunc symbol S is the
// resolver's address, where the kernel uses what the resolver returns.
func (f *File) branchFails(rc reloc, s target, class string) error {
	if rc.spec.Formula != arch.Insn {
		return nil // every checked branch patches an instruction field
	}
	c, ok := f.Obj.Arch.Branches[rc.r.Type]
	if !ok {
		return nil
	}
	off := s.addr - rc.place
	if c.WithAddend {
		off += rc.addend
	}
	if c.Fits(off) {
		return nil
	}
	name := f.symName(rc.t, rc.r.Sym)
	msg := ""
	if c.Message != "" {
		msg = c.Message + "; "
	}
	sign, mag := "+", off
	if int64(off) < 0 {
		sign, mag = "-", -off
	}
	fd := rules.New(rules.BranchOutOfRange, f.Obj.Path,
		"%s%s: symbol %s undefined, although it is defined: the %s branch to it spans %s%#x bytes, and elf_reloc accepts %s",
		msg, class, name, f.Obj.Arch.RelocName(rc.r.Type), sign, mag, c.Reach)
	fd.Symbol = name
	f.setReloc(&fd, rc.t, rc.r)
	f.locate(&fd, rc.place)
	return f.l.fail(f, fd)
}

// setReloc fills in a finding's relocation, as prose and field by field.
func (f *File) setReloc(fd *rules.Finding, t *kobj.RelocTable, r *kobj.Reloc) {
	fd.Reloc = f.Obj.RelocString(t, r)
	place, typ, sym := f.Obj.RelocFields(t, r)
	fd.Relocation = &rules.Relocation{Offset: place, Type: typ, Symbol: sym, Addend: r.Addend}
}

func (f *File) symName(t *kobj.RelocTable, idx uint32) string {
	if syms := f.Obj.SymbolsOf(t); idx != 0 && int(idx) < len(syms) {
		return syms[idx].Name
	}
	return "(null)"
}

// relocaddrOnSymbol reports a symbol-based record whose S+A the kernel also
// passes through elf_relocaddr (powerpc's elf32_machdep.c).
func (f *File) relocaddrOnSymbol(rc reloc) bool {
	return f.Obj.Arch.RelocaddrOnSymbols && (rc.spec.Formula == arch.Abs || rc.spec.Formula == arch.Insn)
}

// compute applies one record: S comes from lookup (symbol-based formulas),
// relocaddr is elf_relocaddr of this file. It writes the value into the image
// and, when the value designates a set variable, records a Ref.
func (f *File) compute(rc reloc, s target) {
	var v uint64
	a := rc.addend
	switch rc.spec.Formula {
	case arch.None:
		return
	case arch.Abs:
		v = s.addr + a
	case arch.Sym:
		v = s.addr
	case arch.PCRel:
		v = s.addr + a - rc.place
	case arch.Relative:
		v = f.relocaddr(rc.base + a)
	case arch.IRelative:
		v = rc.base + a // the resolver's result is not simulated
	case arch.Insn:
		v = s.addr + a
	}
	if f.relocaddrOnSymbol(rc) {
		v = f.relocaddr(v)
	}
	if rc.spec.Size > 0 {
		f.checkSetInit(rc, v)
		f.write(rc.place, rc.spec.Size, v)
	}
	if hook := f.l.opts.OnApply; hook != nil {
		ap := Applied{Table: rc.t, Reloc: rc.r, Place: rc.place, Addend: int64(rc.addend), Value: v}
		if stored, ok := f.read(rc.place, rc.spec.Size); ok {
			ap.Value, ap.Size, ap.Stored = stored, rc.spec.Size, true
		}
		hook(f, ap)
	}
	f.check(rc, s)
}

// check records a Ref when the relocation designates a VNET or DPCPU
// variable. For RELATIVE records the designated address is the addend (an
// address in this file's image as linked) and the value compared is what
// elf_relocaddr made of it; for symbol-based records it is the defining
// symbol, and the value compared is S, the address the lookup produced (the
// addend is added to both alike).
func (f *File) check(rc reloc, s target) {
	var owner *File
	var varAddr, act uint64
	switch rc.spec.Formula {
	case arch.Relative:
		owner, varAddr, act = f, rc.addend, f.relocaddr(rc.base+rc.addend)
		if f.checkPastEnd(rc, act) {
			return
		}
	case arch.Abs, arch.Sym, arch.Insn:
		if s.owner == nil || s.sym == nil {
			return // the synthetic kernel's variables are final
		}
		owner, act = s.owner, s.addr
		if f.relocaddrOnSymbol(rc) {
			// S+A went through this file's elf_relocaddr too, which moves
			// a reference to the file's own set even where elf_lookup did
			// not: compare what that made of S.
			act = f.relocaddr(s.addr+rc.addend) - rc.addend
		}
		varAddr = s.sym.Value
		if owner.Obj.Type == elf.ET_REL && s.sym.InSection() {
			varAddr += owner.Obj.Sections[s.sym.Section].Addr
		}
	default:
		return
	}
	kind, w, ok := owner.setOf(varAddr)
	if !ok {
		return
	}
	var exp uint64
	switch {
	case owner.Obj.Kind == kobj.Kernel:
		exp = varAddr
	case owner.Obj.Type == elf.ET_REL || w.Allocated:
		exp = w.Base + (varAddr - w.Section.Addr)
	default:
		return // never given module space: reported as set-bounds-missing
	}
	ref := Ref{Kind: kind, Variable: owner.variableAt(kind, varAddr), Owner: owner.Name, Place: rc.place, Expected: exp, Actual: act,
		Type: f.Obj.Arch.RelocName(rc.r.Type)}
	if ref.OK() {
		f.Refs = append(f.Refs, ref)
		return
	}
	ref.Reloc, ref.Location = f.Obj.RelocString(rc.t, rc.r), f.location(rc.place)
	f.Refs = append(f.Refs, ref)
	fd := rules.New(rules.SetRefUnrelocated, f.Obj.Path,
		"%s refers to %s variable %s of %s at %#x, but its master copy is at %#x",
		f.Obj.Arch.RelocName(rc.r.Type), kind, ref.Variable, ref.Owner, act, exp)
	fd.Symbol, fd.Owner = ref.Variable, ref.Owner
	f.setReloc(&fd, rc.t, rc.r)
	f.locate(&fd, rc.place)
	fd.Expected, fd.Actual, fd.HasAddrs = exp, act, true
	variable, touched, copyAt := ref.Variable, act, exp
	if a := rc.addend; a != 0 && (rc.spec.Formula == arch.Abs || rc.spec.Formula == arch.Insn) {
		// The code reaches S+A: the addend is an offset into the variable.
		variable, touched, copyAt = fmt.Sprintf("%s+%#x", variable, a), act+a, exp+a
	}
	fd.Lands = f.l.landsLine(kind, variable, touched, copyAt, true)
	f.l.report(fd)
}

// supported looks a relocation type up in the file's architecture and
// says whether this profile's kernel linker applies it.
func (f *File) supported(typ uint32) (arch.Reloc, bool) {
	spec, ok := f.Obj.Arch.Lookup(typ)
	return spec, ok && spec.Formula != arch.Copy && f.l.accepts(f.Obj.Arch, typ)
}

// accepts is Profile.Accepts for this linker's architecture, remembered by
// type number (asked once per relocation record otherwise).
func (l *Linker) accepts(a *arch.Arch, typ uint32) bool {
	if typ >= 1<<12 { // beyond every architecture's table: not remembered
		return l.Profile.Accepts(a.Name, a.RelocName(typ))
	}
	if l.acceptsType == nil {
		l.acceptsType = make([]int8, 1<<12)
	}
	if v := l.acceptsType[typ]; v != 0 {
		return v > 0
	}
	v := l.Profile.Accepts(a.Name, a.RelocName(typ))
	l.acceptsType[typ] = -1
	if v {
		l.acceptsType[typ] = 1
	}
	return v
}
