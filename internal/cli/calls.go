package cli

import (
	"github.com/spf13/cobra"

	"github.com/kldcheck/kldcheck/code"
	"github.com/kldcheck/kldcheck/report"
)

func newCallsCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "calls [--format text|json] FILE...",
		Short: "Show which function calls which (kernel) function, with the arguments known to be constant",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "text", "json"); err != nil {
				return err
			}
			files, err := openAll(args)
			if err != nil {
				return err
			}
			doc := report.CallsDoc{Files: []report.FileCalls{}}
			for _, f := range files {
				res, err := code.Scan(f)
				if err != nil {
					return &exitError{ExitUsage, err}
				}
				doc.Files = append(doc.Files, report.NewFileCalls(f, res))
			}
			if format == "json" {
				return report.WriteJSON(cmd.OutOrStdout(), doc)
			}
			return report.WriteCallsText(cmd.OutOrStdout(), doc.Files)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}
