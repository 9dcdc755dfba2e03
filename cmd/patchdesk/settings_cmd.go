package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"patchdesk/model/settings"
)

// settingJSON is the stable shape of `settings show --format json` (docs/cli.md).
type settingJSON struct {
	Key       string            `json:"key"`
	Pane      string            `json:"pane"`
	Section   string            `json:"section"`
	Label     string            `json:"label"`
	Type      settings.Kind     `json:"type"`
	Value     any               `json:"value"`
	Default   any               `json:"default"`
	IsDefault bool              `json:"is_default"`
	Effective bool              `json:"effective"`
	Note      string            `json:"note,omitempty"`
	Options   []settings.Option `json:"options,omitempty"`
	ReadOnly  bool              `json:"read_only,omitempty"`
}

func settingsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "settings", Short: "Show and change settings"}
	cmd.AddCommand(&cobra.Command{
		Use:   "show [KEY]...",
		Short: "Show settings with their defaults (all, or the keys given)",
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, keys []string) error {
			v, err := e.settings.Load(cmd.Context())
			if err != nil {
				return err
			}
			defs := settings.Defs
			if len(keys) > 0 {
				defs = nil
				for _, k := range keys {
					d, err := settings.Lookup(k)
					if err != nil {
						return err
					}
					defs = append(defs, d)
				}
			}
			out := make([]settingJSON, 0, len(defs))
			t := &table{header: []string{"KEY", "VALUE", "DEFAULT", "ACTS"}}
			for _, d := range defs {
				def := d.DefaultValue(e.settings.Env)
				s := settingJSON{
					Key: d.Key, Pane: d.Pane, Section: d.Section, Label: d.Label, Type: d.Kind,
					Value: v.Typed(d.Key), Default: settings.TypedValue(d, def), IsDefault: v.IsDefault(d.Key),
					Effective: d.Pending == "", Note: d.Note(), Options: d.Options, ReadOnly: d.ReadOnly != "",
				}
				if d.ReadOnly != "" {
					s.IsDefault = true
				}
				out = append(out, s)
				defText, acts := "", "yes"
				if !s.IsDefault {
					defText = display(d, def)
				}
				if d.Pending != "" {
					acts = "with " + d.Pending
				}
				t.add(d.Key, display(d, v.Raw(d.Key)), defText, acts)
			}
			return emit(cmd.OutOrStdout(), g, out, t)
		}),
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "set KEY VALUE [KEY VALUE]...",
		Short: "Change settings; all are validated first and nothing is saved if one is wrong",
		Long: "Change settings; all are validated first and nothing is saved if one is wrong.\n" +
			"A secret given as - is read from the first line of standard input, so that it stays out of\n" +
			"the shell's history and the process list.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 || len(args)%2 != 0 {
				return fmt.Errorf("want KEY VALUE pairs, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			changes := map[string]string{}
			for i := 0; i < len(args); i += 2 {
				changes[args[i]] = args[i+1]
				if d, err := settings.Lookup(args[i]); err == nil && d.Kind == settings.Secret && args[i+1] == "-" {
					line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
					if err != nil && (err != io.EOF || line == "") {
						return fmt.Errorf("read %s from standard input: %w", args[i], err)
					}
					changes[args[i]] = strings.TrimRight(line, "\r\n")
				}
			}
			return saveSettings(cmd, g, changes, false)
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "reset KEY...",
		Short: "Put settings back to their defaults",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, keys []string) error {
			changes := map[string]string{}
			for _, k := range keys {
				changes[k] = ""
			}
			return saveSettings(cmd, g, changes, true)
		},
	})
	return cmd
}

func saveSettings(cmd *cobra.Command, g *globals, changes map[string]string, reset bool) error {
	e, err := openEnv(cmd.Context(), g, "cli")
	if err != nil {
		return err
	}
	defer e.Close()
	if reset {
		for k := range changes {
			d, err := settings.Lookup(k)
			if err != nil {
				return err
			}
			changes[k] = d.DefaultValue(e.settings.Env)
		}
	}
	changed, err := e.settings.Save(cmd.Context(), e.actor(), changes)
	if err != nil {
		return err
	}
	v, err := e.settings.Load(cmd.Context())
	if err != nil {
		return err
	}
	type change struct {
		Key   string `json:"key"`
		Value any    `json:"value"`
	}
	out := []change{}
	t := &table{header: []string{"CHANGED", "VALUE"}}
	for _, k := range changed {
		d, _ := settings.Lookup(k)
		out = append(out, change{k, v.Typed(k)})
		t.add(k, display(d, v.Raw(k)))
	}
	if len(changed) == 0 && g.format != "json" {
		fmt.Fprintln(cmd.OutOrStdout(), "nothing changed: the settings already had these values")
		return nil
	}
	return emit(cmd.OutOrStdout(), g, out, t)
}

// display prints a value for people: lists comma-separated, secrets as (set), empty as (none).
func display(d settings.Def, canonical string) string {
	if d.Kind == settings.Secret && canonical != "" {
		return settings.MaskSecret(canonical)
	}
	if d.Kind == settings.List {
		return strings.Join(settings.TypedValue(d, canonical).([]string), ", ")
	}
	if canonical == "" {
		return "(none)"
	}
	return canonical
}
