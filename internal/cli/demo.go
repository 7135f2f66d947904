package cli

import (
	"github.com/spf13/cobra"

	"github.com/kldcheck/kldcheck/demo"
)

func newDemoCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "demo [--samples DIR]",
		Short: "Replay the reports kldcheck comes from on the sample modules built into it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := demo.Write(cmd.OutOrStdout(), dir)
			return err
		},
	}
	cmd.Flags().StringVar(&dir, "samples", "", "extract the sample modules into DIR (default: a new temporary directory), where the commands shown run as printed")
	return cmd
}
