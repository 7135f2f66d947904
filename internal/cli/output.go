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

	"github.com/kldcheck/kldcheck/rules"
	"github.com/kldcheck/kldcheck/srcline"
)

// outFlags are the report flags shared by the commands that report findings.
type outFlags struct {
	output, failOn, debugDir string
}

func (o *outFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&o.output, "output", "o", "", "write the report to FILE (atomically: a temporary file, then rename)")
	cmd.Flags().StringVar(&o.failOn, "fail-on", "error", "exit 1 when a finding reaches this severity: error, warning or note")
	cmd.Flags().StringVar(&o.debugDir, "debug-dir", "/usr/lib/debug", "where separate debug files (.gnu_debuglink) are installed, ';'-separated")
}

// emit renders the report with render, to stdout or atomically to -o, then
// returns the exit status the findings call for.
func (o *outFlags) emit(cmd *cobra.Command, fs []rules.Finding, render func(w io.Writer) error) error {
	gate, err := rules.ParseSeverity(o.failOn)
	if err != nil {
		return usageErr("--fail-on: %v", err)
	}
	srcline.Annotate(fs, strings.Split(o.debugDir, ";"))
	if o.output == "" {
		if err := render(cmd.OutOrStdout()); err != nil {
			return err
		}
	} else {
		var buf bytes.Buffer
		if err := render(&buf); err != nil {
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
