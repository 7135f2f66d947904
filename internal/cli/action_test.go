package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/kldcheck/kldcheck/internal/testutil"
)

type action struct {
	Name    string
	Inputs  map[string]struct{ Description, Default string }
	Outputs map[string]struct{ Description, Value string }
	Runs    struct {
		Using string
		Steps []struct {
			Uses, Run, Shell, Name, If string
			With                       map[string]string
		}
	}
}

// action.yml is a composite action whose every step is well formed, whose
// expressions name only inputs it declares, and whose inputs are the ones
// docs/ci.md documents, with the same defaults; the workflow of docs/ci.md
// uses only those inputs.
func TestActionYAML(t *testing.T) {
	root := testutil.Root(t)
	data, err := os.ReadFile(filepath.Join(root, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a action
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	if a.Name != "kldcheck" || a.Runs.Using != "composite" || len(a.Runs.Steps) < 4 {
		t.Fatalf("action %q using %q with %d steps", a.Name, a.Runs.Using, len(a.Runs.Steps))
	}
	var uploads, installs bool
	for i, s := range a.Runs.Steps {
		if (s.Uses == "") == (s.Run == "") {
			t.Errorf("step %d: exactly one of uses and run", i)
		}
		if s.Run != "" && s.Shell != "bash" {
			t.Errorf("step %d: a run step of a composite action needs shell: bash", i)
		}
		uploads = uploads || strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@")
		installs = installs || strings.Contains(s.Run, "go install \"github.com/kldcheck/kldcheck/cmd/kldcheck@")
	}
	if !uploads || !installs {
		t.Errorf("the action must install kldcheck and upload the SARIF log (install %v, upload %v)", installs, uploads)
	}
	for _, m := range regexp.MustCompile(`inputs\.([a-z-]+)`).FindAllStringSubmatch(string(data), -1) {
		if _, ok := a.Inputs[m[1]]; !ok {
			t.Errorf("action.yml uses undeclared input %q", m[1])
		}
	}
	doc, err := os.ReadFile(filepath.Join(root, "docs", "ci.md"))
	if err != nil {
		t.Fatal(err)
	}
	// The inputs table: | `name` | default | meaning |
	documented := map[string]string{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z-]+)` \\|\\s*([^|]*?)\\s*\\|").FindAllStringSubmatch(string(doc), -1) {
		def := strings.Trim(strings.TrimSpace(m[2]), "`")
		if def == "(required)" {
			def = ""
		}
		documented[m[1]] = def
	}
	for name, in := range a.Inputs {
		def, ok := documented[name]
		if !ok {
			t.Errorf("input %q is not in docs/ci.md", name)
		} else if def != in.Default {
			t.Errorf("input %q: default %q in action.yml, %q in docs/ci.md", name, in.Default, def)
		}
	}
	for name := range documented {
		if _, ok := a.Inputs[name]; !ok {
			t.Errorf("docs/ci.md documents input %q, which action.yml lacks", name)
		}
	}
	// The example workflow.
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(blocks) == 0 {
		t.Fatal("docs/ci.md has no yaml block")
	}
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				Uses string
				With map[string]string
			}
		}
	}
	if err := yaml.Unmarshal([]byte(blocks[0][1]), &wf); err != nil {
		t.Fatalf("docs/ci.md workflow: %v", err)
	}
	used := false
	for _, j := range wf.Jobs {
		for _, s := range j.Steps {
			if !strings.HasPrefix(s.Uses, "kldcheck/kldcheck@") {
				continue
			}
			used = true
			for k := range s.With {
				if _, ok := a.Inputs[k]; !ok {
					t.Errorf("docs/ci.md workflow passes %q, which the action does not take", k)
				}
			}
		}
	}
	if !used {
		t.Error("docs/ci.md's workflow does not use the action")
	}
	for _, blk := range blocks[1:] {
		var anyDoc any
		if err := yaml.Unmarshal([]byte(blk[1]), &anyDoc); err != nil {
			t.Errorf("docs/ci.md: a recipe is not YAML: %v", err)
		}
	}
}
