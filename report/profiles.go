package report

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/kldcheck/kldcheck/profile"
)

// ProfilesDoc is the JSON document of `kldcheck profiles`.
type ProfilesDoc struct {
	Profiles []ProfileJSON `json:"profiles"`
}

// ProfileJSON is one kernel-linker profile: its name, range and tree, then
// every behaviour field under its key (profile.Field) and, under sources,
// where each was read.
type ProfileJSON map[string]any

// NewProfiles converts the profiles, oldest first.
func NewProfiles(ps []*profile.Profile) ProfilesDoc {
	doc := ProfilesDoc{Profiles: []ProfileJSON{}}
	for _, p := range ps {
		j := ProfileJSON{"name": p.Name, "osreldate": p.OSRelDate, "summary": p.Summary, "tree": p.Tree}
		sources := map[string]string{}
		for _, f := range p.Fields() {
			j[f.Key] = jsonValue(f.Value)
			sources[f.Key] = f.Source
		}
		j["sources"] = sources
		doc.Profiles = append(doc.Profiles, j)
	}
	return doc
}

func jsonValue(v any) any {
	if u, ok := v.(map[string][]string); ok {
		out := map[string][]string{}
		for a, l := range u {
			out[a] = append([]string{}, l...)
		}
		return out
	}
	return v
}

// WriteProfiles writes the profiles as text: per profile its range,
// summary and tree, then each field, its value and its source.
func WriteProfiles(w io.Writer, ps []*profile.Profile) error {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s  osreldate %d", p.Name, p.OSRelDate)
		if end := p.End(); end != int(^uint(0)>>1) {
			fmt.Fprintf(&b, " to %d", end-1)
		} else {
			b.WriteString(" and later")
		}
		fmt.Fprintf(&b, ": %s\n  read in: %s\n", p.Summary, p.Tree)
		for _, f := range p.Fields() {
			fmt.Fprintf(&b, "  %-27s %-8s %s\n", f.Key, textValue(f.Value), f.Source)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func textValue(v any) string {
	u, ok := v.(map[string][]string)
	if !ok {
		return fmt.Sprint(v)
	}
	if len(u) == 0 {
		return "none"
	}
	var parts []string
	for _, a := range slices.Sorted(maps.Keys(u)) {
		parts = append(parts, a+": "+strings.Join(u[a], " "))
	}
	return strings.Join(parts, "; ") + ";"
}
