package cli

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/kldcheck/kldcheck"
)

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print kldcheck's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "kldcheck %s (%s, %s/%s)\n", kldcheck.Version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}
