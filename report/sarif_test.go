package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
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

// validate checks a SARIF log, as the JSON kldcheck writes, against the
// rtm.5 and the final errata01 schemas in testdata with
// santhosh-tekuri/jsonschema, and that go-sarif reads it back.
func validate(t *testing.T, data []byte) (rtm5, errata01 error) {
	t.Helper()
	if _, err := sarif.FromBytes(data); err != nil {
		t.Fatalf("go-sarif does not read the log: %v", err)
	}
	return validateWith(t, data, "sarif-2.1.0-rtm.5.json"), validateWith(t, data, "sarif-2.1.0-errata01.json")
}

func validateWith(t *testing.T, data []byte, schema string) error {
	t.Helper()
	schemaPath := filepath.Join("testdata", schema)
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
	return sch.Validate(inst)
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
		Invocations []struct {
			ExecutionSuccessful        bool
			ToolExecutionNotifications []struct {
				Level          string
				Message        struct{ Text string }
				AssociatedRule struct{ ID string }
			}
		}
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
			Kind             string
		}
	}
	LogicalLocations []struct{ Name, Kind, FullyQualifiedName string }
}

// Each finding about a file becomes one result that carries its rule,
// level, place and source line; a finding about no file (no-kernel) is a
// notification of the run, not a result on a file that does not exist; the
// rules the log refers to are described, in order of first use.
func TestSARIFContent(t *testing.T) {
	all := sampleFindings(t)
	var fs, notes []rules.Finding
	for _, f := range all {
		if f.File == "" {
			notes = append(notes, f)
		} else {
			fs = append(fs, f)
		}
	}
	if len(notes) == 0 {
		t.Fatal("no finding without a file in the sample")
	}
	var buf bytes.Buffer
	if err := WriteSARIF(&buf, "freebsd-8.2", all); err != nil {
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
	var used []string
	for _, f := range all {
		if !slices.Contains(used, f.Rule) {
			used = append(used, f.Rule)
		}
	}
	if run.Tool.Driver.Name != "kldcheck" || len(run.Tool.Driver.Rules) != len(used) {
		t.Fatalf("driver %q with %d rules, want kldcheck with the %d used", run.Tool.Driver.Name, len(run.Tool.Driver.Rules), len(used))
	}
	for i, id := range used {
		r, _ := rules.Lookup(id)
		d := run.Tool.Driver.Rules[i]
		if d.ID != r.ID || d.ShortDescription.Text != r.Summary || d.DefaultConfiguration.Level != r.Severity.String() ||
			!strings.Contains(d.Help.Text, r.Fix) {
			t.Errorf("rule %d: %+v does not describe %s", i, d, r.ID)
		}
	}
	if len(run.Invocations) != 1 || !run.Invocations[0].ExecutionSuccessful || len(run.Invocations[0].ToolExecutionNotifications) != len(notes) {
		t.Fatalf("invocations %+v, want one with %d notifications", run.Invocations, len(notes))
	}
	for i, n := range run.Invocations[0].ToolExecutionNotifications {
		if n.AssociatedRule.ID != notes[i].Rule || n.Message.Text != notes[i].Message || n.Level != notes[i].Severity.String() {
			t.Errorf("notification %d: %+v, want %s", i, n, notes[i].Message)
		}
	}
	if len(run.Results) != len(fs) {
		t.Fatalf("%d results for %d findings about files", len(run.Results), len(fs))
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
		if got := module.PhysicalLocation.ArtifactLocation.URI; got != "file://"+want && got != want {
			t.Errorf("result %d: module location %q, want %q", i, got, want)
		}
		if f.HasAddr {
			a := module.PhysicalLocation.Address
			if a.AbsoluteAddress == nil || *a.AbsoluteAddress != f.Addr || a.Name != f.Func || uint64(a.OffsetFromParent) != f.Offset {
				t.Errorf("result %d: address %+v, want %s+%#x at %#x", i, a, f.Func, f.Offset, f.Addr)
			}
			if want := map[bool]string{true: "instruction", false: "data"}[f.InCode]; a.Kind != want {
				t.Errorf("result %d (%s at %s): address kind %q, want %q", i, f.Rule, f.Location, a.Kind, want)
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

// A log of two results is small: no catalogue of unused rules, no empty
// arrays or -1 placeholders (it was 33 KB).
func TestSARIFSize(t *testing.T) {
	var two []rules.Finding
	for _, f := range sampleFindings(t) {
		if f.File != "" && len(two) < 2 {
			two = append(two, f)
		}
	}
	var buf bytes.Buffer
	if err := WriteSARIF(&buf, "freebsd-14", two); err != nil {
		t.Fatal(err)
	}
	if n := buf.Len(); n > 5<<10 {
		t.Errorf("%d bytes for 2 results, want at most 5 KB", n)
	}
	if bytes.Contains(buf.Bytes(), []byte("[]")) || bytes.Contains(buf.Bytes(), []byte(": -1")) {
		t.Errorf("empty arrays or -1 placeholders left:\n%s", buf.String())
	}
	if rtm5, errata01 := validate(t, buf.Bytes()); rtm5 != nil || errata01 != nil {
		t.Errorf("invalid: %v / %v", rtm5, errata01)
	}
}
