package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/report"
	"github.com/kldcheck/kldcheck/rules"
	"github.com/kldcheck/kldcheck/srcline"
)

// outFlags are the report flags shared by the commands that report findings.
type outFlags struct {
	output, failOn, debugDir, color string
	brief                           bool
}

func (o *outFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&o.output, "output", "o", "", "write the report to FILE (atomically: a temporary file, then rename)")
	cmd.Flags().StringVar(&o.failOn, "fail-on", "error", "exit 1 when a finding reaches this severity: error, warning or note")
	cmd.Flags().StringVar(&o.debugDir, "debug-dir", "/usr/lib/debug", "where separate debug files (.gnu_debuglink) are installed, ';'-separated")
	cmd.Flags().StringVar(&o.color, "color", "auto", "colour the text report: auto (on a terminal, unless NO_COLOR is set), always or never")
	cmd.Flags().BoolVar(&o.brief, "brief", false, "text report without the why and fix that follow the first finding of each rule")
}

// findingsOut is what a findings command hands to emit.
type findingsOut struct {
	// command names the JSON document (check, scan, boot, diff); inputs
	// are what it was given (default: its operands).
	command         string
	inputs          *report.Inputs
	format, profile string
	findings        []rules.Finding
	// json builds the JSON document; textTail, when set, writes what follows
	// the findings in the text form.
	json     func() any
	textTail func(w io.Writer) error
	// text, when set, writes the whole text form instead of the findings.
	text func(w io.Writer, opts report.TextOptions) error
	html func(w io.Writer) error // for the commands that draw a page
	// parsed, when set, returns a file the command has already read, so
	// that source lines are looked up without reading it again.
	parsed func(path string) *kobj.File
}

// useColor decides whether the text report is coloured.
func (o *outFlags) useColor(cmd *cobra.Command) (bool, error) {
	switch o.color {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto":
		f, ok := cmd.OutOrStdout().(*os.File)
		return ok && o.output == "" && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb" &&
			term.IsTerminal(int(f.Fd())), nil
	}
	return false, usageErr("unknown --color %q (want auto, always or never)", o.color)
}

// render writes r in its format.
func (o *outFlags) render(w io.Writer, r findingsOut, color bool) error {
	switch r.format {
	case "json":
		return report.WriteDocument(w, r.command, *r.inputs, r.json())
	case "sarif":
		return report.WriteSARIF(w, r.profile, r.findings)
	case "html":
		return r.html(w)
	}
	if r.text != nil {
		return r.text(w, report.TextOptions{Color: color, Explain: !o.brief})
	}
	if err := report.WriteFindingsText(w, r.profile, r.findings, report.TextOptions{Color: color, Explain: !o.brief}); err != nil {
		return err
	}
	if r.textTail != nil {
		return r.textTail(w)
	}
	return nil
}

// emit renders the report, to stdout or atomically to -o, then returns the
// exit status the findings call for.
func (o *outFlags) emit(cmd *cobra.Command, r findingsOut) error {
	if r.command == "" {
		r.command = cmd.Name()
	}
	if r.inputs == nil {
		r.inputs = &report.Inputs{Args: cmd.Flags().Args()}
	}
	gate, err := rules.ParseSeverity(o.failOn)
	if err != nil {
		return usageErr("--fail-on: %v", err)
	}
	color, err := o.useColor(cmd)
	if err != nil {
		return err
	}
	fs := r.findings
	for _, err := range srcline.Annotate(fs, strings.Split(o.debugDir, ";"), r.parsed) {
		fmt.Fprintf(cmd.ErrOrStderr(), "kldcheck: note: %v; its findings have no source lines\n", err)
	}
	if o.output == "" {
		if err := o.render(cmd.OutOrStdout(), r, color); err != nil {
			return err
		}
	} else {
		var buf bytes.Buffer
		if err := o.render(&buf, r, color); err != nil {
			return err
		}
		if err := writeAtomic(o.output, buf.Bytes()); err != nil {
			return &exitError{ExitUsage, fmt.Errorf("%s: %v", o.output, err)}
		}
	}
	for _, f := range fs {
		if f.Severity >= gate {
			return &exitError{code: ExitFindings, err: errors.New("")}
		}
	}
	return nil
}

// writeAtomic writes data to a temporary file beside path and renames it
// over path, so readers never see a partial report.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
