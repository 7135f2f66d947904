package cli

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/kldcheck/kldcheck/diff"
	"github.com/kldcheck/kldcheck/report"
	"github.com/kldcheck/kldcheck/scan"
)

// newDiffCmd compares two builds of a tree: the gate for toolchain changes.
func newDiffCmd() *cobra.Command {
	var kernel, prof, format string
	var recursive bool
	var o outFlags
	cmd := &cobra.Command{
		Use:   "diff [-r] [--kernel FILE] [--profile NAME] [--format text|json|sarif|html] OLD NEW",
		Short: "Compare two builds of the same modules: changed references to VNET/DPCPU variables, new and fixed findings",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "text", "json", "sarif", "html"); err != nil {
				return err
			}
			opts := scan.Options{Kernel: kernel, Recursive: recursive, References: true}
			if err := scanProfile(prof, &opts, cmd.ErrOrStderr()); err != nil {
				return err
			}
			var res [2]*scan.Result
			for i, side := range args {
				o := opts
				o.Dirs = splitPath(side)
				r, err := runScan(o)
				if err != nil {
					return err
				}
				res[i] = r
			}
			d := diff.Compare(res[0], res[1])
			name := res[1].Profile.Name
			// Only what NEW brought in gates the exit status and goes to
			// SARIF, so that code scanning shows what the change introduced.
			return o.emit(cmd, findingsOut{format: format, profile: name, findings: d.NewFindings(),
				json: func() any { return report.NewDiff(name, d) },
				text: func(w io.Writer, opts report.TextOptions) error { return report.WriteDiffText(w, name, d, opts) },
				html: func(w io.Writer) error { return report.WriteDiffHTML(w, name, d, res[1]) }})
		},
	}
	cmd.Flags().StringVar(&kernel, "kernel", "", "kernel file both builds are checked against (default: DIR/kernel, else a stand-in)")
	cmd.Flags().StringVar(&prof, "profile", "", "kernel-linker profile or release (default: from the kernel's osreldate, else the newest)")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, json, sarif (new findings only) or html")
	cmd.Flags().BoolVarP(&recursive, "recursive", "r", false, "find modules in subdirectories too")
	o.add(cmd)
	return cmd
}
