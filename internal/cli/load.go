package cli

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kldcheck/kldcheck/arch"
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
	"github.com/kldcheck/kldcheck/profile"
	"github.com/kldcheck/kldcheck/report"
)

// simFlags are the flags of load and check.
type simFlags struct {
	kernel, profile, path, format string
	formats                       []string  // those the command writes
	stderr                        io.Writer // for notes on the command line itself
	// opened holds modules already read, by path; onApply is passed to
	// the linker (linker.Options.OnApply).
	opened  map[string]*kobj.File
	onApply func(*linker.File, linker.Applied)
}

func (s *simFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&s.kernel, "kernel", "", "kernel file (default: a stand-in that defines every symbol the modules lack)")
	cmd.Flags().StringVar(&s.profile, "profile", "", "kernel-linker profile (default: from the kernel's osreldate, else the newest; see kldcheck profiles)")
	cmd.Flags().StringVarP(&s.path, "module-path", "p", "", "directories searched for dependencies, separated by ';' (default: the directories of the named modules)")
	cmd.Flags().StringVar(&s.format, "format", "text", "output format: "+strings.Join(s.formats, ", "))
}

// simulate boots a simulated kernel and loads the modules.
func (s *simFlags) simulate(modules []string) (*linker.Linker, error) {
	if err := checkFormat(s.format, s.formats...); err != nil {
		return nil, err
	}
	opts := linker.Options{OnApply: s.onApply}
	if s.kernel != "" {
		k, err := kobj.Open(s.kernel)
		if err != nil {
			return nil, &exitError{ExitUsage, err}
		}
		opts.Kernel = k
	}
	// Every file named is read first: for the profile's architecture check,
	// and so that an undefined symbol another of them defines is an
	// undeclared dependency whatever the order of the arguments (the
	// first, by path, to define it is named).
	named := map[string]*kobj.File{}
	var archs []*arch.Arch
	for _, m := range modules {
		f, ok := s.opened[m]
		if !ok {
			var err error
			if f, err = kobj.Open(m); err != nil {
				return nil, &exitError{ExitUsage, err}
			}
		}
		named[m] = f
		archs = append(archs, f.Arch)
	}
	switch {
	case s.profile != "":
		p, note, err := resolveProfile(s.profile, archs)
		if err != nil {
			return nil, err
		}
		if note != "" {
			fmt.Fprintf(s.stderr, "kldcheck: note: %s\n", note)
		}
		opts.Profile = p
	case opts.Kernel != nil && opts.Kernel.OSRelDate != 0:
		opts.Profile = profile.ForOSRelDate(opts.Kernel.OSRelDate)
	default:
		opts.Profile = profile.Newest()
	}
	if s.path != "" {
		opts.ModulePath = strings.Split(s.path, ";")
	} else {
		seen := map[string]bool{}
		for _, m := range modules {
			if d := filepath.Dir(m); !seen[d] {
				seen[d] = true
				opts.ModulePath = append(opts.ModulePath, d)
			}
		}
	}
	opts.Open = func(p string) (*kobj.File, error) {
		if f, ok := named[p]; ok {
			return f, nil
		}
		return kobj.Open(p)
	}
	byPath := append([]string(nil), modules...)
	sort.Strings(byPath)
	opts.DefinedElsewhere = linker.Definers(byPath, named, opts.Profile.LeakLocals)
	l, err := linker.New(opts)
	if err != nil {
		return nil, &exitError{ExitUsage, err}
	}
	if err := l.LoadAll(modules); err != nil {
		var ke *kobj.Error
		if errors.As(err, &ke) {
			return nil, &exitError{ExitUsage, err}
		}
		return nil, err
	}
	return l, nil
}

// newSimCmd builds a command that simulates the load of its arguments, then
// reports on the simulated kernel with show.
func newSimCmd(name, short string, formats []string, show func(cmd *cobra.Command, format string, l *linker.Linker) error) *cobra.Command {
	s := simFlags{formats: formats}
	cmd := &cobra.Command{
		Use:   name + " [--kernel FILE] [--profile NAME] [-p PATH] [--format " + strings.Join(formats, "|") + "] MODULE...",
		Short: short,
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s.stderr = cmd.ErrOrStderr()
			l, err := s.simulate(args)
			if err != nil {
				return err
			}
			return show(cmd, s.format, l)
		},
	}
	s.add(cmd)
	return cmd
}

func newLoadCmd() *cobra.Command {
	return newSimCmd("load", "Simulate kldload: show the loaded files and the VNET/DPCPU module space, as kldstat -v would",
		[]string{"text", "json", "html"}, func(cmd *cobra.Command, format string, l *linker.Linker) error {
			var err error
			switch format {
			case "json":
				err = report.WriteJSON(cmd.OutOrStdout(), report.NewLoad(l))
			case "html":
				err = report.WriteLoadHTML(cmd.OutOrStdout(), l)
			default:
				err = report.WriteLoadText(cmd.OutOrStdout(), l)
			}
			if err == nil && len(l.Failed) > 0 {
				// As kldload(8): a refused load is a failure (the report
				// above says why).
				return &exitError{code: ExitFindings, err: errors.New("")}
			}
			return err
		})
}

func newCheckCmd() *cobra.Command {
	var o outFlags
	cmd := newSimCmd("check", "Simulate kldload and report what would fail or reach the wrong memory",
		[]string{"text", "json", "sarif"}, func(cmd *cobra.Command, format string, l *linker.Linker) error {
			return o.emit(cmd, findingsOut{format: format, profile: l.Profile.Name, findings: l.Findings,
				json: func() any { return report.NewCheck(l.Profile.Name, l.Findings) }})
		})
	o.add(cmd)
	return cmd
}

func newProfilesCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "profiles",
		Short: "List the kernel-linker profiles and what differs between them",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := cmd.OutOrStdout()
			for _, p := range profile.All() {
				fmt.Fprintf(w, "%-14s osreldate >= %-8d %s\n", p.Name, p.OSRelDate, p.Summary)
				fmt.Fprintf(w, "%14s cross-module set fix %v, VNET module space %d, DPCPU module space %d, set size in %s, out-of-space message %v, i386 set padding %v\n",
					"", p.CrossModuleSets, p.VNETModMin, p.DPCPUModMin, map[bool]string{true: "pointers", false: "bytes"}[p.SetSizeInPointers], p.ReportsNoSpace, p.I386SetPadding)
				for a, types := range p.Unsupported {
					fmt.Fprintf(w, "%14s %s rejects %s\n", "", a, strings.Join(types, ", "))
				}
			}
			return nil
		},
	}
}
