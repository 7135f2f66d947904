// Package cli is kldcheck's command line: it parses flags, calls the library
// packages and maps outcomes to exit statuses (0 clean, 1 findings, 2 bad usage
// or input). It holds no analysis of its own.
package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Exit statuses.
const (
	ExitOK       = 0
	ExitFindings = 1
	ExitUsage    = 2
)

// exitError carries an exit status through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func usageErr(format string, args ...any) error {
	return &exitError{ExitUsage, fmt.Errorf(format, args...)}
}

// Main runs kldcheck with args and returns the exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			fmt.Fprintf(stderr, "kldcheck: %v\n", ee.err)
		}
		return ee.code
	}
	// cobra's own errors: unknown command or flag, wrong argument count.
	fmt.Fprintf(stderr, "kldcheck: %v\n", err)
	return ExitUsage
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "kldcheck",
		Short: "Check FreeBSD kernel modules before kldload",
		Long: `kldcheck reads FreeBSD kernel modules (.ko) and kernels of every architecture,
simulates the kernel linker loading them, and reports references to VNET and
DPCPU variables that would not reach the right memory, and other load failures.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(newInfoCmd(), newDemoCmd(), newLoadCmd(), newCheckCmd(), newBootCmd(), newDiffCmd(), newProfilesCmd(), newRulesCmd(), newScanCmd(), newCallsCmd(), newHintsCmd(), newVersionCmd())
	return root
}
