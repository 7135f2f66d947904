package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kldcheck/kldcheck/arch"
	"github.com/kldcheck/kldcheck/bootset"
	"github.com/kldcheck/kldcheck/internal/regfile"
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
	"github.com/kldcheck/kldcheck/profile"
	"github.com/kldcheck/kldcheck/report"
)

// simFlags are the flags of load and check.
type simFlags struct {
	kernel, profile, path, format string
	loadedFrom                    string
	loaded                        bool
	formats                       []string  // those the command writes
	stderr                        io.Writer // for notes on the command line itself
	// opened holds modules already read, by path; onApply is passed to
	// the linker (linker.Options.OnApply).
	opened  map[string]*kobj.File
	onApply func(*linker.File, linker.Applied)
}

func (s *simFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&s.kernel, "kernel", "", "kernel file (default: on FreeBSD the running kernel, kern.bootfile; elsewhere a stand-in that defines every symbol the modules lack)")
	cmd.Flags().StringVar(&s.profile, "profile", "", "kernel-linker profile or release (default: from the kernel's osreldate, else the newest; see kldcheck profiles)")
	cmd.Flags().StringVarP(&s.path, "module-path", "p", "", "directories searched for modules and dependencies, separated by ';' (default: on FreeBSD kern.module_path; elsewhere the directories of the named modules, then /boot/kernel;/boot/modules)")
	cmd.Flags().StringVar(&s.format, "format", "text", "output format: "+strings.Join(s.formats, ", "))
	cmd.Flags().StringVar(&s.loadedFrom, "loaded-from", "", "load first the files a saved `kldstat -v` output lists, in its order, so that the module space they use is accounted for")
	cmd.Flags().BoolVar(&s.loaded, "loaded", false, "load first the files the running FreeBSD kernel has loaded (kldstat -v)")
}

// simulate boots a simulated kernel, loads what is already loaded
// (--loaded, --loaded-from), then the modules named.
func (s *simFlags) simulate(modules []string) (*linker.Linker, error) {
	if err := checkFormat(s.format, s.formats...); err != nil {
		return nil, err
	}
	opts := linker.Options{OnApply: s.onApply}
	k, said, err := openKernel(s.kernel)
	if err != nil {
		return nil, err
	}
	opts.Kernel = k
	opts.ModulePath, said = s.modulePath(modules, said)
	if said != "" {
		fmt.Fprintf(s.stderr, "kldcheck: note: using %s\n", said)
	}
	readHints(&opts, s.stderr)
	preloads, err := s.alreadyLoaded()
	if err != nil {
		return nil, err
	}
	// Resolve what was named as kldload(8) does (a file, a file name in the
	// module path, a module name through linker.hints).
	var paths []string
	for _, list := range [][]string{preloads, modules} {
		for _, m := range list {
			p, ok := opts.Find(m)
			if _, err := regfile.Stat(m); !ok && errors.As(err, new(*regfile.NotRegularError)) {
				return nil, usageErr("%s: %s", m, regfile.Reason(err))
			}
			if !ok {
				return nil, usageErr("%s: no such file, and no module %s in the module path %s", m, m, strings.Join(opts.ModulePath, ";"))
			}
			paths = append(paths, p)
		}
	}
	// Every file is read first: for the profile's architecture check,
	// and so that an undefined symbol another of them defines is an
	// undeclared dependency whatever the order of the arguments (the
	// first, by path, to define it is named).
	named := map[string]*kobj.File{}
	var archs []*arch.Arch
	for _, p := range paths {
		if named[p] != nil {
			continue
		}
		f, ok := s.opened[p]
		if !ok {
			var err error
			if f, err = kobj.Open(p); err != nil {
				return nil, &exitError{ExitUsage, err}
			}
		}
		named[p] = f
		archs = append(archs, f.Arch)
	}
	if opts.Profile, err = chooseProfile(s.profile, opts.Kernel, archs, s.stderr); err != nil {
		return nil, err
	}
	l, err := linker.LoadNamed(opts, paths, named)
	if err != nil {
		var ke *kobj.Error
		if errors.As(err, &ke) { // a bad kernel or module file
			return nil, &exitError{ExitUsage, err}
		}
		return nil, err
	}
	return l, nil
}

