package cli

import (
	"github.com/spf13/cobra"

	"github.com/kldcheck/kldcheck/demo"
)

func newDemoCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Replay the reports kldcheck comes from on the sample modules built into it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return demo.Write(cmd.OutOrStdout())
		},
	}
}
