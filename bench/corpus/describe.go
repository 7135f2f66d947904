package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/kldcheck/kldcheck/kobj"
)

// treeStats are the shape of a tree of modules that the corpus should match:
// sizes, relocation mix, dependencies and per-instance data users.
type treeStats struct {
	dir     string
	sizes   []int // .ko sizes, bytes
	bytes   int
	relocs  int
	types   map[string]int
	code    int // bytes of executable sections
	withDep int // modules with a dependency on another file of the tree
	deps    int // such dependencies, in all
	kernel  int // dependencies on modules the tree's kernel declares
	outside int // dependencies on modules no file of the tree declares
	depth   []int
	// providers counts dependents per file depended on.
	providers map[int]int
	vnet      int // modules with a set_vnet
	pcpu      int // modules with a set_pcpu
	bad       int // files that failed to parse
}

// describe prints, as a Markdown table, the shape of each tree: the numbers
// bench/corpus's plan is calibrated against (docs/performance.md).
func describe(w io.Writer, dirs []string) error {
	fmt.Fprintln(w, "| tree | modules | MB | size p10 / p50 / p90 / max (KB) | code % | relocations / KB | top relocation types | with deps % | deps per such module | deps on the kernel / outside the tree % | chain depth mean / max | providers | most dependents | set_vnet % | set_pcpu % |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, dir := range dirs {
		s, err := measureTree(dir)
		if err != nil {
			return err
		}
		s.row(w)
	}
	return nil
}

// measureTree parses every .ko of dir with kldcheck's own reader (the
// relocation counts agree with llvm-readelf -r; see bench/run.sh).
func measureTree(dir string) (*treeStats, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.ko"))
	if err != nil || len(paths) == 0 {
		return nil, fmt.Errorf("%s: no .ko files", dir)
	}
	sort.Strings(paths)
	s := &treeStats{dir: dir, types: map[string]int{}, providers: map[int]int{}}
	declares := map[string]int{} // module name -> index of the file declaring it (-1: the kernel)
	if k, err := kobj.Open(filepath.Join(dir, "kernel")); err == nil {
		for _, m := range k.Modules() {
			declares[m.Name] = -1
		}
	}
	var depends [][]string
	for i, p := range paths {
		f, err := kobj.Open(p)
		if err != nil {
			fmt.Fprintln(os.Stderr, "corpus: describe:", err)
			s.bad++
			depends = append(depends, nil)
			continue
		}
		s.sizes = append(s.sizes, f.Size())
		s.bytes += f.Size()
		for t, n := range f.RelocCounts() {
			s.types[t] += n
			s.relocs += n
		}
		for _, sec := range f.Sections {
			if sec.Alloc() && sec.HasBits() && sec.Flags&4 != 0 { // SHF_EXECINSTR
				s.code += int(sec.Size)
			}
		}
		for _, m := range f.Modules() {
			if _, ok := declares[m.Name]; !ok {
				declares[m.Name] = i
			}
		}
		var names []string
		for _, d := range f.Depends() {
			names = append(names, d.Name)
		}
		depends = append(depends, names)
		if f.Set(kobj.SetVNET) != nil {
			s.vnet++
		}
		if f.Set(kobj.SetPCPU) != nil {
			s.pcpu++
		}
	}
	// The dependency graph between files, and each file's chain depth.
	edges := make([][]int, len(paths))
	for i, names := range depends {
		for _, n := range names {
			j, ok := declares[n]
			switch {
			case !ok:
				s.outside++
			case j < 0:
				s.kernel++
			case j != i && !slices.Contains(edges[i], j):
				edges[i] = append(edges[i], j)
				s.providers[j]++
			}
		}
		if len(edges[i]) > 0 {
			s.withDep++
			s.deps += len(edges[i])
		}
	}
	depth := make([]int, len(paths))
	state := make([]int8, len(paths)) // 0 new, 1 on the path, 2 done
	var visit func(i int) int
	visit = func(i int) int {
		if state[i] == 2 || state[i] == 1 { // done, or a cycle: cut it
			return depth[i]
		}
		state[i] = 1
		for _, j := range edges[i] {
			depth[i] = max(depth[i], 1+visit(j))
		}
		state[i] = 2
		return depth[i]
	}
	for i := range paths {
		s.depth = append(s.depth, visit(i))
	}
	return s, nil
}

// row prints the stats as one table row.
func (s *treeStats) row(w io.Writer) {
	n := len(s.sizes)
	sizes := slices.Clone(s.sizes)
	slices.Sort(sizes)
	q := func(p float64) float64 { return float64(sizes[int(math.Round(p*float64(n-1)))]) / 1024 }
	pct := func(a, b int) float64 { return 100 * float64(a) / float64(max(b, 1)) }
	type kv struct {
		k string
		v int
	}
	var mix []kv
	for k, v := range s.types {
		mix = append(mix, kv{k, v})
	}
	slices.SortFunc(mix, func(a, b kv) int { return b.v - a.v })
	var top []string
	for _, e := range mix[:min(4, len(mix))] {
		top = append(top, fmt.Sprintf("%s %.0f%%", strings.TrimPrefix(strings.TrimPrefix(e.k, "R_X86_64_"), "R_AARCH64_"), pct(e.v, s.relocs)))
	}
	most := 0
	for _, d := range s.providers {
		most = max(most, d)
	}
	sum, deepest := 0, 0
	for _, d := range s.depth {
		sum += d
		deepest = max(deepest, d)
	}
	allDeps := s.deps + s.kernel + s.outside
	fmt.Fprintf(w, "| %s | %d | %.1f | %.0f / %.0f / %.0f / %.0f | %.0f | %.1f | %s | %.0f | %.2f | %.0f / %.0f | %.2f / %d | %d | %d | %.0f | %.0f |\n",
		filepath.Base(s.dir), n, float64(s.bytes)/(1<<20), q(0.1), q(0.5), q(0.9), q(1),
		pct(s.code, s.bytes), float64(s.relocs)/(float64(s.bytes)/1024), strings.Join(top, ", "),
		pct(s.withDep, n), float64(s.deps)/float64(max(s.withDep, 1)), pct(s.kernel, allDeps), pct(s.outside, allDeps),
		float64(sum)/float64(max(n, 1)), deepest, len(s.providers), most, pct(s.vnet, n), pct(s.pcpu, n))
	if s.bad > 0 {
		fmt.Fprintf(w, "\n%s: %d files did not parse\n", s.dir, s.bad)
	}
}
