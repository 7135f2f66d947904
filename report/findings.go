package report

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/kldcheck/kldcheck"
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/rules"
)

// Check is the JSON document of `kldcheck check`.
type Check struct {
	Profile  string        `json:"profile"`
	Findings []FindingJSON `json:"findings"`
	// Summary counts the findings by severity, every key present.
	Summary map[string]int `json:"summary"`
}

// FindingJSON is one finding. Expected and actual addresses, and where the
// reference lands, appear on set-ref-unrelocated and set-ref-pcrel.
type FindingJSON struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	File     string `json:"file"`
	// FileBase64 is the file's path, byte for byte, when it is not valid
	// UTF-8 (JSON strings replace such bytes with U+FFFD in File).
	FileBase64 string          `json:"file_base64,omitempty"`
	Symbol     string          `json:"symbol,omitempty"`
	Set        string          `json:"set,omitempty"` // set_vnet or set_pcpu (modspace-exhausted)
	Message    string          `json:"message"`
	Location   string          `json:"location,omitempty"`
	Reloc      *RelocationJSON `json:"relocation,omitempty"`
	Owner      string          `json:"owner,omitempty"`
	Expected   string          `json:"expected,omitempty"`
	Actual     string          `json:"actual,omitempty"`
	Source     string          `json:"source,omitempty"` // file:line from DWARF
	Lands      string          `json:"lands,omitempty"`  // what VNET(x)/DPCPU(x) then touches
}

// RelocationJSON is the relocation record of a finding.
type RelocationJSON struct {
	Offset string `json:"offset"` // where it patches, as the file lays it out
	Type   string `json:"type"`
	Symbol string `json:"symbol,omitempty"`
	Addend string `json:"addend"` // signed hexadecimal
}

// NewCheck converts findings to the JSON document.
func NewCheck(profile string, fs []rules.Finding) Check {
	doc := Check{Profile: profile, Findings: []FindingJSON{}, Summary: map[string]int{"error": 0, "warning": 0, "note": 0}}
	for _, f := range fs {
		doc.Summary[f.Severity.String()]++
		j := FindingJSON{Rule: f.Rule, Severity: f.Severity.String(), File: f.File, Symbol: f.Symbol,
			Message: f.Message, Location: f.Location, Owner: f.Owner, Lands: f.Lands, FileBase64: exactPath(f.File), Set: f.Set}
		if r := f.Relocation; r != nil {
			j.Reloc = &RelocationJSON{Offset: hex(r.Offset), Type: r.Type, Symbol: r.Symbol, Addend: signedHex(r.Addend)}
		}
		if f.HasAddrs {
			j.Expected, j.Actual = hex(f.Expected), hex(f.Actual)
		}
		if f.SourceFile != "" {
			j.Source = fmt.Sprintf("%s:%d", f.SourceFile, f.SourceLine)
		}
		doc.Findings = append(doc.Findings, j)
	}
	return doc
}

// SchemaVersion is the version of the JSON documents' shape (docs/schema):
// it changes when a field is renamed or removed, not when one is added.
const SchemaVersion = 1

// Inputs are what a command was given, as its JSON document records them:
// its operands, and for the commands that simulate a kernel the kernel file
// ("" for the stand-in), the profile and the module path used.
type Inputs struct {
	Args       []string `json:"args"`
	Kernel     *string  `json:"kernel,omitempty"`
	Profile    string   `json:"profile,omitempty"`
	ModulePath []string `json:"module_path,omitempty"`
}

