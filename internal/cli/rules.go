package cli

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/kldcheck/kldcheck/report"
	"github.com/kldcheck/kldcheck/rules"
)

func newRulesCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "rules [--format text|json|markdown]",
		Short: "List the rules: what each finding means in the kernel, where it comes from, how to fix it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, "text", "json", "markdown"); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			switch format {
			case "json":
				return report.WriteDocument(w, "rules", report.Inputs{}, report.NewRules(rules.All()))
			case "markdown":
				_, err := io.WriteString(w, rules.Markdown())
				return err
			}
			_, err := io.WriteString(w, rules.Text())
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, json or markdown")
	return cmd
}
