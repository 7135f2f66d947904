package cli

import (
	"io"
	"os"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/kldcheck/kldcheck/report"
	"github.com/kldcheck/kldcheck/scan"
)

// defaultModulePath is kern.module_path's default.
var defaultModulePath = []string{"/boot/kernel", "/boot/modules"}

func newScanCmd() *cobra.Command {
	var kernel, prof, format string
	var jobs int
	var noProgress, recursive bool
	var o outFlags
	cmd := &cobra.Command{
		Use:   "scan [-r] [--kernel FILE] [--profile NAME] [--format text|json|sarif|html] [DIR...]",
		Short: "Check every module of a tree (default /boot/kernel;/boot/modules), each loaded with its dependencies",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "text", "json", "sarif", "html"); err != nil {
				return err
			}
			opts := scan.Options{Kernel: kernel, Jobs: jobs, Recursive: recursive, SoftMemoryLimit: true}
			if len(args) == 0 {
				// The kernel's default module path; a missing directory
				// of it (no /boot/modules) is no error, as for the kernel.
				for _, d := range defaultModulePath {
					if st, err := os.Stat(d); err == nil && st.IsDir() {
						opts.Dirs = append(opts.Dirs, d)
					}
				}
				if len(opts.Dirs) == 0 {
					return usageErr("none of %s exists: name the directories to scan", strings.Join(defaultModulePath, ";"))
				}
			}
			for _, a := range args {
				for _, d := range strings.Split(a, ";") {
					if d != "" {
						opts.Dirs = append(opts.Dirs, d)
					}
				}
			}
			if err := scanProfile(prof, &opts, cmd.ErrOrStderr()); err != nil {
				return err
			}
			stderr := cmd.ErrOrStderr()
			if f, ok := stderr.(*os.File); ok && !noProgress && term.IsTerminal(int(f.Fd())) {
				bar := progressbar.NewOptions(-1, progressbar.OptionSetWriter(stderr),
					progressbar.OptionSetDescription("checking modules"), progressbar.OptionClearOnFinish(),
					progressbar.OptionShowCount())
				opts.Progress = func(done, total int) {
					bar.ChangeMax(total)
					_ = bar.Set(done)
				}
				defer bar.Finish()
			}
			res, err := runScan(opts)
			if err != nil {
				return err
			}
			in := report.Inputs{Args: cmd.Flags().Args(), Kernel: &res.Kernel, Profile: res.Profile.Name, ModulePath: opts.Dirs}
			return o.emit(cmd, findingsOut{format: format, profile: res.Profile.Name, findings: res.AllFindings(), inputs: &in,
				json:     func() any { return report.NewScan(res) },
				textTail: func(w io.Writer) error { return report.WriteScanSummary(w, res) },
				html:     func(w io.Writer) error { return report.WriteScanHTML(w, res) }})
		},
	}
	cmd.Flags().StringVar(&kernel, "kernel", "", "kernel file (default: DIR/kernel in the first directory that has one)")
	cmd.Flags().StringVar(&prof, "profile", "", "kernel-linker profile (default: from the kernel's osreldate, else the newest)")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, json, sarif or html")
	cmd.Flags().IntVarP(&jobs, "jobs", "j", 0, "modules checked at once (default: the number of CPUs)")
	cmd.Flags().BoolVarP(&recursive, "recursive", "r", false, "find modules in subdirectories too (a build tree such as /usr/obj/.../modules)")
	cmd.Flags().BoolVar(&noProgress, "no-progress", false, "no progress bar (it is shown only when stderr is a terminal)")
	o.add(cmd)
	return cmd
}
