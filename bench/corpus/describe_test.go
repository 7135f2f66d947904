package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestMeasureTree checks -describe's counts on the fixtures against what
// llvm-readelf printed of the same files (testdata/*/readelf, by build.sh).
func TestMeasureTree(t *testing.T) {
	record := regexp.MustCompile(`(?m)^[0-9a-f]{8,16} +[0-9a-f]{8,16} (R_\S+)`)
	for _, arch := range []string{"amd64", "arm64"} {
		dir := filepath.Join("..", "..", "testdata", arch)
		s, err := measureTree(dir)
		if err != nil {
			t.Fatal(err)
		}
		kos, _ := filepath.Glob(filepath.Join(dir, "*.ko"))
		if len(s.sizes) != len(kos) || s.bad != 0 {
			t.Errorf("%s: %d modules measured, %d bad; %d .ko files", arch, len(s.sizes), s.bad, len(kos))
		}
		want := map[string]int{}
		total := 0
		for _, ko := range kos {
			text, err := os.ReadFile(filepath.Join(dir, "readelf", filepath.Base(ko)+".relocs.txt"))
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range record.FindAllStringSubmatch(string(text), -1) {
				want[m[1]]++
				total++
			}
		}
		if s.relocs != total || len(s.types) != len(want) {
			t.Errorf("%s: %d relocations of %d types, llvm-readelf lists %d of %d", arch, s.relocs, len(s.types), total, len(want))
		}
		for ty, n := range want {
			if s.types[ty] != n {
				t.Errorf("%s: %s: %d, llvm-readelf %d", arch, ty, s.types[ty], n)
			}
		}
		// vnet_user.ko depends on vnet_owner.ko (the ipfw_nat/ipfw pair):
		// one dependency inside the tree, a chain of depth 1.
		if s.withDep < 1 || s.providers[indexOf(kos, "vnet_owner.ko")] < 1 || maxOf(s.depth) != 1 {
			t.Errorf("%s: %d modules with dependencies, providers %v, depths %v", arch, s.withDep, s.providers, s.depth)
		}
		var b strings.Builder
		s.row(&b)
		if strings.Count(b.String(), "|") != 16 {
			t.Errorf("%s: row %q is not 15 columns", arch, b.String())
		}
	}
}

func indexOf(paths []string, base string) int {
	for i, p := range paths {
		if filepath.Base(p) == base {
			return i
		}
	}
	return -1
}

func maxOf(l []int) (m int) {
	for _, v := range l {
		m = max(m, v)
	}
	return m
}