// WriteDocument writes the JSON document of a command, opened by what every
// document carries: kldcheck_version, schema_version, the command and its
// inputs.
func WriteDocument(w io.Writer, command string, in Inputs, doc any) error {
	if in.Args == nil {
		in.Args = []string{}
	}
	body, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	inputs, err := json.MarshalIndent(in, "  ", "  ")
	if err != nil {
		return err
	}
	version, _ := json.Marshal(kldcheck.Version())
	cmd, _ := json.Marshal(command)
	// The header spliced in before the document's own fields, indented as
	// the rest.
	var b bytes.Buffer
	fmt.Fprintf(&b, "{\n  \"kldcheck_version\": %s,\n  \"schema_version\": %d,\n  \"command\": %s,\n  \"inputs\": %s,\n",
		version, SchemaVersion, cmd, inputs)
	rest := bytes.TrimPrefix(body, []byte("{"))
	rest = bytes.TrimLeft(rest, "\n")
	if bytes.Equal(bytes.TrimSpace(rest), []byte("}")) { // an empty document
		b.Truncate(b.Len() - 2)
		b.WriteString("\n")
	}
	b.Write(rest)
	b.WriteString("\n")
	_, err = w.Write(b.Bytes())
	return err
}

// TextOptions control the text form of findings.
type TextOptions struct {
	// Color marks severities with ANSI colours, as compilers do on a terminal.
	Color bool
	// Explain adds, after the first finding of each rule, what happens in the
	// kernel and how to fix it.
	Explain bool
}

// ANSI colours of the text form, those clang uses for its diagnostics.
const (
	ansiBold    = "\x1b[1m"
	ansiRed     = "\x1b[1;31m"
	ansiMagenta = "\x1b[1;35m"
	ansiCyan    = "\x1b[1;36m"
	ansiReset   = "\x1b[0m"
)

// WriteFindingsText writes findings in the form compilers use,
// FILE: LOCATION: SEVERITY: MESSAGE [RULE], each followed by its source line,
// relocation and landing place when known, and ends with a count by severity.
func WriteFindingsText(w io.Writer, profile string, fs []rules.Finding, opt TextOptions) error {
	var b strings.Builder
	paint := func(code, s string) string {
		if !opt.Color {
			return s
		}
		return code + s + ansiReset
	}
	explained := map[string]bool{}
	for _, f := range fs {
		f.File, f.Location, f.Message, f.Reloc, f.SourceFile, f.Lands = kobj.Printable(f.File), kobj.Printable(f.Location),
			kobj.Printable(f.Message), kobj.Printable(f.Reloc), kobj.Printable(f.SourceFile), kobj.Printable(f.Lands)
		head := f.File
		if head == "" {
			head = "kldcheck"
		}
		if f.Location != "" {
			head += ": " + f.Location
		}
		sev := paint(map[rules.Severity]string{rules.Error: ansiRed, rules.Warning: ansiMagenta, rules.Note: ansiCyan}[f.Severity], f.Severity.String())
		fmt.Fprintf(&b, "%s: %s: %s [%s]\n", paint(ansiBold, head), sev, f.Message, f.Rule)
		if f.SourceFile != "" {
			fmt.Fprintf(&b, "    source: %s:%d\n", f.SourceFile, f.SourceLine)
		}
		if f.Reloc != "" {
			fmt.Fprintf(&b, "    relocation: %s\n", f.Reloc)
		}
		if f.Lands != "" {
			fmt.Fprintf(&b, "    lands: %s\n", f.Lands)
		}
		if r, ok := rules.Lookup(f.Rule); ok && opt.Explain && !explained[f.Rule] {
			explained[f.Rule] = true
			fmt.Fprintf(&b, "    why: %s\n    fix: %s\n", r.Kernel, r.Fix)
		}
	}
	counts := severityCounts(fs)
	fmt.Fprintf(&b, "profile %s: %s, %s, %s\n", profile, plural(counts["error"], "error"), plural(counts["warning"], "warning"), plural(counts["note"], "note"))
	_, err := io.WriteString(w, b.String())
	return err
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// exactPath is the base64 of a path that is not valid UTF-8, else "": the
// form in which a file name with arbitrary bytes survives JSON.
func exactPath(p string) string {
	if utf8.ValidString(p) {
		return ""
	}
	return base64.StdEncoding.EncodeToString([]byte(p))
}
