package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/kldcheck/kldcheck"
	"github.com/kldcheck/kldcheck/rules"
)

// InformationURI is where SARIF consumers send users to read about kldcheck.
const InformationURI = "https://github.com/kldcheck/kldcheck"

// FingerprintKey names kldcheck's partial fingerprint in SARIF results.
const FingerprintKey = "kldcheckFinding/v1"

// NewSARIF builds a SARIF 2.1.0 log of findings with go-sarif: one run whose
// tool.driver.rules are the rules its results and notifications refer to.
// Findings about no file (no-kernel) are the invocation's
// toolExecutionNotifications. Every result has a physical
// location: the source line when DWARF gave one, else the module file with
// the address of the place in it; the function (or section) and offset are a
// logical location, and the module is a related location when the source
// line is the primary one.
func NewSARIF(profile string, fs []rules.Finding) *sarif.Report {
	log := sarif.NewReport()
	run := sarif.NewRunWithInformationURI("kldcheck", InformationURI)
	run.Tool.Driver.WithVersion(kldcheck.Version()).WithSemanticVersion(semver(kldcheck.Version()))
	// The rules the log refers to, in order of first use: the catalogue
	// itself is `kldcheck rules` and docs/rules.md.
	added := map[string]bool{}
	addRule := func(id string) {
		if added[id] {
			return
		}
		added[id] = true
		r, ok := rules.Lookup(id)
		if !ok {
			run.AddRule(id)
			return
		}
		run.AddRule(r.ID).
			WithName(ruleName(r.ID)).
			WithDescription(r.Summary).
			WithHelp(sarif.NewMultiformatMessageString().
				WithText(fmt.Sprintf("In the kernel: %s\n\nFix: %s", r.Kernel, r.Fix))). // the source: helpUri
			WithHelpURI(InformationURI + "/blob/main/docs/rules.md#" + r.ID).
			WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(r.Severity.String()))
	}
	// Findings about no file (no-kernel) are notes about the run, not
	// results: code scanning would pin a result on a file that is not there.
	inv := sarif.NewInvocation().WithExecutionSuccessful(true)
	seen := map[string]int{}
	for _, f := range fs {
		addRule(f.Rule)
		if f.File == "" {
			inv.AddToolExecutionNotification(sarif.NewNotification().
				WithLevel(f.Severity.String()).
				WithMessage(sarif.NewTextMessage(f.Message)).
				WithAssociatedRule(sarif.NewReportingDescriptorReference().WithID(f.Rule)))
			continue
		}
		res := run.CreateResultForRule(f.Rule).
			WithLevel(f.Severity.String()).
			WithMessage(sarif.NewTextMessage(resultText(f)))
		loc := sarif.NewLocation().WithPhysicalLocation(physical(f, f.SourceFile == ""))
		if f.Func != "" {
			loc.AddLogicalLocation(sarif.NewLogicalLocation().
				WithName(f.Func).
				WithFullyQualifiedName(filepath.Base(f.File) + "!" + f.Func).
				WithKind(logicalKind(f.Func, f.InCode)))
		}
		res.AddLocation(loc)
		if f.SourceFile != "" && f.File != "" {
			res.AddRelatedLocation(sarif.NewLocation().WithID(1).
				WithPhysicalLocation(physical(f, true)).
				WithMessage(sarif.NewTextMessage("the place in the module")))
		}
		res.WithPartialFingerprints(map[string]string{FingerprintKey: fingerprint(f, seen)})
		props := sarif.NewPropertyBag() // the profile is the run's
		if f.Symbol != "" {
			props.Add("symbol", f.Symbol)
		}
		if f.Owner != "" {
			props.Add("owner", f.Owner)
		}
		if f.Reloc != "" {
			props.Add("relocation", f.Reloc)
		}
		if f.HasAddrs {
			props.Add("expected", hex(f.Expected))
			props.Add("actual", hex(f.Actual))
		}
		if f.Lands != "" {
			props.Add("lands", f.Lands)
		}
		res.WithProperties(props)
	}
	runProps := sarif.NewPropertyBag()
	runProps.Add("profile", profile)
	run.WithProperties(runProps)
	// The analysis itself ran to the end: findings are results, not failures.
	run.AddInvocation(inv)
	log.AddRun(run)
	return log
}

