package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
	"github.com/kldcheck/kldcheck/profile"
	"github.com/kldcheck/kldcheck/rules"
	"github.com/kldcheck/kldcheck/srcline"
)

// findingsOf simulates loading modules of a fixture configuration and
// returns the findings, with source lines where the fixtures' DWARF has them.
func findingsOf(t *testing.T, config, prof string, kernel bool, modules ...string) []rules.Finding {
	t.Helper()
	dir := filepath.Join(testutil.Root(t), "testdata", config)
	opts := linker.Options{ModulePath: []string{dir}}
	opts.Profile, _ = profile.ByName(prof)
	if kernel {
		k, err := kobj.Open(filepath.Join(dir, "kernel"))
		if err != nil {
			t.Fatal(err)
		}
		opts.Kernel = k
	}
	l, err := linker.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, m := range modules {
		paths = append(paths, filepath.Join(dir, m))
	}
	if err := l.LoadAll(paths); err != nil {
		t.Fatal(err)
	}
	srcline.Annotate(l.Findings, nil, nil)
	return l.Findings
}

// sampleFindings covers every location shape: source line (set-ref-pcrel,
// user-map-pmap-enter), relocation place without source (set-ref-unrelocated
// on .got), and no file at all (no-kernel).
func sampleFindings(t *testing.T) []rules.Finding {
	var fs []rules.Finding
	fs = append(fs, findingsOf(t, "arm64-lld14-relax", "freebsd-8.2", true, "vnet_user.ko", "vnet_local.ko")...)
	fs = append(fs, findingsOf(t, "amd64", "freebsd-14", false, "vmmap_bad.ko")...)
	fs = append(fs, findingsOf(t, "amd64", "freebsd-14", true, "undef.ko")...)
	have := map[string]bool{}
	for _, f := range fs {
		have[f.Rule] = true
	}
	for _, id := range []string{rules.SetRefUnrelocated, rules.SetRefPCRel, rules.UserMapPmapEnter, rules.NoKernel, rules.UndefinedSymbol} {
		if !have[id] {
			t.Fatalf("fixtures gave no %s finding: %v", id, have)
		}
	}
	return fs
}

// validate checks a SARIF log against the rtm.5 schema in testdata with
// santhosh-tekuri/jsonschema, and against go-sarif's copy of the final
// (errata01) schema with go-sarif's validator.
func validate(t *testing.T, data []byte) (rtm5, errata01 error) {
	t.Helper()
	schemaPath := filepath.Join("testdata", "sarif-2.1.0-rtm.5.json")
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	schemaDoc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(schemaPath, schemaDoc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	log, err := sarif.FromBytes(data, sarif.WithStrictValidation())
	if err != nil {
		t.Fatal(err)
	}
	return sch.Validate(inst), log.Validate()
}

func TestSARIFValidAgainstSchema(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSARIF(&buf, "freebsd-8.2", sampleFindings(t)); err != nil {
		t.Fatal(err)
	}
	rtm5, errata01 := validate(t, buf.Bytes())
	if rtm5 != nil {
		t.Errorf("not valid against the rtm.5 schema:\n%v", rtm5)
	}
	if errata01 != nil {
		t.Errorf("not valid against the errata01 schema:\n%v", errata01)
	}
}

// Both validators must be able to reject: a result whose level SARIF does
// not know, and a region starting at line 0.
func TestSARIFSchemaRejects(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSARIF(&buf, "freebsd-14", sampleFindings(t)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ from, to string }{
		{`"level": "error"`, `"level": "fatal"`},
		{`"startLine": `, `"startLine": 0, "x": `},
	} {
		bad := strings.Replace(buf.String(), c.from, c.to, 1)
		if bad == buf.String() {
			t.Fatalf("no %s to damage", c.from)
		}
		rtm5, errata01 := validate(t, []byte(bad))
		if rtm5 == nil || errata01 == nil {
			t.Errorf("%s -> %s passed validation (rtm.5: %v, errata01: %v)", c.from, c.to, rtm5, errata01)
		}
	}
}

// sarifDoc is the part of a SARIF log the content test reads.
type sarifDoc struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Name  string
				Rules []struct {
					ID                   string
					ShortDescription     struct{ Text string }
					Help                 struct{ Text string }
					DefaultConfiguration struct{ Level string }
				}
			}
		}
		Results []struct {
			RuleID              string
			RuleIndex           int
			Level               string
			Message             struct{ Text string }
			PartialFingerprints map[string]string
			Locations           []sarifLoc
			RelatedLocations    []sarifLoc
			Properties          map[string]any
		}
	}
}

type sarifLoc struct {
	PhysicalLocation struct {
		ArtifactLocation struct{ URI string }
		Region           struct{ StartLine int }
		Address          struct {
			AbsoluteAddress  *uint64
			Name             string
			OffsetFromParent int
		}
	}
	LogicalLocations []struct{ Name, Kind, FullyQualifiedName string }
}

