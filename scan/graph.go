package scan

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
	"github.com/kldcheck/kldcheck/rules"
)

// conflicts reports the files that each load alone but not together: a
// module name declared (DECLARE_MODULE) or a module version provided
// (MODULE_VERSION) by an earlier file of the tree, in module-path order.
// With the earlier one loaded, the kernel refuses the later one: at
// linker_load_dependencies for a version ("interface X.N already present in
// the KLD 'Y'!"), else at module_register (kern_linker.c, kern_module.c,
// FreeBSD 15). A name a file declares twice itself is the linker's to
// report, in that file's own load.
func conflicts(order []string, files map[string]*kobj.File) []rules.Finding {
	type key struct {
		typ     int
		name    string
		version int
	}
	first := map[key]string{}
	var out []rules.Finding
	for _, p := range order {
		reported := map[string]bool{} // the other files this one was reported against
		// MDT_VERSION first: the kernel refuses a version before it
		// registers module names.
		for _, typ := range []int{kobj.MDTVersion, kobj.MDTModule} {
			for _, m := range files[p].Metadata {
				if m.Type != typ {
					continue
				}
				k := key{typ, m.Name, m.ModVersion}
				other, ok := first[k]
				if !ok {
					first[k] = p
					continue
				}
				if other == p || reported[other] {
					continue
				}
				reported[other] = true
				a, b := filepath.Base(other), filepath.Base(p)
				kernel := fmt.Sprintf("module_register: cannot register %s from %s; already loaded from %s", m.Name, b, a)
				what := "module " + m.Name
				if typ == kobj.MDTVersion {
					kernel = fmt.Sprintf("interface %s.%d already present in the KLD '%s'!", m.Name, m.ModVersion, a)
					what = fmt.Sprintf("module version %s.%d", m.Name, m.ModVersion)
				}
				fd := rules.New(rules.ModuleConflict, p,
					"%s also declares %s: each loads alone, but with %s loaded, kldload %s fails (%s)", a, what, a, b, kernel)
				fd.Symbol, fd.Owner = m.Name, a
				out = append(out, fd)
			}
		}
	}
	return out
}

// cycles reports MODULE_DEPEND cycles among the files, following each
// dependency to the file a load would find for it (deps, from dependsOn).
//
// It also returns the files on the cycles it reports, each mapped to the
// file the cycle's finding is on: a load that reaches one of them fails
// (scan refuses them at once, linker.Options.Refused, instead of loading a
// long cycle again for every module that needs it).
func cycles(files map[string]*kobj.File, deps map[string][]string) ([]rules.Finding, map[string]string) {
	onCycle := map[string]string{}
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	var out []rules.Finding
	seen := map[string]bool{}
	var visit func(p string)
	visit = func(p string) {
		color[p] = grey
		stack = append(stack, p)
		for _, q := range deps[p] {
			switch color[q] {
			case white:
				visit(q)
			case grey:
				i := len(stack) - 1
				for stack[i] != q {
					i--
				}
				cyc := append(append([]string{}, stack[i:]...), q)
				key := strings.Join(sorted(cyc[:len(cyc)-1]), ",")
				if !seen[key] {
					seen[key] = true
					names := make([]string, len(cyc))
					for k, c := range cyc {
						names[k] = filepath.Base(c)
					}
					out = append(out, rules.New(rules.DependencyCycle, q, "MODULE_DEPEND cycle: %s", strings.Join(names, " -> ")))
					for _, c := range cyc {
						if onCycle[c] == "" {
							onCycle[c] = q
						}
					}
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[p] = black
	}
	keys := make([]string, 0, len(files))
	for p := range files {
		keys = append(keys, p)
	}
	sort.Strings(keys)
	for _, p := range keys {
		if color[p] == white {
			visit(p)
		}
	}
	return out, onCycle
}

// dependsOn maps each file to the file each of its MODULE_DEPEND records
// resolves to, searched as the kernel would (linker.Options.SearchModule:
// the module path in order, hints, then NAME.ko), sorted. One file per
// record, as a load follows: a tree holding many copies of a provider
// (a damaged or hostile tree) costs no more edges than one.
//
// A dependency the kernel itself provides (builtin, its own MODULE_VERSION
// records) is no edge: linker_load_dependencies finds it loaded before it
// searches.
func dependsOn(files map[string]*kobj.File, modulePath []string, hints linker.Hints, builtin func(kobj.Metadata) bool) map[string][]string {
	search := linker.Options{ModulePath: modulePath, Hints: hints}
	deps := map[string][]string{}
	for p, f := range files {
		for _, d := range f.Depends() {
			if builtin != nil && builtin(d) {
				continue
			}
			if q, ok := search.SearchModule(d); ok && q != p {
				deps[p] = append(deps[p], q)
			}
		}
		sort.Strings(deps[p])
		deps[p] = slices.Compact(deps[p])
	}
	return deps
}

// checkOrder returns the indices of paths with every file after the files
// it depends on (a depth-first post-order; a cycle is cut anywhere): a
// dependency is then checked, its relocation passes run and remembered,
// before the modules that load it, which then need only its parse.
func checkOrder(paths []string, deps map[string][]string) []int {
	index := make(map[string]int, len(paths))
	for i, p := range paths {
		index[p] = i
	}
	seen := make([]bool, len(paths))
	out := make([]int, 0, len(paths))
	var visit func(i int)
	visit = func(i int) {
		seen[i] = true
		for _, q := range deps[paths[i]] {
			if j, ok := index[q]; ok && !seen[j] {
				visit(j)
			}
		}
		out = append(out, i)
	}
	for i := range paths {
		if !seen[i] {
			visit(i)
		}
	}
	return out
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
