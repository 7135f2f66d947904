// Package diff compares two builds of a module tree, as scanned by package
// scan: for each module (matched by the module it declares, else its file
// name), how its references to VNET and DPCPU variables changed (a GOT load
// that became a PC-relative adr is EN-23:08's toolchain change), which
// findings are new and which are gone, and its module-space use and mix of
// relocation types. It is the CI gate for toolchain and kmod.mk changes.
package diff

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kldcheck/kldcheck/linker"
	"github.com/kldcheck/kldcheck/rules"
	"github.com/kldcheck/kldcheck/scan"
	"github.com/kldcheck/kldcheck/vdata"
)

// Result is the comparison of two scans.
type Result struct {
	Modules []Module // modules present in both, in NEW's order
	// OnlyOld and OnlyNew are the modules one build has and not the other.
	OnlyOld, OnlyNew []string
	// TreeNew are NEW's tree-wide findings that OLD did not have.
	TreeNew []rules.Finding
}

// Module is one module's changes.
type Module struct {
	Name     string // the module name matched on (or the file name)
	Old, New string // the two files
	Refs     []RefChange
	// NewFindings are in NEW and not in OLD; Fixed in OLD and not in NEW;
	// Unchanged counts the findings in both.
	NewFindings, Fixed []rules.Finding
	Unchanged          int
	Sets               []Count // set_vnet / set_pcpu bytes, where they differ
	Relocs             []Count // relocation types whose count differs
}

// Changed reports whether anything but unchanged findings is there.
func (m *Module) Changed() bool {
	return len(m.Refs)+len(m.NewFindings)+len(m.Fixed)+len(m.Sets)+len(m.Relocs) > 0
}

// RefChange is a variable reached from one place in other ways: Old and
// New list how (linker.Reference.Via), sorted, one entry per reference.
type RefChange struct {
	Where, Variable string
	Old, New        []string
}

// String spells the change as "where: variable: old -> new".
func (c RefChange) String() string {
	side := func(v []string) string {
		if len(v) == 0 {
			return "(none)"
		}
		return strings.Join(v, ", ")
	}
	return fmt.Sprintf("%s: %s: %s -> %s", c.Where, c.Variable, side(c.Old), side(c.New))
}

// Count is a quantity in both builds.
type Count struct {
	Name string `json:"name"`
	Old  uint64 `json:"old"`
	New  uint64 `json:"new"`
}

// Compare matches the modules of two scans and compares each pair.
// Everything is keyed and counted in maps: linear in the references and
// findings of both trees.
func Compare(old, new *scan.Result) *Result {
	res := &Result{}
	oldKeys, newKeys := keys(old.Modules), keys(new.Modules)
	oldBy := make(map[string]scan.Module, len(old.Modules))
	for i, m := range old.Modules {
		oldBy[oldKeys[i]] = m
	}
	inNew := make(map[string]bool, len(new.Modules))
	for i, m := range new.Modules {
		k := newKeys[i]
		inNew[k] = true
		o, ok := oldBy[k]
		if !ok {
			res.OnlyNew = append(res.OnlyNew, m.Path)
			continue
		}
		res.Modules = append(res.Modules, compareModule(k, o, m))
	}
	for i, m := range old.Modules {
		if !inNew[oldKeys[i]] {
			res.OnlyOld = append(res.OnlyOld, m.Path)
		}
	}
	res.TreeNew, _, _ = findings(old.Findings, new.Findings)
	return res
}

// keys gives each module what it is matched on: the first module it
// declares, unless another file of the same build declares that one too
// (then its file name).
func keys(ms []scan.Module) []string {
	names := map[string]int{}
	for _, m := range ms {
		if len(m.Names) > 0 {
			names[m.Names[0]]++
		}
	}
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = filepath.Base(m.Path)
		if len(m.Names) > 0 && names[m.Names[0]] == 1 {
			out[i] = m.Names[0]
		}
	}
	return out
}

func compareModule(name string, o, n scan.Module) Module {
	m := Module{Name: name, Old: o.Path, New: n.Path}
	m.Refs = refChanges(o.Refs, n.Refs)
	m.NewFindings, m.Fixed, m.Unchanged = findings(o.Findings, n.Findings)
	for _, k := range vdata.Kinds {
		if a, b := o.SetBytes[k], n.SetBytes[k]; a != b {
			m.Sets = append(m.Sets, Count{k.SetName(), a, b})
		}
	}
	types := map[string]bool{}
	for t := range o.RelocTypes {
		types[t] = true
	}
	for t := range n.RelocTypes {
		types[t] = true
	}
	for t := range types {
		if a, b := o.RelocTypes[t], n.RelocTypes[t]; a != b {
			m.Relocs = append(m.Relocs, Count{t, uint64(a), uint64(b)})
		}
	}
	sort.Slice(m.Relocs, func(i, j int) bool { return m.Relocs[i].Name < m.Relocs[j].Name })
	return m
}

// refChanges groups references by where and which variable, and reports
// the groups whose ways differ.
func refChanges(old, new []linker.Reference) []RefChange {
	type place struct{ where, variable string }
	ways := map[place]*RefChange{}
	var order []place
	add := func(refs []linker.Reference, isNew bool) {
		for _, r := range refs {
			where := r.Func
			if where == "" {
				where = r.Section
			}
			p := place{where, r.Variable}
			c := ways[p]
			if c == nil {
				c = &RefChange{Where: where, Variable: r.Variable}
				ways[p] = c
				order = append(order, p)
			}
			if isNew {
				c.New = append(c.New, r.Via)
			} else {
				c.Old = append(c.Old, r.Via)
			}
		}
	}
	add(old, false)
	add(new, true)
	var out []RefChange
	for _, p := range order {
		c := ways[p]
		sort.Strings(c.Old)
		sort.Strings(c.New)
		if strings.Join(c.Old, "\x00") != strings.Join(c.New, "\x00") {
			out = append(out, *c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// identity is what makes two findings of two builds the same: no addresses
// or offsets, which any rebuild moves.
func identity(f rules.Finding) string {
	return strings.Join([]string{f.Rule, f.Severity.String(), filepath.Base(f.File), f.Symbol, f.Owner, f.Func}, "\x00")
}

// findings splits NEW's findings into new and unchanged, and OLD's that NEW
// lacks into fixed, counting identical findings as a multiset.
func findings(old, new []rules.Finding) (added, fixed []rules.Finding, unchanged int) {
	count := map[string]int{}
	for _, f := range old {
		count[identity(f)]++
	}
	for _, f := range new {
		if k := identity(f); count[k] > 0 {
			count[k]--
			unchanged++
		} else {
			added = append(added, f)
		}
	}
	for _, f := range old {
		if k := identity(f); count[k] > 0 {
			count[k]--
			fixed = append(fixed, f)
		}
	}
	return added, fixed, unchanged
}

// NewFindings are all of NEW's findings that OLD lacked, tree-wide first.
func (r *Result) NewFindings() []rules.Finding {
	out := append([]rules.Finding(nil), r.TreeNew...)
	for _, m := range r.Modules {
		out = append(out, m.NewFindings...)
	}
	return out
}