// WriteSARIF writes findings as an indented SARIF 2.1.0 log, without the
// empty arrays and -1 placeholders go-sarif fills every object with.
func WriteSARIF(w io.Writer, profile string, fs []rules.Finding) error {
	var raw bytes.Buffer
	if err := NewSARIF(profile, fs).Write(&raw); err != nil {
		return err
	}
	var doc any
	if err := json.Unmarshal(raw.Bytes(), &doc); err != nil {
		return err
	}
	out, err := json.MarshalIndent(prune(doc), "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(out, '\n'))
	return err
}

// placeholders are the keys go-sarif writes as -1 when unset.
var placeholders = map[string]bool{"index": true, "id": true, "rank": true, "ruleIndex": true, "parentIndex": true,
	"byteOffset": true, "charOffset": true}

// defaults are values go-sarif writes that SARIF takes as the default
// anyway (§3.14.5 run.language, §3.14.24 newlineSequences).
var defaults = map[string]string{"language": `"en-US"`, "newlineSequences": `["\r\n","\n"]`}

// prune removes empty arrays and objects, and -1 placeholders, from a
// decoded JSON document; a field SARIF requires is never empty here (runs,
// results, the tool's driver and name).
func prune(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			e = prune(e)
			switch y := e.(type) {
			case []any:
				if len(y) == 0 && k != "results" {
					delete(x, k)
					continue
				}
			case map[string]any:
				if len(y) == 0 {
					delete(x, k)
					continue
				}
			case float64:
				if y == -1 && placeholders[k] {
					delete(x, k)
					continue
				}
			}
			if d, ok := defaults[k]; ok {
				if b, err := json.Marshal(e); err == nil && string(b) == d {
					delete(x, k)
					continue
				}
			}
			x[k] = e
		}
		return x
	case []any:
		for i := range x {
			x[i] = prune(x[i])
		}
		return x
	}
	return v
}

// resultText is the message of a result: the location in the module leads,
// as in the text form, since SARIF viewers show the message beside the file.
func resultText(f rules.Finding) string {
	if f.Location == "" {
		return f.Message
	}
	return f.Location + ": " + f.Message
}

// physical is the physical location of a finding: the source line, or (when
// module is true or no source line is known) the module file and the address
// of the place in it. (Findings about no file at all, no-kernel, are
// notifications of the run, not results.)
func physical(f rules.Finding, module bool) *sarif.PhysicalLocation {
	if !module && f.SourceFile != "" {
		return sarif.NewPhysicalLocation().
			WithArtifactLocation(sarif.NewArtifactLocation().WithURI(fileURI(f.SourceFile))).
			WithRegion(sarif.NewRegion().WithStartLine(f.SourceLine))
	}
	pl := sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewArtifactLocation().WithURI(fileURI(f.File)))
	if f.HasAddr {
		kind := "data" // a GOT slot, a pointer, a set variable
		if f.InCode {
			kind = "instruction"
		}
		addr := sarif.NewAddress().WithKind(kind)
		if f.Addr < 1<<53 { // SARIF addresses are JSON integers; kernel addresses may not fit
			addr.WithAbsoluteAddress(int(f.Addr))
		}
		if f.Func != "" {
			addr.WithName(f.Func).WithOffsetFromParent(int(f.Offset))
		}
		pl.WithAddress(addr)
	}
	return pl
}

// fileURI turns a path into a URI reference: relative paths stay relative
// (SARIF consumers resolve them against the checkout), absolute ones become
// file: URIs.
func fileURI(p string) string {
	p = filepath.ToSlash(p)
	if strings.HasPrefix(p, "/") {
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	return (&url.URL{Path: p}).String()
}

// fingerprint identifies a finding across rebuilds of the module: the rule,
// the module's name, the function, the symbol and the owner, but no address,
// and a count for findings that share all of those.
func fingerprint(f rules.Finding, seen map[string]int) string {
	key := strings.Join([]string{f.Rule, filepath.Base(f.File), f.Func, f.Symbol, f.Owner}, "\x00")
	n := seen[key]
	seen[key]++
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d", key, n)))
	return fmt.Sprintf("%x", sum[:16])
}

// logicalKind says what a Func names: sections start with a dot; a place
// in code is in a function, any other in a variable.
func logicalKind(name string, inCode bool) string {
	switch {
	case strings.HasPrefix(name, "."):
		return "section"
	case inCode:
		return "function"
	}
	return "variable"
}

// ruleName is a rule id in the PascalCase SARIF suggests for names.
func ruleName(id string) string {
	var b strings.Builder
	for _, w := range strings.Split(id, "-") {
		b.WriteString(upperFirst(w))
	}
	return b.String()
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// semver returns v when it is a semantic version, else "0.0.0-devel".
func semver(v string) string {
	v = strings.TrimPrefix(v, "v")
	if len(v) > 0 && v[0] >= '0' && v[0] <= '9' {
		return v
	}
	return "0.0.0-devel"
}
