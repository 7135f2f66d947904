package report

import "github.com/kldcheck/kldcheck/rules"

// RulesDoc is the JSON document of `kldcheck rules`.
type RulesDoc struct {
	Rules []RuleJSON `json:"rules"`
}

// RuleJSON is one rule of the catalogue.
type RuleJSON struct {
	ID       string `json:"id"`
	Severity string `json:"severity"`
	Summary  string `json:"summary"`
	Kernel   string `json:"kernel"` // what the kernel does when the problem is real
	Source   string `json:"source"`
	Fix      string `json:"fix"`
}

// NewRules converts the catalogue.
func NewRules(rs []rules.Rule) RulesDoc {
	doc := RulesDoc{Rules: []RuleJSON{}}
	for _, r := range rs {
		doc.Rules = append(doc.Rules, RuleJSON{r.ID, r.Severity.String(), r.Summary, r.Kernel, r.Source, r.Fix})
	}
	return doc
}
