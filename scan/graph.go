package scan

import (
	"path/filepath"
	"sort"
	"strings"

	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
	"github.com/kldcheck/kldcheck/rules"
)

// duplicates reports module names declared (DECLARE_MODULE) by more than one
// file: the kernel refuses the second ("module %s already present!",
// kern_module.c module_register).
func duplicates(files map[string]*kobj.File) []rules.Finding {
	owners := map[string][]string{}
	for p, f := range files {
		for _, m := range f.Metadata {
			if m.Type == kobj.MDTModule {
				owners[m.Name] = append(owners[m.Name], p)
			}
		}
	}
	var out []rules.Finding
	for name, ps := range owners {
		if len(ps) < 2 {
			continue
		}
		sort.Strings(ps)
		for _, p := range ps[1:] {
			fd := rules.New(rules.DuplicateModule, p, "module %s already present! (also declared by %s)", name, ps[0])
			fd.Symbol = name
			out = append(out, fd)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out
}

// cycles reports MODULE_DEPEND cycles among the files, following each
// dependency to the file the hints name for it.
func cycles(files map[string]*kobj.File, hints linker.Hints) []rules.Finding {
	deps := map[string][]string{}
	for p, f := range files {
		for _, d := range f.Depends() {
			for _, h := range hints[d.Name] {
				if h.Path != p && h.Version >= d.Min && h.Version <= d.Max {
					deps[p] = append(deps[p], h.Path)
				}
			}
		}
		sort.Strings(deps[p])
	}
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
	return out
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