// Each finding becomes one result that carries its rule, level, place and
// source line; every rule of the catalogue is described.
func TestSARIFContent(t *testing.T) {
	fs := sampleFindings(t)
	var buf bytes.Buffer
	if err := WriteSARIF(&buf, "freebsd-8.2", fs); err != nil {
		t.Fatal(err)
	}
	var doc sarifDoc
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Runs) != 1 {
		t.Fatalf("%d runs", len(doc.Runs))
	}
	run := doc.Runs[0]
	if run.Tool.Driver.Name != "kldcheck" || len(run.Tool.Driver.Rules) != len(rules.All()) {
		t.Fatalf("driver %q with %d rules, want kldcheck with %d", run.Tool.Driver.Name, len(run.Tool.Driver.Rules), len(rules.All()))
	}
	for i, r := range rules.All() {
		d := run.Tool.Driver.Rules[i]
		if d.ID != r.ID || d.ShortDescription.Text != r.Summary || d.DefaultConfiguration.Level != r.Severity.String() ||
			!strings.Contains(d.Help.Text, r.Fix) {
			t.Errorf("rule %d: %+v does not describe %s", i, d, r.ID)
		}
	}
	if len(run.Results) != len(fs) {
		t.Fatalf("%d results for %d findings", len(run.Results), len(fs))
	}
	prints := map[string]bool{}
	for i, f := range fs {
		res := run.Results[i]
		if res.RuleID != f.Rule || run.Tool.Driver.Rules[res.RuleIndex].ID != f.Rule || res.Level != f.Severity.String() {
			t.Errorf("result %d: rule %s (index %d) level %s, want %s %s", i, res.RuleID, res.RuleIndex, res.Level, f.Rule, f.Severity)
		}
		if !strings.Contains(res.Message.Text, f.Message) || (f.Location != "" && !strings.HasPrefix(res.Message.Text, f.Location+": ")) {
			t.Errorf("result %d message %q lacks %q at %q", i, res.Message.Text, f.Message, f.Location)
		}
		fp := res.PartialFingerprints[FingerprintKey]
		if fp == "" || prints[fp] {
			t.Errorf("result %d: fingerprint %q missing or repeated", i, fp)
		}
		prints[fp] = true
		if len(res.Locations) != 1 {
			t.Fatalf("result %d: %d locations", i, len(res.Locations))
		}
		loc := res.Locations[0]
		module := loc
		if f.SourceFile != "" {
			if loc.PhysicalLocation.ArtifactLocation.URI != filepath.ToSlash(f.SourceFile) || loc.PhysicalLocation.Region.StartLine != f.SourceLine {
				t.Errorf("result %d: primary location %+v, want %s:%d", i, loc.PhysicalLocation, f.SourceFile, f.SourceLine)
			}
			if len(res.RelatedLocations) != 1 {
				t.Fatalf("result %d: no related module location", i)
			}
			module = res.RelatedLocations[0]
		}
		want := f.File
		if want == "" {
			want = "kldcheck"
		}
		if got := module.PhysicalLocation.ArtifactLocation.URI; got != "file://"+want && got != want {
			t.Errorf("result %d: module location %q, want %q", i, got, want)
		}
		if f.HasAddr {
			a := module.PhysicalLocation.Address
			if a.AbsoluteAddress == nil || *a.AbsoluteAddress != f.Addr || a.Name != f.Func || uint64(a.OffsetFromParent) != f.Offset {
				t.Errorf("result %d: address %+v, want %s+%#x at %#x", i, a, f.Func, f.Offset, f.Addr)
			}
		}
		if got, _ := res.Properties["lands"].(string); got != f.Lands {
			t.Errorf("result %d: lands property %q, want %q", i, got, f.Lands)
		}
		if (f.Rule == rules.SetRefUnrelocated || f.Rule == rules.SetRefPCRel) && f.Lands == "" {
			t.Errorf("result %d: %s finding with no lands", i, f.Rule)
		}
		if f.Func != "" && (len(loc.LogicalLocations) != 1 || loc.LogicalLocations[0].Name != f.Func) {
			t.Errorf("result %d: logical locations %+v, want %s", i, loc.LogicalLocations, f.Func)
		}
	}
}

// Fingerprints do not depend on addresses, so a rebuilt module keeps them,
// and tell apart findings that share a rule, function and symbol.
func TestSARIFFingerprintStable(t *testing.T) {
	a := rules.New(rules.SetRefPCRel, "m.ko", "x")
	a.Func, a.Symbol, a.Addr, a.HasAddr = "f", "vnet_entry_x", 0x100, true
	b := a
	b.Addr = 0x200
	fa, fb := fingerprint(a, map[string]int{}), fingerprint(b, map[string]int{})
	if fa != fb {
		t.Errorf("fingerprint changed with the address: %s %s", fa, fb)
	}
	seen := map[string]int{}
	if fingerprint(a, seen) == fingerprint(b, seen) {
		t.Error("two findings of one function and symbol share a fingerprint")
	}
}
