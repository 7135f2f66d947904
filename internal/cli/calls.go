package cli

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/kldcheck/kldcheck/code"
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/report"
)

func newCallsCmd() *cobra.Command {
	return newFileCmd("calls", "Show which function calls which (kernel) function, with the arguments known to be constant",
		func(w io.Writer, format string, files []*kobj.File) error {
			doc := report.CallsDoc{Files: []report.FileCalls{}}
			for _, f := range files {
				res, err := code.Scan(f)
				if err != nil {
					return &exitError{ExitUsage, err}
				}
				doc.Files = append(doc.Files, report.NewFileCalls(f, res))
			}
			if format == "json" {
				return report.WriteDocument(w, "calls", report.Inputs{Args: report.Paths(files)}, doc)
			}
			return report.WriteCallsText(w, doc.Files)
		})
}