// modulePath is -p, else the running kernel's kern.module_path, else the
// directories of the modules named that are files, then the default
// module path's directories that exist. It extends said with where the
// path came from when that was the host.
func (s *simFlags) modulePath(modules []string, said string) ([]string, string) {
	if s.path != "" {
		return splitPath(s.path), said
	}
	if dirs, ok := host.ModulePath(); ok {
		if said != "" {
			said += ", "
		}
		return dirs, said + "module path " + strings.Join(dirs, ";") + " (kern.module_path)"
	}
	var out []string
	seen := map[string]bool{}
	add := func(d string) {
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	for _, m := range modules {
		if isFile(m) {
			add(filepath.Dir(m))
		}
	}
	for _, d := range defaultModulePath {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			add(d)
		}
	}
	return out, said
}

// alreadyLoaded lists the files to load before the modules asked about:
// those of --loaded-from (or --loaded), the kernel left out, each by its
// path when that file is here, else by its name in the module path.
func (s *simFlags) alreadyLoaded() ([]string, error) {
	var files []bootset.LoadedFile
	switch {
	case s.loadedFrom != "" && s.loaded:
		return nil, usageErr("--loaded and --loaded-from: give one")
	case s.loadedFrom != "":
		fh, _, err := regfile.Open(s.loadedFrom)
		if err != nil {
			return nil, usageErr("%s: %v", s.loadedFrom, unwrapPath(err))
		}
		defer fh.Close()
		if files, err = bootset.ParseKldstat(s.loadedFrom, fh); err != nil {
			return nil, usageErr("%v", err)
		}
	case s.loaded:
		var err error
		if files, err = host.Loaded(); err != nil {
			return nil, err
		}
	}
	var out []string
	for _, f := range files {
		if f.ID == 1 || f.Name == "kernel" {
			continue // the kernel itself: --kernel
		}
		if f.Path != "" && isFile(f.Path) {
			out = append(out, f.Path)
		} else {
			out = append(out, f.Name)
		}
	}
	return out, nil
}

func splitPath(p string) []string {
	var out []string
	for _, d := range strings.Split(p, ";") {
		if d != "" {
			out = append(out, d)
		}
	}
	return out
}

func isFile(p string) bool { return regfile.IsRegular(p) }

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
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
				err = report.WriteDocument(cmd.OutOrStdout(), "load", simInputs(cmd, l), report.NewLoad(l))
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
			return o.emit(cmd, findingsOut{format: format, profile: l.Profile.Name, findings: l.Findings, inputs: ptr(simInputs(cmd, l)),
				json: func() any { return report.NewCheck(l.Profile.Name, l.Findings) }, parsed: parsedBy(l)})
		})
	o.add(cmd)
	return cmd
}

func newProfilesCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "profiles [--format text|json]",
		Short: "List the kernel-linker profiles and what differs between them",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, "text", "json"); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if format == "json" {
				return report.WriteDocument(w, "profiles", report.Inputs{}, report.NewProfiles(profile.All()))
			}
			return report.WriteProfiles(w, profile.All())
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}

// parsedBy returns the files a simulated kernel has read, by path.
func parsedBy(l *linker.Linker) func(string) *kobj.File {
	return func(path string) *kobj.File {
		if f := l.Tried[path]; f != nil {
			return f.Obj
		}
		return nil
	}
}

// simInputs are the inputs of a command that simulated kernel l: its
// operands, the kernel file ("" for the stand-in), the profile and the
// module path.
func simInputs(cmd *cobra.Command, l *linker.Linker) report.Inputs {
	k := l.KernelPath()
	return report.Inputs{Args: cmd.Flags().Args(), Kernel: &k, Profile: l.Profile.Name, ModulePath: l.ModulePath()}
}

func ptr[T any](v T) *T { return &v }
