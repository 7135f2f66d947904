package testutil

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TreeObject is one object file of a tree-* fixture module, as
// testdata/src/tree.txt lists it: its C source and -D definitions.
type TreeObject struct {
	Source  string            // file name under testdata/src
	Defines map[string]string // -DNAME=VALUE flags
}

// TreeSpec reads testdata/src/tree.txt, the recipe testdata/build.sh builds
// the tree-amd64 and tree-arm64 modules from: module name to its objects.
func TreeSpec(tb testing.TB) map[string][]TreeObject {
	tb.Helper()
	fh, err := os.Open(filepath.Join(Root(tb), "testdata", "src", "tree.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	defer fh.Close()
	out := map[string][]TreeObject{}
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, objs, ok := strings.Cut(line, "=")
		if !ok {
			tb.Fatalf("tree.txt: %q is not module=objects", line)
		}
		for _, o := range strings.Split(objs, "+") {
			src, flags, _ := strings.Cut(o, ":")
			obj := TreeObject{Source: src, Defines: map[string]string{}}
			for _, fl := range strings.Split(flags, ",") {
				if k, v, ok := strings.Cut(strings.TrimPrefix(fl, "-D"), "="); ok {
					obj.Defines[k] = v
				}
			}
			out[name] = append(out[name], obj)
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(out) == 0 {
		tb.Fatal("tree.txt lists no modules")
	}
	return out
}

// IsTree reports whether the fixture belongs to a tree-* configuration.
func (f Fixture) IsTree() bool { return strings.HasPrefix(f.Config, "tree-") }
