package cli

import (
	"io/fs"
	"path"
	"sort"

	"github.com/spf13/cobra"

	"github.com/kldcheck/kldcheck"
	"github.com/kldcheck/kldcheck/kobj"
)

func newDemoCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run kldcheck on the sample modules built into it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, "text", "json"); err != nil {
				return err
			}
			files, err := openSamples()
			if err != nil {
				return err
			}
			return writeInfo(cmd.OutOrStdout(), format, files)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}

// openSamples parses every embedded sample file.
func openSamples() ([]*kobj.File, error) {
	var names []string
	err := fs.WalkDir(kldcheck.Samples, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var files []*kobj.File
	for _, n := range names {
		data, err := fs.ReadFile(kldcheck.Samples, n)
		if err != nil {
			return nil, err
		}
		f, err := kobj.Parse(path.Join("samples", n), data)
		if err != nil {
			return nil, &exitError{ExitUsage, err}
		}
		files = append(files, f)
	}
	return files, nil
}
