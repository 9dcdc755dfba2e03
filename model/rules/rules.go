// Package rules holds applicability and is-installed rules as data: a small expression tree
// (all / any / not over leaf tests) that serialises to JSON and evaluates against an
// inventory.Inventory with three-valued logic. The host evaluates stored inventories with it and
// the agent evaluates the live machine, so the package stays pure Go with no database or GUI
// dependencies.
package rules

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Op names a node of the rule tree.
type Op string

// Operators: three combinators and the leaf tests.
const (
	All      Op = "all"      // every child is true (empty: true)
	Any      Op = "any"      // at least one child is true (empty: false)
	Not      Op = "not"      // exactly one child, negated
	OS       Op = "os"       // operating system family, name, edition, product type, version range
	Arch     Op = "arch"     // processor architecture is one of Values
	Language Op = "language" // a system language is one of Values (by base language)
	Product  Op = "product"  // installed software by name or product code, optional version range
	KB       Op = "kb"       // a Microsoft update (KB) is installed
	File     Op = "file"     // a file's version, optional range; exists when no range
	Registry Op = "registry" // a registry value equals Value (or exists when Value is empty)
)

// Rule is one node. Which fields matter depends on Op; unused ones stay empty so the JSON is
// short. Version ranges are half-open: Min is inclusive, Below is exclusive, either may be empty.
type Rule struct {
	Op    Op     `json:"op"`
	Rules []Rule `json:"rules,omitempty"`

	// OS: Family ("windows"), Name (case-insensitive substring of the OS name), Edition,
	// ProductType (workstation, server, domain_controller). Min/Below compare the full OS
	// version, on Windows "10.0.<build>.<UBR>".
	Family      string `json:"family,omitempty"`
	Name        string `json:"name,omitempty"`
	Edition     string `json:"edition,omitempty"`
	ProductType string `json:"product_type,omitempty"`

	// Arch and Language: the accepted values.
	Values []string `json:"values,omitempty"`

	// Product: Name matches a display name (case-insensitive; a trailing '*' makes it a prefix
	// match), ProductCode an MSI code or uninstall key; either suffices.
	ProductCode string `json:"product_code,omitempty"`

	// KB: "KB5034441".
	KB string `json:"kb,omitempty"`

	// File: Path. Registry: Key, Value name in Name, expected data in Value.
	Path  string `json:"path,omitempty"`
	Key   string `json:"key,omitempty"`
	Value string `json:"value,omitempty"`

	Min   string `json:"min,omitempty"`
	Below string `json:"below,omitempty"`
}

// Constructors keep rule building in readers short and uniform.

// AllOf is true when every rule is.
func AllOf(rs ...Rule) Rule { return Rule{Op: All, Rules: rs} }

// AnyOf is true when one rule is.
func AnyOf(rs ...Rule) Rule { return Rule{Op: Any, Rules: rs} }

// NotOf negates a rule.
func NotOf(r Rule) Rule { return Rule{Op: Not, Rules: []Rule{r}} }

// HasKB tests for an installed Microsoft update.
func HasKB(kb string) Rule { return Rule{Op: KB, KB: kb} }

// ArchIn tests the OS architecture.
func ArchIn(archs ...string) Rule { return Rule{Op: Arch, Values: archs} }

// Validate checks the tree's shape: known operators, the fields each needs, sane versions, and
// a depth limit so a hostile catalog cannot make evaluation recurse without end.
func (r Rule) Validate() error { return r.validate(0) }

// MaxDepth bounds the nesting of a rule tree.
const MaxDepth = 32

func (r Rule) validate(depth int) error {
	if depth > MaxDepth {
		return fmt.Errorf("rule nested deeper than %d levels", MaxDepth)
	}
	leaf := func() error {
		if len(r.Rules) > 0 {
			return fmt.Errorf("%s rule cannot have child rules", r.Op)
		}
		return nil
	}
	switch r.Op {
	case All, Any:
		for i, c := range r.Rules {
			if err := c.validate(depth + 1); err != nil {
				return fmt.Errorf("%s[%d]: %w", r.Op, i, err)
			}
		}
		return nil
	case Not:
		if len(r.Rules) != 1 {
			return fmt.Errorf("not rule needs exactly one child, has %d", len(r.Rules))
		}
		if err := r.Rules[0].validate(depth + 1); err != nil {
			return fmt.Errorf("not: %w", err)
		}
		return nil
	case OS:
		if r.Family == "" && r.Name == "" && r.Edition == "" && r.ProductType == "" && r.Min == "" && r.Below == "" {
			return errors.New("os rule tests nothing")
		}
	case Arch, Language:
		if len(r.Values) == 0 {
			return fmt.Errorf("%s rule needs values", r.Op)
		}
	case Product:
		if r.Name == "" && r.ProductCode == "" {
			return errors.New("product rule needs a name or a product code")
		}
	case KB:
		if r.KB == "" {
			return errors.New("kb rule needs a KB number")
		}
	case File:
		if r.Path == "" {
			return errors.New("file rule needs a path")
		}
	case Registry:
		if r.Key == "" {
			return errors.New("registry rule needs a key")
		}
	case "":
		return errors.New("rule without op")
	default:
		return fmt.Errorf("unknown rule op %q", r.Op)
	}
	if err := leaf(); err != nil {
		return err
	}
	for _, v := range []string{r.Min, r.Below} {
		if v != "" && len(splitVersion(v)) == 0 {
			return fmt.Errorf("%s rule: %q is not a version", r.Op, v)
		}
	}
	return nil
}

// Parse reads a rule from JSON and validates it; empty input is the empty rule (Op "").
func Parse(data []byte) (Rule, error) {
	var r Rule
	if len(strings.TrimSpace(string(data))) == 0 {
		return r, nil
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("read rule: %w", err)
	}
	if err := r.Validate(); err != nil {
		return r, fmt.Errorf("read rule: %w", err)
	}
	return r, nil
}

// String renders the rule compactly for logs and the Properties dialog.
func (r Rule) String() string {
	b, _ := json.Marshal(r)
	return string(b)
}
