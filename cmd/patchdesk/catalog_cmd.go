package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"patchdesk/model"
	"patchdesk/model/atomicfile"
)

func bulletinsCmd(g *globals) *cobra.Command {
	var f model.BulletinFilter
	var from, to string
	cmd := &cobra.Command{
		Use:   "bulletins",
		Short: "List software bulletins (the Remediation Center)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if f.ReleasedFrom, err = parseDay(from); err != nil {
				return fmt.Errorf("--released-from: %w", err)
			}
			if f.ReleasedTo, err = parseDay(to); err != nil {
				return fmt.Errorf("--released-to: %w", err)
			}
			if !f.ReleasedTo.IsZero() {
				f.ReleasedTo = f.ReleasedTo.AddDate(0, 0, 1) // the flag's day is included
			}
			e, err := openEnv(cmd.Context(), g, "cli")
			if err != nil {
				return err
			}
			defer e.Close()
			rows, err := e.store.Bulletins(cmd.Context(), f)
			if err != nil {
				return err
			}
			t := &table{header: []string{"BULLETIN", "VENDOR", "SEVERITY", "CUSTOM", "RELEASED", "UPDATES", "FLAGS", "TITLE"}}
			for _, b := range rows {
				var flags []string
				if b.Superseded {
					flags = append(flags, "superseded")
				}
				if b.Disabled {
					flags = append(flags, "disabled")
				}
				released := ""
				if !b.Released.IsZero() {
					released = b.Released.Format(time.DateOnly)
				}
				t.add(b.ID, b.Vendor, b.Severity, b.CustomSeverity, released, b.Updates, strings.Join(flags, ","), b.Title)
			}
			if rows == nil {
				rows = []model.BulletinRow{}
			}
			return emit(cmd.OutOrStdout(), g, rows, t)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.Vendor, "vendor", "", "only this vendor")
	fl.StringVar(&f.Software, "software", "", "only this software")
	fl.StringVar(&f.Search, "search", "", "text in the id, title, description or CVEs")
	fl.StringVar(&f.Severity, "severity", "", "vendor severity (none: without one)")
	fl.StringVar(&f.CustomSeverity, "custom-severity", "", "custom severity level (none: without one)")
	fl.StringVar(&from, "released-from", "", "released on or after this day (YYYY-MM-DD)")
	fl.StringVar(&to, "released-to", "", "released on or before this day (YYYY-MM-DD)")
	fl.BoolVar(&f.HideSuperseded, "hide-superseded", false, "leave out superseded bulletins")
	fl.StringVar(&f.Sort, "sort", "released", "column to sort by")
	fl.BoolVar(&f.Desc, "desc", false, "sort descending")
	return cmd
}

func parseDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.ParseInLocation(time.DateOnly, s, time.Local)
}

func updatesCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "updates BULLETIN",
		Short: "List a bulletin's software updates",
		Args:  cobra.ExactArgs(1),
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			rows, err := e.store.BulletinUpdates(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			t := &table{header: []string{"UPDATE", "KB", "PRODUCT", "LANG", "ARCH", "SIZE", "DOWNLOAD"}}
			for _, u := range rows {
				dl := u.FileName
				if u.ManualDownload {
					dl = "manual download (" + u.URL + ")"
				}
				t.add(u.ID, u.KB, u.Product, u.Language, u.Architecture, u.Size, dl)
			}
			if rows == nil {
				rows = []model.UpdateRow{}
			}
			return emit(cmd.OutOrStdout(), g, rows, t)
		}),
	}
}

// bulletinCmd holds the Remediation Center's actions on bulletins.
func bulletinCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "bulletin", Short: "Act on software bulletins: custom severity, disable, enable, export"}
	cmd.AddCommand(&cobra.Command{
		Use:   "severity BULLETIN... LEVEL",
		Short: "Assign a custom severity level to bulletins (LEVEL none clears it)",
		Args:  cobra.MinimumNArgs(2),
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			level := args[len(args)-1]
			if strings.EqualFold(level, "none") {
				level = ""
			}
			return e.store.SetCustomSeverity(cmd.Context(), e.actor(), args[:len(args)-1], level)
		}),
	})
	for _, action := range []struct {
		use      string
		disabled bool
		short    string
	}{
		{"disable", true, "Disable bulletins: they are never installed, even when a policy holds them"},
		{"enable", false, "Enable disabled bulletins again"},
	} {
		cmd.AddCommand(&cobra.Command{
			Use:   action.use + " BULLETIN...",
			Short: action.short,
			Args:  cobra.MinimumNArgs(1),
			RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
				return e.store.SetBulletinsDisabled(cmd.Context(), e.actor(), args, action.disabled)
			}),
		})
	}
	var out string
	export := &cobra.Command{
		Use:   "export BULLETIN... --out FILE.xml",
		Short: "Export bulletin information to an XML file",
		Args:  cobra.MinimumNArgs(1),
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			var buf strings.Builder
			if err := e.store.ExportBulletins(cmd.Context(), &buf, args); err != nil {
				return err
			}
			if out == "" || out == "-" {
				_, err := fmt.Fprint(cmd.OutOrStdout(), buf.String())
				return err
			}
			return atomicfile.Write(out, []byte(buf.String()), 0o644)
		}),
	}
	export.Flags().StringVar(&out, "out", "", "the XML file to write (- or empty: standard output)")
	cmd.AddCommand(export)
	return cmd
}

func catalogCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "catalog", Short: "What the catalog sources offer and what was imported"}
	cmd.AddCommand(&cobra.Command{
		Use:   "sources",
		Short: "List the vendors, software and languages the imported sources offer",
		Args:  cobra.NoArgs,
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			offer, err := e.store.CatalogOffered(cmd.Context())
			if err != nil {
				return err
			}
			t := &table{header: []string{"VENDOR", "SOFTWARE"}}
			for _, s := range offer.Software {
				t.add(s.Vendor, s.Name)
			}
			if err := emit(cmd.OutOrStdout(), g, offer, t); err != nil {
				return err
			}
			if g.format != "json" {
				fmt.Fprintf(cmd.OutOrStdout(), "\nLanguages: %s\n", strings.Join(offer.Languages, ", "))
			}
			return nil
		}),
	})
	return cmd
}
