package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/kldcheck/kldcheck/hints"
	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/kobj"
)

// schema compiles docs/schema/NAME.json (JSON Schema draft 2020-12).
func schema(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	path := filepath.Join(testutil.Root(t), "docs", "schema", name+".json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(path, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(path)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

func validJSON(t *testing.T, s *jsonschema.Schema, what, out string) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
	if err != nil {
		t.Fatalf("%s: not JSON: %v", what, err)
	}
	if err := s.Validate(inst); err != nil {
		t.Errorf("%s: does not validate against its schema:\n%v", what, err)
	}
}

// Every command's JSON validates against its schema under docs/schema, on
// every fixture; the schemas allow no field they do not name, so a field
// renamed or added without a schema change fails here.
func TestJSONSchemas(t *testing.T) {
	check, scan, load, rulesSchema := schema(t, "check"), schema(t, "scan"), schema(t, "load"), schema(t, "rules")
	info, calls := schema(t, "info"), schema(t, "calls")
	_, out, _ := run("rules", "--format", "json")
	validJSON(t, rulesSchema, "rules", out)
	_, out, _ = run("profiles", "--format", "json")
	validJSON(t, schema(t, "profiles"), "profiles", out)
	dirs := map[string]bool{}
	for _, fx := range testutil.Fixtures(t) {
		dir := filepath.Dir(fx.Path)
		kernel := filepath.Join(dir, "kernel")
		if fx.Name == "kernel" {
			continue
		}
		for _, args := range [][]string{{"check"}, {"check", "--kernel", kernel}} {
			code, out, stderr := run(append(append(args, "--format", "json"), fx.Path)...)
			if code == ExitUsage {
				t.Logf("%s %v: %s", fx.Path, args, stderr)
				continue
			}
			validJSON(t, check, fx.Config+"/"+fx.Name+" check", out)
		}
		for _, args := range [][]string{{"info"}, {"info", "--symbols"}, {"info", "--symbols", "--relocs"}} {
			if code, out, _ := run(append(append(args, "--format", "json"), fx.Path)...); code != ExitUsage {
				validJSON(t, info, fx.Config+"/"+fx.Name+" "+strings.Join(args, " "), out)
			}
		}
		if code, out, _ := run("calls", "--format", "json", fx.Path); code != ExitUsage {
			validJSON(t, calls, fx.Config+"/"+fx.Name+" calls", out)
		}
		if code, out, _ := run("load", "--format", "json", "--kernel", kernel, fx.Path); code != ExitUsage {
			validJSON(t, load, fx.Config+"/"+fx.Name+" load", out)
		}
		dirs[dir] = true
	}
	for dir := range dirs {
		if code, out, _ := run("scan", "--format", "json", dir); code != ExitUsage {
			validJSON(t, scan, dir+" scan", out)
		}
	}
}

// The schemas are strict: a document with a field renamed, or one added,
// does not validate.
func TestJSONSchemasStrict(t *testing.T) {
	s := schema(t, "check")
	_, out, _ := run("check", "--format", "json", filepath.Join(testutil.Root(t), "testdata", "arm64", "vnet_static.ko"))
	validJSON(t, s, "check", out)
	for _, bad := range []string{
		strings.Replace(out, `"findings"`, `"finding"`, 1),
		strings.Replace(out, `"rule":`, `"rule_id":`, 1),
		strings.Replace(out, `"profile":`, `"extra": 1, "profile":`, 1),
	} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if err != nil {
			t.Fatal(err)
		}
		if s.Validate(inst) == nil {
			t.Errorf("a changed document validates:\n%.300s", bad)
		}
	}
}

// boot's and hints' documents validate against their schemas on our boot
// set and on a linker.hints our kldxref writer makes of a fixture tree.
func TestJSONSchemasBootHints(t *testing.T) {
	boot, hintsSchema := schema(t, "boot"), schema(t, "hints")
	root := testutil.Root(t)
	for _, arch := range []string{"amd64", "arm64"} {
		dir := filepath.Join(root, "testdata", "tree-"+arch)
		_, out, stderr := run("boot", "--format", "json", "--kernel", filepath.Join(dir, "kernel"), "-p", dir,
			"--loader-conf", filepath.Join(root, "testdata", "boot", "loader.conf"), "--rc-conf", filepath.Join(root, "testdata", "boot", "rc.conf"))
		if out == "" {
			t.Fatalf("boot: %s", stderr)
		}
		validJSON(t, boot, arch+" boot", out)
		tmp := t.TempDir()
		var klds []hints.Kld
		for _, m := range []string{"drm.ko", "i915kms.ko", "dataonly_a.ko"} {
			f, err := kobj.Open(filepath.Join(dir, m))
			if err != nil {
				t.Fatal(err)
			}
			klds = append(klds, hints.Kld{Name: m, File: f})
		}
		data, _, err := hints.Index(klds)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tmp, "linker.hints"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, out, stderr = run("hints", "--format", "json", tmp)
		if out == "" {
			t.Fatalf("hints: %s", stderr)
		}
		validJSON(t, hintsSchema, arch+" hints", out)
	}
}

// diff's document validates against its schema on two builds of the same
// modules (lld 14 with and without relaxation) and on a build against itself.
func TestJSONSchemaDiff(t *testing.T) {
	s := schema(t, "diff")
	root := testutil.Root(t)
	relax, norelax := filepath.Join(root, "testdata", "arm64-lld14-relax"), filepath.Join(root, "testdata", "arm64-lld14-norelax")
	for _, pair := range [][2]string{{relax, norelax}, {norelax, relax}, {relax, relax}} {
		_, out, stderr := run("diff", "--format", "json", pair[0], pair[1])
		if out == "" {
			t.Fatalf("diff: %s", stderr)
		}
		validJSON(t, s, "diff "+filepath.Base(pair[0])+" "+filepath.Base(pair[1]), out)
	}
}
