package cli

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
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
	var symbols, relocs bool
	cmd := newFileCmd("info", "Show what a kernel or module file holds: sets, metadata, relocations; or its symbols, or every relocation",
		func(w io.Writer, format string, files []*kobj.File) error {
			if !symbols && !relocs {
				if format == "json" {
					return report.WriteInfoJSON(w, files)
				}
				return report.WriteInfoText(w, files)
			}
			doc := report.DetailDoc{Files: []report.FileDetail{}}
			for _, f := range files {
				fd := report.FileDetail{File: f.Path}
				if symbols {
					fd.SymbolsInfo = report.NewSymbolsInfo(f)
				}
				if relocs {
					run, err := relocRun(f)
					if err != nil {
						return err
					}
					fd.RelocsInfo = report.NewRelocsInfo(f, run)
				}
				doc.Files = append(doc.Files, fd)
			}
			if format == "json" {
				return report.WriteDocument(w, "info", report.Inputs{Args: report.Paths(files)}, doc)
			}
			return report.WriteDetailText(w, files, doc)
		})
	cmd.Use = "info [--symbols] [--relocs] [--format text|json] FILE..."
	cmd.Flags().BoolVar(&symbols, "symbols", false, "list what each file exports and imports (nm -g, nm -u), with the linker set of each variable")
	cmd.Flags().BoolVar(&relocs, "relocs", false, "list every relocation (llvm-readelf -r) with the value the simulated kernel linker stores")
	return cmd
}

// relocRun loads a module alone, as check does (no kernel, dependencies
// from its directory), and records what the linker applied to its own
// records. A kernel is not loaded.
func relocRun(f *kobj.File) (*report.RelocRun, error) {
	run := &report.RelocRun{Applied: map[*kobj.Reloc]linker.Applied{}}
	if f.Kind != kobj.Module {
		return run, nil
	}
	s := simFlags{formats: []string{"text"}, format: "text", stderr: io.Discard,
		opened: map[string]*kobj.File{f.Path: f},
		onApply: func(lf *linker.File, a linker.Applied) {
			if lf.Obj == f {
				run.Simulated, run.Address = true, lf.Address
				run.Applied[a.Reloc] = a
			}
		}}
	l, err := s.simulate([]string{f.Path})
	if err != nil {
		return nil, err
	}
	run.Simulated = true
	for _, lf := range l.Files {
		if lf.Obj == f {
			run.Address = lf.Address
		}
	}
	for _, fe := range l.Failed {
		if fe.File == f.Path {
			run.Refused = fe.Msg
		}
	}
	return run, nil
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
