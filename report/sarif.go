package report

import (
	"crypto/sha256"
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
// tool.driver.rules is the whole rule catalogue. Every result has a physical
// location: the source line when DWARF gave one, else the module file with
// the address of the place in it; the function (or section) and offset are a
// logical location, and the module is a related location when the source
// line is the primary one.
func NewSARIF(profile string, fs []rules.Finding) *sarif.Report {
	log := sarif.NewReport()
	run := sarif.NewRunWithInformationURI("kldcheck", InformationURI)
	run.Tool.Driver.WithVersion(kldcheck.Version()).WithSemanticVersion(semver(kldcheck.Version()))
	for _, r := range rules.All() {
		help := fmt.Sprintf("In the kernel: %s\n\nFix: %s\n\nSource: %s", r.Kernel, r.Fix, r.Source)
		run.AddRule(r.ID).
			WithName(ruleName(r.ID)).
			WithDescription(r.Summary).
			WithFullDescription(sarif.NewMultiformatMessageString().WithText(r.Kernel)).
			WithHelp(sarif.NewMultiformatMessageString().WithText(help).
				WithMarkdown(fmt.Sprintf("**In the kernel:** %s\n\n**Fix:** %s\n\n**Source:** %s", r.Kernel, r.Fix, r.Source))).
			WithHelpURI(InformationURI + "/blob/main/docs/rules.md#" + r.ID).
			WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(r.Severity.String()))
	}
	seen := map[string]int{}
	for _, f := range fs {
		res := run.CreateResultForRule(f.Rule).
			WithLevel(f.Severity.String()).
			WithMessage(sarif.NewTextMessage(resultText(f)))
		loc := sarif.NewLocation().WithPhysicalLocation(physical(f, f.SourceFile == ""))
		if f.Func != "" {
			loc.AddLogicalLocation(sarif.NewLogicalLocation().
				WithName(f.Func).
				WithFullyQualifiedName(filepath.Base(f.File) + "!" + f.Func).
				WithKind(logicalKind(f.Func)))
		}
		res.AddLocation(loc)
		if f.SourceFile != "" && f.File != "" {
			res.AddRelatedLocation(sarif.NewLocation().WithID(1).
				WithPhysicalLocation(physical(f, true)).
				WithMessage(sarif.NewTextMessage("the place in the module")))
		}
		res.WithPartialFingerprints(map[string]string{FingerprintKey: fingerprint(f, seen)})
		props := sarif.NewPropertyBag()
		props.Add("profile", profile)
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
	run.AddInvocation(sarif.NewInvocation().WithExecutionSuccessful(true))
	log.AddRun(run)
	return log
}

// WriteSARIF writes findings as an indented SARIF 2.1.0 log.
func WriteSARIF(w io.Writer, profile string, fs []rules.Finding) error {
	if err := NewSARIF(profile, fs).PrettyWrite(w); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
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
// of the place in it. Findings about no file at all (no-kernel) point at the
// command itself.
func physical(f rules.Finding, module bool) *sarif.PhysicalLocation {
	if !module && f.SourceFile != "" {
		return sarif.NewPhysicalLocation().
			WithArtifactLocation(sarif.NewArtifactLocation().WithURI(fileURI(f.SourceFile))).
			WithRegion(sarif.NewRegion().WithStartLine(f.SourceLine))
	}
	file := f.File
	if file == "" {
		file = "kldcheck"
	}
	pl := sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewArtifactLocation().WithURI(fileURI(file)))
	if f.HasAddr {
		addr := sarif.NewAddress().WithKind("instruction")
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

// logicalKind says what a Func names: sections start with a dot.
func logicalKind(name string) string {
	if strings.HasPrefix(name, ".") {
		return "section"
	}
	return "function"
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
