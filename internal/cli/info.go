package cli

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/report"
)

// newFileCmd builds a command that reads its FILE arguments and reports on
// them with show, in text or JSON.
func newFileCmd(name, short string, show func(w io.Writer, format string, files []*kobj.File) error) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   name + " [--format text|json] FILE...",
		Short: short,
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "text", "json"); err != nil {
				return err
			}
			files, err := openAll(args)
			if err != nil {
				return err
			}
			return show(cmd.OutOrStdout(), format, files)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}

func newInfoCmd() *cobra.Command {
	return newFileCmd("info", "Show what a kernel or module file holds: sets, metadata, relocations",
		func(w io.Writer, format string, files []*kobj.File) error {
			if format == "json" {
				return report.WriteInfoJSON(w, files)
			}
			return report.WriteInfoText(w, files)
		})
}

// openAll opens every file, failing with exit status 2 on the first bad one.
func openAll(paths []string) ([]*kobj.File, error) {
	files := make([]*kobj.File, 0, len(paths))
	for _, p := range paths {
		f, err := kobj.Open(p)
		if err != nil {
			return nil, &exitError{ExitUsage, err}
		}
		files = append(files, f)
	}
	return files, nil
}

func checkFormat(format string, allowed ...string) error {
	for _, a := range allowed {
		if format == a {
			return nil
		}
	}
	return usageErr("unknown --format %q (want one of %v)", format, allowed)
}
