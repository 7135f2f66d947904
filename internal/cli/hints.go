package cli

import (
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/kldcheck/kldcheck/hints"
	"github.com/kldcheck/kldcheck/report"
)

func newHintsCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "hints [--format text|json] FILE|DIR",
		Short: "Print a linker.hints file (DIR/linker.hints for a directory) as kldxref -d would",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "text", "json"); err != nil {
				return err
			}
			path := args[0]
			if st, err := os.Stat(path); err == nil && st.IsDir() {
				path = filepath.Join(path, "linker.hints")
			}
			f, err := hints.Read(path)
			if err != nil {
				return &exitError{ExitUsage, err}
			}
			if format == "json" {
				return report.WriteDocument(cmd.OutOrStdout(), "hints", report.Inputs{Args: args}, report.NewHints(f))
			}
			return report.WriteHintsText(cmd.OutOrStdout(), f)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}
