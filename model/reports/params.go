package reports

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"patchdesk/model"
)

// ParamKind is the type of a report parameter.
type ParamKind string

// Parameter kinds. Every value travels as text (`--param k=v`, a form field, a GUI entry) and
// is checked and normalised by Validate before a report runs.
const (
	KindString ParamKind = "string"
	KindInt    ParamKind = "int"
	KindBool   ParamKind = "bool"
	KindDate   ParamKind = "date"   // YYYY-MM-DD
	KindChoice ParamKind = "choice" // one of Choices, or of what Options finds in the database
)

// Param is one parameter of a report.
type Param struct {
	Name    string
	Title   string
	Kind    ParamKind
	Default string
	Help    string
	// Min and Max bound an int parameter.
	Min, Max int
	// Choices are the fixed values of a choice parameter; "" means "any" when it is the default.
	Choices []string
	// Lookup finds the current values of a choice parameter in the database (vendors, custom
	// severity levels); such a parameter accepts any value, as a name that no longer exists
	// just selects nothing.
	Lookup func(ctx context.Context, store *model.Store) ([]string, error)
}

// Options lists the values a front end offers for a choice parameter.
func (p Param) Options(ctx context.Context, store *model.Store) ([]string, error) {
	if p.Lookup == nil {
		return p.Choices, nil
	}
	found, err := p.Lookup(ctx, store)
	if err != nil {
		return nil, fmt.Errorf("list values of parameter %s: %w", p.Name, err)
	}
	return append(slices.Clone(p.Choices), found...), nil
}

// Values are a report's parameter values by name, as text.
type Values map[string]string

// ErrBadParam wraps every parameter error, so front ends can tell bad input from a failed query.
var ErrBadParam = errors.New("bad report parameter")

// Validate checks the given values against the parameters and returns every parameter's value,
// defaults filled in and normalised (so a Result always shows what it was run with).
func Validate(params []Param, given Values) (Values, error) {
	out := Values{}
	for name := range given {
		if !slices.ContainsFunc(params, func(p Param) bool { return p.Name == name }) {
			names := make([]string, len(params))
			for i, p := range params {
				names[i] = p.Name
			}
			if len(names) == 0 {
				return nil, fmt.Errorf("%w: %q: this report takes no parameters", ErrBadParam, name)
			}
			return nil, fmt.Errorf("%w: unknown parameter %q (use %s)", ErrBadParam, name, strings.Join(names, ", "))
		}
	}
	for _, p := range params {
		v, ok := given[p.Name]
		if !ok {
			v = p.Default
		}
		norm, err := p.normalise(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrBadParam, p.Name, err)
		}
		out[p.Name] = norm
	}
	return out, nil
}

func (p Param) normalise(v string) (string, error) {
	switch p.Kind {
	case KindString:
		if len(v) > 200 {
			return "", errors.New("longer than 200 characters")
		}
		return v, nil
	case KindInt:
		n, err := strconv.Atoi(v)
		if err != nil {
			return "", fmt.Errorf("%q is not a whole number", v)
		}
		if n < p.Min || (p.Max > p.Min && n > p.Max) {
			return "", fmt.Errorf("%d is outside %d..%d", n, p.Min, p.Max)
		}
		return strconv.Itoa(n), nil
	case KindBool:
		switch strings.ToLower(v) {
		case "true", "yes", "on", "1":
			return "true", nil
		case "false", "no", "off", "0", "":
			return "false", nil
		}
		return "", fmt.Errorf("%q is not true or false", v)
	case KindDate:
		if v == "" {
			return "", nil
		}
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return "", fmt.Errorf("%q is not a day (YYYY-MM-DD)", v)
		}
		return t.Format(time.DateOnly), nil
	case KindChoice:
		if v == "" || p.Lookup != nil {
			return v, nil
		}
		for _, c := range p.Choices {
			if strings.EqualFold(c, v) {
				return c, nil
			}
		}
		return "", fmt.Errorf("%q is not one of %s", v, strings.Join(p.Choices, ", "))
	}
	return "", fmt.Errorf("parameter kind %q unknown", p.Kind)
}

// Int reads a validated int parameter.
func (v Values) Int(name string) int { n, _ := strconv.Atoi(v[name]); return n }

// Bool reads a validated bool parameter.
func (v Values) Bool(name string) bool { return v[name] == "true" }

// Date reads a validated date parameter as UTC midnight; zero when empty.
func (v Values) Date(name string) time.Time {
	t, _ := time.Parse(time.DateOnly, v[name])
	return t
}

// ParseAssignments reads `k=v` pairs (the CLI's --param flags, each one parameter).
func ParseAssignments(pairs []string) (Values, error) {
	out := Values{}
	for _, kv := range pairs {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("%w: %q: write name=value", ErrBadParam, kv)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("%w: %s given twice", ErrBadParam, k)
		}
		out[k] = v
	}
	return out, nil
}
