package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kldcheck/kldcheck/bootset"
	"github.com/kldcheck/kldcheck/internal/regfile"
	"github.com/kldcheck/kldcheck/linker"
	"github.com/kldcheck/kldcheck/report"
	"github.com/kldcheck/kldcheck/rules"
)

// newBootCmd simulates a machine's boot set: the loader's preloads from
// loader.conf, then rc.conf's kld_list, in order, into one kernel.
func newBootCmd() *cobra.Command {
	var loaderConfs, rcConfs []string
	var kernel, prof, path, format string
	var o outFlags
	cmd := &cobra.Command{
		Use:   "boot [--loader-conf FILE]... [--rc-conf FILE]... [--kernel FILE] [-p PATH] [--format text|json|sarif|html]",
		Short: "Simulate a boot: loader.conf's preloads, then rc.conf's kld_list, with each set's module-space budget",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, "text", "json", "sarif", "html"); err != nil {
				return err
			}
			if len(loaderConfs) == 0 && len(rcConfs) == 0 {
				return usageErr("boot: name at least one --loader-conf or --rc-conf file")
			}
			var conf bootset.Conf
			for _, list := range []struct {
				files []string
				read  func(string, io.Reader) error
			}{{loaderConfs, conf.ReadLoaderConf}, {rcConfs, conf.ReadRCConf}} {
				for _, f := range list.files {
					if err := readConf(f, list.read); err != nil {
						return err
					}
				}
			}
			l, err := bootKernel(cmd, &conf, kernel, prof, path)
			if err != nil {
				return err
			}
			budgets := report.NewBudgets(l)
			return o.emit(cmd, findingsOut{format: format, profile: l.Profile.Name, findings: l.Findings, parsed: parsedBy(l), inputs: ptr(simInputs(cmd, l)),
				json: func() any {
					return struct {
						report.Check
						Budgets []report.Budget `json:"module_space"`
					}{report.NewCheck(l.Profile.Name, l.Findings), budgets}
				},
				textTail: func(w io.Writer) error { return report.WriteBudgets(w, budgets) },
				html:     func(w io.Writer) error { return report.WriteLoadHTML(w, l) }})
		},
	}
	cmd.Flags().StringArrayVar(&loaderConfs, "loader-conf", nil, "a loader.conf(5) file; several are read in order, a later setting winning (loader.conf, loader.conf.d/*.conf, loader.conf.local)")
	cmd.Flags().StringArrayVar(&rcConfs, "rc-conf", nil, "an rc.conf file whose kld_list is loaded after the preloads; several are read in order")
	cmd.Flags().StringVar(&kernel, "kernel", "", "kernel file (default: on FreeBSD the running kernel; elsewhere a stand-in)")
	cmd.Flags().StringVar(&prof, "profile", "", "kernel-linker profile or release (default: from the kernel's osreldate, else the newest)")
	cmd.Flags().StringVarP(&path, "module-path", "p", "", "directories searched for modules, ';'-separated (default: loader.conf's module_path, else kern.module_path on FreeBSD, else /boot/kernel;/boot/modules)")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, json, sarif or html")
	o.add(cmd)
	return cmd
}

func readConf(path string, read func(string, io.Reader) error) error {
	fh, _, err := regfile.Open(path)
	if err != nil {
		return usageErr("%s: %v", path, unwrapPath(err))
	}
	defer fh.Close()
	if err := read(path, fh); err != nil {
		return usageErr("%v", err)
	}
	return nil
}

// bootKernel boots the simulated kernel and loads the boot set into it:
// the loader's preloads in loader.conf order (the Lua loader keeps no
// defined order; the kernel then links them by dependency), then kld_list
// as rc.d/kld runs kldload on each. A module found nowhere is a
// module-not-found finding, and the boot goes on without it.
func bootKernel(cmd *cobra.Command, conf *bootset.Conf, kernel, prof, path string) (*linker.Linker, error) {
	opts := linker.Options{}
	k, said, err := openKernel(kernel)
	if err != nil {
		return nil, err
	}
	opts.Kernel = k
	switch {
	case path != "":
		opts.ModulePath = splitPath(path)
	case conf.ModulePath != "":
		opts.ModulePath = splitPath(conf.ModulePath)
	default:
		if dirs, ok := host.ModulePath(); ok {
			opts.ModulePath = dirs
		} else {
			opts.ModulePath = defaultModulePath
		}
	}
	if said != "" {
		fmt.Fprintf(cmd.ErrOrStderr(), "kldcheck: note: using %s\n", said)
	}
	if opts.Profile, err = chooseProfile(prof, opts.Kernel, nil, cmd.ErrOrStderr()); err != nil {
		return nil, err
	}
	readHints(&opts, cmd.ErrOrStderr())
	l, err := linker.New(opts)
	if err != nil {
		return nil, &exitError{ExitUsage, err}
	}
	var notFound []rules.Finding
	var paths []string
	where := strings.Join(opts.ModulePath, ";")
	for _, p := range conf.Preloads {
		if !p.IsModule() {
			continue // data for the kernel (md_image, cpu_microcode, ...): not linked
		}
		if f, ok := l.Find(p.File); ok {
			paths = append(paths, f)
			continue
		}
		fd := rules.New(rules.ModuleNotFound, "", "loader: can't find '%s' (%s_load=\"YES\" at %s; module path %s)", p.File, p.Module, p.Where, where)
		fd.Symbol, fd.Location = p.Module, p.Where
		notFound = append(notFound, fd)
	}
	for _, m := range conf.KldList {
		if f, ok := l.Find(m); ok {
			paths = append(paths, f)
			continue
		}
		fd := rules.New(rules.ModuleNotFound, "", "kldload: can't load %s: No such file or directory (kld_list; module path %s)", m, where)
		fd.Symbol = m
		notFound = append(notFound, fd)
	}
	if err := l.LoadAll(paths); err != nil {
		return nil, &exitError{ExitUsage, err}
	}
	l.Findings = append(l.Findings, notFound...)
	return l, nil
}
